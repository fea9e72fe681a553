import SimKernel

/// The identity SNS gives a published message. Numbered from 0 in publish order within one topic.
public struct TopicMessageID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
    @inlinable public static func < (a: TopicMessageID, b: TopicMessageID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "n\(rawValue)" }
}

/// A message attribute with its value, which filter policies of `MessageAttributes` scope read.
public struct TopicMessageAttribute: Sendable, Equatable {
    public var name: String
    public var value: FilterPolicyAttribute
    /// Bytes of the value as sent (`StringValue` or `BinaryValue`).
    public var valueBytes: Int

    public init(name: String, value: FilterPolicyAttribute, valueBytes: Int) {
        self.name = name
        self.value = value
        self.valueBytes = valueBytes
    }

    /// `DataType` as the API names it.
    public var dataTypeName: String {
        switch value {
        case .string: "String"
        case .number: "Number"
        case .stringArray: "String.Array"
        case .binary: "Binary"
        }
    }

    /// Bytes the attribute adds to the message size: name, type and value (as SQS counts them too).
    public var sizeBytes: Int { name.utf8.count + dataTypeName.utf8.count + valueBytes }

    /// The attribute as a subscribed queue receives it with raw delivery. SQS has no String.Array
    /// type; SNS passes such a value as a String.
    public var queueAttribute: MessageAttribute {
        let type: MessageAttribute.DataType
        switch value {
        case .string, .stringArray: type = .string
        case .number: type = .number
        case .binary: type = .binary
        }
        return MessageAttribute(name: name, dataType: type, valueBytes: valueBytes)
    }
}

/// A Publish call (or one entry of PublishBatch).
public struct PublishRequest: Sendable {
    public var bodyBytes: Int
    public var attributes: [TopicMessageAttribute]
    /// The body as JSON, which filter policies of `MessageBody` scope read. Nil when the body is
    /// not JSON: a body-scope policy then finds no values, so only `exists: false` conditions hold.
    public var body: FilterPolicyJSON?
    /// The producer's key for the content, carried to every subscriber unchanged (see `SendMessageRequest.tag`).
    public var tag: UInt64
    /// MessageGroupId: required by FIFO topics, passed to FIFO queue subscribers.
    public var messageGroupId: String?
    /// MessageDeduplicationId (FIFO topics): overrides content-based deduplication.
    public var deduplicationId: String?
    /// Workload metadata carried to subscribers unchanged.
    public var poison: Bool

    public init(bodyBytes: Int, attributes: [TopicMessageAttribute] = [], body: FilterPolicyJSON? = nil, tag: UInt64 = 0,
                messageGroupId: String? = nil, deduplicationId: String? = nil, poison: Bool = false) {
        self.bodyBytes = bodyBytes
        self.attributes = attributes
        self.body = body
        self.tag = tag
        self.messageGroupId = messageGroupId
        self.deduplicationId = deduplicationId
        self.poison = poison
    }

    /// The message size SNS limits and bills: body and attributes.
    public var sizeBytes: Int { bodyBytes + attributes.reduce(0) { $0 + $1.sizeBytes } }
}

public enum PublishResult: Sendable, Equatable {
    case published(TopicMessageID)
    /// FIFO: the deduplication ID was seen within 5 minutes. The call succeeds with the first
    /// copy's ID and nothing is delivered again.
    case deduplicated(TopicMessageID)
    case rejected(TopicError)
}

/// PublishBatch's answer: a result per entry, or the whole batch refused.
public enum PublishBatchResult: Sendable, Equatable {
    case entries([PublishResult])
    case rejected(TopicError)
}

/// An SNS error, named as the API names it.
public enum TopicError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidParameter(String)
    case invalidParameterValue(String)
    case emptyBatchRequest
    case tooManyEntriesInBatchRequest(Int)
    case batchRequestTooLong(Int)
    /// Over the topic's throughput quota: the caller should back off and retry.
    case throttled(String)
    case authorizationError(String)

    /// Whether the AWS SDKs retry this error on their own.
    public var isRetryable: Bool {
        if case .throttled = self { return true }
        return false
    }

    /// The AWS error code.
    public var code: String {
        switch self {
        case .invalidParameter: "InvalidParameter"
        case .invalidParameterValue: "InvalidParameterValue"
        case .emptyBatchRequest: "EmptyBatchRequest"
        case .tooManyEntriesInBatchRequest: "TooManyEntriesInBatchRequest"
        case .batchRequestTooLong: "BatchRequestTooLong"
        case .throttled: "Throttled"
        case .authorizationError: "AuthorizationError"
        }
    }

    public var description: String {
        switch self {
        case .invalidParameter(let why), .invalidParameterValue(let why), .throttled(let why), .authorizationError(let why):
            "\(code): \(why)"
        case .emptyBatchRequest: "\(code): a batch needs at least one entry"
        case .tooManyEntriesInBatchRequest(let n): "\(code): \(n) entries; a batch holds at most 10"
        case .batchRequestTooLong(let bytes): "\(code): the batch totals \(bytes) bytes; at most 262144 (256 KiB)"
        }
    }
}

/// Names one delivery of one message to one subscription, across its attempts. A ticket whose
/// delivery has finished is stale: answers that present it are refused.
public struct DeliveryTicket: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}

/// One attempt to deliver a message to a subscription, as the subscription's endpoint receives it.
public struct DeliveryAttempt: Sendable {
    public let ticket: DeliveryTicket
    /// Index of the subscription in `Topic.subscriptions`.
    public let subscription: Int
    public let messageId: TopicMessageID
    /// 1 for the first attempt.
    public let attempt: Int
    public let publishedAt: Instant
    /// What the endpoint receives: the body (raw, or wrapped in the JSON envelope) with its size,
    /// the attributes (raw delivery only; the envelope carries them otherwise), the group and a
    /// deduplication ID for FIFO queue subscribers, and the producer's tag.
    public let request: SendMessageRequest
}

/// How an endpoint answered a delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    /// A server-side failure (unavailable, throttled, timed out): retried by the retry policy.
    case serverError(String)
    /// A client-side failure (the endpoint refuses the message, SNS may not write to it): not
    /// retried; the message goes to the subscription's dead-letter queue at once.
    case clientError(String)
}

/// Something a topic delivers to: a queue, a function, an HTTP server, a phone.
///
/// `deliver` starts an attempt; the endpoint answers it later, from a timer (never from inside
/// `deliver`), with `Topic.completeDelivery(_:outcome:)`.
public protocol SubscriptionEndpoint: AnyObject {
    func deliver(_ attempt: DeliveryAttempt, for topic: Topic)
}

/// What a topic tells an observer about its deliveries.
public enum TopicEvent: Sendable, Equatable {
    /// An attempt succeeded. `messageGroupId` is the message's group on a FIFO topic.
    case delivered(subscription: Int, TopicMessageID, messageGroupId: String?, publishedAt: Instant, attempts: Int, at: Instant)
    /// Retries ran out (or a client-side error stopped them) and the message went to the
    /// subscription's dead-letter queue (token `queue`), where it is `newId` (nil when a FIFO
    /// dead-letter queue deduplicated it against a copy it already holds).
    case deadLettered(subscription: Int, TopicMessageID, queue: Int, newId: MessageID?, at: Instant)
    /// Retries ran out with no dead-letter queue, or the dead-letter queue refused the message.
    case dropped(subscription: Int, TopicMessageID, reason: String, at: Instant)
}

public protocol TopicObserver: AnyObject {
    func topic(_ topic: Topic, didObserve event: TopicEvent)
}

/// What a topic counted of its publishes.
public struct TopicCounters: Sendable, Equatable {
    /// Publish and PublishBatch calls that reached the topic (and passed its access policy).
    public var publishRequests = 0
    public var messagesPublished = 0
    /// Each started 64 KiB chunk of a published message is one billed request.
    public var billedPublishRequests = 0
    public var publishedBytes = 0
    public var deduplicated = 0
    public var throttled = 0
    /// Refused for limits or parameters (not throttling, not access).
    public var rejected = 0
}

/// What a subscription counted of its deliveries.
public struct SubscriptionCounters: Sendable, Equatable {
    /// Published messages the filter policy let through (every message, without a policy).
    public var matched = 0
    public var filteredOut = 0
    public var attempts = 0
    public var retries = 0
    public var delivered = 0
    public var deadLettered = 0
    public var dropped = 0
    /// Attempts that waited in line for the delivery policy's maxReceivesPerSecond.
    public var throttleWaits = 0
    /// Bytes of delivered messages as the endpoint received them (envelope included unless raw).
    public var deliveredBytes = 0
    /// Deliveries as SNS bills them: one per started 64 KiB chunk.
    public var billedDeliveries = 0
}
