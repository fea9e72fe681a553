import Foundation
import Reporting
import Scenario
import Testing

/// Exactly-once over a FIFO queue, end to end: producers whose answers get lost resend, and only
/// deduplication keeps those resends from being processed twice; consumers keep group order.
@Suite struct FifoScenarioTests {
    static func scenario(deduplicationId: String, responseLoss: Double = 0.05) -> String {
        """
        name: fifo
        duration: 2m
        drain: 5m
        replications: 2
        queues:
          - name: orders.fifo
            type: fifo
            visibilityTimeout: 5s
        producers:
          - name: web
            target: queue/orders.fifo
            arrivals: poisson(rate=40/s)
            messageGroups: 20
            deduplicationId: \(deduplicationId)
            responseLoss: \(responseLoss)
        consumers:
          - name: workers
            source: queue/orders.fifo
            count: 6
            maxMessages: 10
            processing: exponential(mean=20ms)
            failureProbability: 0.05
        network:
          apiLatency: lognormal(mean=10ms, sd=4ms)
        """
    }

    func count(_ kind: String, in report: Report) -> Int {
        report.delivery.violationCounts.first { $0.kind == kind }?.count ?? 0
    }

    @Test func withDeduplicationProducerRetriesAreProcessedOnceAndGroupsKeepTheirOrder() throws {
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(Self.scenario(deduplicationId: "perMessage"), file: "t"))
        #expect(report.delivery.sendsDeduplicated > 0, "lost answers must have caused resends for this test to mean anything")
        #expect(count("duplicateContent", in: report) == 0)
        #expect(count("orderViolation", in: report) == 0)
        #expect(report.delivery.lost == 0)
        let ordering = try #require(report.queues[0].ordering)
        #expect(ordering.groups == 2 * 20)
        #expect(ordering.groupsOutOfOrder == 0)
        #expect(report.delivery.violationTotal == 0)
    }

    @Test func withANewDeduplicationIdPerAttemptTheDuplicatesAreReported() throws {
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(Self.scenario(deduplicationId: "perAttempt"), file: "t"))
        #expect(report.delivery.sendsDeduplicated == 0)
        // Every lost answer that was resent enqueued the content a second time.
        let duplicates = count("duplicateContent", in: report)
        #expect(duplicates > 0)
        #expect(report.delivery.violations.contains { $0.kind == "duplicateContent" && $0.detail.contains("the same content was enqueued as") })
        #expect(count("orderViolation", in: report) == 0, "resends are later messages of their group; order still holds")
    }

    @Test func withoutLostAnswersNothingIsDeduplicated() throws {
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(Self.scenario(deduplicationId: "perMessage", responseLoss: 0), file: "t"))
        #expect(report.delivery.sendsDeduplicated == 0)
        #expect(report.delivery.violationTotal == 0)
    }

    @Test func aFunctionReportingPartialFailuresOnAFifoQueueKeepsEachGroupInOrder() throws {
        // Lambda with partial batch responses: a failed message's later group-mates in the batch
        // are reported failed too, so they come back after it and order holds.
        let text = Self.scenario(deduplicationId: "perMessage", responseLoss: 0)
            .replacingOccurrences(of: """
                consumers:
                  - name: workers
                    source: queue/orders.fifo
                    count: 6
                    maxMessages: 10
                    processing: exponential(mean=20ms)
                    failureProbability: 0.05
                """, with: """
                functions:
                  - name: handler
                    source: queue/orders.fifo
                    batchSize: 10
                    duration: exponential(mean=50ms)
                    partialBatchFailureProbability: 0.05
                    reportBatchItemFailures: true
                """)
        let model = try ScenarioDecoder.decode(text, file: "t")
        #expect(model.functions.count == 1 && model.consumers.isEmpty)
        let report = ScenarioRunner.run(model)
        #expect(report.delivery.lost == 0)
        #expect(report.delivery.duplicated > 0, "some messages must have failed and come back for this test to mean anything")
        #expect(report.delivery.duplicatedBy.contains { $0.cause == "groupFailed" })
        #expect(count("orderViolation", in: report) == 0)
        #expect(report.delivery.violationTotal == 0)
    }

    @Test func throttledSendsAreRetriedAndCounted() throws {
        // 40 sends a second against a quota of 10 transactions a second per action: most first
        // attempts are throttled; callers retry with backoff, and nothing is lost. Deletes are
        // throttled too, and a delete that fails all 3 attempts leaves its message to come back:
        // an undersized quota shows up as duplicate processing caused by failed deletes.
        let text = Self.scenario(deduplicationId: "perMessage", responseLoss: 0)
            .replacingOccurrences(of: "    type: fifo\n", with: "    type: fifo\n    transactionsPerSecond: 10\n")
        let report = ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
        let throttled = report.queues[0].activity.throttled
        #expect(throttled > 0)
        #expect(report.callsRetried > 0)
        #expect(report.callsFailed >= throttled)
        #expect(report.delivery.lost == 0)
        #expect(report.delivery.duplicatedBy.contains { $0.cause == "deleteFailed" && $0.count > 0 })
        #expect(report.delivery.violationCounts.map(\.kind) == ["duplicateProcessing"])
    }
}
