import Crypto
import DequeModule
import HeapModule
import SimKernel

/// Uniform draws in [0, 1) for the queue's best-effort behaviour (short-poll sampling, spurious
/// duplicates, reordering). The world passes a named random stream; the engine knows no generator.
public protocol EngineRandomness: AnyObject {
    func uniform() -> Double
}

/// An SQS queue, standard or FIFO, as a passive state machine.
///
/// Calls come in, results go out; the queue keeps time only through the `Clock` and wakes itself
/// only through `TimerScheduling`, so the same code runs under the simulation kernel and under the
/// wall clock. Waiting long polls are completed through their `ReceiveRequester`, from a timer at
/// the instant the call that made messages available returned.
///
/// Messages live in a slab of records reused through a free list; receipt handles and timers name
/// a record by slot plus a counter, so a stale handle or timer is recognised in O(1) without
/// cancelling anything.
public final class Queue: TimerTarget {
    public let configuration: QueueConfiguration
    /// Distinguishes this queue's receipt handles from every other queue's.
    public let token: Int
    /// Not reference-counted: whoever sets an observer must keep it alive while the queue runs (a
    /// `World` owns its queues and observes them). A weak reference cost a side-table lookup on
    /// every notification.
    public unowned(unsafe) var observer: QueueObserver?

    @usableFromInline let clock: Clock
    @usableFromInline let timers: TimerScheduling

    @usableFromInline var records: [MessageRecord] = []
    @usableFromInline var freeSlots: [Int32] = []
    /// Visible messages in the order they became visible; entries whose message has since changed
    /// state are skipped when reached.
    @usableFromInline var visibleOrder = Deque<SlotStamp>()
    /// Every stored message's retention deadline, in send order (sent instants never decrease).
    var retentionDeadlines = DeadlineList<SlotStamp>()
    /// Visibility deadlines of received messages, stamped with the receive's visibility stamp.
    var visibilityDeadlines = DeadlineList<SlotStamp>()
    /// Ends of long-poll waits.
    var waitDeadlines = DeadlineList<ReceiveRequestID>()
    @usableFromInline var waiters = Deque<Waiter>()
    @usableFromInline var nextWaiterID: UInt64 = 0
    @usableFromInline var nextMessageNumber = 0
    /// Long polls served and not yet told; a timer at the same instant tells their requesters.
    @usableFromInline var completions: [Completion] = []
    @usableFromInline var completionsPending = false
    @usableFromInline var completionsBeingDelivered: [Completion] = []

    // MARK: FIFO state (empty on a standard queue)
    /// Groups that hold a stored message or one in flight, by MessageGroupId. A group is forgotten
    /// when it has neither, so memory follows the messages in the queue, not the groups ever seen.
    @usableFromInline var groupIndexByID: [String: Int32] = [:]
    @usableFromInline var groups: [MessageGroup] = []
    @usableFromInline var freeGroups: [Int32] = []
    /// Groups that can deliver (nothing in flight, head visible), oldest head message first: a
    /// receive scans the queue in send order for the first message of an unblocked group.
    @usableFromInline var availableGroups = Heap<AvailableGroup>()
    /// Which message numbers are stored, for the 120,000-message scan window.
    var scanWindow: ScanWindow
    /// Deduplication IDs seen within the interval, with the ID of the copy that was enqueued.
    var deduplication = DeduplicationWindow<MessageID>()
    var receiveAttempts: [String: ReceiveAttempt] = [:]
    var receiveAttemptDeadlines = DeadlineList<String>()
    /// FIFO transaction quotas, per action and (high-throughput mode) per group.
    var throughput: FifoThroughputLimiter
    /// The group a receive is walking; its bookkeeping waits until the walk ends.
    var groupBeingTaken: Int32 = -1

    // MARK: Dead letters and housekeeping
    /// The queue the redrive policy sends messages to; set by whoever builds the queues.
    public unowned(unsafe) var deadLetterQueue: Queue?
    /// Queues whose redrive policy names this one, by token: where a move task sends messages back.
    public internal(set) var deadLetterSources: [Int: Queue] = [:]
    var moveTask: MoveTask? = nil
    var purgeGate: CooldownGate
    /// Who may call the queue; nil lets everyone (a scenario without policies).
    public var accessControl: QueueAccessControl?
    /// Draws for the best-effort knobs; required only when one of them is on.
    public var randomness: EngineRandomness?
    let usesPartitions: Bool

    public internal(set) var visibleCount = 0
    public internal(set) var inFlightCount = 0
    public internal(set) var delayedCount = 0
    public internal(set) var counters = QueueCounters()

    public init(configuration: QueueConfiguration, token: Int, clock: Clock, timers: TimerScheduling) {
        precondition(configuration.problems().isEmpty, "invalid queue configuration: \(configuration.problems())")
        self.configuration = configuration
        self.token = token
        self.clock = clock
        self.timers = timers
        scanWindow = ScanWindow(size: configuration.fifoScanWindow)
        let highThroughput = configuration.fifoThroughputLimit == .perMessageGroupId
        throughput = FifoThroughputLimiter(quota: FifoThroughputQuota(
            scope: highThroughput ? .perMessageGroupId : .perQueue,
            queueTransactionsPerSecondMax: highThroughput ? configuration.highThroughputTransactionsPerSecond
                                                          : configuration.fifoTransactionsPerSecond,
            groupTransactionsPerSecondMax: configuration.highThroughputPerGroupTransactionsPerSecond))
        purgeGate = CooldownGate(cooldown: configuration.purgeCooldown)
        usesPartitions = configuration.partitions > 1
    }

    public var isFifo: Bool { configuration.isFifo }

    /// Makes `target` this queue's dead-letter queue. The two must be of the same type and the
    /// target's RedriveAllowPolicy must allow this queue; the reason is returned otherwise.
    public func setDeadLetterQueue(_ target: Queue) -> String? {
        if target === self { return "a queue cannot be its own dead-letter queue" }
        if target.isFifo != isFifo {
            return "the dead-letter queue of a \(configuration.typeName) queue must be \(configuration.typeName) too; \(target.configuration.name) is \(target.configuration.typeName)"
        }
        if !target.configuration.redriveAllowPolicy.allows(source: configuration.name) {
            return "\(target.configuration.name)'s redriveAllowPolicy does not allow \(configuration.name) as a source"
        }
        deadLetterQueue = target
        target.deadLetterSources[token] = self
        return nil
    }

    /// Messages stored: visible, in flight and delayed.
    public var storedCount: Int { visibleCount + inFlightCount + delayedCount }

    // MARK: SendMessage

    /// Requests a call of `bytes` payload is billed as: one per started 64 KiB, at least one.
    @inlinable public static func billedRequests(payloadBytes bytes: Int) -> Int { Swift.max(1, (bytes + 65_535) / 65_536) }

    public func sendMessage(_ request: SendMessageRequest) -> SendMessageResult {
        counters.sendRequests += 1
        counters.billedRequests += Self.billedRequests(payloadBytes: request.sizeBytes)
        if isFifo, let refusal = throttle(.sendMessage, groups: groupsCounted(request.messageGroupId)) { return .rejected(refusal) }
        if let problem = validate(request) { return .rejected(problem) }
        let result = accept(request)
        finishCall()
        return result
    }

    /// The message groups a send counts against: only high-throughput mode has per-group quotas, and
    /// building the list for every send otherwise cost an allocation per message.
    func groupsCounted(_ requests: [SendMessageRequest]) -> [String] {
        configuration.fifoThroughputLimit == .perMessageGroupId ? requests.compactMap(\.messageGroupId) : []
    }

    func groupsCounted(_ group: String?) -> [String] {
        guard configuration.fifoThroughputLimit == .perMessageGroupId, let group else { return [] }
        return [group]
    }

    /// Enqueues a valid request, unless a FIFO queue has seen its deduplication ID within the interval.
    func accept(_ request: SendMessageRequest) -> SendMessageResult {
        if isFifo {
            let key = deduplicationKey(request)
            if let original = deduplicated(key) {
                counters.messagesDeduplicated += 1
                return .deduplicated(original)
            }
            let id = enqueue(request)
            remember(key, id)
            return .sent(id)
        }
        return .sent(enqueue(request))
    }

    /// SendMessageBatch: the batch limits apply to the whole call, then each entry succeeds or fails alone.
    public func sendMessageBatch(_ requests: [SendMessageRequest]) -> BatchResult<SendMessageResult> {
        counters.sendRequests += 1
        let bytes = requests.reduce(0) { $0 + $1.sizeBytes }
        counters.billedRequests += Self.billedRequests(payloadBytes: bytes)
        if let problem = Self.batchProblem(count: requests.count, bytes: bytes) {
            return .rejected(problem)
        }
        if isFifo, let refusal = throttle(.sendMessage, groups: groupsCounted(requests)) { return .rejected(refusal) }
        var results: [SendMessageResult] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            if let problem = validate(request) {
                results.append(.rejected(problem))
            } else {
                results.append(accept(request))
            }
        }
        finishCall()
        return .entries(results)
    }

    static func batchProblem(count: Int, bytes: Int) -> QueueError? {
        if count == 0 { return .emptyBatchRequest }
        if count > QueueConfiguration.batchEntriesMax { return .tooManyEntriesInBatchRequest(count) }
        if bytes > QueueConfiguration.batchBytesMax { return .batchRequestTooLong(bytes) }
        return nil
    }

    func validate(_ request: SendMessageRequest) -> QueueError? {
        if request.bodyBytes < 1 {
            return .invalidParameterValue("the message body must contain at least 1 byte")
        }
        if request.attributes.count > QueueConfiguration.attributesMax {
            return .invalidParameterValue("\(request.attributes.count) message attributes; at most \(QueueConfiguration.attributesMax)")
        }
        if request.sizeBytes > configuration.maximumMessageBytes {
            return .invalidParameterValue(
                "the message is \(request.sizeBytes) bytes; this queue's MaximumMessageSize is \(configuration.maximumMessageBytes)")
        }
        if let delay = request.delay, delay < .zero || delay > QueueConfiguration.delayMax {
            return .invalidParameterValue("DelaySeconds must be between 0 and 900")
        }
        if isFifo { return validateFifo(request) }
        if request.deduplicationId != nil {
            return .invalidParameterValue("MessageDeduplicationId is valid only for FIFO queues")
        }
        return nil
    }

    func enqueue(_ request: SendMessageRequest) -> MessageID {
        var delay = request.delay ?? configuration.delay
        if configuration.reorderWindow > .zero {
            delay = delay + Span(seconds: configuration.reorderWindow.seconds * draw())
        }
        return store(tag: request.tag, sizeBytes: request.sizeBytes, sentAt: clock.now, delay: delay,
                     group: isFifo ? request.messageGroupId : nil, poison: request.poison, origin: -1,
                     extendedPayloadBytes: request.extendedPayloadBytes)
    }

    /// Stores a new message: sent by a caller, or moved here by a redrive or a move task.
    /// `sentAt` is when its retention started, which a standard dead-letter queue keeps from the source.
    func store(tag: UInt64, sizeBytes: Int, sentAt: Instant, delay: Span, group groupID: String?, poison: Bool,
               origin: Int32, extendedPayloadBytes: Int = 0) -> MessageID {
        let now = clock.now
        let id = MessageID(nextMessageNumber)
        nextMessageNumber += 1
        counters.messagesSent += 1
        let slot = allocateSlot()
        let allocation = records[Int(slot)].allocation
        var group: Int32 = -1
        if let groupID { group = joinGroup(groupID, slot: slot, allocation: allocation) }
        records[Int(slot)] = MessageRecord(
            messageId: id, tag: tag, sizeBytes: sizeBytes, sentAt: sentAt,
            state: delay > .zero ? .delayed : .visible, allocation: allocation,
            // The stamp carries over from the slot's previous message, so that message's pending
            // visibility timer can never match the new one's.
            visibilityStamp: records[Int(slot)].visibilityStamp, group: group, poison: poison, origin: origin,
            extendedPayloadBytes: Int32(extendedPayloadBytes))
        if isFifo { scanWindow.insert(id.rawValue) }
        // Dropping deleted messages from the front keeps the list about as long as the queue.
        retentionDeadlines.dropStale { !isStored($0) }
        let entry = SlotStamp(slot: slot, stamp: allocation)
        if retentionDeadlines.append(sentAt + configuration.retention, entry) {
            setTimer(for: retentionDeadlines, code: .retentionList)
        } else {
            // A message moved here with its original enqueue time expires before later sends.
            timers.schedule(at: Swift.max(now, sentAt + configuration.retention), target: self,
                            code: TimerCode.retentionEnded.rawValue, payload: entry.packed)
        }
        if delay > .zero {
            delayedCount += 1
            timers.schedule(at: now + delay, target: self, code: TimerCode.delayEnded.rawValue,
                            payload: SlotStamp(slot: slot, stamp: allocation).packed)
        } else {
            makeVisible(slot: slot)
        }
        return id
    }

    /// A uniform draw for a best-effort knob.
    func draw() -> Double {
        guard let randomness else {
            preconditionFailure("queue \(configuration.name) uses a best-effort knob but was given no randomness")
        }
        return randomness.uniform()
    }

    func allocateSlot() -> Int32 {
        if let slot = freeSlots.popLast() {
            records[Int(slot)].allocation &+= 1
            return slot
        }
        records.append(MessageRecord.free)
        return Int32(records.count - 1)
    }

    func freeSlot(_ slot: Int32) {
        records[Int(slot)].state = .free
        freeSlots.append(slot)
    }

    /// Takes a stored message out of the queue for good (deleted, expired, purged or moved):
    /// adjusts the counts, frees its slot, and unblocks or forgets its FIFO group.
    func remove(slot: Int32) {
        let record = records[Int(slot)]
        switch record.state {
        case .inFlight: inFlightCount -= 1
        case .visible: visibleCount -= 1
        case .delayed: delayedCount -= 1
        case .free: preconditionFailure("removing a free slot")
        }
        freeSlot(slot)
        if isFifo {
            scanWindow.remove(record.messageId.rawValue)
            if record.group >= 0 {
                if record.state == .inFlight { groups[Int(record.group)].inFlight -= 1 }
                refreshGroup(record.group)
            }
        }
    }

    /// Moves a stored message to the visible set and lets waiting long polls take it.
    func makeVisible(slot: Int32) {
        records[Int(slot)].visibilityStamp &+= 1
        records[Int(slot)].state = .visible
        visibleCount += 1
        if isFifo {
            refreshGroup(records[Int(slot)].group)
        } else {
            visibleOrder.append(SlotStamp(slot: slot, stamp: records[Int(slot)].visibilityStamp))
        }
    }

    /// Ends a public call: serves waiting long polls and arranges for their requesters to be told.
    ///
    /// Requesters are told from a timer at the same instant, after the call has returned, as a
    /// network response would arrive after the send that caused it: the sender learns its message
    /// ID before any receiver can see the message.
    func finishCall() {
        serveWaiters()
        guard !completions.isEmpty, !completionsPending else { return }
        completionsPending = true
        timers.schedule(at: clock.now, target: self, code: TimerCode.completions.rawValue, payload: 0)
    }

    func deliverCompletions() {
        completionsPending = false
        // Swapped with a spare rather than copied, so telling requesters allocates nothing; a
        // requester calling back into the queue appends to the fresh `completions`.
        swap(&completions, &completionsBeingDelivered)
        for completion in completionsBeingDelivered {
            completion.requester.receiveCompleted(completion.id, messages: completion.messages)
        }
        completionsBeingDelivered.removeAll(keepingCapacity: true)
    }

    /// The IDs of messages still stored (visible, in flight or delayed), in send order.
    public func storedMessageIDs() -> [MessageID] {
        records.filter { $0.state != .free }.map(\.messageId).sorted()
    }

    /// Verifies the queue's internal bookkeeping; for tests, after every operation.
    public func _checkInvariants() {
        var visible = 0, inFlight = 0, delayed = 0
        for record in records {
            switch record.state {
            case .visible: visible += 1
            case .inFlight: inFlight += 1
            case .delayed: delayed += 1
            case .free: break
            }
        }
        precondition(visible == visibleCount, "visible count \(visibleCount) but \(visible) visible records")
        precondition(inFlight == inFlightCount, "in-flight count \(inFlightCount) but \(inFlight) in-flight records")
        precondition(delayed == delayedCount, "delayed count \(delayedCount) but \(delayed) delayed records")
        precondition(freeSlots.count == records.count - visible - inFlight - delayed, "free list out of step")
        if isFifo {
            _checkFifoInvariants()
        } else {
            let live = visibleOrder.filter { records[Int($0.slot)].state == .visible && records[Int($0.slot)].visibilityStamp == $0.stamp }
            precondition(live.count == visible, "every visible message has exactly one live place in the visible order")
        }
        precondition(counters.messagesSent == counters.messagesDeleted + counters.messagesExpired + counters.messagesDeadLettered
                        + counters.messagesMovedOut + counters.messagesPurged + storedCount,
                     "every message sent is deleted, expired, dead-lettered, moved, purged or still stored")
    }
}

/// Running totals of one queue: requests as billed and messages as they moved.
public struct QueueCounters: Sendable, Equatable {
    public var sendRequests = 0
    /// Requests as billed: every call, each 64 KiB chunk of its payload counted as one request.
    public var billedRequests = 0
    public var receiveRequests = 0
    public var deleteRequests = 0
    public var changeVisibilityRequests = 0
    public var messagesSent = 0
    public var messagesReceived = 0
    public var messagesDeleted = 0
    public var messagesExpired = 0
    public var visibilityLapses = 0
    /// Deletes presenting the handle of an earlier receive: accepted, and the message stayed.
    public var staleReceiptDeletes = 0
    public var emptyReceives = 0
    /// FIFO sends accepted without enqueuing, their deduplication ID seen within the interval.
    public var messagesDeduplicated = 0
    /// Moved to the dead-letter queue by the redrive policy.
    public var messagesDeadLettered = 0
    /// Moved out by a message move task (from a dead-letter queue back to a source).
    public var messagesMovedOut = 0
    /// Arrived by a redrive or a move task (included in `messagesSent`).
    public var messagesMovedIn = 0
    public var messagesPurged = 0
    public var purgeRequests = 0
    /// Calls refused with ThrottlingException (FIFO transaction quotas).
    public var throttledRequests = 0
    /// Receives that found messages stored but returned none: short-poll sampling missed them, or
    /// every FIFO group with a visible message was blocked.
    public var emptyReceivesWithMessagesStored = 0
    public var spuriousDuplicates = 0
}

@usableFromInline
struct MessageRecord: Sendable {
    enum State: UInt8 { case free, visible, inFlight, delayed }

    var messageId: MessageID
    var tag: UInt64
    var sizeBytes: Int
    var sentAt: Instant
    var firstReceivedAt: Instant = .distantFuture
    var state: State
    /// Bumped each time the slot is taken by a new message: tells apart handles of old occupants.
    var allocation: UInt32
    var receiveCount: UInt32 = 0
    /// Bumped each time the message becomes visible or its visibility deadline changes, so that an
    /// older visibility timer or visible-order entry is recognised as stale.
    var visibilityStamp: UInt32 = 0
    /// The FIFO group's index in `groups`; -1 on a standard queue.
    var group: Int32 = -1
    var poison = false
    /// The token of the queue the redrive policy moved the message from; -1 when it was sent here.
    var origin: Int32 = -1
    /// The `ExtendedPayloadSize` attribute of an extended-client pointer message.
    var extendedPayloadBytes: Int32 = 0

    static let free = MessageRecord(messageId: MessageID(-1), tag: 0, sizeBytes: 0, sentAt: .zero, state: .free, allocation: 0)
}

@usableFromInline
struct SlotStamp: Sendable {
    var slot: Int32
    var stamp: UInt32
    var packed: Int { Int(slot) << 32 | Int(stamp) }
    init(slot: Int32, stamp: UInt32) {
        self.slot = slot
        self.stamp = stamp
    }
    init(packed: Int) {
        slot = Int32(truncatingIfNeeded: packed >> 32)
        stamp = UInt32(truncatingIfNeeded: packed)
    }
}

/// A long poll served, waiting to be told.
@usableFromInline
struct Completion {
    var requester: ReceiveRequester
    var id: ReceiveRequestID
    var messages: [ReceivedMessage]
}

@usableFromInline
struct Waiter {
    var id: ReceiveRequestID
    var requester: ReceiveRequester
    var maxNumberOfMessages: Int
    var visibilityTimeout: Span
    var attemptId: String?
}

enum TimerCode: Int {
    case delayEnded, visibilityEnded, waitEnded, completions, retentionList, visibilityList, waitList, retentionEnded, moveTaskStep
}
