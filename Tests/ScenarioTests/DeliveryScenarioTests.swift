import Foundation
import Reporting
import Scenario
import Testing

@Suite struct DeliveryScenarioTests {
    static func scenario(visibilityTimeout: String, processing: String) -> String {
        """
        name: lapse
        duration: 2m
        drain: 10m
        replications: 2
        queues:
          - name: q
            visibilityTimeout: \(visibilityTimeout)
        producers:
          - name: p
            target: queue/q
            arrivals: poisson(rate=5/s)
        consumers:
          - name: c
            source: queue/q
            count: 8
            processing: \(processing)
        """
    }

    @Test func visibilityTimeoutShorterThanProcessingProducesReportedDuplicates() throws {
        let model = try ScenarioDecoder.decode(Self.scenario(visibilityTimeout: "1s", processing: "uniform(500ms, 1500ms)"), file: "t")
        let report = ScenarioRunner.run(model)
        let d = report.delivery
        #expect(d.lost == 0)
        #expect(d.duplicated > 0)
        #expect(d.duplicatedBy.first { $0.cause == "visibilityLapse" }?.count == d.duplicated)
        #expect(d.staleDeletes > 0)
        let duplicates = d.violationCounts.first { $0.kind == "duplicateProcessing" }?.count ?? 0
        #expect(duplicates > 0)
        let first = try #require(d.violations.first)
        #expect(first.kind == "duplicateProcessing")
        #expect(first.detail.contains("visibility timeout lapsed"))
        #expect(first.replay == "replication \(first.replication)")
        #expect(d.sent == d.deliveredOnce + d.duplicated + d.expired + d.queued + d.lost)
    }

    @Test func visibilityTimeoutLongerThanProcessingDeliversEachMessageOnce() throws {
        let model = try ScenarioDecoder.decode(Self.scenario(visibilityTimeout: "30s", processing: "uniform(500ms, 1500ms)"), file: "t")
        let d = ScenarioRunner.run(model).delivery
        #expect(d.sent > 500)
        #expect(d.lost == 0 && d.duplicated == 0 && d.queued == 0 && d.violationTotal == 0)
        #expect(d.deliveredOnce == d.sent)
    }

    @Test func crashedConsumersWorkReappearsAfterTheVisibilityTimeout() throws {
        var text = Self.scenario(visibilityTimeout: "5s", processing: "constant(400ms)")
        text += "\nfaults:\n  - at: 30s\n    crash: { consumers: c, count: 8 }\n    restartAfter: 10s\n"
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
        let d = report.delivery
        #expect(d.lost == 0)
        #expect((d.duplicatedBy.first { $0.cause == "consumerCrashed" }?.count ?? 0) > 0)
        #expect(report.faults.count == 1)
        #expect(report.faults[0].kind == "crash" && report.faults[0].from == 30 && report.faults[0].to == 40)
    }

    @Test func messagesLeftWithoutConsumersAreQueuedOrExpiredNotLost() throws {
        let text = """
            name: idle
            duration: 3m
            drain: 1m
            replications: 1
            queues:
              - name: q
                retention: 2m
            producers:
              - name: p
                target: queue/q
                arrivals: constant(rate=1/s)
            """
        let d = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t")).delivery
        #expect(d.lost == 0)
        #expect(d.expired > 0 && d.queued > 0)
        #expect(d.expired + d.queued == d.sent)
    }

    @Test func apiErrorsAreRetriedAndNothingIsLost() throws {
        var text = Self.scenario(visibilityTimeout: "30s", processing: "constant(100ms)")
        text += "\nfaults:\n  - from: 10s\n    to: 50s\n    apiErrors: 0.3\n"
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
        #expect(report.callsFailed > 0 && report.callsRetried > 0)
        #expect(report.delivery.lost == 0)
        #expect(report.delivery.sent + report.delivery.sendsAbandoned > 0)
    }
}

@Suite struct RunEndTests {
    /// With API latency, a producer's last answer can arrive after the last delete; the run must
    /// still end then, not at the drain limit.
    @Test func runEndsWhenDrainedEvenIfTheLastSendAnswerComesLast() throws {
        let text = """
            name: drained
            duration: 30s
            drain: 10m
            replications: 3
            queues:
              - name: q
            producers:
              - name: p
                target: queue/q
                arrivals: poisson(rate=2/s)
            consumers:
              - name: c
                source: queue/q
                count: 4
                processing: constant(1ms)
            network:
              apiLatency: uniform(50ms, 500ms)
            """
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
        for r in report.replicationSummaries {
            #expect(r.endReason == "drained")
            #expect(r.elapsed < 32, "replication \(r.index) ended at \(r.elapsed)s")
        }
    }

    /// An event budget bounds every run; a run stopped by it says so, and what it had not finished
    /// is still queued, not lost.
    @Test func eventBudgetStopsARunAndSaysSo() throws {
        let text = minimalScenario + "\nreplications: 1\neventBudget: 40\n"
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
        #expect(report.replicationSummaries[0].endReason == "eventBudget")
        #expect(report.replicationSummaries[0].elapsed < 10)
        #expect(report.delivery.lost == 0)
        #expect(report.delivery.sent == report.delivery.deliveredOnce + report.delivery.queued)
    }
}
