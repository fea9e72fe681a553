import MessagingEngine
import SimKernel
import Testing
import Verification

/// Histories no correct engine can produce, and the cap on listed violations.
@Suite struct InconsistentHistoryTests {
    func seconds(_ s: Double) -> Instant { Instant(seconds: s) }

    func ledger(sending count: Int) -> DeliveryLedger {
        var ledger = DeliveryLedger(queueName: "orders")
        for k in 0..<count { ledger.recordSend(MessageID(k), producedAt: .zero, at: seconds(Double(k))) }
        return ledger
    }

    @Test func aReceiveOfAMessageNeverSentIsInconsistent() throws {
        var ledger = ledger(sending: 1)
        ledger.recordReceive(MessageID(5), at: seconds(2))
        ledger.recordReceive(MessageID(-1), at: seconds(2))
        #expect(ledger.inconsistencies == ["receive of m5, which was never sent", "receive of m-1, which was never sent"])
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0)])
        #expect(result.violationCounts == [.inconsistentHistory: 2])
        #expect(result.violations.allSatisfy { $0.kind == .inconsistentHistory && $0.messageId == nil })
        #expect(result.violations.first?.detail == "receive of m5, which was never sent")
        // The real message is untouched by the stray receives.
        #expect(result.fates == [.queued: 1])
        #expect(ledger.entries[0].receives == 0)
    }

    @Test func everyKindOfRecordOfAMessageNeverSentIsInconsistent() {
        var ledger = ledger(sending: 1)
        let stranger = MessageID(9)
        ledger.recordProcessed(stranger)
        ledger.recordProcessingFailed(stranger)
        ledger.recordCrash(stranger)
        ledger.recordDeleteFailed(stranger)
        ledger.recordVisibilityLapse(stranger)
        ledger.recordDelete(stranger, result: .deleted(stranger), at: seconds(3))
        ledger.recordExpiry(stranger, at: seconds(3))
        #expect(ledger.inconsistencies.count == 7)
        #expect(DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0)]).violationCounts == [.inconsistentHistory: 7])
    }

    @Test func aStoredMessageThatWasNeverSentIsInconsistentAndNamed() throws {
        let ledger = ledger(sending: 2)
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0), MessageID(1), MessageID(7)])
        #expect(result.violationCounts == [.inconsistentHistory: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.messageId == MessageID(7))
        #expect(violation.detail == "the queue holds m7, which was never sent")
        #expect(result.fates == [.queued: 2])
    }

    @Test func aMessageDeletedAndStillStoredIsInconsistentButCountsAsDelivered() throws {
        var ledger = ledger(sending: 1)
        ledger.recordReceive(MessageID(0), at: seconds(2))
        ledger.recordProcessed(MessageID(0))
        ledger.recordDelete(MessageID(0), result: .deleted(MessageID(0)), at: seconds(3))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0)])
        #expect(result.violationCounts == [.inconsistentHistory: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.messageId == MessageID(0))
        #expect(violation.at == seconds(3))
        #expect(violation.detail == "deleted at 3.0s but also still stored")
        #expect(result.fates == [.deliveredOnce: 1])
    }

    @Test func aMessageDeletedAndExpiredIsInconsistent() throws {
        var ledger = ledger(sending: 1)
        ledger.recordReceive(MessageID(0), at: seconds(2))
        ledger.recordDelete(MessageID(0), result: .deleted(MessageID(0)), at: seconds(3))
        ledger.recordExpiry(MessageID(0), at: seconds(60))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        let violation = try #require(result.violations.first)
        #expect(violation.kind == .inconsistentHistory)
        #expect(violation.detail == "deleted at 3.0s but also expired")
    }

    @Test func aMessageExpiredAndStillStoredIsInconsistent() throws {
        var ledger = ledger(sending: 2)
        ledger.recordExpiry(MessageID(1), at: seconds(60))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0), MessageID(1)])
        #expect(result.violationCounts == [.inconsistentHistory: 1])
        let violation = try #require(result.violations.first)
        #expect(violation.messageId == MessageID(1))
        #expect(violation.at == seconds(60))
        #expect(result.fates == [.queued: 1, .expired: 1])
    }

    @Test func aMessageDeletedTwiceIsInconsistent() {
        var ledger = ledger(sending: 1)
        ledger.recordReceive(MessageID(0), at: seconds(2))
        ledger.recordDelete(MessageID(0), result: .deleted(MessageID(0)), at: seconds(3))
        ledger.recordDelete(MessageID(0), result: .deleted(MessageID(0)), at: seconds(4))
        #expect(ledger.inconsistencies == ["m0 deleted twice"])
        #expect(DeliveryChecker.check(ledger, storedAtEnd: []).violationCounts == [.inconsistentHistory: 1])
    }

    @Test func aGapInSendsIsReportedAndTheMissingMessagesAreLostUnlessStored() {
        var ledger = DeliveryLedger(queueName: "orders")
        ledger.recordSend(MessageID(0), producedAt: .zero, at: .zero)
        ledger.recordSend(MessageID(3), producedAt: .zero, at: seconds(1))
        #expect(ledger.inconsistencies == ["send of m3 recorded after 1 messages"])
        #expect(ledger.entries.count == 4)
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0), MessageID(2), MessageID(3)])
        #expect(result.violationCounts == [.inconsistentHistory: 1, .lost: 1])
        #expect(result.violations.compactMap(\.messageId) == [MessageID(1)])
    }

    @Test func aRepeatedSendIDIsReportedWithoutShiftingTheRecordsOfLaterMessages() {
        var ledger = DeliveryLedger(queueName: "orders")
        ledger.recordSend(MessageID(0), producedAt: .zero, at: .zero)
        ledger.recordSend(MessageID(0), producedAt: .zero, at: seconds(1))
        ledger.recordSend(MessageID(1), producedAt: .zero, at: seconds(2))
        ledger.recordReceive(MessageID(1), at: seconds(3))
        ledger.recordDelete(MessageID(1), result: .deleted(MessageID(1)), at: seconds(4))
        #expect(ledger.inconsistencies == ["send of m0 recorded after 1 messages"])
        #expect(ledger.entries.count == 2)
        #expect(ledger.entries[1].sentAt == seconds(2))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0)])
        #expect(result.violationCounts == [.inconsistentHistory: 1])
        #expect(result.fates == [.queued: 1, .deliveredOnce: 1])
    }

    @Test func listedViolationsStopAtTheCapWhileTheCountsStayComplete() {
        let sent = DeliveryChecker.listedViolationsMax * 2 + 20
        var ledger = ledger(sending: sent)
        // Every message lost, and one stray receive: the inconsistency is listed first.
        ledger.recordReceive(MessageID(sent + 1), at: seconds(1))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [])
        #expect(result.violationCounts == [.lost: sent, .inconsistentHistory: 1])
        #expect(result.count(.lost) == sent)
        #expect(result.violations.count == DeliveryChecker.listedViolationsMax)
        #expect(result.violations.first?.kind == .inconsistentHistory)
        let listedLost = result.violations.dropFirst().compactMap(\.messageId)
        #expect(listedLost == (0..<DeliveryChecker.listedViolationsMax - 1).map(MessageID.init))
    }

    @Test func sendsAbandonedAndStaleDeletesAreCarriedIntoTheResult() {
        var ledger = ledger(sending: 1)
        ledger.recordSendAbandoned()
        ledger.recordSendAbandoned()
        ledger.recordReceive(MessageID(0), at: seconds(1))
        ledger.recordDelete(MessageID(0), result: .acceptedStaleReceipt(MessageID(0)), at: seconds(2))
        let result = DeliveryChecker.check(ledger, storedAtEnd: [MessageID(0)])
        #expect(result.sendsAbandoned == 2)
        #expect(result.staleDeletes == 1)
        #expect(result.queue == "orders")
    }
}
