import MessagingEngine
import SimKernel

/// The calls the test driver makes on a queue. A real queue implements it, and so do the
/// deliberately broken engines below, each wrapping a real `Queue` and breaking one promise.
protocol QueueUnderTest: AnyObject {
    /// The real queue underneath, whose observer the driver becomes.
    var queue: Queue { get }
    func sendMessage(_ request: SendMessageRequest) -> SendMessageResult
    /// A short poll: the messages visible now, up to `limit`.
    func receiveMessages(upTo limit: Int) -> [ReceivedMessage]
    func deleteMessage(_ message: ReceivedMessage) -> DeleteMessageResult
    /// The IDs the engine claims to hold at the end of a run.
    func storedMessageIDs() -> [MessageID]
}

/// Passes every call to the real queue unchanged.
final class CorrectQueue: QueueUnderTest {
    let queue: Queue

    init(_ queue: Queue) { self.queue = queue }

    func sendMessage(_ request: SendMessageRequest) -> SendMessageResult { queue.sendMessage(request) }

    func receiveMessages(upTo limit: Int) -> [ReceivedMessage] {
        switch queue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: limit, waitTime: .zero), requester: nil) {
        case .messages(let messages): messages
        case .waiting, .rejected: preconditionFailure("a valid short poll returns messages")
        }
    }

    func deleteMessage(_ message: ReceivedMessage) -> DeleteMessageResult { queue.deleteMessage(message.receiptHandle) }

    func storedMessageIDs() -> [MessageID] { queue.storedMessageIDs() }
}

/// Accepts every send, then silently drops every `n`th accepted message: it is never handed to a
/// consumer (the wrapper deletes it underneath when it surfaces) and never reported as stored.
final class DroppingQueue: QueueUnderTest {
    let queue: Queue
    let n: Int
    private var accepted = 0
    private(set) var dropped: [MessageID] = []

    init(_ queue: Queue, droppingEvery n: Int) {
        self.queue = queue
        self.n = n
    }

    func sendMessage(_ request: SendMessageRequest) -> SendMessageResult {
        let result = queue.sendMessage(request)
        if case .sent(let id) = result {
            accepted += 1
            if accepted % n == 0 { dropped.append(id) }
        }
        return result
    }

    func receiveMessages(upTo limit: Int) -> [ReceivedMessage] {
        let all = CorrectQueue(queue).receiveMessages(upTo: limit)
        for message in all where dropped.contains(message.messageId) {
            _ = queue.deleteMessage(message.receiptHandle)
        }
        return all.filter { !dropped.contains($0.messageId) }
    }

    func deleteMessage(_ message: ReceivedMessage) -> DeleteMessageResult { queue.deleteMessage(message.receiptHandle) }

    func storedMessageIDs() -> [MessageID] { queue.storedMessageIDs().filter { !dropped.contains($0) } }
}

/// Hands out, once more, each message of `victims` after it has been deleted, ahead of the
/// messages really visible: a deleted message comes back from the dead.
final class RedeliveringQueue: QueueUnderTest {
    let queue: Queue
    let victims: Set<MessageID>
    private var resurrected: [ReceivedMessage] = []
    private var alreadyResurrected: Set<MessageID> = []

    init(_ queue: Queue, redelivering victims: Set<MessageID>) {
        self.queue = queue
        self.victims = victims
    }

    func sendMessage(_ request: SendMessageRequest) -> SendMessageResult { queue.sendMessage(request) }

    func receiveMessages(upTo limit: Int) -> [ReceivedMessage] {
        let ghosts = Array(resurrected.prefix(limit))
        resurrected.removeFirst(ghosts.count)
        guard ghosts.count < limit else { return ghosts }
        return ghosts + CorrectQueue(queue).receiveMessages(upTo: limit - ghosts.count)
    }

    func deleteMessage(_ message: ReceivedMessage) -> DeleteMessageResult {
        let result = queue.deleteMessage(message.receiptHandle)
        if case .deleted(let id) = result, victims.contains(id), alreadyResurrected.insert(id).inserted {
            resurrected.append(message)
        }
        return result
    }

    func storedMessageIDs() -> [MessageID] { queue.storedMessageIDs() }
}

/// Works correctly, but its inventory forgets the messages that are in flight: it reports only
/// those no consumer holds.
final class ForgetfulQueue: QueueUnderTest {
    let queue: Queue
    private(set) var inFlight: Set<MessageID> = []

    init(_ queue: Queue) { self.queue = queue }

    func sendMessage(_ request: SendMessageRequest) -> SendMessageResult { queue.sendMessage(request) }

    func receiveMessages(upTo limit: Int) -> [ReceivedMessage] {
        let messages = CorrectQueue(queue).receiveMessages(upTo: limit)
        inFlight.formUnion(messages.map(\.messageId))
        return messages
    }

    func deleteMessage(_ message: ReceivedMessage) -> DeleteMessageResult {
        let result = queue.deleteMessage(message.receiptHandle)
        if case .deleted(let id) = result { inFlight.remove(id) }
        return result
    }

    func storedMessageIDs() -> [MessageID] { queue.storedMessageIDs().filter { !inFlight.contains($0) } }
}
