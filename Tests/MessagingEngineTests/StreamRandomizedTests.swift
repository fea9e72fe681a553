import MessagingEngine
import SimKernel
import Testing
import TestSupport

/// Random puts, splits, merges and shard-count updates against a reference model of ordered
/// per-key logs: reading every shard to its end, parents before children, must give each
/// partition key its records exactly once and in the order they were put.
@Suite struct StreamRandomizedTests {
    /// The reference: what was put under each key, in put order.
    struct Logs {
        var byKey: [String: [UInt64]] = [:]
        mutating func put(_ key: String, _ tag: UInt64) { byKey[key, default: []].append(tag) }
    }

    @Test func perKeyOrderHoldsAcrossRandomResharding() throws {
        for seed in RandomizedRuns.seeds(count: 100) {
            RandomizedRuns.trace("StreamRandomizedTests", seed: seed)
            var rng = SplitMix64(seed: seed)
            let scheduler = Scheduler()
            var configuration = StreamConfiguration(name: "s", shardCount: rng.int(1...6))
            configuration.shardWriteRecordsPerSecond = 1_000_000
            configuration.shardWriteBytesPerSecond = 1 << 40
            configuration.shardGetRecordsPerSecond = 1_000_000
            configuration.shardReadBytesPerSecond = 1 << 40
            configuration.shardGetShardIteratorPerSecond = 1_000_000
            let stream = DataStream(configuration: configuration, token: 0, clock: scheduler)
            var logs = Logs()
            let keys = (0..<rng.int(1...40)).map { "key-\($0)" }
            var tag: UInt64 = 0
            var now: Int64 = 0
            for _ in 0..<300 {
                now += Int64(rng.int(0...3)) * 1_000_000
                _ = scheduler.run(until: Instant(nanoseconds: now), eventBudget: 10)
                switch rng.int(0...99) {
                case 0..<80:
                    let key = keys[rng.int(0...keys.count - 1)]
                    guard case .put = stream.putRecord(PutRecordRequest(partitionKey: key, dataBytes: rng.int(0...100), tag: tag)) else {
                        Issue.record("seed \(seed): a put was refused")
                        return
                    }
                    logs.put(key, tag)
                    tag += 1
                case 80..<88:
                    let shard = stream.openShards[rng.int(0...stream.openShards.count - 1)]
                    let range = stream.shards[shard].hashKeyRange
                    guard range.upperBound > range.lowerBound else { continue }
                    let offset = HashKey(rng.next()) << 64 | HashKey(rng.next())
                    let key = range.lowerBound + 1 + offset % (range.upperBound - range.lowerBound)
                    _ = try stream.splitShard(shard, newStartingHashKey: key).get()
                case 88..<96:
                    guard stream.openShards.count >= 2 else { continue }
                    let i = rng.int(0...stream.openShards.count - 2)
                    _ = try stream.mergeShards(stream.openShards[i], stream.openShards[i + 1]).get()
                default:
                    let current = stream.openShards.count
                    let target = rng.int(max(1, (current + 1) / 2)...min(2 * current, 24))
                    if target != current, case .failure(let error) = stream.updateShardCount(target), error.code != "LimitExceededException" {
                        Issue.record("seed \(seed): UpdateShardCount(\(target)) from \(current): \(error)")
                    }
                }
                stream.checkInvariants()
            }
            let read = try readEverything(stream, scheduler: scheduler, after: now)
            #expect(read == logs.byKey, "seed \(seed): per-key logs differ (replay with SLUICE_SEED=\(seed))")
            if read != logs.byKey { return }
        }
    }

    /// Reads every shard to its end, a shard only after all its parents are done (as a KCL worker
    /// does), and returns what each key received in reading order.
    func readEverything(_ stream: DataStream, scheduler: Scheduler, after: Int64) throws -> [String: [UInt64]] {
        var received: [String: [UInt64]] = [:]
        var done = Set<Int>()
        var now = after
        while done.count < stream.shards.count {
            guard let shard = stream.shards.indices.first(where: { !done.contains($0) && stream.shards[$0].parents.allSatisfy(done.contains) }) else {
                Issue.record("no shard is ready to read: lineage has a cycle")
                return received
            }
            var iterator: ShardIterator? = try stream.getShardIterator(shard: shard, type: .trimHorizon).get()
            while let current = iterator {
                now += 1_000_000
                _ = scheduler.run(until: Instant(nanoseconds: now), eventBudget: 10)
                guard case .records(let records, let next, _, _) = stream.getRecords(current, limit: 7) else {
                    Issue.record("GetRecords was refused")
                    return received
                }
                for record in records { received[record.partitionKey, default: []].append(record.tag) }
                // An open shard has no end: stop once it has nothing more.
                iterator = stream.shards[shard].isOpen && records.isEmpty ? nil : next
            }
            done.insert(shard)
        }
        return received
    }
}
