import SimKernel
import Testing
import Verification

/// The checker of what a stream consumer did with the records a stream accepted: first handlings,
/// duplicates, per-key order in the stream's acceptance order, records never accepted, and what
/// was left unhandled.
@Suite struct StreamRecordLedgerTests {
    /// Producer 0 puts records 0…5 with keys a, b, a, a, b, a; producer 1 puts record 0 with key a
    /// (the same string: the same key for order) after them.
    func ledger() -> StreamRecordLedger {
        var ledger = StreamRecordLedger()
        let keys = ["a", "b"]
        for (record, key) in [0, 1, 0, 0, 1, 0].enumerated() {
            ledger.recordAccepted(producer: 0, record: record, key: key, partitionKey: keys[key], producedAt: Instant(nanoseconds: Int64(record)))
        }
        ledger.recordAccepted(producer: 1, record: 0, key: 3, partitionKey: "a", producedAt: Instant(nanoseconds: 100))
        return ledger
    }

    @Test func recordsHandledInAcceptanceOrderAreAllFirstHandlings() {
        let ledger = ledger()
        var check = StreamConsumerCheck()
        for record in 0..<6 { #expect(check.handle(producer: 0, record: record, ledger: ledger) == .first) }
        #expect(check.handle(producer: 1, record: 0, ledger: ledger) == .first)
        #expect(check.processed == 7 && check.duplicates == 0 && check.outOfOrder == 0)
        #expect(check.unhandled(ledger: ledger) == 0)
    }

    @Test func keysAreIndependentSoInterleavingTwoKeysIsNoViolation() {
        let ledger = ledger()
        var check = StreamConsumerCheck()
        // All of b first, then all of a: each key keeps its own order.
        for record in [1, 4, 0, 2, 3, 5] { #expect(check.handle(producer: 0, record: record, ledger: ledger) == .first) }
        #expect(check.outOfOrder == 0)
    }

    @Test func aRecordHandledAfterALaterRecordOfItsKeyIsOutOfOrder() {
        let ledger = ledger()
        var check = StreamConsumerCheck()
        #expect(check.handle(producer: 0, record: 0, ledger: ledger) == .first)
        #expect(check.handle(producer: 0, record: 3, ledger: ledger) == .first)
        #expect(check.handle(producer: 0, record: 2, ledger: ledger) == .outOfOrder)
        // Another producer's record under the same key string is the same key: it came last.
        #expect(check.handle(producer: 1, record: 0, ledger: ledger) == .first)
        #expect(check.handle(producer: 0, record: 5, ledger: ledger) == .outOfOrder)
        #expect(check.outOfOrder == 2 && check.processed == 5)
        #expect(check.examples.count == 2)
    }

    @Test func aReplayFromACheckpointCountsDuplicatesNotViolations() {
        let ledger = ledger()
        var check = StreamConsumerCheck()
        for record in 0..<4 { _ = check.handle(producer: 0, record: record, ledger: ledger) }
        // A crash after a checkpoint at record 1: records 2 and 3 come again, then the rest.
        #expect(check.handle(producer: 0, record: 2, ledger: ledger) == .duplicate)
        #expect(check.handle(producer: 0, record: 3, ledger: ledger) == .duplicate)
        #expect(check.handle(producer: 0, record: 4, ledger: ledger) == .first)
        #expect(check.handle(producer: 0, record: 5, ledger: ledger) == .first)
        #expect(check.duplicates == 2 && check.outOfOrder == 0 && check.processed == 6)
        #expect(check.unhandled(ledger: ledger) == 1)
    }

    @Test func discardedRecordsAreHandledButNotProcessed() {
        let ledger = ledger()
        var check = StreamConsumerCheck()
        #expect(check.handle(producer: 0, record: 0, ledger: ledger, discarded: true) == .first)
        #expect(check.handle(producer: 0, record: 0, ledger: ledger) == .duplicate)
        #expect(check.discarded == 1 && check.processed == 0)
        #expect(check.unhandled(ledger: ledger) == 6)
    }

    @Test func aRecordTheStreamNeverAcceptedIsReported() {
        var ledger = ledger()
        ledger.recordAbandoned()
        var check = StreamConsumerCheck()
        #expect(check.handle(producer: 0, record: 6, ledger: ledger) == .unknown)
        #expect(check.handle(producer: 7, record: 0, ledger: ledger) == .unknown)
        #expect(check.unknown == 2 && check.processed == 0)
        #expect(ledger.accepted == 7 && ledger.abandoned == 1)
    }

    @Test func producedInstantsAreKeptPerRecord() {
        let ledger = ledger()
        #expect(ledger.producedAt(producer: 0, record: 4) == Instant(nanoseconds: 4))
        #expect(ledger.producedAt(producer: 1, record: 0) == Instant(nanoseconds: 100))
        #expect(ledger.keyCount == 2)
    }
}
