import Foundation
import MessagingEngine
import Reporting
import Scenario
import SimKernel
import Testing

/// Kinesis data streams in scenario files: every mistake in `streams:` and in a stream producer is
/// reported with the file, the line, the field path and what would be valid.
@Suite struct StreamScenarioDecodingTests: DecodingFixture {
    static let fileName = "streams.yaml"

    /// Lines: 3 `streams`, 4 the stream's name, 5 its shards, 6 `producers`, 7 the producer's name,
    /// 8 its target, 9 its arrivals, 10 its partition keys.
    static let base = """
        name: t
        duration: 10s
        streams:
          - name: clicks
            shards: 2
        producers:
          - name: web
            target: stream/clicks
            arrivals: poisson(rate=5/s)
            partitionKeys: { count: 10 }
        """

    /// Expects exactly the diagnostics at `paths`, the first at `line` with every fragment in its message.
    func expectProblem(_ text: String, line: Int, path: String, _ fragments: String..., alsoAt others: [String] = [],
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(text)
        #expect(found.map(\.path) == [path] + others, "\(found.map(\.description))", sourceLocation: sourceLocation)
        guard let problem = found.first(where: { $0.path == path }) else { return }
        #expect(problem.file == "streams.yaml", sourceLocation: sourceLocation)
        #expect(problem.line == line, "\(problem)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(problem.message.contains(fragment), "'\(fragment)' is not in: \(problem.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func theBaseDecodesToOneStreamAndItsProducer() throws {
        let model = try ScenarioDecoder.decode(Self.base, file: "streams.yaml")
        #expect(model.streams.map(\.configuration.name) == ["clicks"] && model.streams[0].configuration.shardCount == 2)
        #expect(model.streamProducers.count == 1 && model.streamProducers[0].stream == 0)
    }

    @Test func aStreamWithoutANameIsRefusedAndItsProducerNamesNoStream() {
        // The producer's target then names no stream: that second diagnostic follows from the first.
        expectProblem(replacing("  - name: clicks\n    shards: 2", with: "  - shards: 2"), line: 4, path: "streams[0].name",
                      "missing; every stream needs a name", alsoAt: ["producers[0].target"])
    }

    @Test func aProvisionedStreamNeedsItsShardCount() {
        expectProblem(replacing("    shards: 2\n", with: "    retention: 24h\n"), line: 4, path: "streams[0].shards",
                      "missing; a provisioned stream needs its shard count", "shards: 4")
    }

    @Test func anOnDemandStreamRefusesAShardCount() {
        expectProblem(replacing("    shards: 2", with: "    capacityMode: onDemand\n    shards: 2"), line: 6, path: "streams[0].shards",
                      "an on-demand stream starts with 4 shards and adds its own; leave 'shards' out")
    }

    @Test func aShardCountOutsideOneToTenThousandIsRefused() {
        #expect(StreamConfiguration.shardCountMax == 10_000)
        for count in [0, 10_001, 20_001] {
            expectProblem(replacing("shards: 2", with: "shards: \(count)"), line: 5, path: "streams[0].shards",
                          "\(count) is out of range; expected 1 to 10000")
        }
        #expect(problems(replacing("shards: 2", with: "shards: 10000")).isEmpty)
    }

    @Test func aMisspeltCapacityModeNamesTheValidOnes() {
        expectProblem(replacing("    shards: 2", with: "    shards: 2\n    capacityMode: onDemnad"), line: 6, path: "streams[0].capacityMode",
                      "'onDemnad' is not a capacity mode; expected provisioned or onDemand")
    }

    @Test func anOnDemandStreamCannotBeReshardedByTheScenario() {
        expectProblem(replacing("    shards: 2", with: "    capacityMode: onDemand\n    reshard: [{ at: 10s, split: 0 }]"), line: 6,
                      path: "streams[0].reshard", "an on-demand stream reshards itself", "need a provisioned stream")
    }

    @Test func aReshardNamingAShardNoEarlierCallCanHaveMadeIsRefused() {
        // Shards 0 and 1, then the split of 0 makes 2 and 3: shard 5 does not exist at 20 s.
        expectProblem(replacing("    shards: 2", with: "    shards: 2\n    reshard:\n      - { at: 10s, split: 0 }\n      - { at: 20s, split: shardId-000000000005 }"),
                      line: 8, path: "streams[0].reshard[1].split",
                      "shardId-000000000005 does not exist by then: the stream has made shards 0 to 3")
    }

    @Test func aHotShardPolicyNeedsAWriteUtilizationAboveZeroAndAtMostOne() {
        for value in ["0", "1.5", "-0.2"] {
            expectProblem(replacing("    shards: 2", with: "    shards: 2\n    hotShardSplit: { writeUtilization: \(value), sustained: 5m }"),
                          line: 6, path: "streams[0].hotShardSplit.writeUtilization", "a share of the shard's write capacity, above 0 and at most 1")
        }
        #expect(problems(replacing("    shards: 2", with: "    shards: 2\n    hotShardSplit: { writeUtilization: 1, sustained: 5m }")).isEmpty)
    }

    @Test func twoStreamsMayNotShareAName() {
        expectProblem(replacing("    shards: 2\n", with: "    shards: 2\n  - name: clicks\n    shards: 1\n"), line: 6, path: "streams[1].name",
                      "a stream named 'clicks' already exists; names must be unique")
    }

    @Test func aDuplicateStreamNameIsReportedWhereItIsAfterAStreamThatFailed() {
        // Line 6 is a stream without a name, line 7 the second 'clicks'.
        let text = replacing("    shards: 2\n", with: "    shards: 2\n  - shards: 1\n  - name: clicks\n    shards: 1\n")
        let found = problems(text)
        #expect(found.map(\.path) == ["streams[1].name", "streams[2].name"], "\(found.map(\.description))")
        #expect(found.last?.line == 7 && found.last?.message.contains("a stream named 'clicks' already exists") == true)
    }

    @Test func aProducerTargetNamingNoStreamSuggestsTheNearest() {
        expectProblem(replacing("target: stream/clicks", with: "target: stream/clickz"), line: 8, path: "producers[0].target",
                      "'stream/clickz' names no stream; expected one of stream/clicks.", "Did you mean 'stream/clicks'?")
    }

    @Test func aNegativeZipfExponentIsRefused() {
        expectProblem(replacing("{ count: 10 }", with: "{ count: 10, zipf: -1 }"), line: 10, path: "producers[0].partitionKeys.zipf",
                      "Zipf's exponent is between 0 (uniform) and 10")
    }
}

/// Streams run end to end in a world, read back from the observations the report is built from:
/// shards and their lineage, resharding as scripted and by the hot-shard policy, write rates.
@Suite struct StreamScenarioObservationTests {
    /// Replication 0 of `text`, run to its end: its stream observations and the world.
    func run(_ text: String) throws -> (streams: [StreamObservations], world: World) {
        let model = try ScenarioDecoder.decode(text, file: "t.yaml")
        let world = World(model: model, replication: 0)
        let observations = world.run()
        return (observations.streams, world)
    }

    /// One stream of `shards` shards with `streamLines` added to it, and a producer putting
    /// `rate` records a second, one per call at no API latency, from `keys` keys.
    static func scenario(duration: String = "20s", drain: String = "0s", sampleInterval: String = "1s", shards: Int, streamLines: [String] = [],
                         rate: String = "100/s", keys: String = "{ count: 100 }", batch: String = "batchSize: 1", extra: String = "") -> String {
        """
        name: streams
        duration: \(duration)
        drain: \(drain)
        sampleInterval: \(sampleInterval)
        streams:
          - name: clicks
            shards: \(shards)
        \(streamLines.map { "    \($0)" }.joined(separator: "\n"))
        producers:
          - name: web
            target: stream/clicks
            arrivals: constant(rate=\(rate))
            recordSize: constant(100B)
            partitionKeys: \(keys)
            \(batch)
        \(extra)
        """
    }

    static let half = HashKey(1) << 127

    @Test func aScheduledSplitClosesTheParentAndOpensTwoChildrenOverItsHalves() throws {
        let (streams, world) = try run(Self.scenario(shards: 1, streamLines: ["reshard: [{ at: 10s, split: 0 }]"]))
        let s = try #require(streams.first)
        #expect(s.shards.map(\.id) == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"])
        #expect(s.shardsAtStart == 1 && s.shardsAtEnd == 2)
        let parent = s.shards[0], low = s.shards[1], high = s.shards[2]
        #expect(parent.parents.isEmpty && parent.openedAt == 0 && parent.closedAt == 10)
        #expect(parent.startingHashKey == "0" && parent.endingHashKey == String(HashKey.max))
        #expect(low.parents == [parent.id] && high.parents == [parent.id])
        #expect(low.openedAt == 10 && high.openedAt == 10 && low.closedAt == nil && high.closedAt == nil)
        #expect(low.startingHashKey == "0" && low.endingHashKey == String(Self.half - 1))
        #expect(high.startingHashKey == String(Self.half) && high.endingHashKey == String(HashKey.max))
        // 100 records a second, one every 10 ms from 10 ms: those before 10 s on the parent (the one
        // at exactly 10 s may fall either side of the split), the rest on the children.
        #expect(s.recordsPut == 1999 && s.writeThrottled == 0)
        #expect((999...1000).contains(parent.recordsPut))
        #expect(low.recordsPut + high.recordsPut == s.recordsPut - parent.recordsPut && low.recordsPut > 0 && high.recordsPut > 0)
        #expect(parent.peakRecordsPerSecond == 100)
        for sample in s.writeRate where sample.time <= 9 {
            #expect(sample.recordsPerSecond[1] == 0 && sample.recordsPerSecond[2] == 0, "\(sample)")
        }
        for sample in s.writeRate where sample.time >= 11 && sample.time <= 20 {
            #expect(sample.recordsPerSecond[0] == 0 && sample.recordsPerSecond[1] + sample.recordsPerSecond[2] == 100, "\(sample)")
        }
        #expect(s.reshards == [ReshardObservation(time: 10, action: "SplitShard", detail: "shardId-000000000000 at \(Self.half)",
                                                  outcome: "opened shardId-000000000001, shardId-000000000002")])
        world.dataStreams[0].checkInvariants()
    }

    @Test func anUpdateShardCountTheStreamRefusesIsReportedAndTheRunGoesOn() throws {
        let lines = ["reshard:", "  - { at: 5s, updateShardCount: 3 }", "  - { at: 10s, updateShardCount: 2 }"]
        let (streams, _) = try run(Self.scenario(shards: 1, streamLines: lines))
        let s = try #require(streams.first)
        #expect(s.reshards.count == 2)
        let refused = s.reshards[0]
        #expect(refused.time == 5 && refused.action == "UpdateShardCount" && refused.detail == "from 1 to 3 open shards")
        #expect(refused.outcome.hasPrefix("refused: InvalidArgumentException: ") && refused.outcome.contains("between 1 and 2, not 3"),
                "\(refused.outcome)")
        #expect(s.reshards[1].time == 10 && s.reshards[1].outcome == "opened shardId-000000000001, shardId-000000000002")
        // The refusal changed nothing: shard 0 took every record until the later call closed it.
        #expect(s.shards.count == 3 && s.shards[0].closedAt == 10 && s.shardsAtEnd == 2)
        #expect(s.recordsPut == 1999 && s.recordsAbandoned == 0)
        #expect(s.writeRate.filter { $0.time > 5 && $0.time <= 9 }.allSatisfy { $0.recordsPerSecond[0] == 100 })
    }

    /// The shard of `key` among `count` even shards, computed apart from the engine's placement.
    func evenShard(of key: String, count: Int) -> Int {
        let hash = DataStream.hashKey(partitionKey: key)
        return DataStream.evenRanges(count).firstIndex { $0.contains(hash) }!
    }

    static let hotPolicy = "hotShardSplit: { writeUtilization: 0.8, sustained: 60s, evaluationPeriod: 10s }"

    /// The first evaluation at which a shard hot from the start has been hot for `sustained`:
    /// evaluations come every period from one period in, and the shard must be hot in each of
    /// ceil(sustained / period) of them in a row.
    static func firstSplitInstant(sustained: Double, period: Double) -> Double {
        (sustained / period).rounded(.up) * period
    }

    @Test func aHotShardIsSplitOnceHotForSustainedButOneKeyStaysOnOneChildAndStaysThrottled() throws {
        let (streams, world) = try run(Self.scenario(duration: "100s", sampleInterval: "10s", shards: 2, streamLines: [Self.hotPolicy],
                                                     rate: "1500/s", keys: "{ count: 1 }"))
        let s = try #require(streams.first)
        let hot = evenShard(of: "key-0", count: 2), cold = 1 - hot
        #expect(s.shards[hot].writeThrottled > 0 && s.shards[cold].recordsPut == 0 && s.shards[cold].writeThrottled == 0)
        // Hot from the first period: split at 60 s, and only once; its child would need 60 s more.
        let splitAt = Self.firstSplitInstant(sustained: 60, period: 10)
        #expect(splitAt == 60)
        #expect(s.reshards.count == 1)
        let split = try #require(s.reshards.first)
        #expect(split.time == splitAt && split.action == "SplitShard" && split.detail.hasSuffix("(hot for 1m)"), "\(split)")
        #expect(split.outcome == "opened shardId-000000000002, shardId-000000000003")
        #expect(s.shards.count == 4 && s.shards[hot].closedAt == splitAt)
        // Every record of the one key goes to the child whose half holds its hash: still throttled.
        let hash = DataStream.hashKey(partitionKey: "key-0")
        let children = s.shards[2...]
        let keyChild = try #require(children.first { HashKey($0.startingHashKey)! <= hash && hash <= HashKey($0.endingHashKey)! })
        let otherChild = try #require(children.first { $0.id != keyChild.id })
        #expect(keyChild.writeThrottled > 0 && keyChild.recordsPut > 0)
        #expect(otherChild.recordsPut == 0 && otherChild.writeThrottled == 0)
        #expect(keyChild.peakRecordsPerSecond <= 1000 && s.shards[hot].peakRecordsPerSecond <= 1000)
        world.dataStreams[0].checkInvariants()
    }

    @Test func aHotShardOfManyKeysIsSplitAndItsChildrenTakeTheLoadWithoutThrottles() throws {
        let (streams, _) = try run(Self.scenario(duration: "120s", shards: 1, streamLines: [Self.hotPolicy], rate: "1500/s",
                                                 keys: "{ count: 1000 }"))
        let s = try #require(streams.first)
        let splitAt = Self.firstSplitInstant(sustained: 60, period: 10)
        #expect(s.reshards.map(\.time) == [splitAt])
        #expect(s.shards.count == 3 && s.shards[0].closedAt == splitAt && s.shardsAtEnd == 2)
        let before = s.writeRate.filter { $0.time <= splitAt }, after = s.writeRate.filter { $0.time > splitAt + 10 }
        #expect(before.contains { $0.throttledPerSecond[0] > 0 })
        #expect(!after.isEmpty && after.allSatisfy { $0.throttledPerSecond.allSatisfy { $0 == 0 } })
        // About half the 1,000 keys on each child: each well under 1,000 records a second.
        #expect(s.shards[1].recordsPut > 0 && s.shards[2].recordsPut > 0)
        #expect(s.shards[1].peakRecordsPerSecond < 1000 && s.shards[2].peakRecordsPerSecond < 1000)
    }

    @Test func writeRateSamplesOfAConstantProducerSumToItsRateWithinOneBatchPerInterval() throws {
        // Batches of 50 at 200 records a second leave every 250 ms, each at its last record: a
        // 10 s interval holds 40 batches, one more or less at its ends, so the rate summed over the
        // shards is 200 ± 50 / 10 s.
        let batch = "batchSize: 50\n    batchLinger: 1s"
        let (streams, _) = try run(Self.scenario(duration: "60s", sampleInterval: "10s", shards: 2, rate: "200/s", batch: batch))
        let s = try #require(streams.first)
        let full = s.writeRate.filter { $0.time > 0 && $0.time <= 60 && $0.time.truncatingRemainder(dividingBy: 10) == 0 }
        #expect(full.count == 6)
        for sample in full {
            let total = sample.recordsPerSecond.reduce(0, +)
            #expect(abs(total - 200) <= 5, "\(sample)")
            #expect(sample.recordsPerSecond.allSatisfy { $0 > 0 })
        }
        // Every accepted record is in exactly one sample.
        var last = 0.0, counted = 0.0
        for sample in s.writeRate {
            counted += sample.recordsPerSecond.reduce(0, +) * (sample.time - last)
            last = sample.time
        }
        #expect(abs(counted - Double(s.recordsPut)) < 1e-6)
        #expect(s.putRequests * 50 >= s.recordsPut && s.putPayloadUnits == s.recordsPut)
    }

    @Test func anOnDemandStreamsOwnScalingIsReportedAsAReshardReadBackFromTheShardsItOpened() throws {
        // 3,000 records a second: twice that peak needs 6 shards of 1,000, so 10 s after the second
        // in which the stream first saw more than 2,000 records it reshards from 4 to 6.
        let text = Self.scenario(duration: "30s", shards: 1, rate: "3000/s", keys: "{ count: 1000 }")
            .replacingOccurrences(of: "    shards: 1", with: "    capacityMode: onDemand\n    onDemandScalingDelay: 10s")
        let (streams, _) = try run(text)
        let s = try #require(streams.first)
        #expect(s.capacityMode == "ON_DEMAND" && s.shardsAtStart == 4 && s.shardsAtEnd == 6 && s.onDemandScalings == 1)
        #expect(s.reshards.count == 1)
        let scaling = try #require(s.reshards.first)
        #expect(scaling.action == "onDemandScaling" && scaling.detail == "from 4 to 6 open shards")
        #expect(scaling.outcome == "opened shardId-000000000004 to shardId-000000000009")
        #expect(scaling.time == s.shards[4].openedAt && scaling.time > 10 && scaling.time < 11, "\(scaling)")
        #expect(s.shards[..<4].allSatisfy { $0.closedAt == scaling.time } && s.shards[4...].allSatisfy { $0.parents.count >= 1 })
    }

    /// A delivery stream reading the stream, flushing every `interval`.
    static func reader(interval: String) -> String {
        """
        deliveryStreams:
          - name: archive
            source: stream/clicks
            bufferInterval: \(interval)
            destination:
              name: s3/archive
        """
    }

    @Test func aConsumerIsObservedWithItsChecksIteratorAgeAndNothingLeftWhenItReadEverything() throws {
        let (streams, _) = try run(Self.scenario(drain: "5m", sampleInterval: "5s", shards: 2, extra: Self.reader(interval: "60s")))
        let s = try #require(streams.first)
        let c = try #require(s.consumers.first)
        #expect(s.consumers.count == 1 && c.name == "archive" && c.kind == "firehose")
        #expect(c.recordsProcessed == s.recordsPut && c.duplicates == 0 && c.outOfOrder == 0 && c.discarded == 0)
        #expect(c.unprocessedAtEnd == 0 && c.endToEnd.count == s.recordsPut)
        #expect(!c.iteratorAge.isEmpty)
        #expect(zip(c.iteratorAge, c.iteratorAge.dropFirst()).allSatisfy { $0.time < $1.time })
        for sample in c.iteratorAge {
            #expect(sample.perShard.count == s.shards.count)
            #expect(sample.maxMillisBehind == sample.perShard.compactMap { $0 }.max())
        }
        #expect(s.getRecordsRequests > 0 && s.recordsRead == s.recordsPut)
    }

    @Test func unprocessedAtEndCountsRecordsStillHeldThatTheConsumerNeverHandled() throws {
        // No drain: the run ends with the producers at 20.5 s, half a second after the reader's last
        // GetRecords (one a second per shard), with the records of that half second unread.
        let (streams, world) = try run(Self.scenario(duration: "20500ms", sampleInterval: "5s", shards: 2, extra: Self.reader(interval: "60s")))
        let s = try #require(streams.first)
        let c = try #require(s.consumers.first)
        #expect(c.unprocessedAtEnd > 0)
        // Nothing expired (retention is 24 h), so the held records it never handled are all it never handled.
        #expect(s.recordsExpired == 0)
        #expect(c.unprocessedAtEnd == s.recordsPut - c.recordsProcessed - c.discarded)
        #expect(world.dataStreams[0].shards.reduce(0) { $0 + $1.storedCount } == s.recordsPut)
    }
}

/// What report.md and the cost say of a scenario whose only carrier is a stream.
@Suite struct StreamScenarioReportTests {
    static let text = StreamScenarioObservationTests.scenario(duration: "60s", drain: "5m", sampleInterval: "10s", shards: 2,
                                                              extra: StreamScenarioObservationTests.reader(interval: "120s"))

    @Test func aReportWithoutQueuesLeavesOutTheQueueSectionsAndColumns() throws {
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(Self.text, file: "t.yaml"), replications: 1)
        let markdown = report.markdown
        for queueOnly in ["## Headline", "## Delivery", "## Queues", "| queue |", "still queued", "SQS $0.40", "queue wait mean"] {
            #expect(!markdown.contains(queueOnly), "report.md still says '\(queueOnly)'")
        }
        #expect(markdown.contains("## Streams") && markdown.contains("## Firehose") && markdown.contains("## Cost"))
        #expect(markdown.contains("## Replications\n\n| # | ended after | why |\n|---|---|---|\n| 0 | "))
        #expect(markdown.contains("| shardId-000000000000 | – | 0%–50% | 0 s | open | 1 | "))
        // A scenario with queues keeps them.
        let queued = ScenarioRunner.run(try ScenarioDecoder.decode(minimalScenario, file: "t.yaml"), replications: 1).markdown
        for section in ["## Headline", "## Delivery", "## Queues", "| # | ended after | why | sent | deleted | queue wait mean |"] {
            #expect(queued.contains(section), "report.md of a scenario with a queue lacks '\(section)'")
        }
    }

    @Test func aMonthOfShardHoursKeepsEveryShardOpenAllMonthWhateverTheDrain() throws {
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(Self.text, file: "t.yaml"), replications: 1)
        let elapsed = try #require(report.replicationSummaries.first?.elapsed)
        // The reader flushes after 120 s, so the run lasts past the producers' 60 s.
        #expect(elapsed > 60)
        let asRun = try #require(report.cost.lines.first { $0.item == "Kinesis shard hours" })
        #expect(abs(asRun.quantity - 2 * elapsed / 3600) < 1e-9)
        let month = try #require(report.cost.monthly.first { $0.item == "Kinesis shard hours" })
        #expect(abs(month.quantity - 2 * 720) < 1e-6, "\(month.quantity)")
        // Billed by the record, PUT payload units scale with the producers' 60 s.
        let units = try #require(report.cost.monthly.first { $0.item == "Kinesis PUT payload units" })
        let unitsAsRun = try #require(report.cost.lines.first { $0.item == "Kinesis PUT payload units" })
        #expect(abs(units.quantity - unitsAsRun.quantity * 30 * 86_400 / 60) < 1e-3)
    }
}
