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
    }

    public let queueName: String
    public private(set) var entries: [Entry] = []
    /// Sends that were refused or given up on: they never became messages.
    public private(set) var sendsAbandoned = 0
    /// Receipts of deletes for messages whose record says they were already gone; a correct engine has none.
    public private(set) var inconsistencies: [String] = []

    public init(queueName: String) { self.queueName = queueName }

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

    public mutating func recordReceive(_ id: MessageID, at: Instant) {
        guard let i = index(id, "receive") else { return }
        entries[i].receives += 1
        if entries[i].firstReceivedAt == nil { entries[i].firstReceivedAt = at }
    }

    public mutating func recordProcessed(_ id: MessageID) {
        guard let i = index(id, "processing") else { return }
        entries[i].processings += 1
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

    public static func < (a: RedeliveryCause, b: RedeliveryCause) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
