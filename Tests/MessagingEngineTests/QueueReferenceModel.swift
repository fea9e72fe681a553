import MessagingEngine
import SimKernel

/// A deliberately plain model of an SQS standard queue, for randomized comparison with `Queue`.
///
/// Messages are kept by ID in a dictionary, never in reused slots, so a timer or handle can only
/// ever name the message it was made for. Every deadline (a delay, a visibility timeout, a wait, the
/// oldest message's retention) is a `Wakeup` with its instant and the order in which it was set,
/// and the model runs them in that order, as a scheduler with one timer per deadline would. How the
/// engine breaks a tie between deadlines of different kinds at one instant is its own business, so
/// the randomized test keeps such deadlines apart (see `RandomRun.randomSpan`).
///
/// Results are rendered as short strings so the engine's and the model's can be compared directly.
struct QueueReferenceModel {
    enum State { case delayed, visible, inFlight }

    struct Message {
        let id: Int
        let tag: UInt64
        let sizeBytes: Int
        let sentAt: Instant
        let expiresAt: Instant
        var state: State
        var receiveCount = 0
        var firstReceivedAt: Instant?
        /// The order number of the visibility wake-up that currently applies, if in flight.
        var visibilityWakeup: Int?
    }

    enum WakeupKind {
        case delayEnded(message: Int)
        case visibilityEnded(message: Int)
        case waitEnded(request: UInt64)
        case retention
    }

    struct Wakeup {
        let instant: Instant
        let order: Int
        let kind: WakeupKind
    }

    struct Waiter {
        let id: UInt64
        let maxNumberOfMessages: Int
        let visibilityTimeout: Span
    }

    let configuration: QueueConfiguration
    var now = Instant.zero
    var messages: [Int: Message] = [:]
    /// IDs of visible messages in the order they became visible.
    var visibleOrder: [Int] = []
    var wakeups: [Wakeup] = []
    var nextWakeupOrder = 0
    var retentionArmed = false
    var waiters: [Waiter] = []
    var nextWaiterID: UInt64 = 0
    var nextMessageID = 0
    var counters: QueueCounters
    var events: [QueueEvent] = []
    /// Long polls completed at this instant whose requesters have not been told yet.
    var undelivered: [(request: UInt64, messages: [String], at: Instant)] = []
    var delivered: [(request: UInt64, messages: [String], at: Instant)] = []
    /// How often each interesting case came up, so a test can insist that all of them did.
    var coverage: [String: Int] = [:]

    init(configuration: QueueConfiguration, counters: QueueCounters) {
        self.configuration = configuration
        self.counters = counters
    }

    var visibleCount: Int { messages.values.count { $0.state == .visible } }
    var inFlightCount: Int { messages.values.count { $0.state == .inFlight } }
    var delayedCount: Int { messages.values.count { $0.state == .delayed } }
    var storedIDs: [Int] { messages.keys.sorted() }

    // MARK: Calls

    /// SQS bills one request per started 64 KiB of a call's payload, at least one per call.
    static func chunks(_ bytes: Int) -> Int { max(1, (bytes + 65_535) / 65_536) }

    mutating func send(bodyBytes: Int, delay: Span?, tag: UInt64) -> String {
        counters.sendRequests += 1
        counters.billedRequests += Self.chunks(bodyBytes)
        let result = enqueue(bodyBytes: bodyBytes, delay: delay, tag: tag)
        serveWaiters()
        return result
    }

    mutating func sendBatch(_ entries: [(bodyBytes: Int, delay: Span?, tag: UInt64)]) -> String {
        counters.sendRequests += 1
        counters.billedRequests += Self.chunks(entries.reduce(0) { $0 + $1.bodyBytes })
        let results = entries.map { enqueue(bodyBytes: $0.bodyBytes, delay: $0.delay, tag: $0.tag) }
        serveWaiters()
        return "batch [\(results.joined(separator: ", "))]"
    }

    mutating func enqueue(bodyBytes: Int, delay requested: Span?, tag: UInt64) -> String {
        if bodyBytes < 1 || bodyBytes > configuration.maximumMessageBytes { return "rejected InvalidParameterValue" }
        if let requested, requested < .zero || requested > .seconds(900) { return "rejected InvalidParameterValue" }
        let delay = requested ?? configuration.delay
        let removedMessageWakeupPending = wakeups.contains {
            if case .visibilityEnded(let other) = $0.kind { messages[other] == nil } else { false }
        }
        // The engine gives the new message the slot freed last, so this is when an old timer could hit it.
        if removedMessageWakeupPending { cover("send while a removed message's visibility wake-up is pending") }
        let id = nextMessageID
        nextMessageID += 1
        counters.messagesSent += 1
        messages[id] = Message(id: id, tag: tag, sizeBytes: bodyBytes, sentAt: now, expiresAt: now + configuration.retention,
                               state: delay > .zero ? .delayed : .visible)
        armRetention()
        if delay > .zero {
            schedule(at: now + delay, .delayEnded(message: id))
        } else {
            visibleOrder.append(id)
        }
        return "sent m\(id)"
    }

    mutating func receive(max: Int, wait: Span, visibilityTimeout requested: Span?) -> String {
        counters.receiveRequests += 1
        counters.billedRequests += 1
        let visibilityTimeout = requested ?? configuration.visibilityTimeout
        guard (1...10).contains(max), wait >= .zero, wait <= .seconds(20),
              visibilityTimeout >= .zero, visibilityTimeout <= .seconds(12 * 3600) else {
            return "rejected InvalidParameterValue"
        }
        if wait == .zero {
            if inFlightCount >= configuration.inFlightMax {
                cover("short poll over the in-flight limit")
                return "rejected OverLimit"
            }
            let taken = take(upTo: max, visibilityTimeout: visibilityTimeout)
            if taken.isEmpty {
                counters.emptyReceives += 1
                if visibleCount > 0 { counters.emptyReceivesWithMessagesStored += 1 }
            }
            return "messages \(taken)"
        }
        if waiters.isEmpty, !visibleOrder.isEmpty, inFlightCount < configuration.inFlightMax {
            return "messages \(take(upTo: max, visibilityTimeout: visibilityTimeout))"
        }
        if !visibleOrder.isEmpty { cover("long poll waits although messages are visible") }
        let id = nextWaiterID
        nextWaiterID += 1
        waiters.append(Waiter(id: id, maxNumberOfMessages: max, visibilityTimeout: visibilityTimeout))
        schedule(at: now + wait, .waitEnded(request: id))
        return "waiting \(id)"
    }

    mutating func cancelReceive(_ id: UInt64) {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            waiters.remove(at: index)
        } else if undelivered.contains(where: { $0.request == id }) {
            cover("served poll cancelled before it was told")
            undelivered.removeAll { $0.request == id }
        }
    }

    /// A handle as the model sees it: which message, from which receive, of which queue.
    struct Handle {
        let messageID: Int
        let receiveCount: Int
        let isForeign: Bool
    }

    mutating func delete(_ handle: Handle) -> String {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        let result = deleteEntry(handle)
        serveWaiters()
        return result
    }

    mutating func deleteBatch(_ handles: [Handle]) -> String {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        let results = handles.map { deleteEntry($0) }
        serveWaiters()
        return "batch [\(results.joined(separator: ", "))]"
    }

    mutating func deleteEntry(_ handle: Handle) -> String {
        if handle.isForeign { return "rejected ReceiptHandleIsInvalid" }
        guard let message = messages[handle.messageID] else {
            cover("delete of a message already gone")
            return "gone"
        }
        if message.receiveCount != handle.receiveCount {
            cover("delete with a stale handle")
            counters.staleReceiptDeletes += 1
            return "stale m\(message.id)"
        }
        if message.state == .visible { cover("delete of a lapsed message with its latest handle") }
        remove(message.id)
        counters.messagesDeleted += 1
        return "deleted m\(message.id)"
    }

    mutating func changeVisibility(_ handle: Handle, to timeout: Span) -> String {
        counters.changeVisibilityRequests += 1
        counters.billedRequests += 1
        if handle.isForeign { return "rejected ReceiptHandleIsInvalid" }
        if timeout < .zero || timeout > .seconds(12 * 3600) { return "rejected InvalidParameterValue" }
        guard var message = messages[handle.messageID], message.state == .inFlight else { return "rejected MessageNotInflight" }
        if message.receiveCount != handle.receiveCount { return "rejected ReceiptHandleIsInvalid" }
        if timeout > .zero, now + timeout > message.firstReceivedAt! + .seconds(12 * 3600) {
            cover("visibility change past 12 h after the first receive")
            return "rejected InvalidParameterValue"
        }
        if timeout == .zero { cover("visibility change to zero") }
        message.visibilityWakeup = schedule(at: now + timeout, .visibilityEnded(message: message.id))
        messages[message.id] = message
        return "changed"
    }

    // MARK: Time

    /// Runs every wake-up due at or before `instant`, in the scheduler's order, then tells requesters.
    mutating func advance(to instant: Instant) {
        while let index = wakeups.indices.min(by: { (wakeups[$0].instant, wakeups[$0].order) < (wakeups[$1].instant, wakeups[$1].order) }),
              wakeups[index].instant <= instant {
            let wakeup = wakeups.remove(at: index)
            now = wakeup.instant
            fire(wakeup)
        }
        now = max(now, instant)
        delivered += undelivered
        undelivered = []
    }

    mutating func fire(_ wakeup: Wakeup) {
        switch wakeup.kind {
        case .delayEnded(let id):
            guard messages[id]?.state == .delayed else { return }
            messages[id]!.state = .visible
            visibleOrder.append(id)
            cover("delay ended")
            serveWaiters()
        case .visibilityEnded(let id):
            guard let message = messages[id], message.state == .inFlight, message.visibilityWakeup == wakeup.order else { return }
            messages[id]!.state = .visible
            messages[id]!.visibilityWakeup = nil
            visibleOrder.append(id)
            counters.visibilityLapses += 1
            cover("visibility lapsed")
            events.append(.visibilityLapsed(MessageID(id), receiveCount: message.receiveCount, at: now))
            serveWaiters()
        case .waitEnded(let request):
            guard let index = waiters.firstIndex(where: { $0.id == request }) else { return }
            waiters.remove(at: index)
            counters.emptyReceives += 1
            if visibleCount > 0 { counters.emptyReceivesWithMessagesStored += 1 }
            cover("long poll ended empty")
            undelivered.append((request, [], now))
            serveWaiters()
        case .retention:
            retentionArmed = false
            for id in storedIDs where messages[id]!.expiresAt <= now {
                let message = messages[id]!
                cover("\(message.state) message expired")
                remove(id)
                counters.messagesExpired += 1
                events.append(.expired(MessageID(id), tag: message.tag, at: now))
            }
            armRetention()
            serveWaiters()
        }
    }

    // MARK: Helpers

    @discardableResult
    mutating func schedule(at instant: Instant, _ kind: WakeupKind) -> Int {
        let order = nextWakeupOrder
        nextWakeupOrder += 1
        wakeups.append(Wakeup(instant: max(instant, now), order: order, kind: kind))
        return order
    }

    /// One retention wake-up at a time, for the oldest stored message.
    mutating func armRetention() {
        guard !retentionArmed, let oldest = storedIDs.first else { return }
        retentionArmed = true
        schedule(at: messages[oldest]!.expiresAt, .retention)
    }

    mutating func remove(_ id: Int) {
        messages[id] = nil
        visibleOrder.removeAll { $0 == id }
    }

    mutating func take(upTo limit: Int, visibilityTimeout: Span) -> [String] {
        var taken: [String] = []
        var bytes = 0
        defer { if bytes > 0 { counters.billedRequests += Self.chunks(bytes) - 1 } }
        while taken.count < limit, inFlightCount < configuration.inFlightMax, !visibleOrder.isEmpty {
            let id = visibleOrder.removeFirst()
            var message = messages[id]!
            message.state = .inFlight
            message.receiveCount += 1
            if message.firstReceivedAt == nil { message.firstReceivedAt = now }
            message.visibilityWakeup = schedule(at: now + visibilityTimeout, .visibilityEnded(message: id))
            messages[id] = message
            counters.messagesReceived += 1
            bytes += message.sizeBytes
            taken.append(Self.describe(id: id, receiveCount: message.receiveCount, firstReceivedAt: message.firstReceivedAt!,
                                       sentAt: message.sentAt, sizeBytes: message.sizeBytes, tag: message.tag))
        }
        return taken
    }

    mutating func serveWaiters() {
        while !waiters.isEmpty, !visibleOrder.isEmpty, inFlightCount < configuration.inFlightMax {
            let waiter = waiters.removeFirst()
            cover("waiting long poll served")
            undelivered.append((waiter.id, take(upTo: waiter.maxNumberOfMessages, visibilityTimeout: waiter.visibilityTimeout), now))
        }
    }

    mutating func cover(_ situation: String) { coverage[situation, default: 0] += 1 }

    static let situations = [
        "long poll waits although messages are visible", "short poll over the in-flight limit",
        "served poll cancelled before it was told", "delete of a message already gone", "delete with a stale handle",
        "delete of a lapsed message with its latest handle", "visibility change past 12 h after the first receive",
        "visibility change to zero", "delay ended", "visibility lapsed", "long poll ended empty",
        "delayed message expired", "visible message expired", "inFlight message expired", "waiting long poll served",
        "send while a removed message's visibility wake-up is pending",
    ]

    static func describe(id: Int, receiveCount: Int, firstReceivedAt: Instant, sentAt: Instant, sizeBytes: Int, tag: UInt64) -> String {
        "m\(id)#\(receiveCount) first@\(firstReceivedAt.nanoseconds) sent@\(sentAt.nanoseconds) \(sizeBytes)B t\(tag)"
    }

    static func describe(_ message: ReceivedMessage) -> String {
        describe(id: message.messageId.rawValue, receiveCount: message.receiveCount, firstReceivedAt: message.firstReceivedAt,
                 sentAt: message.sentAt, sizeBytes: message.sizeBytes, tag: message.tag)
    }
}
