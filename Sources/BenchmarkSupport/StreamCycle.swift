import MessagingEngine
import SimKernel

/// Records through a Kinesis data stream and out again: PutRecords of 500 records, each with its own
/// partition keys into a 4-shard stream, then GetRecords on every shard from where the last read
/// stopped, one batch per millisecond of virtual time.
///
/// The shard limits are raised out of the way (500 records a millisecond is far over 1,000 a
/// second per shard): the figure is the engine's own cost per record — placement by MD5, sequence
/// numbering, the limit windows, storing and reading back — not throttling.
public final class StreamCycle {
    public struct Result: Equatable, Sendable {
        public var recordsPut: Int
        public var recordsRead: Int
        /// Records still stored (the retention is longer than the run).
        public var stored: Int

        public init(recordsPut: Int, recordsRead: Int, stored: Int) {
            self.recordsPut = recordsPut
            self.recordsRead = recordsRead
            self.stored = stored
        }
    }

    public static let batchSize = 500
    public let scheduler = Scheduler()
    public let stream: Stream
    let batch: [PutRecordRequest]
    var iterators: [ShardIterator]

    public init(shards: Int = 4) {
        var configuration = StreamConfiguration(name: "benchmark", shardCount: shards)
        configuration.shardWriteRecordsPerSecond = 1 << 30
        configuration.shardWriteBytesPerSecond = 1 << 40
        configuration.shardReadBytesPerSecond = 1 << 40
        configuration.shardGetRecordsPerSecond = 1 << 30
        let stream = Stream(configuration: configuration, token: 0, clock: scheduler)
        self.stream = stream
        batch = (0..<Self.batchSize).map { PutRecordRequest(partitionKey: "user-\($0 * 2 % 1_000)", dataBytes: 200, tag: UInt64($0)) }
        iterators = (0..<shards).map { shard in
            guard case .success(let iterator) = stream.getShardIterator(shard: shard, type: .trimHorizon) else {
                preconditionFailure("a new stream refused an iterator")
            }
            return iterator
        }
    }

    /// Puts and reads back `batches` batches of 500 records.
    @discardableResult
    public func run(batches: Int) -> Result {
        for _ in 0..<batches {
            _ = scheduler.run(until: scheduler.now + .milliseconds(1), eventBudget: 1)
            guard case .records(let results) = stream.putRecords(batch), results.allSatisfy({ if case .put = $0 { true } else { false } }) else {
                preconditionFailure("PutRecords was refused")
            }
            for shard in iterators.indices {
                guard case .records(_, let next?, _, _) = stream.getRecords(iterators[shard]) else { preconditionFailure("GetRecords was refused") }
                iterators[shard] = next
            }
        }
        let counters = stream.counters
        return Result(recordsPut: counters.recordsPut, recordsRead: counters.recordsRead,
                      stored: stream.shards.reduce(0) { $0 + $1.storedCount })
    }
}
