import Foundation
import Reporting
import Testing

/// A video stream entry `door` (2 streams, 24 h retention) with a live `monitor` and an archived
/// `reviewer`, over the first two replications of `demoReplications()` (duration 10 s), every
/// figure worked out below:
///
/// - 10 and 12 fragments ingested, 5,000,000 and 6,000,000 bytes: 500,000 and 600,000 bytes per
///   second of duration; billed storage is each byte for 86,400 s, 4.32e11 and 5.184e11 byte-seconds.
/// - Ingest latencies 300 and 320 ms, then 310 ms.
/// - The monitor plays 10 and 12 fragments (latency 350 and 400 ms, then 380 ms; lag 2 s more);
///   the reviewer 10 and 12 (latency 60 and 61 s, lag 62 and 63 s).
/// - Consumers were sent 10,000,000 and 12,000,000 bytes.
@Suite struct VideoStreamReportTests {
    static let retention = 86_400.0

    static func replications() -> [ReplicationObservations] {
        var replications = Array(demoReplications().prefix(2))
        for r in replications.indices {
            var door = VideoStreamObservations(name: "door", streams: 2, retentionSeconds: retention)
            door.fragmentsIngested = [10, 12][r]
            door.bytesIngested = [5_000_000, 6_000_000][r]
            door.fragmentsDropped = [1, 0][r]
            door.fragmentsRefused = [0, 2][r]
            door.ingestThrottled = [3, 1][r]
            door.putMediaThrottled = [3, 1][r]
            door.connectionsRefused = 1
            door.putMediaCalls = 2
            door.getMediaCalls = [2, 3][r]
            door.listFragmentsCalls = 4
            door.getMediaForFragmentListCalls = 2
            door.bytesConsumed = [10_000_000, 12_000_000][r]
            door.ingestLatency = series([[300, 320], [310]][r])
            door.storedByteSecondsInRun = [20e6, 30e6][r]
            door.billedStorageByteSeconds = Double(door.bytesIngested) * retention
            door.heldBytes = [[VideoHeldBytesSample(time: 0, bytes: 0), VideoHeldBytesSample(time: 5, bytes: 2_500_000),
                               VideoHeldBytesSample(time: 10, bytes: 5_000_000)],
                              [VideoHeldBytesSample(time: 0, bytes: 0), VideoHeldBytesSample(time: 10, bytes: 6_000_000)]][r]
            var monitor = VideoPlaybackObservations(name: "monitor", mode: "live")
            monitor.fragmentsPlayed = [10, 12][r]
            monitor.bytesPlayed = door.bytesIngested
            monitor.fragmentsSkipped = r
            monitor.throttled = r
            monitor.latency = series([[350, 400], [380]][r])
            monitor.lag = series([[2350, 2400], [2380]][r])
            var reviewer = VideoPlaybackObservations(name: "reviewer", mode: "archived")
            reviewer.fragmentsPlayed = [10, 12][r]
            reviewer.bytesPlayed = door.bytesIngested
            reviewer.latency = series([[60_000], [61_000]][r])
            reviewer.lag = series([[62_000], [63_000]][r])
            door.playback = [monitor, reviewer]
            replications[r].videoStreams = [door]
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
    let gb = 1_073_741_824.0

    @Test func videoCountsAreSummedOverReplications() throws {
        let door = try #require(report.videoStreams.first)
        #expect(report.videoStreams.count == 1 && door.name == "door" && door.streams == 2 && door.retentionHours == 24)
        #expect(door.fragmentsIngested == 22 && door.bytesIngested == 11_000_000 && door.fragmentsDropped == 1)
        #expect(door.fragmentsRefused == 2 && door.ingestThrottled == 4 && door.putMediaThrottled == 4 && door.connectionsRefused == 2)
        #expect(door.putMediaCalls == 4 && door.getMediaCalls == 5 && door.listFragmentsCalls == 8 && door.getMediaForFragmentListCalls == 4)
        #expect(door.bytesConsumed == 22_000_000 && door.fragmentsExpired == 0 && door.fragmentsLeftHostBuffer == 0)
    }

    @Test func theIngestRateAndStorageArePerReplicationWithAnInterval() throws {
        let door = report.videoStreams[0]
        // 500,000 and 600,000 bytes a second: mean 550,000, standard error 50,000.
        let rate = try #require(door.ingestBytesPerSecond)
        #expect(rate.mean == 550_000 && abs(rate.halfWidth - t1 * 50_000) < 1e-6)
        // Every ingested byte is billed for its 24 hours: bytes × 86,400 s over a 30-day month.
        let billed = try #require(door.storageGBMonthsBilled)
        let expected = 5_500_000 * Self.retention / gb / 2_592_000
        #expect(abs(billed.mean - expected) < 1e-15)
        let inRun = try #require(door.storageGBMonthsInRun)
        #expect(abs(inRun.mean - 25e6 / gb / 2_592_000) < 1e-18)
        #expect(door.heldBytesMax == 6_000_000 && door.heldBytes.map(\.time) == [0, 5, 10])
    }

    @Test func ingestAndPlaybackLatenciesAreSummarisedOverEveryFragment() throws {
        let door = report.videoStreams[0]
        #expect(door.ingestLatency.count == 3)
        #expect(0.320 <= door.ingestLatency.max && door.ingestLatency.max <= 0.320 * (1 + 1.0 / 1024))
        let monitor = door.playback[0], reviewer = door.playback[1]
        #expect(monitor.name == "monitor" && monitor.mode == "live" && reviewer.name == "reviewer" && reviewer.mode == "archived")
        #expect(monitor.fragmentsPlayed == 22 && monitor.bytesPlayed == 11_000_000 && monitor.fragmentsSkipped == 1 && monitor.throttled == 1)
        #expect(monitor.latency.count == 3 && monitor.lag.count == 3)
        // Replication means 375 and 380 ms.
        let mean = try #require(monitor.latency.mean)
        #expect(abs(mean.mean - 0.3775) < 1e-6 && mean.n == 2)
        #expect(2.4 <= monitor.lag.max && monitor.lag.max <= 2.4 * (1 + 1.0 / 1024))
        #expect(reviewer.fragmentsPlayed == 22 && reviewer.latency.count == 2 && 63 <= reviewer.lag.max)
    }

    @Test func videoCostsIngestionConsumptionAndStorageAtListPrices() throws {
        let prices = PriceTable()
        #expect(prices.kinesisVideoPerGBIngested == 0.0085 && prices.kinesisVideoPerGBConsumed == 0.0085)
        #expect(prices.kinesisVideoStoragePerGBMonth == 0.023)
        let lines = report.cost.lines
        let ingested = try #require(lines.first { $0.item == "KVS data ingested" })
        #expect(abs(ingested.quantity - 5_500_000 / gb) < 1e-15 && ingested.unit == "GB")
        #expect(abs(ingested.usd - 5_500_000 / gb * 0.0085) < 1e-15)
        let consumed = try #require(lines.first { $0.item == "KVS data consumed" })
        #expect(abs(consumed.quantity - 11_000_000 / gb) < 1e-15 && abs(consumed.usd - 11_000_000 / gb * 0.0085) < 1e-15)
        let storage = try #require(lines.first { $0.item == "KVS storage" })
        let gbMonths = 5_500_000 * Self.retention / gb / 2_592_000
        #expect(abs(storage.quantity - gbMonths) < 1e-15 && storage.unit == "GB-months" && abs(storage.usd - gbMonths * 0.023) < 1e-15)
        #expect(CostReport.byService(lines).contains { $0.service == "KVS" })
        // A month at the scenario's rates: 259,200 runs of 10 s.
        let monthly = try #require(report.cost.monthly.first { $0.item == "KVS data ingested" })
        #expect(abs(monthly.quantity - 5_500_000 / gb * 259_200) < 1e-9)
    }

    @Test func theJSONHasAVideoStreamsSectionBeforeConsumersWithStableKeys() throws {
        let json = report.json
        #expect(keys(json) == ["schemaVersion", "scenario", "description", "seed", "replications", "duration", "drain", "warmup",
                               "queues", "videoStreams", "consumers", "concurrency", "delivery", "faults", "api", "objectStore", "cost",
                               "replicationDetails"])
        let door = json["videoStreams"]?["door"]
        #expect(keys(door) == ["streams", "retentionHours", "throughput", "totals", "ingestLatency", "storage", "playback"])
        #expect(keys(door?["totals"]) == ["fragmentsIngested", "bytesIngested", "fragmentsDropped", "fragmentsRefused", "ingestThrottled",
                                          "putMediaThrottled", "connectionsRefused", "putMediaCalls", "getMediaCalls",
                                          "listFragmentsCalls", "getMediaForFragmentListCalls", "fragmentsExpired",
                                          "fragmentsLeftHostBuffer", "bytesConsumed"])
        #expect(keys(door?["storage"]) == ["gbMonthsBilled", "gbMonthsInRun", "heldBytesMax", "heldBytes"])
        #expect(keys(door?["playback"]) == ["monitor", "reviewer"])
        #expect(keys(door?["playback"]?["monitor"]) == ["mode", "fragmentsPlayed", "bytesPlayed", "fragmentsSkipped", "throttled",
                                                        "latency", "lag"])
        #expect(door?["totals"]?["bytesIngested"] == .int(11_000_000) && door?["streams"] == .int(2))
        #expect(door?["playback"]?["reviewer"]?["mode"] == .string("archived"))
        #expect(door?["ingestLatency"]?["count"] == .int(3))
        _ = try JSONSerialization.jsonObject(with: Data(json.rendered().utf8))
    }

    @Test func theMarkdownShowsEveryEntryAndPlaybackConsumer() {
        let markdown = report.markdown
        #expect(markdown.contains("## Video streams"))
        #expect(markdown.contains("| door | 2 | 24 h | 22 | 11000000 |"))
        #expect(markdown.contains("| door | monitor | live | 22 | 11000000 | 1 | 1 |"))
        #expect(markdown.contains("| door | reviewer | archived | 22 | 11000000 | 0 | 0 |"))
        #expect(markdown.contains("Kinesis Video Streams (KVS): $0.0085 per GB ingested"))
        #expect(markdown.contains("| KVS storage |"))
    }

    @Test func aReportWithoutVideoStreamsHasNoVideoSection() {
        let plain = ReportBuilder.build(demoRun, replications: demoReplications())
        #expect(plain.videoStreams.isEmpty && !keys(plain.json).contains("videoStreams"))
        #expect(!plain.markdown.contains("Video streams") && !plain.markdown.contains("KVS"))
        #expect(!plain.cost.lines.contains { $0.item.hasPrefix("KVS") })
    }
}
