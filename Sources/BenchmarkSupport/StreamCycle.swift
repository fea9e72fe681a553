import MessagingEngine
import SimKernel

/// Records through a Kinesis data stream and out again: PutRecords of 500 records, each with its own
/// partition key, into a 4-shard stream, then GetRecords on every shard from where the last read
/// stopped, one batch every 4 minutes of virtual time: within an iterator's 5-minute life, and so
/// that after 24 hours (360 batches) records expire as fast as they arrive and the stream holds a
/// steady 180,000 records, as a stream under load does.
///
/// The shards keep AWS's limits: a batch puts about 125 records and 26 KB into each shard at one
/// instant, well within 1,000 records and 1 MiB a second, so nothing is throttled and the figure is
/// the engine's own cost per record — placement, sequence numbering, the limit windows, storing,
/// reading back and expiring.
public final class StreamCycle {
    public struct Result: Equatable, Sendable {
        public var recordsPut: Int
        public var recordsRead: Int
        /// Records still stored: all of the last 24 hours of virtual time.
        public var stored: Int

        public init(recordsPut: Int, recordsRead: Int, stored: Int) {
            self.recordsPut = recordsPut
            self.recordsRead = recordsRead
            self.stored = stored
        }
    }

    public static let batchSize = 500
    public let scheduler = Scheduler()
    public let stream: DataStream
    let batch: [PutRecordRequest]
    var iterators: [ShardIterator]

    public init(shards: Int = 4) {
        let configuration = StreamConfiguration(name: "benchmark", shardCount: shards)
        let stream = DataStream(configuration: configuration, token: 0, clock: scheduler)
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
            _ = scheduler.run(until: scheduler.now + .seconds(240), eventBudget: 1)
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
