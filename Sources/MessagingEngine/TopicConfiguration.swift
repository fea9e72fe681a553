import SimKernel

/// An SNS topic's attributes (SEMANTICS.md, Topic — SNS).
public struct TopicConfiguration: Sendable {
    /// How a FIFO topic scopes its throughput quota and its deduplication (`FifoThroughputScope`).
    public enum FifoThroughputScope: String, Sendable, CaseIterable {
        /// 3,000 messages and 20 MB a second for the whole topic; deduplication across the topic.
        case topic = "Topic"
        /// The region's higher limits, counted per message group too; deduplication within a group.
        case messageGroup = "MessageGroup"
    }

    public var name: String
    public var isFifo: Bool
    /// FIFO: a publish without MessageDeduplicationId is deduplicated by the SHA-256 of its body.
    public var contentBasedDeduplication = false
    public var fifoThroughputScope: FifoThroughputScope = .topic
    public var deduplicationInterval: Span = .seconds(300)
    /// Messages a second the topic accepts, nil for no limit. A FIFO topic defaults to 3,000 (topic
    /// scope) or 30,000 (message-group scope); a standard topic's Publish quota is an account
    /// quota that varies by region (30,000 a second in us-east-1), so it is off unless set.
    public var messagesPerSecondMax: Int?
    /// Payload bytes a second the topic accepts, nil for no limit: 20 MB for a FIFO topic of topic scope.
    public var bytesPerSecondMax: Int?
    /// Messages a second per message group in message-group scope. AWS publishes no figure; 300
    /// (as for SQS high-throughput FIFO groups) is an assumption a scenario can override.
    public var groupMessagesPerSecondMax = 300

    public static let messageSizeMax = 262_144
    public static let batchEntriesMax = 10
    public static let batchSizeMax = 262_144
    /// A FIFO topic's quotas in topic scope: 3,000 messages and 20 MB (20,000,000 bytes) a second.
    public static let fifoTopicMessagesPerSecond = 3_000
    public static let fifoTopicBytesPerSecond = 20_000_000
    /// A FIFO topic's quota in message-group scope (us-east-1's regional limit).
    public static let fifoMessageGroupScopeMessagesPerSecond = 30_000
    public static let identifierLengthMax = 128
    public static let nameLengthMax = 256

    /// A topic with the defaults of its type: a FIFO topic's quotas follow its throughput scope.
    public init(name: String, isFifo: Bool = false, contentBasedDeduplication: Bool = false,
                fifoThroughputScope: FifoThroughputScope = .topic) {
        self.name = name
        self.isFifo = isFifo
        self.contentBasedDeduplication = contentBasedDeduplication
        self.fifoThroughputScope = fifoThroughputScope
        if isFifo {
            switch fifoThroughputScope {
            case .topic:
                messagesPerSecondMax = Self.fifoTopicMessagesPerSecond
                bytesPerSecondMax = Self.fifoTopicBytesPerSecond
            case .messageGroup:
                messagesPerSecondMax = Self.fifoMessageGroupScopeMessagesPerSecond
            }
        }
    }

    public var typeName: String { isFifo ? "fifo" : "standard" }

    /// Problems with the attributes, each naming the attribute and what would be valid; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        let validCharacters = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" || $0 == "." }
        let base = isFifo ? String(name.dropLast(5)) : name
        if !validCharacters || base.isEmpty || base.contains(".") || name.count > Self.nameLengthMax {
            found.append(("name", "a topic name is 1 to 256 letters, digits, hyphens and underscores\(isFifo ? ", then .fifo" : "")"))
        }
        if isFifo != name.hasSuffix(".fifo") {
            found.append(("name", isFifo ? "a FIFO topic's name must end in .fifo" : "only a FIFO topic's name ends in .fifo"))
        }
        if !isFifo && contentBasedDeduplication {
            found.append(("contentBasedDeduplication", "only FIFO topics deduplicate"))
        }
        if let rate = messagesPerSecondMax, rate < 1 { found.append(("messagesPerSecondMax", "must be at least 1, not \(rate)")) }
        if let rate = bytesPerSecondMax, rate < Self.messageSizeMax {
            found.append(("bytesPerSecondMax", "must be at least one largest message (262144 B) a second, not \(rate)"))
        }
        if groupMessagesPerSecondMax < 1 { found.append(("groupMessagesPerSecondMax", "must be at least 1")) }
        if deduplicationInterval <= .zero { found.append(("deduplicationInterval", "must be positive")) }
        return found
    }
}

/// How a subscription receives messages.
public enum SubscriptionProtocol: String, Sendable, CaseIterable {
    case sqs, lambda, firehose, http, https, email
    case emailJson = "email-json"
    case sms, application

    /// Whose retry policy applies: AWS-managed endpoints are retried for days, customer-managed
    /// ones for hours, HTTP/S by their delivery policy.
    public var retryEndpoint: DeliveryRetryPolicy.Endpoint {
        switch self {
        case .sqs, .lambda, .firehose: .awsManaged
        case .http, .https: .http
        case .email, .emailJson, .sms, .application: .customerManaged
        }
    }

    /// The retry policy without a custom delivery policy.
    public var defaultRetryPolicy: DeliveryRetryPolicy {
        switch retryEndpoint {
        case .awsManaged: .awsManaged
        case .customerManaged: .customerManaged
        case .http: .httpDefault
        }
    }

    /// Whether RawMessageDelivery may be set: for sqs, firehose and http/s subscriptions.
    public var allowsRawMessageDelivery: Bool {
        switch self {
        case .sqs, .firehose, .http, .https: true
        default: false
        }
    }
}

/// A subscription as it is created on a topic.
public struct SubscriptionConfiguration: Sendable {
    /// Unique within the topic; how reports name it.
    public var name: String
    public var protocolName: SubscriptionProtocol
    /// What it delivers to, as the endpoint attribute names it (`queue/orders`, a URL, an address).
    public var endpointName: String
    public var filterPolicy: FilterPolicy?
    /// The body alone, without the JSON envelope (sqs, firehose, http/s).
    public var rawMessageDelivery = false
    /// A custom delivery policy (HTTP/S only); nil takes the protocol's default.
    public var deliveryPolicy: DeliveryRetryPolicy?
    /// Who subscribes: the principal a topic policy must allow `sns:Subscribe`; nil skips the check.
    public var principal: String?

    public init(name: String, protocolName: SubscriptionProtocol, endpointName: String, filterPolicy: FilterPolicy? = nil,
                rawMessageDelivery: Bool = false, deliveryPolicy: DeliveryRetryPolicy? = nil, principal: String? = nil) {
        self.name = name
        self.protocolName = protocolName
        self.endpointName = endpointName
        self.filterPolicy = filterPolicy
        self.rawMessageDelivery = rawMessageDelivery
        self.deliveryPolicy = deliveryPolicy
        self.principal = principal
    }

    /// The retry policy deliveries follow.
    public var retryPolicy: DeliveryRetryPolicy { deliveryPolicy ?? protocolName.defaultRetryPolicy }

    /// Problems with the subscription on its own (a topic checks the rest when subscribing).
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        if rawMessageDelivery && !protocolName.allowsRawMessageDelivery {
            found.append(("rawMessageDelivery", "only sqs, firehose, http and https subscriptions deliver raw messages, not \(protocolName.rawValue)"))
        }
        if let policy = deliveryPolicy {
            if protocolName.retryEndpoint != .http {
                found.append(("deliveryPolicy", "only http and https subscriptions take a delivery policy; \(protocolName.rawValue) is retried by the \(protocolName.retryEndpoint.rawValue) policy"))
            } else {
                found += policy.problems().map { ("deliveryPolicy.\($0.attribute)", $0.message) }
            }
        }
        return found
    }
}
