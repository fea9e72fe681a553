import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

/// One delivery stream of a world with everything around it: its destination, its transformation
/// function, what feeds it (Direct PUT producers, or a poller reading its source stream) and what
/// the world measured of it.
public final class DeliveryStreamRun {
    public let entry: ScenarioModel.DeliveryStreamEntry
    public let stream: DeliveryStream
    public let destination: ObjectDestination
    public let function: TransformationFunction?
    /// Reads the source stream; nil for Direct PUT.
    public internal(set) var poller: StreamPoller?
    public internal(set) var producers: [StreamProducer] = []
    /// Records the poller read but the delivery stream refused (over 1,000 KiB): they never
    /// entered it.
    public internal(set) var recordsRefused = 0
    /// The size of each object delivered, in delivery order.
    public internal(set) var objectBytes: [Int] = []
    /// Each delivered record: from when the delivery stream accepted it to when its object reached
    /// the destination.
    public internal(set) var deliveryLatency = LatencySeries()
    /// Each delivered object: the age of its oldest record when it reached the destination — the
    /// data freshness just before that delivery.
    public internal(set) var freshnessAtDelivery = LatencySeries()
    /// DataFreshness at each sample instant, in seconds.
    public internal(set) var freshnessSamples: [(time: Double, seconds: Double)] = []
    public internal(set) var bytesDropped = 0

    init(entry: ScenarioModel.DeliveryStreamEntry, stream: DeliveryStream, destination: ObjectDestination, function: TransformationFunction?) {
        self.entry = entry
        self.stream = stream
        self.destination = destination
        self.function = function
    }

    /// Whether the stream has nothing left to do: its feeders have stopped with nothing on the way,
    /// and every record it accepted was delivered, backed up, dropped, failed or expired.
    var isIdle: Bool {
        producers.allSatisfy(\.isIdle) && (poller?.isIdle ?? true) && stream.recordsHeld == 0
    }

    /// What became of the records, as the report will show them.
    public var figures: DeliveryStreamFigures {
        let c = stream.counters
        let source: String
        switch entry.source {
        case .direct: source = "direct"
        case .stream: source = "stream/\(poller?.stream.configuration.name ?? "")"
        }
        return DeliveryStreamFigures(
            name: entry.configuration.name, source: source, destination: entry.destinationName, backup: entry.backup,
            recordsIn: c.recordsIn, bytesIn: c.bytesIn, billedBytes: c.billedBytes, recordsThrottled: c.throttledRecords,
            recordsRefused: recordsRefused, recordsAbandonedByProducers: producers.reduce(0) { $0 + $1.recordsAbandoned },
            transformedOk: c.recordsTransformed, transformationDropped: c.recordsDropped, transformationProcessingFailed: c.recordsProcessingFailed,
            invocations: c.invocations, invocationFailures: c.invocationFailures,
            objectsDelivered: c.objectsDelivered, recordsDelivered: c.recordsDelivered, bytesDelivered: c.bytesDelivered,
            flushesBySize: c.flushesBySize, flushesByInterval: c.flushesByInterval,
            destinationAttempts: destination.attempts, destinationFailures: destination.failures,
            objectsBackedUp: c.objectsBackedUp, recordsBackedUp: c.recordsBackedUp, bytesBackedUp: c.bytesBackedUp,
            objectsExpired: c.objectsExpired, recordsExpired: c.recordsExpired, bytesExpired: c.bytesExpired,
            bytesDropped: bytesDropped + c.processingFailedBytes, recordsHeldAtEnd: stream.recordsHeld)
    }
}

/// What one delivery stream did in one replication. Every record accepted (`recordsIn`) ends in
/// exactly one of delivered, backed up, expired, dropped, processing failed — or is still held
/// when the run ends.
public struct DeliveryStreamFigures: Sendable, Equatable {
    public var name: String
    /// `direct` or `stream/<name>`.
    public var source: String
    public var destination: String
    public var backup: String?
    public var recordsIn: Int
    public var bytesIn: Int
    public var billedBytes: Int
    public var recordsThrottled: Int
    /// Records read from the source stream that the delivery stream refused (over 1,000 KiB). What
    /// it refuses a Direct PUT producer is in `recordsAbandonedByProducers`.
    public var recordsRefused: Int
    /// Records Direct PUT producers gave up on (throttled on every attempt, or refused).
    public var recordsAbandonedByProducers: Int
    public var transformedOk: Int
    public var transformationDropped: Int
    public var transformationProcessingFailed: Int
    public var invocations: Int
    public var invocationFailures: Int
    public var objectsDelivered: Int
    public var recordsDelivered: Int
    public var bytesDelivered: Int
    public var flushesBySize: Int
    public var flushesByInterval: Int
    public var destinationAttempts: Int
    public var destinationFailures: Int
    public var objectsBackedUp: Int
    public var recordsBackedUp: Int
    public var bytesBackedUp: Int
    public var objectsExpired: Int
    public var recordsExpired: Int
    public var bytesExpired: Int
    /// Bytes the transformation dropped or failed (as put).
    public var bytesDropped: Int
    public var recordsHeldAtEnd: Int
}

extension World: DeliveryStreamObserver {
    /// Builds each delivery stream with its destination and function, the Direct PUT producers, and
    /// a poller for each delivery stream that reads a stream. Streams must be built first.
    func buildDeliveryStreams(streams randomStreams: (String) -> RandomStream) {
        deliveryStreamRuns = model.deliveryStreams.enumerated().map { index, entry in
            let name = entry.configuration.name
            let destination = ObjectDestination(name: entry.destinationName, specification: entry.destination, scheduler: scheduler,
                                                randomness: randomStreams("deliveryStream/\(name)/destination"))
            let function = entry.transformation.map {
                TransformationFunction(specification: $0, scheduler: scheduler, randomness: randomStreams("deliveryStream/\(name)/transformation"))
            }
            let stream = DeliveryStream(configuration: entry.configuration, token: index, clock: scheduler, timers: scheduler,
                                        destination: destination, transformer: function)
            stream.observer = self
            let run = DeliveryStreamRun(entry: entry, stream: stream, destination: destination, function: function)
            if case .stream(let source) = entry.source {
                let consumer = model.streamConsumers.firstIndex {
                    if case .deliveryStream(index) = $0.kind { return true }
                    return false
                }!
                run.poller = StreamPoller(stream: dataStreams[source], streamIndex: source, consumerIndex: consumer, scheduler: scheduler,
                                          observer: self) { [unowned run] _, records, _ in
                    for record in records {
                        if case .failed = run.stream.putRecord(DeliveryStreamRecordInput(dataBytes: record.dataBytes, tag: record.tag)) {
                            run.recordsRefused += 1
                        }
                    }
                }
                run.poller!.onCaughtUp = { [unowned self] in if scheduler.now >= stopInstant { stopIfDrained() } }
            }
            return run
        }
        for (index, entry) in model.deliveryStreamProducers.enumerated() {
            let run = deliveryStreamRuns[entry.deliveryStream]
            run.producers.append(StreamProducer(specification: entry.specification, producerIndex: index, target: .deliveryStream(run.stream),
                                                streamIndex: entry.deliveryStream, network: network, scheduler: scheduler, observer: self,
                                                streams: randomStreams, stop: stopInstant))
        }
    }

    func startDeliveryStreams() {
        for run in deliveryStreamRuns {
            run.poller?.start()
            for producer in run.producers { producer.start() }
        }
    }

    /// Whether every delivery stream has delivered or given up everything it took.
    var deliveryStreamsIdle: Bool { deliveryStreamRuns.allSatisfy(\.isIdle) }

    func sampleDeliveryStreams(time: Double) {
        for run in deliveryStreamRuns {
            if let last = run.freshnessSamples.last, last.time == time { continue }
            run.freshnessSamples.append((time, run.stream.dataFreshness.seconds))
        }
    }

    public func deliveryStream(_ stream: DeliveryStream, didObserve event: DeliveryStreamEvent) {
        let run = deliveryStreamRuns[stream.token]
        let at: Instant
        switch event {
        case .delivered(let object, _, let instant):
            at = instant
            run.objectBytes.append(object.sizeBytes)
            run.freshnessAtDelivery.record(nanoseconds: (instant - object.oldestPutAt).nanoseconds)
            for record in object.records { run.deliveryLatency.record(nanoseconds: (instant - record.putAt).nanoseconds) }
        case .backedUp(_, _, _, let instant), .expired(_, _, let instant):
            at = instant
        case .dropped(let records, let instant):
            at = instant
            run.bytesDropped += records.reduce(0) { $0 + $1.sizeBytes }
        case .processingFailed(_, _, let instant):
            at = instant
        }
        if at >= stopInstant { stopIfDrained() }
    }
}
