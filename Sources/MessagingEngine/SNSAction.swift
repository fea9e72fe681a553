/// The IAM actions of SNS, as policies name them (`sns:Publish`).
///
/// `PublishBatch` has no IAM action of its own: `sns:Publish` authorises it.
public enum SNSAction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible, IAMAction {
    case addPermission = "AddPermission"
    case confirmSubscription = "ConfirmSubscription"
    case createTopic = "CreateTopic"
    case deleteTopic = "DeleteTopic"
    case getSubscriptionAttributes = "GetSubscriptionAttributes"
    case getTopicAttributes = "GetTopicAttributes"
    case listSubscriptionsByTopic = "ListSubscriptionsByTopic"
    case listTagsForResource = "ListTagsForResource"
    case publish = "Publish"
    case removePermission = "RemovePermission"
    case setSubscriptionAttributes = "SetSubscriptionAttributes"
    case setTopicAttributes = "SetTopicAttributes"
    case subscribe = "Subscribe"
    case tagResource = "TagResource"
    case unsubscribe = "Unsubscribe"
    case untagResource = "UntagResource"

    /// The service prefix of every SNS action in a policy.
    public static let servicePrefix = "sns"

    /// The name a policy uses: `sns:Publish`.
    public var iamName: String { Self.servicePrefix + ":" + rawValue }

    public var description: String { iamName }

    /// The batch operations and the single action that authorises each.
    public static let batchOperations: [(operation: String, authorizedBy: SNSAction)] = [("PublishBatch", .publish)]
}

public typealias TopicAccessControl = ResourceAccessControl<SNSAction>

extension ResourceAccessControl where Action == SNSAction {
    /// The ARN of a topic in the account every scenario runs in.
    public static func arn(ofTopic name: String) -> String { "arn:aws:sns:us-east-1:123456789012:\(name)" }
}
