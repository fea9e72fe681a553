import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Keeps what stream consumers report, record by record, for tests to compare.
final class StreamConsumerRecorder: StreamWorkloadObserver {
    struct Handled: Equatable {
        var consumer: Int
        var shard: Int
        var sequenceNumber: SequenceNumber
        var partitionKey: String
        var at: Instant
    }

    struct Discarded: Equatable {
        var record: Handled
        var reason: String
    }

    private(set) var processed: [Handled] = []
    private(set) var discarded: [Discarded] = []
    /// Every record handled (processed or discarded), in the order reported.
    private(set) var handled: [Handled] = []
    /// Each report's size, in order: how the consumer batched its records.
    private(set) var processedBatchSizes: [Int] = []
    private(set) var lags: [(shard: Int, millisBehindLatest: Int64, at: Instant)] = []
    private(set) var throttles: [(shard: Int, at: Instant)] = []

    func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant) {}
    func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant) {}

    func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant) {
        processedBatchSizes.append(records.count)
        for record in records {
            processed.append(Handled(consumer: consumer, shard: shard, sequenceNumber: record.sequenceNumber, partitionKey: record.partitionKey, at: at))
            handled.append(processed[processed.count - 1])
        }
    }

    func streamRecordsDiscarded(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, reason: String, at: Instant) {
        for record in records {
            let handled = Handled(consumer: consumer, shard: shard, sequenceNumber: record.sequenceNumber, partitionKey: record.partitionKey, at: at)
            discarded.append(Discarded(record: handled, reason: reason))
            self.handled.append(handled)
        }
    }

    func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant) {
        lags.append((shard, millisBehindLatest, at))
    }

    func streamReadThrottled(stream: Int, consumer: Int, shard: Int, at: Instant) {
        throttles.append((shard, at))
    }
}

/// One data stream with its consumers, wired by hand as a scenario's world wires them: a
/// scheduler, a network, named random streams from one seed, and a recording observer.
final class StreamActorWorld {
    let scheduler = Scheduler()
    let stream: DataStream
    let network: Network
    let observer = StreamConsumerRecorder()
    let seed: UInt64
    /// The actors, kept alive: the scheduler does not retain its targets.
    private(set) var actors: [AnyObject] = []

    init(shards: Int = 1, seed: UInt64 = 7, apiLatency: Distribution = .constant(0),
         _ configure: (inout StreamConfiguration) -> Void = { _ in }) {
        var configuration = StreamConfiguration(name: "clicks", shardCount: shards)
        configure(&configuration)
        stream = DataStream(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        network = Network(apiLatency: apiLatency)
        self.seed = seed
    }

    func randomStream(_ name: String) -> RandomStream { RandomStream(scenarioSeed: seed, replication: 0, name: name) }

    /// An enhanced fan-out consumer of the stream, started now.
    func startEnhancedFanOut(_ specification: EnhancedFanOutSpecification, consumerIndex: Int = 0) -> EnhancedFanOutConsumer {
        let consumer = EnhancedFanOutConsumer(specification: specification, consumerIndex: consumerIndex, stream: stream, streamIndex: 0,
                                              network: network, scheduler: scheduler, observer: observer, streams: randomStream)
        actors.append(consumer)
        consumer.start()
        return consumer
    }

    /// A Lambda event source mapping on the stream, started now.
    func startMapping(_ specification: StreamEventSourceMappingSpecification, consumerIndex: Int = 0) -> StreamEventSourceMapping {
        let mapping = StreamEventSourceMapping(specification: specification, consumerIndex: consumerIndex, stream: stream, streamIndex: 0,
                                               network: network, scheduler: scheduler, observer: observer, streams: randomStream)
        actors.append(mapping)
        mapping.start()
        return mapping
    }

    /// Puts `count` records of `bytes` data each, `interval` apart from `start`, their keys going
    /// round `keys` distinct ones; a refused put is a test failure.
    func put(count: Int, keys: Int, bytes: Int = 100, from start: Double = 0, every interval: Double = 0) {
        for i in 0..<count {
            let at = Instant(seconds: start + interval * Double(i))
            scheduler.schedule(at: at) { [stream] in
                let result = stream.putRecord(PutRecordRequest(partitionKey: "key-\(i % keys)", dataBytes: bytes))
                if case .rejected(let problem) = result { Issue.record("a put was refused: \(problem)") }
            }
        }
    }

    /// Runs `action` at `seconds`.
    func at(_ seconds: Double, _ action: @escaping () -> Void) {
        scheduler.schedule(at: Instant(seconds: seconds), action)
    }

    /// Runs until `seconds`, with a budget that a runaway actor would exhaust.
    func run(until seconds: Double) {
        let outcome = scheduler.run(until: Instant(seconds: seconds), eventBudget: 5_000_000)
        precondition(outcome == .idle || outcome == .reachedLimit, "the run ended with \(outcome)")
    }
}

/// Checks that every record the stream accepted was handled exactly once and, within each
/// partition key, in sequence order.
func expectEachRecordHandledOnceInKeyOrder(_ handled: [StreamConsumerRecorder.Handled], stream: DataStream,
                                           sourceLocation: SourceLocation = #_sourceLocation) {
    let accepted = stream.shards.reduce(0) { $0 + $1.nextNumber }
    #expect(handled.count == accepted, "handled \(handled.count) of \(accepted) records", sourceLocation: sourceLocation)
    #expect(Set(handled.map(\.sequenceNumber)).count == handled.count, "a record was handled twice", sourceLocation: sourceLocation)
    var lastByKey: [String: (shard: Int, number: Int)] = [:]
    var outOfOrder = 0
    for record in handled {
        // Within a shard a key's numbers must grow; a key moving to a child shard starts afresh.
        if let last = lastByKey[record.partitionKey], last.shard == record.sequenceNumber.shard, last.number > record.sequenceNumber.number {
            outOfOrder += 1
        }
        lastByKey[record.partitionKey] = (record.sequenceNumber.shard, record.sequenceNumber.number)
    }
    #expect(outOfOrder == 0, "\(outOfOrder) records of a key came before an earlier one", sourceLocation: sourceLocation)
}
