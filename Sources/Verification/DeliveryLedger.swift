import MessagingEngine
import SimKernel

/// The history of every message of one queue, kept as one record per message and updated at each
/// send, receive, processing outcome, delete and expiry.
///
/// Records are indexed by the queue's message number, so each update is O(1) and memory grows
/// linearly in the messages sent.
public struct DeliveryLedger: Sendable {
    public struct Entry: Sendable, Equatable {
        public var producedAt: Instant
        public var sentAt: Instant
        public var receives: Int32 = 0
        public var firstReceivedAt: Instant?
        /// Times a consumer finished processing the message (whether its delete then worked or not).
        public var processings: Int32 = 0
        public var deletedAt: Instant?
        public var staleDeletes: Int32 = 0
        public var visibilityLapses: Int32 = 0
        public var processingFailures: Int32 = 0
        public var crashes: Int32 = 0
        public var deleteFailures: Int32 = 0
        public var expiredAt: Instant?
        /// The first reason the message came back after a receive.
        public var firstRedeliveryCause: RedeliveryCause?
        /// When the redrive policy moved it to the dead-letter queue.
        public var deadLetteredAt: Instant?
        /// When a message move task moved it out of this (dead-letter) queue.
        public var movedOutAt: Instant?
        public var purgedAt: Instant?
        /// The producer's content tag (`unknownTag` until a receive tells it) and the FIFO group
        /// (an index into `groupNames`, -1 when unknown or not FIFO), learnt at the first receive.
        public var tag: UInt64 = DeliveryLedger.unknownTag
        public var group: Int32 = -1
        /// Position of the first completed processing among all of the queue's, for order checks; -1 when never processed.
        public var firstProcessedOrder: Int64 = -1
    }

    public static let unknownTag = UInt64.max

    public let queueName: String
    /// FIFO queues are checked for order within each message group.
    public let isFifo: Bool
    public private(set) var entries: [Entry] = []
    public private(set) var groupNames: [String] = []
    var groupIndex: [String: Int32] = [:]
    var processedSoFar: Int64 = 0
    /// FIFO sends accepted without enqueuing because their deduplication ID was seen.
    public private(set) var sendsDeduplicated = 0
    /// Sends that were refused or given up on: they never became messages.
    public private(set) var sendsAbandoned = 0
    /// Receipts of deletes for messages whose record says they were already gone; a correct engine has none.
    public private(set) var inconsistencies: [String] = []

    public init(queueName: String, isFifo: Bool = false) {
        self.queueName = queueName
        self.isFifo = isFifo
    }

    public mutating func recordSend(_ id: MessageID, producedAt: Instant, at: Instant) {
        // Message numbers are dense and in send order; a gap means a send was not recorded.
        if id.rawValue != entries.count {
            inconsistencies.append("send of \(id) recorded after \(entries.count) messages")
            // A repeated (or negative) number has no record of its own; appending one would shift
            // every later message onto its predecessor's record.
            guard id.rawValue > entries.count else { return }
            while entries.count < id.rawValue { entries.append(Entry(producedAt: at, sentAt: at)) }
        }
        entries.append(Entry(producedAt: producedAt, sentAt: at))
    }

    public mutating func recordSendAbandoned() { sendsAbandoned += 1 }

    public mutating func recordSendDeduplicated() { sendsDeduplicated += 1 }

    public mutating func recordReceive(_ id: MessageID, at: Instant) {
        guard let i = index(id, "receive") else { return }
        entries[i].receives += 1
        if entries[i].firstReceivedAt == nil { entries[i].firstReceivedAt = at }
    }

    /// A receive, with what the message says of its content and group.
    public mutating func recordReceive(_ message: ReceivedMessage, at: Instant) {
        recordReceive(message.messageId, at: at)
        guard let i = index(message.messageId, "receive"), entries[i].receives == 1 else { return }
        entries[i].tag = message.tag
        if let name = message.messageGroupId {
            if let known = groupIndex[name] {
                entries[i].group = known
            } else {
                entries[i].group = Int32(groupNames.count)
                groupIndex[name] = entries[i].group
                groupNames.append(name)
            }
        }
    }

    public mutating func recordProcessed(_ id: MessageID) {
        guard let i = index(id, "processing") else { return }
        entries[i].processings += 1
        if entries[i].firstProcessedOrder < 0 {
            entries[i].firstProcessedOrder = processedSoFar
            processedSoFar += 1
        }
    }

    public mutating func recordGroupSkipped(_ id: MessageID) {
        guard let i = index(id, "group skip") else { return }
        noteCause(i, .groupFailed)
    }

    public mutating func recordSpuriousDuplicate(_ id: MessageID) {
        guard let i = index(id, "spurious duplicate") else { return }
        noteCause(i, .spuriousDuplicate)
    }

    public mutating func recordDeadLettered(_ id: MessageID, at: Instant) {
        guard let i = index(id, "dead-lettering") else { return }
        if entries[i].deadLetteredAt != nil { inconsistencies.append("\(id) dead-lettered twice") }
        entries[i].deadLetteredAt = at
    }

    public mutating func recordMovedOut(_ id: MessageID, at: Instant) {
        guard let i = index(id, "move") else { return }
        entries[i].movedOutAt = at
    }

    public mutating func recordPurged(_ id: MessageID, at: Instant) {
        guard let i = index(id, "purge") else { return }
        entries[i].purgedAt = at
    }

    public mutating func recordProcessingFailed(_ id: MessageID) {
        guard let i = index(id, "failure") else { return }
        entries[i].processingFailures += 1
        noteCause(i, .processingFailed)
    }

    public mutating func recordCrash(_ id: MessageID) {
        guard let i = index(id, "crash") else { return }
        entries[i].crashes += 1
        noteCause(i, .consumerCrashed)
    }

    public mutating func recordDeleteFailed(_ id: MessageID) {
        guard let i = index(id, "delete failure") else { return }
        entries[i].deleteFailures += 1
        noteCause(i, .deleteFailed)
    }

    public mutating func recordVisibilityLapse(_ id: MessageID) {
        guard let i = index(id, "visibility lapse") else { return }
        entries[i].visibilityLapses += 1
        noteCause(i, .visibilityLapse)
    }

    public mutating func recordDelete(_ id: MessageID, result: DeleteMessageResult, at: Instant) {
        guard let i = index(id, "delete") else { return }
        switch result {
        case .deleted:
            if entries[i].deletedAt != nil { inconsistencies.append("\(id) deleted twice") }
            entries[i].deletedAt = at
        case .acceptedStaleReceipt:
            entries[i].staleDeletes += 1
        case .acceptedAlreadyGone, .rejected:
            break
        }
    }

    public mutating func recordExpiry(_ id: MessageID, at: Instant) {
        guard let i = index(id, "expiry") else { return }
        entries[i].expiredAt = at
    }

    mutating func noteCause(_ i: Int, _ cause: RedeliveryCause) {
        if entries[i].firstRedeliveryCause == nil { entries[i].firstRedeliveryCause = cause }
    }

    mutating func index(_ id: MessageID, _ what: String) -> Int? {
        guard id.rawValue >= 0, id.rawValue < entries.count else {
            inconsistencies.append("\(what) of \(id), which was never sent")
            return nil
        }
        return id.rawValue
    }
}

/// Why a received message was delivered again.
public enum RedeliveryCause: String, Sendable, CaseIterable, Comparable {
    /// The visibility timeout ran out while the message was held (processing outlived it).
    case visibilityLapse
    case processingFailed
    case consumerCrashed
    case deleteFailed
    /// FIFO: left unprocessed because an earlier message of its group failed in the same batch.
    case groupFailed
    /// The queue delivered a second copy while the first was held (best-effort delivery).
    case spuriousDuplicate

    public static func < (a: RedeliveryCause, b: RedeliveryCause) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
