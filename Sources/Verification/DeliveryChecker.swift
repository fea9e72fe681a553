import MessagingEngine
import SimKernel

/// What became of a message by the end of a run. Every message sent has exactly one fate.
public enum DeliveryFate: String, Sendable, CaseIterable {
    /// Deleted after exactly one receive.
    case deliveredOnce
    /// Deleted after more than one receive.
    case duplicated
    /// Removed by retention.
    case expired
    /// Still in the queue at the end (visible, in flight or delayed).
    case queued
    /// Sent and acknowledged, then neither deleted, expired nor stored: the engine lost it.
    case lost
    /// Moved to the dead-letter queue by the redrive policy (the copy there has a fate of its own).
    case deadLettered
    /// Moved out of this dead-letter queue by a message move task.
    case movedOut
    /// Removed by PurgeQueue.
    case purged

    /// The fate's place in `allCases`, for counting without hashing.
    var ordinal: Int {
        switch self {
        case .deliveredOnce: 0
        case .duplicated: 1
        case .expired: 2
        case .queued: 3
        case .lost: 4
        case .deadLettered: 5
        case .movedOut: 6
        case .purged: 7
        }
    }
}

/// A breach of a delivery guarantee, with what is needed to find and replay it.
public struct Violation: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// An acknowledged message vanished.
        case lost
        /// A message was processed to completion more than once.
        case duplicateProcessing
        /// The ledger saw something a correct engine cannot do (e.g. a delete of a message never sent).
        case inconsistentHistory
        /// The same content (a producer's message) was enqueued more than once and processed more
        /// than once: a retried send that deduplication did not catch.
        case duplicateContent
        /// FIFO: a message was first processed before an earlier message of its group.
        case orderViolation
    }

    public var kind: Kind
    public var queue: String
    public var messageId: MessageID?
    /// When it showed: the send of a lost message, the second completed processing of a duplicate.
    public var at: Instant
    public var detail: String
}

/// The checker's verdict on one queue in one replication.
public struct DeliveryResult: Sendable, Equatable {
    public var queue: String
    public var sent = 0
    public var fates: [DeliveryFate: Int] = [:]
    /// Duplicated messages by the first cause of their redelivery.
    public var duplicatedBy: [RedeliveryCause: Int] = [:]
    /// Receive counts of deleted messages: index k holds how many were deleted after k receives.
    public var receiveCountHistogram: [Int] = []
    public var staleDeletes = 0
    public var sendsAbandoned = 0
    public var sendsDeduplicated = 0
    /// Seconds from send to the move to the dead-letter queue, per dead-lettered message in ID order.
    public var timesToDeadLetter: [Double] = []
    /// FIFO: message groups seen in receives, and those with an order violation.
    public var groupsSeen = 0
    public var groupsOutOfOrder = 0
    /// Violations of each kind, counted in full.
    public var violationCounts: [Violation.Kind: Int] = [:]
    /// The first `listedViolationsMax` violations in message order; the counts hold the rest.
    public var violations: [Violation] = []

    public func count(_ fate: DeliveryFate) -> Int { fates[fate, default: 0] }
}

/// Gives every message its fate and lists the violations.
public enum DeliveryChecker {
    /// Violations listed per queue and replication; the counts are always complete.
    public static let listedViolationsMax = 50

    /// - Parameters:
    ///   - ledger: the queue's history.
    ///   - storedAtEnd: the IDs the queue still holds when the run ends, as the engine reports them.
    public static func check(_ ledger: DeliveryLedger, storedAtEnd: [MessageID]) -> DeliveryResult {
        var result = DeliveryResult(queue: ledger.queueName)
        result.sent = ledger.entries.count
        result.sendsAbandoned = ledger.sendsAbandoned
        var stored = [Bool](repeating: false, count: ledger.entries.count)
        var violations: [Violation] = []

        func add(_ violation: Violation) {
            result.violationCounts[violation.kind, default: 0] += 1
            if violations.count < listedViolationsMax { violations.append(violation) }
        }

        for id in storedAtEnd {
            if id.rawValue >= 0 && id.rawValue < stored.count {
                stored[id.rawValue] = true
            } else {
                add(Violation(kind: .inconsistentHistory, queue: ledger.queueName, messageId: id, at: .zero,
                              detail: "the queue holds \(id), which was never sent"))
            }
        }
        for note in ledger.inconsistencies {
            add(Violation(kind: .inconsistentHistory, queue: ledger.queueName, messageId: nil, at: .zero, detail: note))
        }

        // Counted by position, not in the dictionary: hashing a fate per message showed in profiles.
        var fateCounts = [Int](repeating: 0, count: DeliveryFate.allCases.count)
        for (number, entry) in ledger.entries.enumerated() {
            let id = MessageID(number)
            let fate: DeliveryFate
            if let movedAt = entry.deadLetteredAt ?? entry.movedOutAt ?? entry.purgedAt {
                fate = entry.deadLetteredAt != nil ? .deadLettered : entry.movedOutAt != nil ? .movedOut : .purged
                if entry.deletedAt != nil || stored[number] || entry.expiredAt != nil {
                    add(Violation(kind: .inconsistentHistory, queue: ledger.queueName, messageId: id, at: movedAt,
                                  detail: "\(fate.rawValue) at \(movedAt.seconds)s but also deleted, expired or still stored"))
                }
                if let at = entry.deadLetteredAt { result.timesToDeadLetter.append((at - entry.sentAt).seconds) }
            } else if let deletedAt = entry.deletedAt {
                fate = entry.receives > 1 ? .duplicated : .deliveredOnce
                if stored[number] || entry.expiredAt != nil {
                    add(Violation(kind: .inconsistentHistory, queue: ledger.queueName, messageId: id, at: deletedAt,
                                  detail: "deleted at \(deletedAt.seconds)s but also \(stored[number] ? "still stored" : "expired")"))
                }
                let k = Int(entry.receives)
                if result.receiveCountHistogram.count <= k {
                    result.receiveCountHistogram += Array(repeating: 0, count: k + 1 - result.receiveCountHistogram.count)
                }
                result.receiveCountHistogram[k] += 1
            } else if let expiredAt = entry.expiredAt {
                fate = .expired
                if stored[number] {
                    add(Violation(kind: .inconsistentHistory, queue: ledger.queueName, messageId: id, at: expiredAt,
                                  detail: "expired at \(expiredAt.seconds)s but still stored"))
                }
            } else if stored[number] {
                fate = .queued
            } else {
                fate = .lost
                add(Violation(kind: .lost, queue: ledger.queueName, messageId: id, at: entry.sentAt,
                              detail: "sent at \(entry.sentAt.seconds)s, received \(entry.receives) time(s), never deleted, not expired, not in the queue"))
            }
            fateCounts[fate.ordinal] += 1
            if fate == .duplicated {
                result.duplicatedBy[entry.firstRedeliveryCause ?? .visibilityLapse, default: 0] += 1
            }
            result.staleDeletes += Int(entry.staleDeletes)
            if entry.processings > 1 {
                var why = "processed \(entry.processings) times over \(entry.receives) receives"
                if entry.visibilityLapses > 0 { why += "; its visibility timeout lapsed \(entry.visibilityLapses) time(s)" }
                if entry.crashes > 0 { why += "; \(entry.crashes) consumer crash(es) while holding it" }
                if entry.processingFailures > 0 { why += "; processing failed \(entry.processingFailures) time(s)" }
                if entry.staleDeletes > 0 { why += "; \(entry.staleDeletes) delete(s) came with a stale receipt handle" }
                if entry.deleteFailures > 0 { why += "; \(entry.deleteFailures) delete(s) failed" }
                add(Violation(kind: .duplicateProcessing, queue: ledger.queueName, messageId: id,
                              at: entry.deletedAt ?? entry.firstReceivedAt ?? entry.sentAt, detail: why))
            }
        }
        for fate in DeliveryFate.allCases where fateCounts[fate.ordinal] > 0 { result.fates[fate] = fateCounts[fate.ordinal] }
        result.sendsDeduplicated = ledger.sendsDeduplicated
        checkContent(ledger, add: add)
        if ledger.isFifo {
            // Returned rather than written through `inout`: `add` writes `result` too, and the two
            // accesses would overlap.
            (result.groupsSeen, result.groupsOutOfOrder) = checkOrder(ledger, add: add)
        }
        result.violations = violations
        return result
    }

    /// Content processed under more than one message ID: the same producer tag enqueued twice.
    static func checkContent(_ ledger: DeliveryLedger, add: (Violation) -> Void) {
        var processed: [(tag: UInt64, id: Int)] = []
        for (number, entry) in ledger.entries.enumerated() where entry.processings > 0 && entry.tag != DeliveryLedger.unknownTag { processed.append((entry.tag, number)) }
        processed.sort { $0.tag != $1.tag ? $0.tag < $1.tag : $0.id < $1.id }
        var start = 0
        while start < processed.count {
            var end = start + 1
            while end < processed.count, processed[end].tag == processed[start].tag { end += 1 }
            if end - start > 1 {
                let ids = processed[start..<end].map { "m\($0.id)" }.joined(separator: ", ")
                let later = ledger.entries[processed[start + 1].id]
                add(Violation(kind: .duplicateContent, queue: ledger.queueName, messageId: MessageID(processed[start + 1].id),
                              at: later.deletedAt ?? later.firstReceivedAt ?? later.sentAt,
                              detail: "the same content was enqueued as \(ids) and processed under each"))
            }
            start = end
        }
    }

    /// FIFO order: within a group, messages must be first processed in the order they were sent.
    /// A message counts as out of order when it was processed before a message of its group sent
    /// earlier. Messages never processed (dead-lettered, expired) break nothing.
    /// Returns the groups seen and the groups with an order violation.
    static func checkOrder(_ ledger: DeliveryLedger, add: (Violation) -> Void) -> (Int, Int) {
        var latestProcessed = [Int64](repeating: -1, count: ledger.groupNames.count)
        var latestID = [Int](repeating: -1, count: ledger.groupNames.count)
        var outOfOrder = [Bool](repeating: false, count: ledger.groupNames.count)
        for (number, entry) in ledger.entries.enumerated() where entry.group >= 0 && entry.firstProcessedOrder >= 0 {
            let group = Int(entry.group)
            if entry.firstProcessedOrder < latestProcessed[group] {
                outOfOrder[group] = true
                add(Violation(kind: .orderViolation, queue: ledger.queueName, messageId: MessageID(number),
                              at: entry.deletedAt ?? entry.firstReceivedAt ?? entry.sentAt,
                              detail: "group \(ledger.groupNames[group]): m\(number) was processed before m\(latestID[group]), which was sent earlier"))
            } else {
                latestProcessed[group] = entry.firstProcessedOrder
                latestID[group] = number
            }
        }
        return (ledger.groupNames.count, outOfOrder.filter { $0 }.count)
    }
}
