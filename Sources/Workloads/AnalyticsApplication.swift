import MessagingEngine
import SimKernel
import Stochastic

/// What an analytics application does, as the scenario file says it.
public struct AnalyticsApplicationSpecification: Sendable {
    /// How records are grouped into keys.
    public enum GroupBy: Sendable, Equatable {
        /// Each partition key on its own.
        case partitionKey
        /// All records under one key, `AnalyticsApplicationSpecification.singleKey`.
        case none
    }

    /// The number each record contributes to the aggregates.
    public enum Value: Sendable {
        /// Drawn per record from the application's own random stream. Records carry no payload in
        /// the simulation, so the value stands for what the application would parse out of one.
        case distribution(Distribution)
        /// The record's data bytes.
        case recordSize
    }

    public var name: String
    public var aggregation: WindowedAggregationConfiguration
    public var groupBy: GroupBy
    public var value: Value
    /// Subtracted from a record's produced instant to give its event time, drawn per record: a
    /// record that waited on its device before it was sent. Nil for event time = produced time.
    public var eventTimeSkew: Distribution?

    public init(name: String, aggregation: WindowedAggregationConfiguration, groupBy: GroupBy = .partitionKey,
                value: Value = .recordSize, eventTimeSkew: Distribution? = nil) {
        self.name = name
        self.aggregation = aggregation
        self.groupBy = groupBy
        self.value = value
        self.eventTimeSkew = eventTimeSkew
    }

    /// The key of every result when records are not grouped.
    public static let singleKey = "all"
}

/// An analytics application over one data stream: a `StreamPoller` reads the stream, each record
/// becomes an `AnalyticsRecord` (event time, key, value) for a `WindowedAggregation`, and every
/// result it delivers goes to `output` with the instant it was delivered.
///
/// Event time is the record's produced instant (as the `producedAt` closure gives it: what the
/// producer stamped in the record) less the drawn `eventTimeSkew`. Values and skews are drawn from
/// the application's own streams in the order records are read, so adding another reader of the
/// stream changes nothing here. A value that is NaN (an empirical sample file could hold one)
/// never reaches the aggregation, which refuses NaN: the record is counted in
/// `recordsWithoutValue` and left out.
///
/// The input has no end of its own: `finish()` ends it (the world calls it once the producers have
/// stopped and the poller has read everything), which fires every window still open.
public final class AnalyticsApplication {
    public let specification: AnalyticsApplicationSpecification
    public private(set) var poller: StreamPoller!
    public private(set) var aggregation: WindowedAggregation
    let valueStream: RandomStream
    let skewStream: RandomStream
    let producedAt: (StreamRecord) -> Instant
    let output: (WindowResult, Instant) -> Void
    public private(set) var recordsIn = 0
    public private(set) var recordsWithoutValue = 0
    public private(set) var isFinished = false

    public init(specification: AnalyticsApplicationSpecification, stream: DataStream, streamIndex: Int, consumerIndex: Int,
                scheduler: Scheduler, observer: StreamWorkloadObserver, streams: (String) -> RandomStream,
                producedAt: @escaping (StreamRecord) -> Instant, output: @escaping (WindowResult, Instant) -> Void) {
        self.specification = specification
        aggregation = WindowedAggregation(configuration: specification.aggregation)
        valueStream = streams("analytics/\(specification.name)/value")
        skewStream = streams("analytics/\(specification.name)/eventTimeSkew")
        self.producedAt = producedAt
        self.output = output
        poller = StreamPoller(stream: stream, streamIndex: streamIndex, consumerIndex: consumerIndex, scheduler: scheduler,
                              observer: observer) { [unowned self] _, records, at in self.process(records, at: at) }
    }

    public func start() { poller.start() }

    /// Feeds a batch to the aggregation in the order read.
    func process(_ records: ArraySlice<StreamRecord>, at now: Instant) {
        var results: [WindowResult] = []
        for record in records {
            recordsIn += 1
            let value: Double
            switch specification.value {
            case .distribution(let distribution): value = distribution.sample(valueStream, truncatedAtZero: false)
            case .recordSize: value = Double(record.dataBytes)
            }
            var eventTime = producedAt(record)
            if let skew = specification.eventTimeSkew {
                eventTime = eventTime + Span(seconds: -skew.sample(skewStream, truncatedAtZero: true))
            }
            guard !value.isNaN else {
                recordsWithoutValue += 1
                continue
            }
            let key = specification.groupBy == .partitionKey ? record.partitionKey : AnalyticsApplicationSpecification.singleKey
            aggregation.process(AnalyticsRecord(eventTime: eventTime, key: key, value: value), into: &results)
        }
        for result in results { output(result, now) }
    }

    /// Ends the input: fires every window still holding results not delivered. Once only.
    public func finish(at now: Instant) {
        guard !isFinished else { return }
        isFinished = true
        var results: [WindowResult] = []
        aggregation.flush(into: &results)
        for result in results { output(result, now) }
    }
}

/// Writes an analytics application's results, one record each, to a data stream (PutRecords) or
/// a delivery stream (PutRecordBatch), as the application's output connector does.
///
/// Results wait in order and leave in calls of up to 500 made at the instant they arrive; records
/// refused for a quota are sent again, first, `retryDelay` later. Like the poller, the writer runs
/// inside AWS: its calls take no network time (an assumption).
///
/// A result record's size is an estimate of its JSON text: 64 bytes of window bounds and framing,
/// the key, and 24 bytes per aggregate (an assumption; nothing in the simulation serialises it).
/// On a data stream its partition key is the result's key, and its tag is
/// `StreamRecordTag(producer: producerNumber, record: n)` for the writer's n-th result: the world
/// numbers writers after the scenario's stream producers, so tags stay unique.
public final class AnalyticsOutputWriter: TimerTarget {
    public enum Target {
        case dataStream(DataStream, index: Int)
        case deliveryStream(DeliveryStream)
    }

    public let target: Target
    public let producerNumber: Int
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the writer observes it and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    public let retryDelay: Span
    /// Called when the writer has nothing left to write.
    public var onIdle: (() -> Void)?

    struct Pending {
        var request: PutRecordRequest
        var key: Int
        var producedAt: Instant
    }

    var pending: [Pending] = []
    var flushScheduled = false
    /// The result keys, by the number the ledger knows them by.
    public private(set) var keys: [String] = []
    var keyNumbers: [String: Int] = [:]
    public private(set) var recordsWritten = 0
    public private(set) var recordsRetried = 0
    public private(set) var recordsAbandoned = 0
    var recordsMade = 0

    public init(target: Target, producerNumber: Int, scheduler: Scheduler, observer: StreamWorkloadObserver,
                retryDelay: Span = .seconds(1)) {
        self.target = target
        self.producerNumber = producerNumber
        self.scheduler = scheduler
        self.observer = observer
        self.retryDelay = retryDelay
    }

    public var isIdle: Bool { pending.isEmpty }

    /// The estimated size of a result's record.
    public static func recordBytes(_ result: WindowResult) -> Int { 64 + result.key.utf8.count + 24 * result.values.count }

    public func write(_ result: WindowResult, at now: Instant) {
        let number: Int
        if let known = keyNumbers[result.key] {
            number = known
        } else {
            number = keys.count
            keys.append(result.key)
            keyNumbers[result.key] = number
        }
        let tag = StreamRecordTag(producer: producerNumber, record: recordsMade)
        recordsMade += 1
        pending.append(Pending(request: PutRecordRequest(partitionKey: result.key, dataBytes: Self.recordBytes(result), tag: tag.rawValue),
                               key: number, producedAt: now))
        if !flushScheduled {
            flushScheduled = true
            scheduler.schedule(at: now, target: self, code: 0, payload: 0)
        }
    }

    public func timerFired(code: Int, payload: Int) {
        flushScheduled = false
        let now = scheduler.now
        let batch = Array(pending.prefix(DeliveryStreamConfiguration.batchRecordsMax))
        pending.removeFirst(batch.count)
        let retry = put(batch, at: now)
        recordsRetried += retry.count
        pending.insert(contentsOf: retry, at: 0)
        if !pending.isEmpty {
            flushScheduled = true
            scheduler.schedule(at: retry.isEmpty ? now : now + retryDelay, target: self, code: 0, payload: 0)
        } else {
            onIdle?()
        }
    }

    /// One call; returns the records to send again.
    func put(_ batch: [Pending], at now: Instant) -> [Pending] {
        var retry: [Pending] = []
        switch target {
        case .dataStream(let stream, let index):
            let results: [PutRecordResult]
            switch stream.putRecords(batch.map(\.request)) {
            case .records(let answers): results = answers
            case .rejected(let error): results = Array(repeating: .rejected(error), count: batch.count)
            }
            for (record, result) in zip(batch, results) {
                switch result {
                case .put(let sequenceNumber):
                    recordsWritten += 1
                    observer.streamRecordAccepted(stream: index, tag: StreamRecordTag(rawValue: record.request.tag), key: record.key,
                                                  sequenceNumber: sequenceNumber, producedAt: record.producedAt, at: now)
                case .rejected(let error) where error.isRetryable:
                    retry.append(record)
                case .rejected(let error):
                    recordsAbandoned += 1
                    observer.streamRecordAbandoned(stream: index, tag: StreamRecordTag(rawValue: record.request.tag),
                                                   reason: error.description, at: now)
                }
            }
        case .deliveryStream(let deliveryStream):
            let inputs = batch.map { DeliveryStreamRecordInput(dataBytes: $0.request.dataBytes, tag: $0.request.tag) }
            let results: [DeliveryStreamPutResult]
            switch deliveryStream.putRecordBatch(inputs) {
            case .entries(let answers): results = answers
            case .rejected(let error): results = Array(repeating: .failed(error), count: batch.count)
            }
            for (record, result) in zip(batch, results) {
                switch result {
                case .put: recordsWritten += 1
                case .failed(let error) where error.isRetryable: retry.append(record)
                case .failed: recordsAbandoned += 1
                }
            }
        }
        return retry
    }
}
