import Foundation
import Reporting
import Testing

private let half = "170141183460469231731687303715884105728"
private let quarter = "85070591730234615865843651857942052864"
private let threeQuarters = "255211775190703847597530955573826158592"
private let top = "340282366920938463463374607431768211455"

/// `pred(n)` for the decimal hash keys above: each range ends one below the next one's start.
private func below(_ key: String) -> String {
    ["170141183460469231731687303715884105728": "170141183460469231731687303715884105727",
     "85070591730234615865843651857942052864": "85070591730234615865843651857942052863",
     "255211775190703847597530955573826158592": "255211775190703847597530955573826158591"][key]!
}

/// A provisioned stream, a delivery stream reading it and an analytics application over the first
/// two replications of `demoReplications()` (duration 10 s, elapsed 12 and 15 s), every figure
/// worked out below:
///
/// - `clicks` starts with 2 shards; at 5 s shard 0 is split into shards 2 and 3 in both
///   replications, and at 9 s replication 1 also splits shard 1 into 4 and 5, so it ends with 3 and
///   4 open shards (mean 3.5) and 36 and 54 shard-seconds (0.01 and 0.015 shard-hours).
///   Records put 100 and 140 (10 and 14 per second of duration), 1,000 bytes each; shard 0 takes
///   50 and 70 of them with every throttle (5 and 7).
/// - Its consumer `indexer` (kcl) processes 100 and 139 records, end to end 5 and 15 ms, then
///   20 and 20 ms; its iterator age peaks at 1.5 s in replication 0 and 2.5 s in replication 1.
///   `archiver` (lambda) runs 10 and 12 invocations of 2 and 3 GB-seconds.
/// - `archive` (Firehose) takes 100 and 140 records, billed 5,120 bytes each, and writes objects
///   of 40,000 and 58,000 bytes, then 50,000, 40,000 and 46,000 bytes.
/// - `per-page` counts records in tumbling 60 s windows: 100 and 140 in, 2 and 3 late, 3 and 5 keys.
@Suite struct StreamReportTests {
    static func shard(_ n: Int, parents: [Int] = [], from start: String, to end: String, opened: Double, closed: Double? = nil,
                      records: Int, throttled: Int = 0, peak: Int) -> ShardObservations {
        ShardObservations(id: "shardId-" + String(repeating: "0", count: 12 - String(n).count) + String(n),
                          parents: parents.map { "shardId-" + String(repeating: "0", count: 12 - String($0).count) + String($0) },
                          startingHashKey: start, endingHashKey: end, openedAt: opened, closedAt: closed, recordsPut: records,
                          bytesPut: 1000 * records, writeThrottled: throttled, peakRecordsPerSecond: peak)
    }

    static func replications() -> [ReplicationObservations] {
        var replications = Array(demoReplications().prefix(2))
        for r in replications.indices {
            var clicks = StreamObservations(name: "clicks", capacityMode: "PROVISIONED")
            clicks.shardsAtStart = 2
            clicks.shardsAtEnd = [3, 4][r]
            clicks.shardSeconds = [36.0, 54][r]
            clicks.putRequests = [10, 20][r]
            clicks.recordsPut = [100, 140][r]
            clicks.bytesPut = 1000 * clicks.recordsPut
            clicks.putPayloadUnits = clicks.recordsPut
            clicks.writeThrottled = [5, 7][r]
            clicks.producerRetries = [5, 6][r]
            clicks.recordsAbandoned = r
            clicks.getRecordsRequests = [30, 40][r]
            clicks.recordsRead = [100, 139][r]
            clicks.bytesRead = 1000 * clicks.recordsRead
            clicks.readThrottled = r + 1
            clicks.reshards = [ReshardObservation(time: 5, action: "SplitShard", detail: "shardId-000000000000 at \(quarter)",
                                                  outcome: "done")]
            clicks.shards = [
                shard(0, from: "0", to: below(half), opened: 0, closed: 5, records: [50, 70][r], throttled: [5, 7][r], peak: [20, 25][r]),
                shard(1, from: half, to: top, opened: 0, closed: r == 1 ? 9 : nil, records: [20, 30][r], peak: 5),
                shard(2, parents: [0], from: "0", to: below(quarter), opened: 5, records: [15, 10][r], peak: 3),
                shard(3, parents: [0], from: quarter, to: below(half), opened: 5, records: [15, 10][r], peak: 3),
            ]
            if r == 1 {
                clicks.reshards.append(ReshardObservation(time: 9, action: "SplitShard", detail: "shardId-000000000001 at \(threeQuarters)",
                                                          outcome: "done"))
                clicks.shards += [shard(4, parents: [1], from: half, to: below(threeQuarters), opened: 9, records: 10, peak: 10),
                                  shard(5, parents: [1], from: threeQuarters, to: top, opened: 9, records: 10, peak: 10)]
            }
            clicks.writeRate = [
                StreamRateSample(time: 1, recordsPerSecond: [10, 2, 0, 0], throttledPerSecond: [1, 0, 0, 0]),
                StreamRateSample(time: 6, recordsPerSecond: [0, 2, 3, 3], throttledPerSecond: [0, 0, 0, 0]),
            ]

            var indexer = StreamConsumerObservations(name: "indexer", kind: "kcl")
            indexer.recordsProcessed = [100, 139][r]
            indexer.duplicates = [3, 0][r]
            indexer.unprocessedAtEnd = [0, 1][r]
            indexer.outOfOrder = [0, 2][r]
            indexer.readThrottled = [1, 2][r]
            indexer.leaseTakeovers = [1, 0][r]
            indexer.checkpoints = [10, 12][r]
            indexer.endToEnd = series([[5, 15], [20, 20]][r])
            indexer.iteratorAge = [
                [IteratorAgeSample(time: 1, maxMillisBehind: 1500, perShard: [1500, 200, nil, nil]),
                 IteratorAgeSample(time: 6, maxMillisBehind: 300, perShard: [nil, 100, 300, 0])],
                [IteratorAgeSample(time: 1, maxMillisBehind: 2500, perShard: [2500, 0, nil, nil])],
            ][r]
            indexer.counters = [("getRecordsCalls", [30, 40][r]), ("shardEnds", 1)]

            var archiver = StreamConsumerObservations(name: "archiver", kind: "lambda")
            archiver.recordsProcessed = [98, 137][r]
            archiver.duplicates = [4, 6][r]
            archiver.discarded = 2
            archiver.endToEnd = series([[100], [300]][r])
            archiver.counters = [("invocations", [10, 12][r]), ("failedInvocations", 1), ("retries", 1), ("bisections", 0)]
            archiver.lambdaRequests = [10, 12][r]
            archiver.lambdaGBSeconds = [2.0, 3.0][r]
            clicks.consumers = [indexer, archiver]
            replications[r].streams = [clicks]

            var archive = DeliveryStreamObservations(name: "archive", source: "stream/clicks", destination: "s3/archive")
            archive.recordsIn = [100, 140][r]
            archive.bytesIn = 1000 * archive.recordsIn
            archive.billedBytes = 5120 * archive.recordsIn
            archive.transformedOk = [98, 138][r]
            archive.transformedDropped = 1
            archive.transformProcessingFailed = 1
            archive.objectsDelivered = [2, 3][r]
            for bytes in [[40_000, 58_000], [50_000, 40_000, 46_000]][r] { archive.objectBytes.record(bytes: bytes) }
            archive.deliveryLatency = series([[60_000, 61_000], [62_000]][r])
            archive.freshness = series([[300_000], [301_000]][r])
            archive.destinationAttempts = [2, 4][r]
            archive.destinationFailures = [0, 1][r]
            replications[r].deliveryStreams = [archive]

            var perPage = AnalyticsObservations(name: "per-page", source: "stream/clicks", window: "tumbling 60s",
                                                output: "deliveryStream/archive")
            perPage.recordsIn = [100, 140][r]
            perPage.recordsLate = [2, 3][r]
            perPage.windowsEmitted = [4, 6][r]
            perPage.updates = [1, 0][r]
            perPage.keys = [3, 5][r]
            perPage.resultLatency = series([[1000, 2000], [1500]][r])
            perPage.sampleResults = r == 0
                ? [AnalyticsResultRow(windowStart: 0, windowEnd: 60, key: "home", values: [("count", 12), ("sum(bytes)", 1234.5)]),
                   AnalyticsResultRow(windowStart: 0, windowEnd: 60, key: "cart", values: [("count", 3), ("sum(bytes)", 99)])]
                : [AnalyticsResultRow(windowStart: 0, windowEnd: 60, key: "other", values: [("count", 1)])]
            replications[r].analytics = [perPage]
        }
        return replications
    }

    let report = ReportBuilder.build(demoRun, replications: replications())

    func keys(_ value: JSONValue?) -> [String] {
        if case .object(let members) = value { return members.map(\.0) }
        return []
    }

    /// The Student-t 97.5% quantile with one degree of freedom: two replications.
    let t1 = 12.706204736174707

    @Test func streamCountsAreSummedOverReplications() throws {
        let clicks = try #require(report.streams.first)
        #expect(report.streams.count == 1 && clicks.name == "clicks" && clicks.capacityMode == "PROVISIONED")
        #expect(clicks.putRequests == 30 && clicks.recordsPut == 240 && clicks.bytesPut == 240_000 && clicks.putPayloadUnits == 240)
        #expect(clicks.writeThrottled == 12 && clicks.producerRetries == 11 && clicks.recordsAbandoned == 1)
        #expect(clicks.getRecordsRequests == 70 && clicks.recordsRead == 239 && clicks.bytesRead == 239_000 && clicks.readThrottled == 3)
        #expect(clicks.recordsExpired == 0 && clicks.onDemandScalings == 0)
    }

    @Test func shardsAtTheEndShardHoursAndRatesAreMeansWithAnInterval() throws {
        let clicks = report.streams[0]
        #expect(clicks.shardsAtStart == 2)
        // 3 and 4 shards: mean 3.5, standard error 0.5.
        let end = try #require(clicks.shardsAtEnd)
        #expect(end.mean == 3.5 && end.n == 2 && abs(end.halfWidth - t1 * 0.5) < 1e-9)
        // 36 and 54 shard-seconds: 0.01 and 0.015 shard-hours, standard error 0.0025.
        let hours = try #require(clicks.shardHours)
        #expect(abs(hours.mean - 0.0125) < 1e-15 && abs(hours.halfWidth - t1 * 0.0025) < 1e-12)
        // 100 and 140 records over 10 s; 100 and 139 read over 12 and 15 s.
        #expect(clicks.putRate?.mean == 12)
        #expect(abs((clicks.readRate?.mean ?? 0) - (100.0 / 12 + 139.0 / 15) / 2) < 1e-12)
    }

    @Test func shardsAreMatchedByIDAndCountOnlyTheReplicationsThatHadThem() {
        let shards = report.streams[0].shards
        #expect(shards.map(\.id) == (0...5).map { "shardId-00000000000\($0)" })
        #expect(shards.map(\.replications) == [2, 2, 2, 2, 1, 1])
        #expect(shards.map(\.recordsPut) == [120, 50, 25, 25, 10, 10])
        #expect(shards.map(\.bytesPut) == [120_000, 50_000, 25_000, 25_000, 10_000, 10_000])
        #expect(shards.map(\.writeThrottled) == [12, 0, 0, 0, 0, 0])
        #expect(shards.map(\.peakRecordsPerSecond) == [25, 5, 3, 3, 10, 10])
        // Every record lands in exactly one shard.
        #expect(shards.reduce(0) { $0 + $1.recordsPut } == report.streams[0].recordsPut)
        // Lineage and lifetime as in the first replication that had the shard.
        #expect(shards[2].parents == ["shardId-000000000000"] && shards[2].startingHashKey == "0")
        #expect(shards[2].endingHashKey == "85070591730234615865843651857942052863")
        #expect(shards[0].closedAt == 5 && shards[1].closedAt == nil && shards[4].openedAt == 9)
    }

    @Test func reshardsAndSeriesComeFromReplicationZero() {
        let clicks = report.streams[0]
        #expect(clicks.reshards == [ReshardObservation(time: 5, action: "SplitShard", detail: "shardId-000000000000 at \(quarter)",
                                                       outcome: "done")])
        #expect(clicks.writeRate.map(\.time) == [1, 6] && clicks.writeRate[0].recordsPerSecond == [10, 2, 0, 0])
        #expect(clicks.consumers[0].iteratorAge.count == 2)
        // The CSV series keep every replication.
        #expect(report.streamRateSeries.map(\.replication) == [0, 1])
        #expect(report.iteratorAgeSeries.map(\.consumer) == ["indexer", "archiver", "indexer", "archiver"])
    }

    @Test func consumerCountsAreSummedAndCountersKeepTheirOrder() {
        let indexer = report.streams[0].consumers[0], archiver = report.streams[0].consumers[1]
        #expect(indexer.name == "indexer" && indexer.kind == "kcl")
        #expect(indexer.recordsProcessed == 239 && indexer.duplicates == 3 && indexer.discarded == 0)
        #expect(indexer.unprocessedAtEnd == 1 && indexer.outOfOrder == 2 && indexer.readThrottled == 3)
        #expect(indexer.leaseTakeovers == 1 && indexer.checkpoints == 22)
        #expect(indexer.counters.map(\.name) == ["getRecordsCalls", "shardEnds"] && indexer.counters.map(\.value) == [70, 2])
        #expect(archiver.kind == "lambda" && archiver.recordsProcessed == 235 && archiver.duplicates == 10 && archiver.discarded == 4)
        #expect(archiver.counters.map(\.name) == ["invocations", "failedInvocations", "retries", "bisections"])
        #expect(archiver.counters.map(\.value) == [22, 2, 2, 0])
    }

    @Test func iteratorAgeMaxIsOverEveryReplicationAndAtEndIsReplicationZerosLastSample() {
        let indexer = report.streams[0].consumers[0]
        #expect(indexer.iteratorAgeMaxMillis == 2500)
        #expect(indexer.iteratorAgeAtEnd == [nil, 100, 300, 0])
        // A consumer that reported no lag reads 0, with no shards at the end.
        #expect(report.streams[0].consumers[1].iteratorAgeMaxMillis == 0 && report.streams[0].consumers[1].iteratorAgeAtEnd.isEmpty)
    }

    @Test func endToEndIsSummarisedAsQueueLatencyIs() throws {
        // 5 and 15 ms, then 20 and 20 ms: replication means 10 and 20 ms, percentiles over all four.
        let endToEnd = report.streams[0].consumers[0].endToEnd
        let mean = try #require(endToEnd.mean)
        #expect(abs(mean.mean - 0.015) < 1e-7 && mean.n == 2 && mean.method == "replications" && endToEnd.count == 4)
        #expect(0.015 <= endToEnd.p50 && endToEnd.p50 <= 0.015 * (1 + 1.0 / 1024))
        #expect(0.020 <= endToEnd.p99 && endToEnd.p99 <= 0.020 * (1 + 1.0 / 1024))
    }

    @Test func deliveryStreamTotalsAndObjectSizes() throws {
        let archive = try #require(report.deliveryStreams.first)
        #expect(archive.name == "archive" && archive.source == "stream/clicks" && archive.destination == "s3/archive")
        #expect(archive.recordsIn == 240 && archive.bytesIn == 240_000 && archive.billedBytes == 1_228_800)
        #expect(archive.transformedOk == 236 && archive.transformedDropped == 2 && archive.transformProcessingFailed == 2)
        #expect(archive.objectsDelivered == 5 && archive.destinationAttempts == 6 && archive.destinationFailures == 1)
        // Objects 40,000, 58,000 | 50,000, 40,000, 46,000: replication means 49,000 and 45,333⅓;
        // the median of all five is 46,000 and the largest 58,000, to three significant digits.
        let sizes = archive.objectBytes
        #expect(sizes.count == 5 && abs((sizes.mean?.mean ?? 0) - (49_000 + 136_000.0 / 3) / 2) < 1e-9)
        #expect(46_000 <= sizes.p50 && Double(sizes.p50) <= 46_000 * (1 + 1.0 / 1024))
        #expect(58_000 <= sizes.p90 && Double(sizes.max) <= 58_000 * (1 + 1.0 / 1024) && sizes.p90 <= sizes.max)
        #expect(archive.deliveryLatency.count == 3 && archive.freshness.count == 2)
        #expect(300 <= archive.freshness.max && archive.freshness.max <= 301 * (1 + 1.0 / 1024))
    }

    @Test func analyticsTotalsKeysAndSampleResults() throws {
        let perPage = try #require(report.analytics.first)
        #expect(perPage.name == "per-page" && perPage.window == "tumbling 60s" && perPage.output == "deliveryStream/archive")
        #expect(perPage.recordsIn == 240 && perPage.recordsLate == 5 && perPage.windowsEmitted == 10 && perPage.updates == 1)
        #expect(perPage.keys?.mean == 4 && perPage.resultLatency.count == 3)
        #expect(perPage.sampleResults.map(\.key) == ["home", "cart"])
    }

    @Test func onlyTheFirstTwentyResultsAreKept() {
        var replications = Self.replications()
        replications[0].analytics[0].sampleResults = (0..<25).map {
            AnalyticsResultRow(windowStart: Double($0), windowEnd: Double($0 + 1), key: "k\($0)", values: [])
        }
        let built = ReportBuilder.build(demoRun, replications: replications)
        #expect(built.analytics[0].sampleResults.map(\.key) == (0..<20).map { "k\($0)" })
    }

    @Test func theJSONHasStreamSectionsBeforeConsumersWithStableKeys() throws {
        let json = report.json
        #expect(keys(json) == ["schemaVersion", "scenario", "description", "seed", "replications", "duration", "drain", "warmup",
                               "queues", "streams", "deliveryStreams", "analytics", "consumers", "concurrency", "delivery", "faults",
                               "api", "objectStore", "cost", "replicationDetails"])
        let clicks = json["streams"]?["clicks"]
        #expect(keys(clicks) == ["capacityMode", "shardsAtStart", "shardsAtEnd", "shardHours", "throughput", "totals", "reshards",
                                 "shards", "writeRate", "consumers"])
        #expect(keys(clicks?["totals"]) == ["putRequests", "recordsPut", "bytesPut", "putPayloadUnits", "writeThrottled",
                                            "producerRetries", "recordsAbandoned", "getRecordsRequests", "recordsRead", "bytesRead",
                                            "readThrottled", "recordsExpired", "onDemandScalings"])
        #expect(keys(clicks?["consumers"]?["indexer"]) == ["kind", "processed", "duplicates", "discarded", "unprocessedAtEnd",
                                                           "outOfOrder", "readThrottled", "leaseTakeovers", "checkpoints", "counters",
                                                           "endToEnd", "iteratorAge"])
        #expect(keys(json["deliveryStreams"]?["archive"]) == [
            "source", "destination", "recordsIn", "bytesIn", "billedBytes", "recordsThrottled", "transformation", "objectsDelivered",
            "objectBytes", "deliveryLatency", "freshness", "destinationAttempts", "destinationFailures", "recordsBackedUp",
            "bytesBackedUp", "recordsExpired", "bytesDropped"])
        #expect(keys(json["analytics"]?["per-page"]) == ["source", "window", "output", "recordsIn", "recordsLate", "windowsEmitted",
                                                         "updates", "keys", "resultLatency", "sampleResults"])
        _ = try JSONSerialization.jsonObject(with: Data(json.rendered().utf8))
    }

    @Test func theJSONCarriesShardAndConsumerFigures() {
        let clicks = report.json["streams"]?["clicks"]
        #expect(clicks?["totals"]?["recordsPut"] == .int(240) && clicks?["totals"]?["writeThrottled"] == .int(12))
        #expect(clicks?["shardsAtEnd"]?["mean"] == .number(3.5))
        guard case .array(let shards) = clicks?["shards"] else { Issue.record("shards is not an array"); return }
        #expect(shards.count == 6)
        #expect(shards[0]["id"] == .string("shardId-000000000000") && shards[0]["records"] == .int(120))
        #expect(shards[0]["bytes"] == .int(120_000) && shards[0]["throttled"] == .int(12) && shards[0]["closedAt"] == .number(5))
        #expect(shards[1]["closedAt"] == .null && shards[1]["endingHashKey"] == .string(top))
        #expect(shards[3]["parents"] == .array([.string("shardId-000000000000")]))
        let indexer = clicks?["consumers"]?["indexer"]
        #expect(indexer?["processed"] == .int(239) && indexer?["outOfOrder"] == .int(2) && indexer?["unprocessedAtEnd"] == .int(1))
        #expect(indexer?["counters"] == .object([("getRecordsCalls", .int(70)), ("shardEnds", .int(2))]))
        #expect(indexer?["iteratorAge"]?["maxMillis"] == .int(2500))
        #expect(indexer?["iteratorAge"]?["atEndMillis"] == .array([.null, .int(100), .int(300), .int(0)]))
        #expect(indexer?["endToEnd"]?["count"] == .int(4))
        #expect(report.json["deliveryStreams"]?["archive"]?["transformation"]
                    == .object([("ok", .int(236)), ("dropped", .int(2)), ("processingFailed", .int(2))]))
        guard case .array(let results) = report.json["analytics"]?["per-page"]?["sampleResults"] else {
            Issue.record("sampleResults is not an array")
            return
        }
        #expect(results.count == 2 && results[0]["key"] == .string("home") && results[0]["windowEnd"] == .number(60))
        #expect(results[0]["values"] == .object([("count", .number(12)), ("sum(bytes)", .number(1234.5))]))
    }

    @Test func aReportWithoutStreamsHasNoStreamSectionsOrFiles() {
        let plain = ReportBuilder.build(demoRun, replications: demoReplications())
        #expect(plain.streams.isEmpty && plain.deliveryStreams.isEmpty && plain.analytics.isEmpty)
        #expect(keys(plain.json) == ["schemaVersion", "scenario", "description", "seed", "replications", "duration", "drain",
                                     "warmup", "queues", "consumers", "concurrency", "delivery", "faults", "api", "objectStore",
                                     "cost", "replicationDetails"])
        let markdown = plain.markdown
        #expect(!markdown.contains("## Streams") && !markdown.contains("## Firehose") && !markdown.contains("## Analytics"))
        #expect(!markdown.contains("Kinesis") && !plain.json.rendered().contains("Kinesis"))
        #expect(plain.streamRateCSV == "replication,stream,time,shard,recordsPerSecond,throttledPerSecond\n")
        #expect(plain.iteratorAgeCSV == "replication,stream,consumer,time,shard,millisBehind\n")
    }

    @Test func theMarkdownHasStreamFirehoseAndAnalyticsSectionsWithTheirNumbers() throws {
        let markdown = report.markdown
        let queues = try #require(markdown.range(of: "## Queues"))
        let streams = try #require(markdown.range(of: "## Streams"))
        let firehose = try #require(markdown.range(of: "## Firehose"))
        let analytics = try #require(markdown.range(of: "## Analytics"))
        let consumers = try #require(markdown.range(of: "## Consumers"))
        #expect(queues.upperBound < streams.lowerBound && streams.upperBound < firehose.lowerBound)
        #expect(firehose.upperBound < analytics.lowerBound && analytics.upperBound < consumers.lowerBound)
        #expect(markdown.contains("### clicks (PROVISIONED)\n\n2 shards at the start, 3.50 ["))
        #expect(markdown.contains("30 put requests, 240 records put (240000 bytes, 240 PUT payload units), 12 write-throttled, "
                                  + "11 retried by producers, 1 abandoned; 70 GetRecords calls returned 239 records (239000 bytes), "
                                  + "3 read-throttled; 0 expired.\n\n"))
        // Hash keys read as shares of the key space; report.json has them exactly.
        #expect(markdown.contains("| shardId-000000000000 | – | 0%–50% | 0 s | 5.000 s | 2 | 120 | 120000 | 12 | 25 |\n"))
        #expect(markdown.contains("| shardId-000000000004 | shardId-000000000001 | 50%–75% | 9.000 s | open | 1 | 10 | 10000 | 0 | 10 |\n"))
        #expect(markdown.contains("Resharding:\n\n- 5.000 s: SplitShard shardId-000000000000 at \(quarter): done\n\n"))
        #expect(markdown.contains("| indexer | kcl | 239 | 3 | 0 | 2 | 1 | 3 | 2.500 s | 15.0 ms | 20.0 ms |\n"))
        #expect(markdown.contains("| archiver | lambda | 235 | 10 | 4 | 0 | 0 | 0 | 0 s | 100.0 ms | 300.0 ms |\n"))
        #expect(markdown.contains("indexer: lease takeovers 1, checkpoints 22, getRecordsCalls 70, shardEnds 2.\n\n"))
        #expect(markdown.contains("| archive | stream/clicks | s3/archive | 240 | 240000 | 1228800 | 0 | 5 | "))
        #expect(markdown.contains("archive: transformation 236 ok, 2 dropped, 2 failed; 6 destination attempts, 1 failed; "
                                  + "0 records (0 bytes) to backup; 0 records expired after 24 h; 0 bytes dropped.\n\n"))
        #expect(markdown.contains("| per-page | stream/clicks | tumbling 60s | deliveryStream/archive | 240 | 5 | 10 | 1 | 4 ["))
        #expect(markdown.contains("### per-page: first results\n\n| window start | window end | key | values |\n|---|---|---|---|\n"
                                  + "| 0 | 60 | home | count 12, sum(bytes) 1234.5 |\n| 0 | 60 | cart | count 3, sum(bytes) 99 |\n\n"))
    }

    @Test func theCSVHasARowPerSampleShardAndReplication() {
        let rates = report.streamRateCSV.split(separator: "\n").map(String.init)
        // Two samples of four shards in each of two replications.
        #expect(rates.count == 1 + 16)
        #expect(rates[1] == "0,clicks,1,shardId-000000000000,10,1")
        #expect(rates[5] == "0,clicks,6,shardId-000000000000,0,0")
        let ages = report.iteratorAgeCSV.split(separator: "\n").map(String.init)
        // Shards a consumer does not read have no row: 2 + 3 in replication 0, 2 in replication 1.
        #expect(ages == ["replication,stream,consumer,time,shard,millisBehind",
                         "0,clicks,indexer,1,shardId-000000000000,1500", "0,clicks,indexer,1,shardId-000000000001,200",
                         "0,clicks,indexer,6,shardId-000000000001,100", "0,clicks,indexer,6,shardId-000000000002,300",
                         "0,clicks,indexer,6,shardId-000000000003,0",
                         "1,clicks,indexer,1,shardId-000000000000,2500", "1,clicks,indexer,1,shardId-000000000001,0"])
    }

    @Test func replicationsGivenInAnyOrderMakeTheSameStreams() {
        let shuffled = ReportBuilder.build(demoRun, replications: Array(Self.replications().reversed()))
        #expect(shuffled.streams == report.streams && shuffled.deliveryStreams == report.deliveryStreams)
        #expect(shuffled.analytics == report.analytics)
        #expect(shuffled.json.rendered() == report.json.rendered())
        #expect(shuffled.markdown == report.markdown)
        #expect(shuffled.streamRateCSV == report.streamRateCSV && shuffled.iteratorAgeCSV == report.iteratorAgeCSV)
    }
}
