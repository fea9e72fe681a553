import MessagingEngine
import SimKernel

/// Why a consumer let go of a message without deleting it.
public enum Abandonment: String, Sendable {
    /// Processing failed; the message waits out its visibility timeout.
    case processingFailed
    /// The consumer crashed holding the message.
    case consumerCrashed
    /// The delete call failed on every attempt.
    case deleteFailed
    /// FIFO: an earlier message of the same group in the batch failed, so this one was left
    /// unprocessed to keep the group's order; it returns after its visibility timeout.
    case groupFailed
}

/// Everything the actors do that a history or a metric needs. The world that wires actors to a
/// checker and to metrics implements it; actors never know what is done with it.
public protocol WorkloadObserver: AnyObject {
    /// A producer's send was accepted: the message exists from `at` on.
    func sendAccepted(queue: Int, messageId: MessageID, producedAt: Instant, at: Instant)
    /// A FIFO queue accepted a send without enqueuing it: its deduplication ID matched `original`.
    func sendDeduplicated(queue: Int, original: MessageID, at: Instant)
    /// A producer gave up on a message: rejected, or every attempt failed.
    func sendAbandoned(queue: Int, producedAt: Instant, reason: String, at: Instant)
    /// The queue handed a message to a consumer (counted when the queue hands it out).
    func received(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant)
    /// A consumer finished processing a message successfully (before deleting it).
    func processed(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant)
    /// A consumer will not delete a message it received.
    func abandoned(queue: Int, fleet: Int, message: ReceivedMessage, why: Abandonment, at: Instant)
    /// The queue answered a delete.
    func deleteAnswered(queue: Int, fleet: Int, message: ReceivedMessage, result: DeleteMessageResult, at: Instant)
    /// An API call failed and will be retried, or was throttled/refused.
    func callFailed(actor: String, operation: String, willRetry: Bool, at: Instant)
    /// A producer has stopped and nothing it made is still on its way to the queue.
    func producerFinished(_ name: String, at: Instant)
    /// An extended-client request to the object store (put, get or delete) for a message of `queue` took `latency`.
    func objectStoreUsed(queue: Int, latency: Span, at: Instant)
    /// A producer's publish was accepted: topic message `messageId` exists from `at` on.
    func publishAccepted(topic: Int, messageId: TopicMessageID, producedAt: Instant, at: Instant)
    /// A FIFO topic accepted a publish without a new message: its deduplication ID matched `original`.
    func publishDeduplicated(topic: Int, original: TopicMessageID, at: Instant)
    /// A producer gave up on a message for a topic: rejected, or every attempt failed.
    func publishAbandoned(topic: Int, producedAt: Instant, reason: String, at: Instant)
    /// A topic's delivery put topic message `topicMessage` into a subscribed queue as `messageId`.
    func deliveredToQueue(queue: Int, messageId: MessageID, topic: Int, topicMessage: TopicMessageID, at: Instant)
}

extension WorkloadObserver {
    public func producerFinished(_ name: String, at: Instant) {}
    public func sendDeduplicated(queue: Int, original: MessageID, at: Instant) {}
    public func objectStoreUsed(queue: Int, latency: Span, at: Instant) {}
    public func publishAccepted(topic: Int, messageId: TopicMessageID, producedAt: Instant, at: Instant) {}
    public func publishDeduplicated(topic: Int, original: TopicMessageID, at: Instant) {}
    public func publishAbandoned(topic: Int, producedAt: Instant, reason: String, at: Instant) {}
    public func deliveredToQueue(queue: Int, messageId: MessageID, topic: Int, topicMessage: TopicMessageID, at: Instant) {}
}
