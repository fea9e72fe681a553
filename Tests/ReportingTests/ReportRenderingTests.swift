import Foundation
import Reporting
import Testing

/// The rendered report: the stable JSON contract of DESIGN.md, the Markdown people read (which is
/// where the number formatting shows), the CSV files, and byte-for-byte determinism.
@Suite struct ReportRenderingTests {
    let report = ReportBuilder.build(demoRun, replications: demoReplications())

    func parsedJSON() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(report.json.rendered().utf8))
        return try #require(object as? [String: Any])
    }

    func keys(_ value: JSONValue?) -> [String] {
        if case .object(let members) = value { return members.map(\.0) }
        return []
    }

    @Test func buildingTheSameReportTwiceRendersTheSameBytes() {
        let again = ReportBuilder.build(demoRun, replications: demoReplications())
        #expect(again.json.rendered() == report.json.rendered())
        #expect(again.markdown == report.markdown)
        #expect(again.summaryCSV == report.summaryCSV)
        #expect(again.depthCSV == report.depthCSV)
    }

    @Test func theJSONIsValidAndCarriesTheRunsIdentity() throws {
        let json = try parsedJSON()
        #expect(json["schemaVersion"] as? Int == 1)
        #expect(json["scenario"] as? String == "orders-demo")
        #expect(json["description"] as? String == "Orders \"in bursts\"; a fleet drains them.")
        #expect(json["seed"] as? Int == 42)
        #expect(json["replications"] as? Int == 3)
        #expect(Array(keys(report.json).prefix(5)) == ["schemaVersion", "scenario", "description", "seed", "replications"])
    }

    @Test func latencyObjectsHaveTheContractsKeysEvenWhenNothingWasRecorded() throws {
        let queue = report.json["queues"]?["orders"]
        for metric in ["queueWait", "endToEnd"] {
            let found = Set(keys(queue?[metric]))
            #expect(found.isSuperset(of: ["mean", "ci95", "n", "p50", "p90", "p99", "p999", "max"]), "\(metric): \(found)")
        }
        #expect(queue?["endToEnd"]?["mean"] == .null)
        #expect(queue?["endToEnd"]?["n"] == .int(0))
        let json = try parsedJSON()
        let wait = try #require((json["queues"] as? [String: Any])?["orders"] as? [String: Any])["queueWait"] as? [String: Any]
        let interval = try #require(wait?["ci95"] as? [Double])
        #expect(interval.count == 2)
        #expect(wait?["n"] as? Int == 3)
    }

    @Test func throughputRatesHaveMeanIntervalAndCount() throws {
        let throughput = report.json["queues"]?["orders"]?["throughput"]
        #expect(keys(throughput) == ["sent", "received", "deleted"])
        for rate in ["sent", "received", "deleted"] {
            let found = Set(keys(throughput?[rate]))
            #expect(found.isSuperset(of: ["mean", "ci95", "n"]), "\(rate)")
        }
        #expect(throughput?["sent"]?["mean"] == .number(12))
        #expect(throughput?["received"]?["ci95"] == .array([.number(10), .number(10)]))
    }

    @Test func deliveryTotalsAndViolationsHaveTheContractsKeys() throws {
        let delivery = report.json["delivery"]
        let totals: [(String, Int)] = [("sent", 22), ("deliveredOnce", 16), ("duplicated", 3), ("lost", 1), ("expired", 1),
                                       ("queued", 1), ("deadLettered", 0)]
        for (key, value) in totals {
            #expect(delivery?[key] == .int(value), "\(key)")
        }
        guard case .array(let violations) = delivery?["violations"] else {
            Issue.record("delivery.violations is not an array")
            return
        }
        #expect(violations.count == 2)
        for violation in violations {
            #expect(Set(keys(violation)).isSuperset(of: ["kind", "replication", "seed", "messageId", "at", "detail"]))
        }
        let lost = try #require(violations.first { $0["kind"] == .string("lost") })
        #expect(lost["replication"] == .int(1))
        #expect(lost["seed"] == .unsigned(42))
        #expect(lost["messageId"] == .string("m8"))
        #expect(lost["at"] == .number(0.0005))
        #expect(lost["replay"] == .string("sluice run scenarios/demo.yaml --seed 42 --replications 1 --first-replication 1"))
    }

    @Test func theMarkdownHeadlineFormatsRatesAndLatenciesWithTheirIntervals() {
        // Rates with two decimals, latencies in the unit that reads best, "–" for a missing mean,
        // "0 s" for a percentile of nothing; the p99 of 5, 15, 20, 20, 30, 42 ms is 42 ms.
        let row = "| orders | 12.00/s [7.03/s, 16.97/s] | 9.00/s [6.52/s, 11.48/s] | 22.0 ms [-10.6 ms, 54.6 ms] | 42.0 ms | – | 0 s |"
        #expect(report.markdown.contains(row + "\n"), "\(report.markdown)")
    }

    @Test func theMarkdownOpensWithTheScenarioAndItsParameters() {
        let opening = """
            # orders-demo

            Orders "in bursts"; a fleet drains them.

            Seed 42, 3 replications; producers run 10s, drain up to 5s.

            """
        #expect(report.markdown.hasPrefix(opening))
    }

    @Test func theMarkdownFormatsPercentagesLongSpansAndShortOnes() {
        let markdown = report.markdown
        #expect(markdown.contains("| workers | orders | 4 | 60.0% [35.2%, 84.8%] |"))
        #expect(markdown.contains("| crash | consumers/workers | 15m 0.000s | 18m 0.000s | crashed 1 of 4 consumers [0] |"))
        #expect(markdown.contains("| pause | consumers/workers | 1h 2m 5.500s | end of run | paused 4 of 4 consumers |"))
        #expect(markdown.contains("| lost | 1 | orders | m8 | 500.0 µs |"))
        #expect(markdown.contains("| 2 | 20.000 s | drained | 140 | 180 | 36.0 ms |"))
    }

    @Test func theMarkdownListsDeliveryAndViolationsWithTheirReplayCommands() {
        let markdown = report.markdown
        #expect(markdown.contains("| 22 | 16 | 3 | 1 | 1 | 1 | 0 | 0 |"))
        #expect(markdown.contains("Duplicated by first cause: visibilityLapse 1, consumerCrashed 1, deleteFailed 1. "))
        #expect(markdown.contains("**Violations:** duplicateProcessing 1, lost 1"))
        #expect(markdown.contains("`sluice run scenarios/demo.yaml --seed 42 --replications 1 --first-replication 1` |"))
        #expect(markdown.contains("Deleted messages by receive count: 1× 16, 2× 3"))
        #expect(!markdown.contains("No delivery guarantee was violated."))
    }

    @Test func aReportWithoutViolationsSaysSo() {
        var clean = demoReplications()
        var history = History(queue: "orders")
        history.deliveredOnce(3)
        for index in clean.indices { clean[index].delivery = [history.check()] }
        let markdown = ReportBuilder.build(demoRun, replications: clean).markdown
        #expect(markdown.contains("No delivery guarantee was violated."))
        #expect(!markdown.contains("**Violations:**"))
    }

    @Test func theSummaryCSVHasOneRowPerQueueUnderItsHeader() throws {
        let lines = report.summaryCSV.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 3)
        #expect(lines.last == "")
        let header = lines[0].split(separator: ",").map(String.init)
        let row = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(header.count == row.count)
        let field = Dictionary(uniqueKeysWithValues: zip(header, row))
        #expect(field["queue"] == "orders")
        #expect(field["type"] == "standard")
        #expect(field["sent"] == "360")
        #expect(field["deleted"] == "426")
        #expect(field["sentPerSecond"] == "12")
        #expect(field["deletedPerSecond"] == "9")
        #expect(abs((Double(field["queueWaitMean"] ?? "") ?? 0) - 0.022) < 1e-7)
        // Nothing was recorded end to end: an empty mean, zero percentiles.
        #expect(field["endToEndMean"] == "")
        #expect(field["endToEndP99"] == "0")
    }

    @Test func theDepthCSVHasOneRowPerSampleQueueAndReplication() {
        let expected = """
            replication,queue,time,visible,inFlight,delayed
            0,orders,0,0,0,0
            0,orders,1,3,1,0
            1,orders,0,0,0,0
            1,orders,1,4,1,0
            2,orders,0,0,0,0
            2,orders,1,5,1,0

            """
        #expect(report.depthCSV == expected)
    }

    /// A name with a comma or a quote stays one CSV field (RFC 4180 quoting).
    @Test func csvFieldsWithCommasOrQuotesAreQuoted() {
        var replications = demoReplications()
        for index in replications.indices { replications[index].queues[0].name = "a,\"b\"" }
        let built = ReportBuilder.build(demoRun, replications: replications)
        #expect(built.summaryCSV.split(separator: "\n")[1].hasPrefix("\"a,\"\"b\"\"\",standard,"))
        #expect(built.depthCSV.split(separator: "\n")[1] == "0,\"a,\"\"b\"\"\",0,0,0,0")
    }

    /// The unit is chosen after rounding: nothing reads "1000.0 µs" or "59m 60.000s".
    @Test func latenciesAtUnitEdgesRoundIntoTheLargerUnit() {
        var replications = demoReplications()
        replications[0].faults = [
            FaultEntry(kind: "crash", target: "t", from: 0.00099996, to: 3599.9996, detail: "edges"),
            FaultEntry(kind: "crash", target: "t", from: 0.99996, to: 59.9996, detail: "edges"),
        ]
        let markdown = ReportBuilder.build(demoRun, replications: replications).markdown
        #expect(markdown.contains("| crash | t | 1.0 ms | 1h 0m 0.000s | edges |"), "\(markdown)")
        #expect(markdown.contains("| crash | t | 1.000 s | 1m 0.000s | edges |"))
    }
}
