import SimKernel

/// The transaction quota of a FIFO queue: the FifoThroughputLimit attribute and the rates it
/// implies (SEMANTICS.md, SQS FIFO).
public struct FifoThroughputQuota: Sendable, Equatable {
    public enum Scope: String, Sendable {
        /// The quota applies to the queue as a whole (the default mode).
        case perQueue
        /// High-throughput mode: the quota applies per message group, under a larger queue-wide cap.
        case perMessageGroupId
    }

    public var scope: Scope
    /// Calls per second per API action for the whole queue.
    public var queueTransactionsPerSecondMax: Int
    /// Calls per second per API action for one message group, with `.perMessageGroupId` only.
    ///
    /// AWS does not publish a per-group figure. High-throughput mode spreads groups over partitions
    /// of 300 calls per second per action each, and one group lives in one partition, so 300 is
    /// the most one group can get; partitions shared by several groups are not modelled.
    public var groupTransactionsPerSecondMax: Int

    public init(scope: Scope, queueTransactionsPerSecondMax: Int, groupTransactionsPerSecondMax: Int = 300) {
        self.scope = scope
        self.queueTransactionsPerSecondMax = queueTransactionsPerSecondMax
        self.groupTransactionsPerSecondMax = groupTransactionsPerSecondMax
    }

    /// 300 calls per second per API action for the queue (3,000 messages with batches of 10).
    public static let standard = FifoThroughputQuota(scope: .perQueue, queueTransactionsPerSecondMax: 300)

    /// High-throughput mode in the largest regions: 70,000 calls per second per API action for
    /// the queue. Smaller regions allow less; a scenario sets its own figure.
    public static let highThroughput = FifoThroughputQuota(scope: .perMessageGroupId, queueTransactionsPerSecondMax: 70_000)

    /// Problems with the quota, each naming the attribute; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        if queueTransactionsPerSecondMax < 1 {
            found.append(("queueTransactionsPerSecondMax", "must be at least 1 call per second"))
        }
        if groupTransactionsPerSecondMax < 1 {
            found.append(("groupTransactionsPerSecondMax", "must be at least 1 call per second"))
        }
        return found
    }
}

/// Enforces a `FifoThroughputQuota` for one queue: one sliding one-second window per API action,
/// and in high-throughput mode one more per action and message group.
///
/// A batch call is one transaction of the action that authorises it (`SendMessageBatch` counts
/// against `SendMessage`); AWS does not say whether the two forms share a quota, and sharing is
/// the cautious reading. A call is admitted only when every window it touches admits it, and a
/// refused call takes capacity from none of them.
///
/// Windows of message groups that have had no call for a second hold no state worth keeping;
/// they are dropped whenever the number of groups has doubled since the last sweep, so memory
/// stays proportional to the groups active in the last second.
public struct FifoThroughputLimiter: Sendable {
    struct GroupKey: Hashable, Sendable {
        var action: SQSAction
        var messageGroupId: String
    }

    public let quota: FifoThroughputQuota
    /// One window per action, indexed by the action's place in `SQSAction.allCases`: an array, not
    /// a dictionary, because hashing the action on every call showed in the FIFO cycle's profile.
    private var queueWindows: [TransactionRateLimiter?] = Array(repeating: nil, count: SQSAction.allCases.count)
    private var groupWindows: [GroupKey: TransactionRateLimiter] = [:]
    private var sweepAtGroupCount = 1024
    public private(set) var admittedCount = 0
    public private(set) var throttledCount = 0

    public init(quota: FifoThroughputQuota) {
        precondition(quota.problems().isEmpty, "invalid FIFO throughput quota: \(quota.problems())")
        self.quota = quota
    }

    /// Admits and records a call of `action` at `instant`, or refuses it (ThrottlingException).
    ///
    /// - Parameter messageGroupIds: the distinct groups the call names (a send names one, a batch
    ///   send may name several); empty for calls that name none, such as ReceiveMessage. Ignored
    ///   unless the quota is `.perMessageGroupId`.
    /// - Complexity: O(groups named), amortised over sweeps.
    public mutating func tryAcquire(_ action: SQSAction, messageGroupIds: [String] = [], at instant: Instant) -> Bool {
        let groupKeys = quota.scope == .perMessageGroupId ? Self.distinct(messageGroupIds).map { GroupKey(action: action, messageGroupId: $0) } : []
        let slot = action.ordinal
        let admitted = (queueWindows[slot]?.canAcquire(at: instant) ?? true)
            && groupKeys.allSatisfy { groupWindows[$0]?.canAcquire(at: instant) ?? true }
        guard admitted else {
            throttledCount += 1
            return false
        }
        admittedCount += 1
        // Mutated in place through the subscript: a copy taken out of the dictionary would share
        // its ring with the stored one and copy it on the first write.
        if queueWindows[slot] == nil { queueWindows[slot] = TransactionRateLimiter(transactionsMax: quota.queueTransactionsPerSecondMax) }
        let taken = queueWindows[slot]!.tryAcquire(at: instant)
        precondition(taken, "the \(action) window refused a call it had admitted")
        for key in groupKeys {
            let taken = groupWindows[key, default: TransactionRateLimiter(transactionsMax: quota.groupTransactionsPerSecondMax)]
                .tryAcquire(at: instant)
            precondition(taken, "group window \(key) refused a call it had admitted")
        }
        if groupWindows.count >= sweepAtGroupCount { sweepIdleGroups(at: instant) }
        return true
    }

    /// `ids` without repeats, in sorted order.
    private static func distinct(_ ids: [String]) -> [String] {
        guard ids.count > 1 else { return ids }
        var unique: [String] = []
        for id in ids.sorted() where unique.last != id { unique.append(id) }
        return unique
    }

    /// Message groups whose window is still held; for tests of the sweep.
    var heldGroupCount: Int { groupWindows.count }

    private mutating func sweepIdleGroups(at instant: Instant) {
        groupWindows = groupWindows.filter { !$0.value.isIdle(at: instant) }
        sweepAtGroupCount = max(1024, 2 * groupWindows.count)
    }
}
