import MessagingEngine
import SimKernel
import Testing
import Verification

/// The checker against engines that break their promises on purpose: a checker that cannot fail
/// is not one. Each test plants known violations and expects exactly those, by kind, count and ID.
@Suite struct BrokenEngineTests {
    @Test func aCorrectQueueLosesNothingAndViolatesNothing() {
        let driver = LedgerDriver { CorrectQueue($0) }
        let result = driver.run()
        #expect(result.sent == 30)
        #expect(result.count(.deliveredOnce) == 30)
        #expect(result.count(.lost) == 0)
        #expect(result.violationCounts.isEmpty)
        #expect(result.violations.isEmpty)
        #expect(driver.ledger.inconsistencies.isEmpty)
    }

    @Test func aCorrectQueueWhoseUnconsumedMessagesExpireShowsExpiriesAndNoViolation() {
        var configuration = QueueConfiguration(name: "orders")
        configuration.retention = .seconds(60)
        let driver = LedgerDriver(configuration: configuration) { CorrectQueue($0) }
        var plan = LedgerDriver.Plan()
        plan.consumerStopsAt = Instant(seconds: 1)
        plan.runUntil = Instant(seconds: 120)
        let result = driver.run(plan)
        // Polls at 0, 0.25, 0.5 and 0.75 s take m0, m1–m2, m3–m5 and m6–m7; the last batch is never
        // processed, lapses at 30.75 s and expires with the rest at 60 s after its send.
        #expect(driver.heldMessageIDs == [MessageID(6), MessageID(7)])
        #expect(result.count(.deliveredOnce) == 6)
        #expect(result.count(.expired) == 24)
        #expect(result.count(.lost) == 0)
        #expect(result.violations.isEmpty)
        #expect(driver.ledger.entries[6].visibilityLapses == 1)
    }

    @Test func aQueueThatDropsEveryThirdAcceptedMessageIsCaughtLosingExactlyThose() throws {
        let driver = LedgerDriver { DroppingQueue($0, droppingEvery: 3) }
        let broken = try #require(driver.subject as? DroppingQueue)
        let result = driver.run()
        let planted = stride(from: 2, to: 30, by: 3).map(MessageID.init)
        #expect(broken.dropped == planted)
        #expect(result.count(.lost) == 10)
        #expect(result.count(.deliveredOnce) == 20)
        #expect(result.violationCounts == [.lost: 10])
        #expect(result.violations.map(\.messageId) == planted)
        #expect(result.violations.allSatisfy { $0.kind == .lost && $0.queue == "orders" })
        // A lost message's violation is dated at its send: m2 was sent at 0.2 s.
        #expect(result.violations.first?.at == Instant(seconds: 0.2))
    }

    @Test func aQueueThatRedeliversDeletedMessagesIsCaughtProcessingExactlyThoseTwice() {
        let planted: Set<MessageID> = [MessageID(3), MessageID(10), MessageID(17)]
        let driver = LedgerDriver { RedeliveringQueue($0, redelivering: planted) }
        let result = driver.run()
        #expect(result.count(.duplicated) == 3)
        #expect(result.count(.deliveredOnce) == 27)
        #expect(result.count(.lost) == 0)
        #expect(result.violationCounts == [.duplicateProcessing: 3])
        #expect(Set(result.violations.compactMap(\.messageId)) == planted)
        #expect(result.violations.allSatisfy { $0.kind == .duplicateProcessing && $0.detail.contains("processed 2 times") })
        #expect(result.receiveCountHistogram == [0, 27, 3])
    }

    @Test func aQueueThatForgetsItsInFlightMessagesIsCaughtLosingExactlyThose() {
        let driver = LedgerDriver { ForgetfulQueue($0) }
        var plan = LedgerDriver.Plan()
        plan.consumerStopsAt = Instant(seconds: 1)
        let result = driver.run(plan)
        let held = driver.heldMessageIDs
        #expect(held == [MessageID(6), MessageID(7)])
        #expect(result.count(.lost) == held.count)
        #expect(result.violations.map(\.messageId) == held)
        #expect(result.violationCounts == [.lost: held.count])
        #expect(result.count(.deliveredOnce) == 6)
        #expect(result.count(.queued) == 30 - 6 - held.count)
    }

    @Test func theSameForgetfulRunWithTheTrueInventoryShowsThoseMessagesAsQueued() {
        // The control for the test above: the ledger is the same, only the inventory differs.
        let driver = LedgerDriver { ForgetfulQueue($0) }
        var plan = LedgerDriver.Plan()
        plan.consumerStopsAt = Instant(seconds: 1)
        _ = driver.run(plan)
        let result = DeliveryChecker.check(driver.ledger, storedAtEnd: driver.subject.queue.storedMessageIDs())
        #expect(result.count(.lost) == 0)
        #expect(result.count(.queued) == 24)
        #expect(result.violations.isEmpty)
    }
}
