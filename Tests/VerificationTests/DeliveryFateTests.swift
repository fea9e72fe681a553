import MessagingEngine
import SimKernel
import Testing
import Verification

/// Scripted histories, one per fate and redelivery cause: the ledger is fed exactly what a world
/// would record, and the checker's verdict is compared with the one the story implies.
@Suite struct DeliveryFateTests {
    let m0 = MessageID(0)

    func seconds(_ s: Double) -> Instant { Instant(seconds: s) }

    /// A ledger in which m0 was sent at 1 s.
    func ledgerWithOneSend() -> DeliveryLedger {
        var ledger = DeliveryLedger(queueName: "orders")
        ledger.recordSend(m0, producedAt: seconds(0.5), at: seconds(1))
        return ledger
    }

    @Test func aMessageDeletedAfterOneReceiveIsDeliveredOnce() {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .deleted(m0), at: seconds(3))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.deliveredOnce: 1])
        #expect(result.duplicatedBy.isEmpty)
        #expect(result.violations.isEmpty)
        #expect(result.receiveCountHistogram == [0, 1])
        #expect(ledger.entries[0].firstReceivedAt == seconds(2))
        #expect(ledger.entries[0].deletedAt == seconds(3))
    }

    @Test func aVisibilityLapseThenASecondReceiveMakesADuplicateCausedByTheLapse() {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        ledger.recordVisibilityLapse(m0)
        ledger.recordReceive(m0, at: seconds(40))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .deleted(m0), at: seconds(41))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.duplicated: 1])
        #expect(result.duplicatedBy == [.visibilityLapse: 1])
        // Received twice but processed to completion once: a duplicate delivery, not duplicate processing.
        #expect(result.violations.isEmpty)
        #expect(result.receiveCountHistogram == [0, 0, 1])
        #expect(ledger.entries[0].firstReceivedAt == seconds(2))
    }

    @Test func processingThatOutlivesTheTimeoutIsDuplicateProcessingWithAStaleDelete() throws {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        ledger.recordVisibilityLapse(m0)
        ledger.recordReceive(m0, at: seconds(32))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .acceptedStaleReceipt(m0), at: seconds(35))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .deleted(m0), at: seconds(36))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.duplicated: 1])
        #expect(result.staleDeletes == 1)
        #expect(result.violationCounts == [.duplicateProcessing: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.messageId == m0)
        #expect(violation.at == seconds(36))
        #expect(violation.detail.contains("processed 2 times over 2 receives"))
        #expect(violation.detail.contains("visibility timeout lapsed 1 time(s)"))
        #expect(violation.detail.contains("1 delete(s) came with a stale receipt handle"))
    }

    /// A failure or a crash comes before the lapse it causes, so it, not the lapse, is the first cause.
    @Test(arguments: [RedeliveryCause.processingFailed, .consumerCrashed])
    func anAbandonmentIsTheCauseOfTheRedeliveryThatFollows(cause: RedeliveryCause) {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        if cause == .processingFailed { ledger.recordProcessingFailed(m0) } else { ledger.recordCrash(m0) }
        ledger.recordVisibilityLapse(m0)
        ledger.recordReceive(m0, at: seconds(32))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .deleted(m0), at: seconds(33))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.duplicated: 1])
        #expect(result.duplicatedBy == [cause: 1])
        #expect(result.violations.isEmpty)
        #expect(ledger.entries[0].processingFailures == (cause == .processingFailed ? 1 : 0))
        #expect(ledger.entries[0].crashes == (cause == .consumerCrashed ? 1 : 0))
    }

    @Test func aFailedDeleteIsTheCauseOfTheRedeliveryAndTheSecondProcessingIsAViolation() throws {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        ledger.recordProcessed(m0)
        ledger.recordDeleteFailed(m0)
        ledger.recordVisibilityLapse(m0)
        ledger.recordReceive(m0, at: seconds(32))
        ledger.recordProcessed(m0)
        ledger.recordDelete(m0, result: .deleted(m0), at: seconds(33))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.duplicated: 1])
        #expect(result.duplicatedBy == [.deleteFailed: 1])
        #expect(result.violationCounts == [.duplicateProcessing: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.detail.contains("1 delete(s) failed"))
    }

    @Test func aMessageRemovedByRetentionIsExpiredWhetherOrNotItWasReceived() {
        var ledger = DeliveryLedger(queueName: "orders")
        ledger.recordSend(MessageID(0), producedAt: .zero, at: .zero)
        ledger.recordSend(MessageID(1), producedAt: .zero, at: .zero)
        ledger.recordReceive(MessageID(1), at: seconds(1))
        ledger.recordExpiry(MessageID(0), at: seconds(60))
        ledger.recordExpiry(MessageID(1), at: seconds(60))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.expired: 2])
        #expect(result.violations.isEmpty)
        // Only deleted messages enter the receive-count histogram.
        #expect(result.receiveCountHistogram.isEmpty)
    }

    @Test func aMessageTheQueueStillHoldsIsQueued() {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [m0])
        #expect(result.fates == [.queued: 1])
        #expect(result.violations.isEmpty)
    }

    @Test func aMessageNeitherDeletedNorExpiredNorStoredIsLostAndReportedAtItsSend() throws {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.fates == [.lost: 1])
        #expect(result.violationCounts == [.lost: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.kind == .lost)
        #expect(violation.messageId == m0)
        #expect(violation.at == seconds(1))
        #expect(violation.queue == "orders")
        #expect(violation.detail == "sent at 1.0s, received 1 time(s), never deleted, not expired, not in the queue")
    }

    @Test func everyMessageHasExactlyOneFate() {
        // m0 once, m1 twice, m2 expired, m3 queued, m4 lost.
        var ledger = DeliveryLedger(queueName: "orders")
        for k in 0..<5 { ledger.recordSend(MessageID(k), producedAt: .zero, at: seconds(Double(k))) }
        ledger.recordReceive(MessageID(0), at: seconds(10))
        ledger.recordProcessed(MessageID(0))
        ledger.recordDelete(MessageID(0), result: .deleted(MessageID(0)), at: seconds(11))
        ledger.recordReceive(MessageID(1), at: seconds(10))
        ledger.recordVisibilityLapse(MessageID(1))
        ledger.recordReceive(MessageID(1), at: seconds(50))
        ledger.recordProcessed(MessageID(1))
        ledger.recordDelete(MessageID(1), result: .deleted(MessageID(1)), at: seconds(51))
        ledger.recordExpiry(MessageID(2), at: seconds(70))
        ledger.recordSendAbandoned()
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(3)])
        #expect(result.sent == 5)
        #expect(result.fates == [.deliveredOnce: 1, .duplicated: 1, .expired: 1, .queued: 1, .lost: 1])
        #expect(DeliveryFate.allCases.reduce(0) { $0 + result.count($1) } == result.sent)
        #expect(result.sendsAbandoned == 1)
        #expect(result.violations.map(\.messageId) == [MessageID(4)])
    }

    @Test func theReceiveCountHistogramCountsDeletedMessagesByTheirReceives() {
        // Deleted after 1, 1, 3 and 4 receives; a fifth message received twice is still queued.
        var ledger = DeliveryLedger(queueName: "orders")
        let receives = [1, 1, 3, 4, 2]
        for (k, n) in receives.enumerated() {
            let id = MessageID(k)
            ledger.recordSend(id, producedAt: .zero, at: .zero)
            for r in 0..<n {
                if r > 0 { ledger.recordVisibilityLapse(id) }
                ledger.recordReceive(id, at: seconds(Double(r * 30)))
            }
            if k < 4 {
                ledger.recordProcessed(id)
                ledger.recordDelete(id, result: .deleted(id), at: seconds(200))
            }
        }
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(4)])
        #expect(result.receiveCountHistogram == [0, 2, 0, 1, 1])
        #expect(result.fates == [.deliveredOnce: 2, .duplicated: 2, .queued: 1])
    }

    @Test func deletesThatChangeNothingLeaveTheRecordAlone() {
        var ledger = ledgerWithOneSend()
        ledger.recordReceive(m0, at: seconds(2))
        ledger.recordDelete(m0, result: .acceptedAlreadyGone, at: seconds(3))
        ledger.recordDelete(m0, result: .rejected(.receiptHandleIsInvalid("test")), at: seconds(3))
        #expect(ledger.entries[0].deletedAt == nil)
        #expect(ledger.entries[0].staleDeletes == 0)
        #expect(DeliveryChecker.check(ledger, storedAtEnd: [m0]).fates == [.queued: 1])
    }
}
