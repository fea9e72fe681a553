import Crypto
import MessagingEngine
import SimKernel
import Testing

/// A stream on a kernel whose clock the tests move.
final class StreamWorld {
    let scheduler = Scheduler()
    let stream: DataStream

    init(shards: Int = 1, _ configure: (inout StreamConfiguration) -> Void = { _ in }) {
        var configuration = StreamConfiguration(name: "clicks", shardCount: shards)
        configure(&configuration)
        stream = DataStream(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
    }

    func advance(to seconds: Double) {
        _ = scheduler.run(until: Instant(nanoseconds: Int64((seconds * 1e9).rounded())), eventBudget: 10)
    }

    @discardableResult
    func put(_ key: String, bytes: Int = 100, explicit: HashKey? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> SequenceNumber? {
        let result = stream.putRecord(PutRecordRequest(partitionKey: key, explicitHashKey: explicit, dataBytes: bytes))
        stream.checkInvariants()
        guard case .put(let sequence) = result else {
            Issue.record("the put was refused: \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return sequence
    }

    func iterator(_ shard: Int = 0, _ type: ShardIteratorType = .trimHorizon) throws -> ShardIterator {
        try stream.getShardIterator(shard: shard, type: type).get()
    }

    /// Records read, the next iterator and the children named at SHARD_END.
    func read(_ iterator: ShardIterator, limit: Int = 10_000, sourceLocation: SourceLocation = #_sourceLocation)
        -> (records: [StreamRecord], next: ShardIterator?, behind: Int64, children: [Int])? {
        guard case .records(let records, let next, let behind, let children) = stream.getRecords(iterator, limit: limit) else {
            Issue.record("GetRecords was refused", sourceLocation: sourceLocation)
            return nil
        }
        return (records, next, behind, children)
    }
}

/// floor(2^128 / n) by long division over 32-bit limbs, written apart from the engine's arithmetic.
func hashKeyRangeWidth(_ n: Int) -> HashKey? {
    guard n >= 2 else { return nil }
    var remainder: UInt64 = 1  // the leading limb of 2^128 = [1, 0, 0, 0, 0] in base 2^32
    var quotient = HashKey(0)
    for _ in 0..<4 {
        let dividend = remainder << 32
        quotient = (quotient << 32) | HashKey(dividend / UInt64(n))
        remainder = dividend % UInt64(n)
    }
    return quotient
}

/// SEMANTICS.md, Stream — Kinesis Data Streams.
@Suite struct StreamTests {
    // MARK: Placement

    @Test func theHashKeyIsTheMD5OfThePartitionKeyReadBigEndian() {
        // RFC 1321's test vectors.
        #expect(DataStream.hashKey(partitionKey: "abc") == 0x9001_5098_3cd2_4fb0_d696_3f7d_28e1_7f72)
        #expect(DataStream.hashKey(partitionKey: "message digest") == 0xf96b_697d_7cb7_938d_525a_2f31_aaf1_61d0)
    }

    @Test func aNewStreamSplitsTheKeySpaceEvenlyAndTheLastShardEndsAtTheTop() {
        for n in [1, 2, 3, 4, 7, 64, 10_000] {
            let ranges = DataStream.evenRanges(n)
            #expect(ranges.count == n)
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == HashKey.max)
            if let width = hashKeyRangeWidth(n) {
                for (i, range) in ranges.enumerated().dropLast() {
                    #expect(range.lowerBound == width * HashKey(i) && range.upperBound == width * HashKey(i + 1) - 1, "n \(n), shard \(i)")
                }
            }
        }
        // 2^128 / 4 = 2^126 exactly; 2^128 / 3 leaves 1, which the last shard takes.
        #expect(DataStream.evenRanges(4)[1] == (HashKey(1) << 126)...((HashKey(1) << 127) - 1))
        #expect(DataStream.evenRanges(3)[2].upperBound - DataStream.evenRanges(3)[2].lowerBound == HashKey.max / 3)
    }

    @Test(arguments: [1, 3, 4, 7, 64])
    func eachKeyGoesToTheShardWhoseRangeHoldsItsMD5(shards: Int) throws {
        let world = StreamWorld(shards: shards) { $0.shardWriteRecordsPerSecond = 100_000; $0.shardWriteBytesPerSecond = 1 << 30 }
        for i in 0..<300 {
            let key = "user-\(i * 7919)"
            let digest = Array(Insecure.MD5.hash(data: Array(key.utf8)))
            let hash = digest.reduce(HashKey(0)) { ($0 << 8) | HashKey($1) }
            let expected = hashKeyRangeWidth(shards).map { min(Int(hash / $0), shards - 1) } ?? 0
            // Twice: the second put finds the key's hash in the stream's cache.
            for _ in 0..<2 {
                let sequence = try #require(world.put(key))
                #expect(sequence.shard == expected, "\(key)")
            }
        }
    }

    @Test func anExplicitHashKeyOverridesThePartitionKeyUpToBothEndsOfTheRange() {
        let world = StreamWorld(shards: 7)
        #expect(world.put("anything", explicit: 0)?.shard == 0)
        #expect(world.put("anything", explicit: HashKey.max)?.shard == 6)
        let boundary = DataStream.evenRanges(7)[3].lowerBound
        #expect(world.put("anything", explicit: boundary)?.shard == 3)
        #expect(world.put("anything", explicit: boundary - 1)?.shard == 2)
    }

    @Test func sequenceNumbersGrowWithinAShardNotAcrossShards() {
        let world = StreamWorld(shards: 2)
        let low = (0..<3).compactMap { _ in world.put("k", explicit: 5) }
        let high = (0..<2).compactMap { _ in world.put("k", explicit: HashKey.max) }
        #expect(low.map(\.number) == [0, 1, 2] && low.allSatisfy { $0.shard == 0 })
        #expect(high.map(\.number) == [0, 1] && high.allSatisfy { $0.shard == 1 })
    }

    @Test func aPartitionKeyIsOneTo256CharactersAndARecordAtMostOneMebibyte() {
        let world = StreamWorld()
        guard case .rejected(.invalidArgument) = world.stream.putRecord(PutRecordRequest(partitionKey: "", dataBytes: 1)) else { Issue.record("empty key"); return }
        guard case .rejected(.invalidArgument) = world.stream.putRecord(PutRecordRequest(partitionKey: String(repeating: "é", count: 257), dataBytes: 1)) else {
            Issue.record("257 characters"); return
        }
        #expect(world.put(String(repeating: "é", count: 256), bytes: 1) != nil)
        guard case .rejected(.invalidArgument) = world.stream.putRecord(PutRecordRequest(partitionKey: "k", dataBytes: 1_048_577)) else {
            Issue.record("a record over 1 MiB"); return
        }
        let large = StreamWorld { $0.recordBytesMax = 10_485_760; $0.shardWriteBytesPerSecond = 1 << 30 }
        #expect(large.put("k", bytes: 5_242_880) != nil, "a stream that opts in takes records up to 10 MiB")
    }

    @Test func sequenceNumberForOrderingMustNameARecordOfTheStream() {
        let world = StreamWorld()
        let first = world.put("k")!
        guard case .put(let second) = world.stream.putRecord(PutRecordRequest(partitionKey: "k", dataBytes: 1, sequenceNumberForOrdering: first)) else {
            Issue.record("refused"); return
        }
        #expect(second.number > first.number)
        guard case .rejected(.invalidArgument) = world.stream.putRecord(
            PutRecordRequest(partitionKey: "k", dataBytes: 1, sequenceNumberForOrdering: SequenceNumber(shard: 0, number: 99))) else {
            Issue.record("a sequence number beyond the shard was accepted"); return
        }
    }

    // MARK: Write limits

    @Test func aShardTakesOneThousandRecordsASecond() {
        let world = StreamWorld()
        for _ in 0..<1_000 { world.put("k", bytes: 10) }
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.putRecord(PutRecordRequest(partitionKey: "k", dataBytes: 10)) else {
            Issue.record("the 1001st record in a second was accepted"); return
        }
        world.advance(to: 1)
        #expect(world.put("k", bytes: 10)?.number == 1_000)
        #expect(world.stream.counters.writeThrottled == 1)
    }

    @Test func aShardTakesOneMebibyteASecond() {
        let world = StreamWorld()
        world.put("k", bytes: 600_000)
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.putRecord(PutRecordRequest(partitionKey: "k", dataBytes: 600_000)) else {
            Issue.record("1.2 MB within a second was accepted"); return
        }
        world.put("k", bytes: 1_048_576 - 600_001 - 2)  // with the two key bytes: exactly 1 MiB in the second
        world.advance(to: 1)
        #expect(world.put("k", bytes: 600_000) != nil)
    }

    @Test func putRecordsTakesAtMost500RecordsAnd10MiBAndFailsRecordsOneByOne() {
        let world = StreamWorld()
        let tooMany = Array(repeating: PutRecordRequest(partitionKey: "k", dataBytes: 1), count: 501)
        guard case .rejected(.invalidArgument) = world.stream.putRecords(tooMany) else { Issue.record("501 records"); return }
        let tooBig = Array(repeating: PutRecordRequest(partitionKey: "k", dataBytes: 1_000_000), count: 11)
        guard case .rejected(.invalidArgument) = world.stream.putRecords(tooBig) else { Issue.record("11 MB"); return }
        // 500 records of 3,000 B to one shard: 349 fit in its 1 MiB (3,001 B each with the key).
        let batch = Array(repeating: PutRecordRequest(partitionKey: "k", dataBytes: 3_000), count: 500)
        guard case .records(let results) = world.stream.putRecords(batch) else { Issue.record("the batch was refused"); return }
        let failed = results.filter { if case .rejected(.provisionedThroughputExceeded) = $0 { true } else { false } }.count
        #expect(failed == 500 - 1_048_576 / 3_001)
        #expect(world.stream.counters.recordsPut == 1_048_576 / 3_001)
    }

    @Test func putsAreBilledInTwentyFiveKilobytePayloadUnits() {
        let world = StreamWorld()
        world.put("k", bytes: 25_599)  // 25,600 with the key: one unit
        world.put("k", bytes: 25_600)  // 25,601: two
        #expect(world.stream.counters.putPayloadUnits == 3)
    }

    // MARK: Iterators and reads

    @Test func theFiveIteratorTypesStartWhereTheySay() throws {
        let world = StreamWorld()
        let first = world.put("a")!
        world.advance(to: 1)
        let second = world.put("b")!
        world.advance(to: 2)
        world.put("c")
        // Each read at its own instant: a read leaves the shard busy for its bytes / 2 MiB/s.
        #expect(world.read(try world.iterator(0, .trimHorizon))?.records.map(\.partitionKey) == ["a", "b", "c"])
        world.advance(to: 2.1)
        #expect(world.read(try world.iterator(0, .atSequenceNumber(second)))?.records.map(\.partitionKey) == ["b", "c"])
        world.advance(to: 2.2)
        #expect(world.read(try world.iterator(0, .afterSequenceNumber(first)))?.records.map(\.partitionKey) == ["b", "c"])
        world.advance(to: 2.3)
        #expect(world.read(try world.iterator(0, .atTimestamp(Instant(nanoseconds: 500_000_000)))).map { $0.records.map(\.partitionKey) } == ["b", "c"])
        world.advance(to: 3)
        let latest = try world.iterator(0, .latest)
        world.put("d")
        world.advance(to: 4)
        #expect(world.read(latest)?.records.map(\.partitionKey) == ["d"])
    }

    @Test func getShardIteratorIsLimitedToFiveCallsASecondPerShard() throws {
        let world = StreamWorld()
        for _ in 0..<5 { _ = try world.iterator() }
        guard case .failure(.limitExceeded) = world.stream.getShardIterator(shard: 0, type: .latest) else { Issue.record("a 6th call"); return }
    }

    @Test func anIteratorExpiresFiveMinutesAfterItWasIssued() throws {
        let world = StreamWorld()
        let iterator = try world.iterator()
        world.advance(to: 300)
        #expect(world.read(iterator) != nil, "at exactly five minutes it still reads")
        let old = try world.iterator()
        world.advance(to: 600.001)
        guard case .rejected(.expiredIterator) = world.stream.getRecords(old) else { Issue.record("an expired iterator read"); return }
        #expect(world.stream.counters.expiredIterators == 1)
    }

    @Test func getRecordsReturnsAtMostTheLimitAndTenMebibytes() throws {
        let world = StreamWorld { $0.shardWriteBytesPerSecond = 1 << 30; $0.recordBytesMax = 10_485_760 }
        for _ in 0..<12 { world.put("k", bytes: 1_048_576) }  // 1 MiB + 1 key byte each
        let read = try #require(world.read(try world.iterator()))
        #expect(read.records.count == 9, "ten would be 10 MiB and 10 bytes")
        let small = StreamWorld()
        for _ in 0..<20 { small.put("k", bytes: 10) }
        #expect(small.read(try small.iterator(), limit: 7)?.records.count == 7)
    }

    @Test func afterATenMebibyteReadTheShardRefusesReadsForFiveSeconds() throws {
        let world = StreamWorld { $0.shardWriteBytesPerSecond = 1 << 30; $0.recordBytesMax = 10_485_760 }
        world.put("k", bytes: 10_485_759)  // with the key: exactly 10 MiB
        world.put("k", bytes: 10)
        let read = try #require(world.read(try world.iterator()))
        world.advance(to: 4.999)
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.getRecords(read.next!) else { Issue.record("read within 5 s"); return }
        world.advance(to: 5)
        #expect(world.read(read.next!)?.records.count == 1)
    }

    /// Two applications reading 1 MB each within one second stay within the shard's 2 MiB/s, so
    /// neither is throttled; a third reader taking the second past 2 MiB locks the shard until the
    /// window's bytes are paid for at 2 MiB/s from its first read.
    @Test func readersWithinTwoMebibytesASecondDoNotHinderOneAnother() throws {
        let world = StreamWorld()
        world.put("k", bytes: 1_000_000)
        let first = try #require(world.read(try world.iterator()))
        world.advance(to: 0.1)
        let second = try #require(world.read(try world.iterator()), "a second reader within 2 MiB/s")
        #expect(first.records.count == 1 && second.records.count == 1)
        world.advance(to: 0.2)
        let third = try #require(world.read(try world.iterator()))
        #expect(third.records.count == 1)
        // 3 × 1,000,001 bytes (data and key) read from 0 s are paid for at 2 MiB/s by 1.4305 s.
        world.advance(to: 1.43)
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.getRecords(third.next!) else { Issue.record("read before paid"); return }
        world.advance(to: 1.431)
        #expect(world.read(third.next!) != nil)
    }

    @Test func aShardServesFiveGetRecordsCallsASecond() throws {
        let world = StreamWorld()
        var iterator = try world.iterator()
        for _ in 0..<5 { iterator = try #require(world.read(iterator)?.next) }
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.getRecords(iterator) else { Issue.record("a 6th call"); return }
        world.advance(to: 1)
        #expect(world.read(iterator) != nil)
        #expect(world.stream.counters.readThrottled == 1)
    }

    @Test func millisBehindLatestIsTheAgeOfTheFirstRecordNotYetRead() throws {
        let world = StreamWorld()
        world.put("a")
        world.advance(to: 2)
        world.put("b")
        world.advance(to: 5)
        let read = try #require(world.read(try world.iterator(), limit: 1))
        #expect(read.behind == 3_000)
        world.advance(to: 6)
        #expect(world.read(read.next!)?.behind == 0)
    }

    @Test func recordsExpireAfterTheRetentionAndTrimHorizonStartsAfterThem() throws {
        let world = StreamWorld()
        world.put("old")
        world.advance(to: 3_600)
        world.put("new")
        world.advance(to: 24 * 3_600)
        #expect(world.read(try world.iterator())?.records.map(\.partitionKey) == ["new"])
        #expect(world.stream.counters.recordsExpired == 1)
        let longer = StreamWorld { $0.retention = .seconds(7 * 24 * 3_600) }
        longer.put("kept")
        longer.advance(to: 24 * 3_600)
        #expect(longer.read(try longer.iterator())?.records.count == 1)
    }

    // MARK: Access

    @Test func aStreamPolicyDecidesWhoMayPutAndReadAndCountsDenials() {
        let world = StreamWorld()
        let arn = StreamAccessControl.arn(ofStream: "clicks")
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([
            PolicyStatement(effect: .allow, principals: ["arn:aws:iam::123456789012:role/web"], actions: ["kinesis:PutRecord*"], resources: [arn]),
        ]), for: arn)
        world.stream.accessControl = StreamAccessControl(evaluator: evaluator, resource: arn)
        #expect(world.stream.authorize("arn:aws:iam::123456789012:role/web", .putRecords) == nil)
        guard case .accessDenied(let why) = world.stream.authorize("arn:aws:iam::123456789012:role/web", .getRecords) else {
            Issue.record("a writer may read"); return
        }
        #expect(why.contains("kinesis:GetRecords"))
        #expect(world.stream.authorize("arn:aws:iam::123456789012:role/other", .putRecord) != nil)
        #expect(world.stream.accessControl!.denied.total.total == 2)
    }

    // MARK: On-demand capacity

    /// Puts `perShard` records of 256 KiB (with the 1-byte key) into each of the stream's open
    /// shards at the current instant; returns how many were refused.
    func burst(_ world: StreamWorld, perShard: Int) -> Int {
        var refused = 0
        for shard in world.stream.openShards {
            for _ in 0..<perShard {
                let request = PutRecordRequest(partitionKey: "k", explicitHashKey: world.stream.shards[shard].startingHashKey, dataBytes: 262_143)
                if case .rejected(.provisionedThroughputExceeded) = world.stream.putRecord(request) { refused += 1 }
            }
        }
        return refused
    }

    @Test func anOnDemandStreamGrowsToTwiceItsPeakWhenTheScalingDelayHasPassed() {
        let world = StreamWorld(shards: 4) { $0.capacityMode = .onDemand }
        #expect(burst(world, perShard: 3) == 0)  // 3 MiB in one second, 0.75 MiB a shard
        world.advance(to: 899)
        #expect(world.stream.openShards.count == 4)
        world.advance(to: 900)
        world.stream.checkInvariants()
        #expect(world.stream.openShards.count == 6, "twice the 3 MiB peak needs 6 shards of 1 MiB")
        #expect(world.stream.counters.onDemandScalings == 1)
    }

    @Test func aBurstOverWhatTheOnDemandStreamHasIsThrottledUntilItHasScaled() {
        let world = StreamWorld(shards: 4) { $0.capacityMode = .onDemand }
        // 8 MiB in one second: each shard takes its 1 MiB (4 records) and refuses the rest.
        #expect(burst(world, perShard: 8) == 16)
        world.advance(to: 900)
        #expect(world.stream.openShards.count == 8, "twice the 4 MiB it took")
        world.advance(to: 901)
        #expect(burst(world, perShard: 4) == 0, "the same 8 MiB now fits")
    }

    @Test func anOnDemandStreamStartsWithFourShards() {
        var configuration = StreamConfiguration(name: "s", shardCount: 2)
        configuration.capacityMode = .onDemand
        #expect(configuration.problems().map(\.attribute) == ["shardCount"])
    }

    // MARK: Resharding

    @Test func aSplitClosesTheParentWhichReadsToShardEndAndNamesItsChildren() throws {
        let world = StreamWorld(shards: 1)
        world.put("before")
        let children = try world.stream.splitShard(0, newStartingHashKey: HashKey(1) << 127).get()
        world.stream.checkInvariants()
        #expect(children == [1, 2])
        #expect(world.stream.openShards == [1, 2])
        #expect(world.put("x", explicit: 7)?.shard == 1)
        #expect(world.put("x", explicit: HashKey.max)?.shard == 2)
        let read = try #require(world.read(try world.iterator(0)))
        #expect(read.records.map(\.partitionKey) == ["before"])
        #expect(read.next == nil && read.children == [1, 2], "SHARD_END")
        #expect(world.stream.shards[1].parents == [0] && world.stream.shards[2].hashKeyRange == (HashKey(1) << 127)...HashKey.max)
    }

    @Test func aSplitKeyMustLieInsideTheShard() {
        let world = StreamWorld(shards: 2)
        guard case .failure(.invalidArgument) = world.stream.splitShard(0, newStartingHashKey: 0) else { Issue.record("split at the start"); return }
        guard case .failure(.invalidArgument) = world.stream.splitShard(0, newStartingHashKey: HashKey.max) else { Issue.record("split outside"); return }
    }

    @Test func onlyAdjacentOpenShardsMerge() throws {
        let world = StreamWorld(shards: 3)
        guard case .failure(.invalidArgument) = world.stream.mergeShards(0, 2) else { Issue.record("non-adjacent shards merged"); return }
        let child = try world.stream.mergeShards(2, 1).get()
        world.stream.checkInvariants()
        #expect(world.stream.shards[child].parents == [1, 2])
        #expect(world.stream.shards[child].hashKeyRange == DataStream.evenRanges(3)[1].lowerBound...HashKey.max)
        guard case .failure(.resourceInUse) = world.stream.mergeShards(0, 1) else { Issue.record("a closed shard merged"); return }
    }

    @Test func updateShardCountAtMostDoublesAtLeastHalvesAndRunsTenTimesADay() throws {
        let world = StreamWorld(shards: 4)
        guard case .failure(.invalidArgument) = world.stream.updateShardCount(9) else { Issue.record("more than double"); return }
        guard case .failure(.invalidArgument) = world.stream.updateShardCount(1) else { Issue.record("less than half"); return }
        let created = try world.stream.updateShardCount(6).get()
        world.stream.checkInvariants()
        #expect(created.count == 6 && world.stream.openShards == created)
        // New shard 1 of 6 covers [1/6, 2/6) of the space, across old shards 0 and 1 of 4 (the
        // boundary at 1/4); new shard 2, [2/6, 3/6), lies inside old shard 1.
        #expect(world.stream.shards[created[1]].parents == [0, 1])
        #expect(world.stream.shards[created[2]].parents == [1])
        // New shard 3 starts at 3·floor(2^128/6) = 2^127 − 2, two keys below old shard 1's end:
        // the floors make it a (tiny) child of old shard 1 too.
        #expect(world.stream.shards[created[3]].parents == [1, 2])
        #expect(world.stream.shards[1].children == Array(created[1...3]))
        var count = 6
        for _ in 0..<9 {
            count = count == 6 ? 5 : 6
            _ = try world.stream.updateShardCount(count).get()
        }
        guard case .failure(.limitExceeded) = world.stream.updateShardCount(count == 6 ? 5 : 6) else { Issue.record("an 11th update in a day"); return }
        world.advance(to: 24 * 3_600)
        #expect((try? world.stream.updateShardCount(count == 6 ? 5 : 6).get()) != nil)
    }
}
