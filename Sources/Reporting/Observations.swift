import Histogram
import Verification

/// Latencies recorded in nanoseconds, three significant digits from 1 ns to about 26 days.
///
/// The bottom is 1 ns, not 1 µs, so that a message taken the instant it arrives (a waiting long
/// poll) reads as 0, not as the first bucket's midpoint.
public typealias LatencyHistogram = Histogram<UInt64>

extension Histogram where Count == UInt64 {
    public static func latency() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 51, numberOfSignificantValueDigits: .three)
    }

    /// Records a latency, clamping it into the trackable range rather than dropping it.
    public mutating func recordLatency(nanoseconds: Int64) {
        _ = record(UInt64(Swift.min(Swift.max(nanoseconds, 0), (1 << 51) - 1)))
    }
}

/// One latency metric of one replication: the histogram for percentiles, and the values in the
/// order they were recorded for exact means and batch means.
public struct LatencySeries: Sendable {
    public var histogram = LatencyHistogram.latency()
    /// Seconds, in recording order. Float halves the memory; its 7 digits are ample for a mean.
    public private(set) var values: [Float] = []

    public init() {}

    public mutating func record(nanoseconds: Int64) {
        histogram.recordLatency(nanoseconds: nanoseconds)
        values.append(Float(Double(nanoseconds) / 1e9))
    }

    public var count: Int { values.count }
    public var mean: Double? {
        values.isEmpty ? nil : values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }
}

/// One sample of a queue's depth.
public struct DepthSample: Sendable, Equatable {
    public var time: Double
    public var visible: Int
    public var inFlight: Int
    public var delayed: Int
    public init(time: Double, visible: Int, inFlight: Int, delayed: Int) {
        self.time = time
        self.visible = visible
        self.inFlight = inFlight
        self.delayed = delayed
    }
}

/// What one queue did in one replication.
public struct QueueObservations: Sendable {
    public var name: String
    public var type: String
    /// Send accepted → first receive, for messages sent after the warm-up.
    public var queueWait = LatencySeries()
    /// Produced → deleted, for messages sent after the warm-up.
    public var endToEnd = LatencySeries()
    public var messagesSent = 0
    public var messagesReceived = 0
    public var messagesDeleted = 0
    public var sendRequests = 0
    public var receiveRequests = 0
    public var emptyReceives = 0
    public var deleteRequests = 0
    public var depth: [DepthSample] = []
    public var activity = QueueActivity()
    /// Each extended-client request to the object store (put, get, delete) for this queue's messages.
    public var objectStoreLatency = LatencySeries()
    /// Calls refused by the queue's access policies, per principal (sorted).
    public var deniedByPrincipal: [(principal: String, count: Int)] = []

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// What a queue did besides plain sends, receives and deletes; every figure a count over one
/// replication, summed over replications in the report.
public struct QueueActivity: Sendable, Equatable {
    /// Requests as billed: each 64 KiB chunk of a call's payload is one request.
    public var billedRequests = 0
    public var changeVisibilityRequests = 0
    /// FIFO sends accepted without enqueuing (deduplication ID seen within 5 minutes).
    public var deduplicated = 0
    public var deadLettered = 0
    /// Arrived from another queue: by a redrive, or moved back by a move task.
    public var movedIn = 0
    public var movedOut = 0
    public var purged = 0
    public var purgeRequests = 0
    /// Calls refused with ThrottlingException.
    public var throttled = 0
    public var spuriousDuplicates = 0
    /// Receives that came back empty while visible messages were stored (short-poll sampling, or
    /// every FIFO group with a visible message blocked).
    public var emptyWhileStored = 0
    public var visibilityLapses = 0
    /// GenerateDataKey and Decrypt calls for this SSE-KMS queue.
    public var kmsRequests = 0
    /// Calls the queue's access policies refused.
    public var deniedCalls = 0

    public init() {}

    public static func + (a: QueueActivity, b: QueueActivity) -> QueueActivity {
        var sum = QueueActivity()
        sum.billedRequests = a.billedRequests + b.billedRequests
        sum.changeVisibilityRequests = a.changeVisibilityRequests + b.changeVisibilityRequests
        sum.deduplicated = a.deduplicated + b.deduplicated
        sum.deadLettered = a.deadLettered + b.deadLettered
        sum.movedIn = a.movedIn + b.movedIn
        sum.movedOut = a.movedOut + b.movedOut
        sum.purged = a.purged + b.purged
        sum.purgeRequests = a.purgeRequests + b.purgeRequests
        sum.throttled = a.throttled + b.throttled
        sum.spuriousDuplicates = a.spuriousDuplicates + b.spuriousDuplicates
        sum.emptyWhileStored = a.emptyWhileStored + b.emptyWhileStored
        sum.visibilityLapses = a.visibilityLapses + b.visibilityLapses
        sum.kmsRequests = a.kmsRequests + b.kmsRequests
        sum.deniedCalls = a.deniedCalls + b.deniedCalls
        return sum
    }
}

/// What the extended client's object store did in one replication.
public struct ObjectStoreObservations: Sendable, Equatable {
    public var putRequests = 0
    public var getRequests = 0
    public var deleteRequests = 0
    public var failedRequests = 0
    public var bytesStoredPeak = 0
    /// Bytes stored integrated over the run, for the storage cost.
    public var storedByteSeconds = 0.0
    public init() {}
}

/// What one consumer fleet did in one replication.
public struct FleetObservations: Sendable {
    public var name: String
    public var queue: String
    public var count: Int
    /// Processing time summed over the fleet's consumers.
    public var busySeconds: Double
    public var utilisation: Double {
        busyCapacitySeconds > 0 ? busySeconds / busyCapacitySeconds : 0
    }
    /// Consumer-seconds available: the fleet's size times the run's length.
    public var busyCapacitySeconds: Double

    public init(name: String, queue: String, count: Int, busySeconds: Double, busyCapacitySeconds: Double) {
        self.name = name
        self.queue = queue
        self.count = count
        self.busySeconds = busySeconds
        self.busyCapacitySeconds = busyCapacitySeconds
    }
}

/// The value of a count (concurrent invocations, instances) at one sample instant.
public struct CountSample: Sendable, Equatable {
    public var time: Double
    public var value: Int
    public init(time: Double, value: Int) {
        self.time = time
        self.value = value
    }
}

/// What one consumer whose size changes did in one replication: a Lambda function (its event
/// source mapping) or an autoscaled consumer fleet.
public struct ScalingObservations: Sendable {
    public enum Kind: String, Sendable {
        /// The count is concurrent invocations.
        case function
        /// The count is instances launched: warming up or in service.
        case autoscaledFleet
    }

    public var name: String
    public var kind: Kind
    public var queue: String
    /// The count at each sample instant (those of the queues' depth samples).
    public var samples: [CountSample] = []
    /// The largest count at any instant, between samples too.
    public var peak = 0
    /// The count integrated over the replication's elapsed time; divided by it, the mean over time.
    public var countSeconds = 0.0
    /// Functions only (0 for fleets): invocations, those that failed as a whole, those that needed
    /// a new execution environment, and pollers the account's concurrency limit refused.
    public var invocations = 0
    public var failedInvocations = 0
    public var coldStarts = 0
    public var throttles = 0
    /// Changes of size: an autoscaled fleet's scaling actions; a function's changes of pollers
    /// (scale-ups and retirements).
    public var scalingActions = 0
    /// Functions only: run time as billed (each invocation rounded up to 1 ms) and configured memory.
    public var billedDurationSeconds = 0.0
    public var memoryMB = 0

    public init(name: String, kind: Kind, queue: String) {
        self.name = name
        self.kind = kind
        self.queue = queue
    }
}

/// What one SNS topic did in one replication. Every figure is a count over the replication,
/// summed over replications in the report.
public struct TopicObservations: Sendable {
    public var name: String
    /// `standard` or `fifo`.
    public var type: String
    /// Publish and PublishBatch calls that reached the topic.
    public var publishRequests = 0
    /// Messages accepted (not deduplicated).
    public var messagesPublished = 0
    /// Publish requests as SNS bills them: each started 64 KiB chunk of a call's payload is one
    /// request, a PublishBatch counting its entries' payloads together (`PriceTable.snsBilledRequests`).
    public var billedPublishRequests = 0
    /// FIFO publishes accepted without a new message (deduplication ID seen within 5 minutes).
    public var deduplicated = 0
    /// Publishes refused with ThrottlingException.
    public var throttled = 0
    /// Publishes refused for another reason (limits, access denied).
    public var rejected = 0
    /// Calls refused by the topic's access policies (Publish and Subscribe).
    public var deniedCalls = 0
    /// Calls refused by the topic's access policies, per principal (sorted).
    public var deniedByPrincipal: [(principal: String, count: Int)] = []
    /// In the order of the scenario file.
    public var subscriptions: [SubscriptionObservations] = []
    /// Messages a producer gave up publishing: refused, or every attempt failed.
    public var publishesAbandoned = 0

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}

/// What one subscription of a topic did in one replication.
public struct SubscriptionObservations: Sendable {
    /// Unique within the topic, e.g. `orders-queue`.
    public var name: String
    /// `sqs`, `lambda`, `firehose`, `http`, `https`, `email`, `email-json`, `sms` or `application`.
    public var protocolName: String
    /// What it delivers to, e.g. `queue/orders` or `https://hooks.example`.
    public var endpoint: String
    /// Delivers the body alone rather than the JSON envelope.
    public var rawMessageDelivery: Bool
    /// Published messages its filter policy let through (all of them without a policy).
    public var matched = 0
    /// Published messages its filter policy held back: never delivered.
    public var filteredOut = 0
    /// Delivery attempts, first ones and retries.
    public var attempts = 0
    public var retries = 0
    public var delivered = 0
    /// Retries exhausted (or a client-side error) and sent to the subscription's dead-letter queue.
    public var deadLettered = 0
    /// Exhausted with no dead-letter queue, or refused by it: lost, and counted.
    public var dropped = 0
    /// Still being retried when the run ended.
    public var pendingAtEnd = 0
    /// Bytes delivered, the envelope included unless delivery is raw.
    public var deliveredBytes = 0
    /// Deliveries as SNS bills them: one per started 64 KiB chunk of a delivered message.
    public var billedDeliveries = 0
    /// Publish accepted → delivered (the successful attempt), for messages published after the warm-up.
    public var deliveryLatency = LatencySeries()
    /// FIFO topics: deliveries that reached the subscription before an earlier message of their
    /// group (an independent check of the topic's ordering; 0 when it holds).
    public var outOfOrder = 0
    /// Why the topic refused the Subscribe call (its policy does not allow the subscriber); nil
    /// when the subscription exists. A refused subscription receives nothing.
    public var subscribeRefusal: String?

    public init(name: String, protocolName: String, endpoint: String, rawMessageDelivery: Bool) {
        self.name = name
        self.protocolName = protocolName
        self.endpoint = endpoint
        self.rawMessageDelivery = rawMessageDelivery
    }
}

/// A fault as it ran.
public struct FaultEntry: Sendable, Equatable {
    public var kind: String
    public var target: String
    public var from: Double
    public var to: Double?
    public var detail: String
    public init(kind: String, target: String, from: Double, to: Double?, detail: String) {
        self.kind = kind
        self.target = target
        self.from = from
        self.to = to
        self.detail = detail
    }
}

/// Everything one replication produced that a report needs.
public struct ReplicationObservations: Sendable {
    public var index: Int
    /// Seconds producers ran.
    public var duration: Double
    /// Seconds until the run ended (drained, or the drain limit).
    public var elapsed: Double
    /// Why the run ended: `drained`, `drainLimit` or `eventBudget`.
    public var endReason: String
    public var eventsRun: Int
    public var queues: [QueueObservations]
    public var fleets: [FleetObservations]
    public var delivery: [DeliveryResult]
    public var faults: [FaultEntry]
    public var callsFailed = 0
    public var callsRetried = 0
    /// All zero when no producer uses the extended client.
    public var objectStore = ObjectStoreObservations()
    /// Autoscaled fleets, then functions, each in the order of the scenario file.
    public var scaling: [ScalingObservations] = []
    /// SNS topics in the order of the scenario file; empty when it has none.
    public var topics: [TopicObservations] = []
    /// Kinesis data streams, Firehose delivery streams and analytics applications, each in the
    /// order of the scenario file; empty when it has none.
    public var streams: [StreamObservations] = []
    public var deliveryStreams: [DeliveryStreamObservations] = []
    public var analytics: [AnalyticsObservations] = []
    /// Kinesis video stream entries in the order of the scenario file; empty when it has none.
    public var videoStreams: [VideoStreamObservations] = []

    public init(index: Int, duration: Double, elapsed: Double, endReason: String, eventsRun: Int,
                queues: [QueueObservations], fleets: [FleetObservations], delivery: [DeliveryResult], faults: [FaultEntry]) {
        self.index = index
        self.duration = duration
        self.elapsed = elapsed
        self.endReason = endReason
        self.eventsRun = eventsRun
        self.queues = queues
        self.fleets = fleets
        self.delivery = delivery
        self.faults = faults
    }
}
