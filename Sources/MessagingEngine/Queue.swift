import DequeModule
import SimKernel

/// An SQS standard queue as a passive state machine.
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
    }

    /// Messages stored: visible, in flight and delayed.
    public var storedCount: Int { visibleCount + inFlightCount + delayedCount }

    // MARK: SendMessage

    public func sendMessage(_ request: SendMessageRequest) -> SendMessageResult {
        counters.sendRequests += 1
        if let problem = validate(request) { return .rejected(problem) }
        let id = enqueue(request)
        finishCall()
        return .sent(id)
    }

    /// SendMessageBatch: the batch limits apply to the whole call, then each entry succeeds or fails alone.
    public func sendMessageBatch(_ requests: [SendMessageRequest]) -> BatchResult<SendMessageResult> {
        counters.sendRequests += 1
        if let problem = Self.batchProblem(count: requests.count, bytes: requests.reduce(0) { $0 + $1.sizeBytes }) {
            return .rejected(problem)
        }
        var results: [SendMessageResult] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            if let problem = validate(request) {
                results.append(.rejected(problem))
            } else {
                results.append(.sent(enqueue(request)))
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
        return nil
    }

    func enqueue(_ request: SendMessageRequest) -> MessageID {
        let now = clock.now
        let id = MessageID(nextMessageNumber)
        nextMessageNumber += 1
        counters.messagesSent += 1
        let delay = request.delay ?? configuration.delay
        let slot = allocateSlot()
        let allocation = records[Int(slot)].allocation
        records[Int(slot)] = MessageRecord(
            messageId: id, tag: request.tag, sizeBytes: request.sizeBytes, sentAt: now,
            state: delay > .zero ? .delayed : .visible, allocation: allocation,
            // The stamp carries over from the slot's previous message, so that message's pending
            // visibility timer can never match the new one's.
            visibilityStamp: records[Int(slot)].visibilityStamp)
        // Dropping deleted messages from the front keeps the list about as long as the queue.
        retentionDeadlines.dropStale { !isStored($0) }
        let appended = retentionDeadlines.append(now + configuration.retention, SlotStamp(slot: slot, stamp: allocation))
        precondition(appended, "retention deadlines are appended in send order")
        setTimer(for: retentionDeadlines, code: .retentionList)
        if delay > .zero {
            delayedCount += 1
            timers.schedule(at: now + delay, target: self, code: TimerCode.delayEnded.rawValue,
                            payload: SlotStamp(slot: slot, stamp: allocation).packed)
        } else {
            makeVisible(slot: slot)
        }
        return id
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

    /// Moves a stored message to the visible set and lets waiting long polls take it.
    func makeVisible(slot: Int32) {
        records[Int(slot)].visibilityStamp &+= 1
        records[Int(slot)].state = .visible
        visibleCount += 1
        visibleOrder.append(SlotStamp(slot: slot, stamp: records[Int(slot)].visibilityStamp))
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
        let live = visibleOrder.filter { records[Int($0.slot)].state == .visible && records[Int($0.slot)].visibilityStamp == $0.stamp }
        precondition(live.count == visible, "every visible message has exactly one live place in the visible order")
        precondition(counters.messagesSent == counters.messagesDeleted + counters.messagesExpired + storedCount,
                     "every message sent is deleted, expired or still stored")
    }
}

/// Running totals of one queue: requests as billed and messages as they moved.
public struct QueueCounters: Sendable, Equatable {
    public var sendRequests = 0
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
}

enum TimerCode: Int {
    case delayEnded, visibilityEnded, waitEnded, completions, retentionList, visibilityList, waitList
}
