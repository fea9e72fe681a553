import Reporting
import Testing
import Verification

/// `ReportBuilder` over the hand-made replications of `demoReplications()`. Intervals are
/// Student-t: `mean ± t(0.975, n−1)·s/√n`, with t(0.975, 2) = 4.3026527 and t(0.975, 19) = 2.0930241.
@Suite struct ReportBuilderTests {
    let report = ReportBuilder.build(demoRun, replications: demoReplications())

    func expectEstimate(_ estimate: Estimate?, mean: Double, low: Double, high: Double, n: Int, method: String = "replications",
                        tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let estimate else {
            Issue.record("no estimate", sourceLocation: sourceLocation)
            return
        }
        #expect(abs(estimate.mean - mean) <= tolerance, "mean \(estimate.mean)", sourceLocation: sourceLocation)
        #expect(abs(estimate.low - low) <= tolerance, "low \(estimate.low)", sourceLocation: sourceLocation)
        #expect(abs(estimate.high - high) <= tolerance, "high \(estimate.high)", sourceLocation: sourceLocation)
        #expect(estimate.n == n, sourceLocation: sourceLocation)
        #expect(estimate.method == method, sourceLocation: sourceLocation)
    }

    @Test func throughputIsARateOverTheRunWithAStudentTInterval() throws {
        let queue = try #require(report.queues.first)
        // Sent over the 10 s duration: 10, 12, 14/s; s = 2, half width 4.3026527·2/√3 = 4.9682754.
        expectEstimate(queue.throughput.sent, mean: 12, low: 7.0317245764993395, high: 16.96827542350066, n: 3)
        // Received over elapsed 12, 15, 20 s: 10/s each, so no spread.
        expectEstimate(queue.throughput.received, mean: 10, low: 10, high: 10, n: 3)
        // Deleted: 8, 10, 9/s; s = 1, half width 2.4841377.
        expectEstimate(queue.throughput.deleted, mean: 9, low: 6.51586228824967, high: 11.48413771175033, n: 3)
    }

    @Test func theMeanLatencyIsAnIntervalOverReplicationMeans() throws {
        let queue = try #require(report.queues.first)
        // Means 10, 20, 36 ms: 22 ms, s = 13.115 ms, half width 32.579 ms. Latencies are kept as
        // Float seconds (7 digits), hence the tolerance.
        expectEstimate(queue.queueWait.mean, mean: 0.022, low: -0.010579160661406063, high: 0.05457916066140607, n: 3,
                       tolerance: 1e-7)
        #expect(queue.queueWait.count == 6)
        #expect(queue.endToEnd.mean == nil)
        #expect(queue.endToEnd.count == 0)
        #expect(queue.endToEnd.p99 == 0)
    }

    @Test func utilisationIsEstimatedAcrossReplications() throws {
        let fleet = try #require(report.consumers.first)
        #expect(fleet.name == "workers")
        #expect(fleet.count == 4)
        expectEstimate(fleet.utilisation, mean: 0.6, low: 0.35158622882496704, high: 0.8484137711750329, n: 3, tolerance: 1e-12)
    }

    @Test func aSingleReplicationWithEnoughObservationsUsesBatchMeans() throws {
        // 1 … 40 ms in order: 20 batches of 2 with means 1.5, 3.5, …, 39.5 ms; their sd is 2·√35 ms.
        var replication = demoReplications()[0]
        replication.queues[0].queueWait = series((1...40).map(Double.init))
        let single = ReportBuilder.build(demoRun, replications: [replication])
        let wait = try #require(single.queues.first?.queueWait)
        expectEstimate(wait.mean, mean: 0.0205, low: 0.01496237886395949, high: 0.026037621136040506, n: 20, method: "batchMeans",
                       tolerance: 1e-8)
    }

    @Test func aSingleReplicationWithTooFewObservationsForBatchesHasADegenerateInterval() throws {
        var replication = demoReplications()[0]
        replication.queues[0].queueWait = series((1...39).map(Double.init))
        let single = ReportBuilder.build(demoRun, replications: [replication])
        let wait = try #require(single.queues.first?.queueWait.mean)
        #expect(wait.method == "replications")
        #expect(wait.n == 1)
        #expect(abs(wait.mean - 0.020) < 1e-8)
        #expect(wait.low == wait.mean && wait.high == wait.mean)
        // Throughput from one replication is one value: the interval has no width.
        expectEstimate(single.queues[0].throughput.sent, mean: 10, low: 10, high: 10, n: 1)
    }

    @Test func percentilesComeFromTheHistogramsOfAllReplicationsMerged() throws {
        // 1 … 500 ms in one replication and 501 … 1000 ms in the other: over all 1,000 values the
        // p-th percentile is p·10 ms. HdrHistogram with 3 significant digits reports the highest
        // value of the bucket holding it, never below it and at most 1/1024 above.
        var first = demoReplications()[0], second = demoReplications()[1]
        first.queues[0].queueWait = series((1...500).map(Double.init))
        second.queues[0].queueWait = series((501...1000).map(Double.init))
        let merged = ReportBuilder.build(demoRun, replications: [first, second])
        let wait = try #require(merged.queues.first?.queueWait)
        #expect(wait.count == 1000)
        for (reported, exact) in [(wait.p50, 0.5), (wait.p90, 0.9), (wait.p99, 0.99), (wait.p999, 0.999), (wait.max, 1.0)] {
            #expect(exact <= reported && reported <= exact * (1 + 1.0 / 1024), "\(reported) for \(exact)")
        }
        // Replication means 250.5 and 750.5 ms.
        #expect(abs((wait.mean?.mean ?? 0) - 0.5005) < 1e-6)
    }

    @Test func deliveryTotalsAddUpOverReplications() {
        let d = report.delivery
        #expect(d.sent == 22)
        #expect(d.deliveredOnce == 16)
        #expect(d.duplicated == 3)
        #expect(d.lost == 1)
        #expect(d.expired == 1)
        #expect(d.queued == 1)
        #expect(d.deadLettered == 0)
        #expect(d.duplicatedBy.map(\.cause) == ["visibilityLapse", "consumerCrashed", "deleteFailed"])
        #expect(d.duplicatedBy.map(\.count) == [1, 1, 1])
        #expect(d.violationCounts.map(\.kind) == ["duplicateProcessing", "lost"])
        #expect(d.violationCounts.map(\.count) == [1, 1])
        #expect(d.violationTotal == 2)
        #expect(report.queues[0].receiveCounts == [0, 16, 3])
    }

    @Test func eachViolationNamesItsReplicationSeedMessageAndReplayCommand() throws {
        let violations = report.delivery.violations
        #expect(violations.count == 2)
        let lost = try #require(violations.first { $0.kind == "lost" })
        #expect(lost.replication == 1)
        #expect(lost.seed == 42)
        #expect(lost.queue == "orders")
        #expect(lost.messageId == "m8")
        #expect(lost.at == 0.0005)
        #expect(lost.replay == "sluice run scenarios/demo.yaml --seed 42 --replications 1 --first-replication 1")
        let duplicate = try #require(violations.first { $0.kind == "duplicateProcessing" })
        #expect(duplicate.replication == 2)
        #expect(duplicate.messageId == "m6")
        #expect(duplicate.at == 33)
        #expect(duplicate.replay.hasSuffix("--first-replication 2"))
    }

    @Test func totalsCountsAndSummariesCoverEveryReplication() throws {
        let queue = try #require(report.queues.first)
        #expect(queue.messagesSent == 360)
        #expect(queue.messagesReceived == 470)
        #expect(queue.messagesDeleted == 426)
        #expect(queue.requests == 3 * 60 + 3)
        #expect(queue.emptyReceives == 3)
        #expect(queue.visibleMax == 5)
        #expect(report.callsFailed == 3)
        #expect(report.callsRetried == 2)
        #expect(report.replicationSummaries.map(\.index) == [0, 1, 2])
        #expect(report.replicationSummaries.map(\.sent) == [100, 120, 140])
        #expect(report.replicationSummaries.map(\.events) == [1000, 2000, 3000])
        #expect(report.faults.count == 2)
        #expect(report.depthSeries.count == 3)
    }

    @Test func replicationsGivenInAnyOrderMakeTheSameReport() {
        let shuffled = ReportBuilder.build(demoRun, replications: Array(demoReplications().reversed()))
        #expect(shuffled == report)
        #expect(shuffled.json.rendered() == report.json.rendered())
    }
}
