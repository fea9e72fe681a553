import Foundation
import Reporting
import Testing

/// Functions, autoscaled fleets and the cost section over `demoReplications()` with figures added
/// by hand:
///
/// - the queue `orders` (standard) bills 1,000, 2,000, 3,000 requests; a FIFO queue `audit.fifo`
///   bills 600 in each replication;
/// - an autoscaled fleet `workers` peaks at 6, 9, 7 instances and holds 48, 60, 80 instance-seconds
///   over elapsed 12, 15, 20 s (mean 4 each time), with 2, 3, 4 scaling actions;
/// - a function `handler` of 512 MB peaks at 20, 30, 25, holds 120, 150, 300 invocation-seconds
///   (mean 10, 10, 15), with 100, 200, 300 invocations of 40, 80, 120 billed seconds.
@Suite struct ConcurrencyAndCostReportTests {
    static func replications() -> [ReplicationObservations] {
        var replications = demoReplications()
        for r in replications.indices {
            replications[r].queues[0].activity.billedRequests = 1000 * (r + 1)
            var audit = QueueObservations(name: "audit.fifo", type: "fifo")
            audit.activity.billedRequests = 600
            replications[r].queues.append(audit)
            var fleet = ScalingObservations(name: "workers", kind: .autoscaledFleet, queue: "orders")
            fleet.peak = [6, 9, 7][r]
            fleet.countSeconds = [48.0, 60, 80][r]
            fleet.scalingActions = r + 2
            fleet.samples = [CountSample(time: 0, value: 2), CountSample(time: 10, value: fleet.peak)]
            var function = ScalingObservations(name: "handler", kind: .function, queue: "orders")
            function.peak = [20, 30, 25][r]
            function.countSeconds = [120.0, 150, 300][r]
            function.invocations = 100 * (r + 1)
            function.failedInvocations = r
            function.coldStarts = function.peak
            function.throttles = 1
            function.scalingActions = 10
            function.billedDurationSeconds = 40 * Double(r + 1)
            function.memoryMB = 512
            function.samples = [CountSample(time: 0, value: 0)]
            replications[r].scaling = [fleet, function]
        }
        return replications
    }

    let report = ReportBuilder.build(demoRun, replications: replications())

    @Test func concurrencyIsSummarisedPerFunctionAndAutoscaledFleet() throws {
        #expect(report.concurrency.map(\.name) == ["workers", "handler"])
        let fleet = report.concurrency[0], function = report.concurrency[1]
        #expect(fleet.kind == .autoscaledFleet && fleet.unit == "instances" && fleet.peak == 9 && fleet.scalingActions == 9)
        #expect(fleet.mean?.mean == 4 && fleet.mean?.low == 4 && fleet.mean?.n == 3)
        #expect(function.kind == .function && function.unit == "invocations" && function.peak == 30)
        // Means over time 10, 10, 15: 11.667, s = 2.8868, half width 4.3026527·2.8868/√3 = 7.1711.
        let mean = try #require(function.mean)
        #expect(abs(mean.mean - 35.0 / 3) < 1e-12 && abs(mean.halfWidth - 7.1710879) < 1e-6)
        #expect(function.invocations == 600 && function.failedInvocations == 3 && function.coldStarts == 75)
        #expect(function.throttles == 3 && function.scalingActions == 30)
    }

    @Test func queuesArePricedAtTheirTypesRate() throws {
        let cost = report.cost
        // Standard: 2,000 billed requests on average at $0.40 a million; FIFO: 600 at $0.50.
        #expect(cost.queues.map(\.name) == ["orders", "audit.fifo"])
        #expect(cost.queues.map(\.billedRequests) == [2000, 600])
        #expect(cost.queues.map(\.usd) == [2000 * 0.40 / 1e6, 600 * 0.50 / 1e6])
        let standard = try #require(cost.lines.first { $0.item == "SQS standard requests" })
        #expect(standard.quantity == 2000 && standard.usd == cost.queues[0].usd)
        let fifo = try #require(cost.lines.first { $0.item == "SQS FIFO requests" })
        #expect(fifo.quantity == 600 && fifo.usd == cost.queues[1].usd)
    }

    @Test func functionsArePricedByRequestsAndGBSeconds() throws {
        // 200 invocations and 80 billed seconds on average; 512 MB makes 40 GB-seconds.
        let function = try #require(report.cost.functions.first)
        #expect(function.name == "handler" && function.memoryMB == 512 && function.requests == 200 && function.gbSeconds == 40)
        #expect(function.usd == 200 * 0.20 / 1e6 + 40 * 0.0000166667)
        let requests = try #require(report.cost.lines.first { $0.item == "Lambda requests" })
        let compute = try #require(report.cost.lines.first { $0.item == "Lambda compute" })
        #expect(requests.quantity == 200 && compute.quantity == 40 && compute.unit == "GB-seconds")
        #expect(abs(report.cost.lines.totalUSD - report.cost.queues.reduce(function.usd) { $0 + $1.usd }) < 1e-15)
    }

    @Test func theTotalHasAnIntervalAcrossReplicationsAndTheMonthScalesTheRates() throws {
        let total = try #require(report.cost.total)
        #expect(total.n == 3 && abs(total.mean - report.cost.lines.totalUSD) < 1e-15 && total.low < total.mean)
        // A 10 s scenario: a month is 259,200 times as long; the free million requests come off standard ones first.
        let monthly = report.cost.monthly
        let standard = try #require(monthly.first { $0.item == "SQS standard requests" })
        #expect(standard.quantity == 2000 * 259_200)
        let free = try #require(monthly.first { $0.item == "SQS free tier" })
        #expect(free.quantity == -1_000_000 && free.usd == -0.40)
    }

    @Test func theJSONCarriesConcurrencyAndCost() throws {
        let json = report.json
        let fleet = try #require(json["concurrency"]?["workers"])
        #expect(fleet["kind"] == .string("autoscaledFleet") && fleet["peak"] == .int(9) && fleet["invocations"] == .null)
        let function = try #require(json["concurrency"]?["handler"])
        #expect(function["unit"] == .string("invocations") && function["coldStarts"] == .int(75))
        let cost = try #require(json["cost"])
        #expect(cost["currency"] == .string("USD"))
        #expect(cost["queues"]?["audit.fifo"]?["billedRequests"] == .number(600))
        #expect(cost["functions"]?["handler"]?["gbSeconds"] == .number(40))
        guard case .object(let services) = cost["byService"] else {
            Issue.record("cost.byService is not an object")
            return
        }
        #expect(services.map(\.0) == ["SQS", "Lambda"])
        #expect(cost["monthly"]?["total"] == .number(report.cost.monthly.totalUSD))
        _ = try JSONSerialization.jsonObject(with: Data(json.rendered().utf8))
    }

    @Test func theConcurrencyCSVHasOneRowPerSampleNameAndReplication() {
        let lines = report.concurrencyCSV.split(separator: "\n").map(String.init)
        #expect(lines.first == "replication,name,time,value")
        #expect(Array(lines.dropFirst().prefix(3)) == ["0,workers,0,2", "0,workers,10,6", "0,handler,0,0"])
        #expect(lines.count == 1 + 3 * 3)
    }

    @Test func theMarkdownHasAConcurrencyAndACostSection() {
        let markdown = report.markdown
        #expect(markdown.contains("| workers | orders | up to 4, autoscaled | 60.0% [35.2%, 84.8%] |"))
        #expect(markdown.contains("| workers | autoscaled fleet | orders | 9 | 4.00 [4.00, 4.00] | – | – | – | – | 9 |"))
        #expect(markdown.contains("| handler | function | orders | 30 | 11.67 [4.50, 18.84] | 600 | 3 | 75 | 3 | 30 |"))
        #expect(markdown.contains("| SQS standard requests | 2000 requests | $0.000800 | 518400000 requests | $207.36 |"))
        #expect(markdown.contains("| SQS free tier | – | – | -1000000 requests | -$0.40 |"))
        #expect(markdown.contains("| audit.fifo | fifo | 600 | $0.000300 |"))
        #expect(markdown.contains("| handler | 512 MB | 200 | 40 | $0.000707 |"))
    }

    @Test func aReportWithNeitherFunctionsNorAutoscaledFleetsLeavesTheirSectionOut() {
        let plain = ReportBuilder.build(demoRun, replications: demoReplications())
        #expect(plain.concurrency.isEmpty && plain.concurrencyCSV == "replication,name,time,value\n")
        #expect(!plain.markdown.contains("## Functions and autoscaled fleets"))
        #expect(plain.markdown.contains("## Cost"))
        #expect(plain.json["concurrency"] == .object([]))
    }

    @Test func buildingTheSameReportTwiceRendersTheSameBytes() {
        let again = ReportBuilder.build(demoRun, replications: Self.replications())
        #expect(again.json.rendered() == report.json.rendered())
        #expect(again.markdown == report.markdown)
        #expect(again.concurrencyCSV == report.concurrencyCSV)
    }
}
