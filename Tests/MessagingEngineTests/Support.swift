import MessagingEngine
import SimKernel
import Testing

/// Records the long polls a queue completes, with the instant each requester was told.
final class Requester: ReceiveRequester {
    let scheduler: Scheduler
    private(set) var completions: [(request: ReceiveRequestID, messages: [ReceivedMessage], at: Instant)] = []

    init(_ scheduler: Scheduler) { self.scheduler = scheduler }

    func receiveCompleted(_ request: ReceiveRequestID, messages: [ReceivedMessage]) {
        completions.append((request, messages, scheduler.now))
    }

    func messages(of request: ReceiveRequestID) -> [ReceivedMessage]? {
        completions.first { $0.request == request }?.messages
    }
}

/// Records what a queue reports on its own: expiries and visibility lapses.
final class EventLog: QueueObserver {
    private(set) var events: [QueueEvent] = []
    func queue(_ queue: Queue, didObserve event: QueueEvent) { events.append(event) }
}

/// One queue on a simulation kernel, with the calls tests make most, each followed by the queue's
/// own consistency check.
final class World {
    let scheduler = Scheduler()
    let queue: Queue
    let log = EventLog()
    let requester: Requester

    init(token: Int = 1, _ configure: (inout QueueConfiguration) -> Void = { _ in }) {
        var configuration = QueueConfiguration(name: "orders")
        configure(&configuration)
        queue = Queue(configuration: configuration, token: token, clock: scheduler, timers: scheduler)
        requester = Requester(scheduler)
        queue.observer = log
    }

    var now: Instant { scheduler.now }

    /// Sends a message that must be accepted, and returns its ID.
    @discardableResult
    func send(bytes: Int = 100, delay: Span? = nil, tag: UInt64 = 0,
              sourceLocation: SourceLocation = #_sourceLocation) -> MessageID {
        let result = queue.sendMessage(SendMessageRequest(bodyBytes: bytes, delay: delay, tag: tag))
        queue._checkInvariants()
        guard case .sent(let id) = result else {
            Issue.record("the send was rejected: \(result)", sourceLocation: sourceLocation)
            return MessageID(-1)
        }
        return id
    }

    /// A short poll that must be accepted.
    func receive(max: Int = 10, visibilityTimeout: Span? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) -> [ReceivedMessage] {
        let result = queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: max, waitTime: .zero, visibilityTimeout: visibilityTimeout),
            requester: nil)
        queue._checkInvariants()
        guard case .messages(let messages) = result else {
            Issue.record("the receive did not return at once: \(result)", sourceLocation: sourceLocation)
            return []
        }
        return messages
    }

    /// A short poll for exactly one message, which must be there.
    func receiveOne(visibilityTimeout: Span? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> ReceivedMessage {
        let messages = receive(max: 1, visibilityTimeout: visibilityTimeout, sourceLocation: sourceLocation)
        return try #require(messages.first, "no message was visible", sourceLocation: sourceLocation)
    }

    /// A long poll; returns the queue's answer as it is.
    func longPoll(max: Int = 10, wait: Span = .seconds(20), visibilityTimeout: Span? = nil,
                  by requester: Requester? = nil) -> ReceiveMessageResult {
        let result = queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: max, waitTime: wait, visibilityTimeout: visibilityTimeout),
            requester: requester ?? self.requester)
        queue._checkInvariants()
        return result
    }

    /// A long poll that must wait; returns its ID.
    func waitingLongPoll(max: Int = 10, wait: Span = .seconds(20), visibilityTimeout: Span? = nil,
                         by requester: Requester? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> ReceiveRequestID? {
        let result = longPoll(max: max, wait: wait, visibilityTimeout: visibilityTimeout, by: requester)
        guard case .waiting(let id) = result else {
            Issue.record("the long poll did not wait: \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return id
    }

    func delete(_ message: ReceivedMessage) -> DeleteMessageResult {
        let result = queue.deleteMessage(message.receiptHandle)
        queue._checkInvariants()
        return result
    }

    func changeVisibility(_ message: ReceivedMessage, to timeout: Span) -> ChangeVisibilityResult {
        let result = queue.changeMessageVisibility(message.receiptHandle, visibilityTimeout: timeout)
        queue._checkInvariants()
        return result
    }

    /// Runs the kernel until `span` from now, then checks the queue.
    func advance(by span: Span) {
        scheduler.run(until: scheduler.now + span)
        queue._checkInvariants()
    }

    /// Runs what is due at this very instant: completions of long polls, zero timeouts.
    func settle() { advance(by: .zero) }

    /// (visible, in flight, delayed).
    var counts: [Int] { [queue.visibleCount, queue.inFlightCount, queue.delayedCount] }
}

/// Message IDs as plain numbers, for compact expectations.
func numbers(_ messages: [ReceivedMessage]) -> [Int] { messages.map(\.messageId.rawValue) }
func numbers(_ ids: [MessageID]) -> [Int] { ids.map(\.rawValue) }

extension Span {
    static func hours(_ h: Int64) -> Span { .seconds(h * 3600) }
    static func days(_ d: Int64) -> Span { .seconds(d * 86_400) }
}

let kibibyte = 1024
let mebibyte = 1024 * 1024
