import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Testing
import Workloads

/// SEMANTICS.md "Analytics" end to end: applications in scenario files reading a stream through
/// the world, with their results written to a delivery stream or another stream.
@Suite struct AnalyticsScenarioTests {
    func run(_ model: ScenarioModel, replication: Int = 0) -> World {
        let world = World(model: model, replication: replication)
        _ = world.run()
        return world
    }

    func run(_ text: String) throws -> World { run(try ScenarioDecoder.decode(text, file: "t.yaml")) }

    /// A one-shard stream fed at a constant 10 records/s over three keys with no API latency, so a
    /// record's produced instant is its arrival instant; `application` are the application's lines.
    static func scenario(_ application: String..., duration: String = "60s", extra: String = "") -> String {
        """
        name: windows
        duration: \(duration)
        drain: 5m
        streams:
          - name: events
            shards: 1
        analytics:
          - name: app
            source: stream/events
        \(application.map { "    \($0)" }.joined(separator: "\n"))
        \(extra)
        producers:
          - name: devices
            target: stream/events
            arrivals: constant(rate=10/s)
            recordSize: uniform(100B, 1000B)
            partitionKeys: { count: 3 }
        """
    }

    /// Every record of the stream, in shard order, read back 10 s after the end of the run (when
    /// the applications' own reads no longer count against the shards' read limits).
    func storedRecords(_ world: World) -> [StreamRecord] {
        var records: [StreamRecord] = []
        let stream = world.dataStreams[0]
        _ = world.scheduler.schedule(at: world.scheduler.now + .seconds(10)) {
            for shard in stream.shards.indices {
                guard case .success(let iterator) = stream.getShardIterator(shard: shard, type: .trimHorizon),
                      case .records(let read, _, _, _) = stream.getRecords(iterator) else { Issue.record("GetRecords refused"); return }
                records += read
            }
        }
        _ = world.scheduler.run()
        return records
    }

    /// The windows, keys and aggregates computed over the stored records by brute force: each
    /// record in the tumbling window [⌊t / size⌋·size, +size) of its event time (its arrival).
    @Test func tumblingWindowResultsEqualABruteForceComputationOverTheSameRecords() throws {
        let world = try run(Self.scenario("window: tumbling(10s)", "aggregates: [count, sum, min, max, mean, p50, p90]",
                                          "value: recordSize", "outOfOrderness: 2s"))
        let run = world.analyticsRuns[0]
        let records = storedRecords(world)
        #expect(records.count == run.application.recordsIn && records.count > 500)
        struct WindowKey: Hashable { var start: Int64; var key: String }
        var groups: [WindowKey: [Double]] = [:]
        let size: Int64 = 10_000_000_000
        for record in records {
            let start = (record.arrivedAt.nanoseconds / size) * size
            groups[WindowKey(start: start, key: record.partitionKey), default: []].append(Double(record.dataBytes))
        }
        let expected = groups.map { key, values -> WindowResult in
            let sorted = values.sorted()
            let sum = sorted.reduce(0, +)
            func rank(_ p: Double) -> Double { sorted[Int((p * Double(sorted.count) / 100).rounded(.up)) - 1] }
            return WindowResult(windowStart: Instant(nanoseconds: key.start), windowEnd: Instant(nanoseconds: key.start + size), key: key.key,
                                values: [Double(sorted.count), sum, sorted.first!, sorted.last!, sum / Double(sorted.count), rank(50), rank(90)],
                                isUpdate: false)
        }.sorted { ($0.windowEnd, $0.key) < ($1.windowEnd, $1.key) }
        // 6 windows of 3 keys: the application keeps the first 20 results, all of them here.
        #expect(expected.count == 18)
        #expect(run.sampleResults == expected)
        #expect(run.figures.recordsLate == 0 && run.figures.updates == 0 && run.figures.windowsEmitted == 18)
    }

    /// With event times up to 30 s before the produced instant and no out-of-orderness or lateness,
    /// records whose window the watermark has passed are late; without a skew none are.
    @Test func lateRecordsAreCountedWhenTheSkewExceedsTheLateness() throws {
        let skewed = try run(Self.scenario("window: tumbling(10s)", "aggregates: [count]", "eventTimeSkew: uniform(0s, 30s)",
                                           duration: "5m"))
        let late = skewed.analyticsRuns[0].figures
        #expect(late.recordsIn == 3_000 || late.recordsIn == 2_999)
        // A record is late when the newest event time seen so far is past its window's end: with
        // skews uniform over 30 s and windows of 10 s that is most records.
        #expect(late.recordsLate > late.recordsIn / 2)
        let windows = late.windowsEmitted
        #expect(windows > 0)
        let inOrder = try run(Self.scenario("window: tumbling(10s)", "aggregates: [count]", duration: "5m")).analyticsRuns[0].figures
        #expect(inOrder.recordsLate == 0)
        // Allowed lateness above the largest skew keeps every record, updating fired windows.
        let tolerant = try run(Self.scenario("window: tumbling(10s)", "aggregates: [count]", "eventTimeSkew: uniform(0s, 30s)",
                                             "allowedLateness: 40s", duration: "5m")).analyticsRuns[0].figures
        #expect(tolerant.recordsLate == 0 && tolerant.updates > 0)
    }

    /// Results written to a stream are records the world's ledger takes (their producer numbers are
    /// past the stream producers'), and a second application reads every one of them.
    @Test func resultsWrittenToAStreamAreReadByTheNextApplication() throws {
        let text = Self.scenario("window: tumbling(10s)", "aggregates: [count]", "output: stream/results", duration: "2m", extra: """
              - name: totals
                source: stream/results
                window: tumbling(60s)
                aggregates: [sum]
                groupBy: none
            """)
            .replacingOccurrences(of: "    shards: 1\n", with: "    shards: 1\n  - name: results\n    shards: 1\n")
        let world = try run(text)
        let first = world.analyticsRuns[0], second = world.analyticsRuns[1]
        let written = try #require(first.writer).recordsWritten
        #expect(written == first.figures.windowsEmitted + first.figures.updates && written > 30)
        #expect(second.figures.recordsIn == written)
        #expect(second.figures.keys == 1)
        #expect(second.figures.output == "none")
    }

    /// The bundled scenario: results go to the delivery stream, which delivers all of them.
    @Test func windowedMetricsWritesEveryResultToItsDeliveryStream() throws {
        let world = run(try bundledScenario("windowed-metrics"))
        let app = world.analyticsRuns[0].figures
        let archive = world.deliveryStreamRuns[0].figures
        #expect(app.recordsLate > 0)
        #expect(app.keys == 5)
        #expect(app.resultsWritten == app.windowsEmitted + app.updates)
        #expect(archive.recordsIn == app.resultsWritten && archive.recordsDelivered == archive.recordsIn)
        #expect(world.analyticsRuns[0].sampleResults.allSatisfy { $0.attributes?["site"] != nil })
    }

    @Test func theSameSeedGivesTheSameResults() throws {
        var model = try bundledScenario("windowed-metrics")
        model.duration = .seconds(180)
        let a = run(model), b = run(model)
        #expect(a.analyticsRuns.map(\.figures) == b.analyticsRuns.map(\.figures))
        #expect(a.analyticsRuns.map(\.sampleResults) == b.analyticsRuns.map(\.sampleResults))
        #expect(a.analyticsRuns[0].sampleResults != run(model, replication: 1).analyticsRuns[0].sampleResults)
    }
}
