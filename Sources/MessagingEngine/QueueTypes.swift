import SimKernel

/// The identity SQS gives a message when it accepts a send. Numbered from 0 in send order within
/// one queue, so checkers can keep per-message records in arrays.
public struct MessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
    @inlinable public static func < (a: MessageID, b: MessageID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "m\(rawValue)" }
}

/// What a receive hands out and a delete or visibility change must present.
///
/// Each receive of a message issues a new handle; an older handle of the same message is stale.
public struct ReceiptHandle: Hashable, Sendable {
    /// The queue that issued the handle; a handle presented to another queue is invalid.
    public let queueToken: Int
    @usableFromInline let slot: Int32
    @usableFromInline let allocation: UInt32
    /// The receive (1 for the first) that issued this handle.
    public let receiveCount: UInt32
}

/// A message attribute as far as limits and sizes are concerned.
public struct MessageAttribute: Hashable, Sendable {
    public enum DataType: String, Sendable { case string = "String", number = "Number", binary = "Binary" }
    public var name: String
    public var dataType: DataType
    public var valueBytes: Int
    public init(name: String, dataType: DataType, valueBytes: Int) {
        self.name = name
        self.dataType = dataType
        self.valueBytes = valueBytes
    }
    /// Bytes the attribute adds to the message size: name, type and value (AWS counts all three).
    public var sizeBytes: Int { name.utf8.count + dataType.rawValue.utf8.count + valueBytes }
}

/// A SendMessage call.
public struct SendMessageRequest: Sendable {
    public var bodyBytes: Int
    public var attributes: [MessageAttribute]
    /// Per-message delay; nil takes the queue's delay.
    public var delay: Span?
    /// The producer's own key for the message's content, carried to the receiver unchanged. The
    /// simulated body is this key at `bodyBytes` bytes: a resend of the same content has the same
    /// tag and size, so content-based deduplication sees the same body.
    public var tag: UInt64
    /// MessageGroupId: required by FIFO queues; a standard queue accepts and ignores it.
    public var messageGroupId: String?
    /// MessageDeduplicationId (FIFO): overrides content-based deduplication.
    public var deduplicationId: String?
    /// Workload metadata carried unchanged, like `tag`: a poison message fails every processing attempt.
    public var poison: Bool
    /// The value of the extended client's `ExtendedPayloadSize` attribute: the size of the body it
    /// stored in the object store, this message being only a pointer to it; 0 for an ordinary message.
    public var extendedPayloadBytes: Int = 0

    public init(bodyBytes: Int, attributes: [MessageAttribute] = [], delay: Span? = nil, tag: UInt64 = 0,
                messageGroupId: String? = nil, deduplicationId: String? = nil, poison: Bool = false) {
        self.bodyBytes = bodyBytes
        self.attributes = attributes
        self.delay = delay
        self.tag = tag
        self.messageGroupId = messageGroupId
        self.deduplicationId = deduplicationId
        self.poison = poison
    }

    public var sizeBytes: Int { bodyBytes + attributes.reduce(0) { $0 + $1.sizeBytes } }
}

/// A ReceiveMessage call.
public struct ReceiveMessageRequest: Sendable {
    public var maxNumberOfMessages: Int
    /// Long-poll wait; nil takes the queue's ReceiveMessageWaitTimeSeconds.
    public var waitTime: Span?
    /// Visibility timeout for the messages of this receive; nil takes the queue's.
    public var visibilityTimeout: Span?
    /// ReceiveRequestAttemptId (FIFO): a retried receive with the same ID within the deduplication
    /// interval returns the same messages and receipt handles.
    public var receiveRequestAttemptId: String?

    public init(maxNumberOfMessages: Int = 1, waitTime: Span? = nil, visibilityTimeout: Span? = nil,
                receiveRequestAttemptId: String? = nil) {
        self.maxNumberOfMessages = maxNumberOfMessages
        self.waitTime = waitTime
        self.visibilityTimeout = visibilityTimeout
        self.receiveRequestAttemptId = receiveRequestAttemptId
    }
}

/// One message as a receive returns it.
public struct ReceivedMessage: Sendable {
    public let messageId: MessageID
    public let receiptHandle: ReceiptHandle
    /// When the queue accepted the send (SentTimestamp).
    public let sentAt: Instant
    /// When the message was first received (ApproximateFirstReceiveTimestamp).
    public let firstReceivedAt: Instant
    /// ApproximateReceiveCount, including this receive.
    public var receiveCount: Int { Int(receiptHandle.receiveCount) }
    public let sizeBytes: Int
    public let tag: UInt64
    /// MessageGroupId of a FIFO message; nil on a standard queue.
    public let messageGroupId: String?
    public let poison: Bool
    /// `ExtendedPayloadSize`: the body to fetch from the object store before processing; 0 if none.
    public let extendedPayloadBytes: Int
}

/// Identifies a long poll that is waiting for messages.
public struct ReceiveRequestID: Hashable, Sendable {
    public let rawValue: UInt64
}

/// Told when a waiting long poll completes, with messages or empty at the end of its wait.
public protocol ReceiveRequester: AnyObject {
    func receiveCompleted(_ request: ReceiveRequestID, messages: [ReceivedMessage])
}

public enum SendMessageResult: Sendable, Equatable {
    case sent(MessageID)
    /// FIFO: the deduplication ID was seen within the interval. The call succeeds and returns the
    /// first copy's ID, and nothing is enqueued — even when the first copy was deleted meanwhile.
    case deduplicated(MessageID)
    case rejected(QueueError)
}

public enum ReceiveMessageResult: Sendable {
    /// The call returned at once (a short poll, or a long poll that found messages).
    case messages([ReceivedMessage])
    /// A long poll is waiting; its requester will be told when it completes.
    case waiting(ReceiveRequestID)
    case rejected(QueueError)
}

public enum DeleteMessageResult: Sendable, Equatable {
    /// The message is gone.
    case deleted(MessageID)
    /// AWS accepts a handle from an earlier receive of a message that was delivered again, but the
    /// message stays in the queue. Counted, because it is how visibility lapses become duplicates.
    case acceptedStaleReceipt(MessageID)
    /// The message was already deleted or expired; AWS accepts the call and nothing happens.
    case acceptedAlreadyGone
    case rejected(QueueError)
}

public enum ChangeVisibilityResult: Sendable, Equatable {
    case changed
    case rejected(QueueError)
}

/// A batch entry's outcome; the batch as a whole may also be rejected.
public enum BatchResult<Entry: Sendable>: Sendable {
    case entries([Entry])
    case rejected(QueueError)
}

/// What a queue tells an observer about changes no caller asked for.
public enum QueueEvent: Sendable, Equatable {
    /// Retention ran out; the message is gone without being deleted.
    case expired(MessageID, tag: UInt64, at: Instant)
    /// A received message was not deleted in time and is visible again.
    case visibilityLapsed(MessageID, receiveCount: Int, at: Instant)
    /// The redrive policy moved a message to the dead-letter queue (token `to`), where it is `newId`.
    case deadLettered(MessageID, receiveCount: Int, to: Int, newId: MessageID, at: Instant)
    /// A message move task moved a message out of this (dead-letter) queue to queue `to`.
    case movedOut(MessageID, to: Int, newId: MessageID, at: Instant)
    /// PurgeQueue removed a message.
    case purged(MessageID, at: Instant)
    /// A receive handed out a second copy of a message that stayed visible (best-effort delivery).
    case spuriousDuplicate(MessageID, at: Instant)
}

public protocol QueueObserver: AnyObject {
    func queue(_ queue: Queue, didObserve event: QueueEvent)
}
