/// The IAM actions of Kinesis Data Streams, as policies name them (`kinesis:PutRecord`).
///
/// Unlike SQS's and SNS's batch calls, PutRecords is an action of its own.
public enum KinesisAction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible, IAMAction {
    case addTagsToStream = "AddTagsToStream"
    case createStream = "CreateStream"
    case decreaseStreamRetentionPeriod = "DecreaseStreamRetentionPeriod"
    case deleteStream = "DeleteStream"
    case deregisterStreamConsumer = "DeregisterStreamConsumer"
    case describeStream = "DescribeStream"
    case describeStreamConsumer = "DescribeStreamConsumer"
    case describeStreamSummary = "DescribeStreamSummary"
    case getRecords = "GetRecords"
    case getShardIterator = "GetShardIterator"
    case increaseStreamRetentionPeriod = "IncreaseStreamRetentionPeriod"
    case listShards = "ListShards"
    case listStreamConsumers = "ListStreamConsumers"
    case mergeShards = "MergeShards"
    case putRecord = "PutRecord"
    case putRecords = "PutRecords"
    case registerStreamConsumer = "RegisterStreamConsumer"
    case splitShard = "SplitShard"
    case subscribeToShard = "SubscribeToShard"
    case updateShardCount = "UpdateShardCount"
    case updateStreamMode = "UpdateStreamMode"

    /// The service prefix of every Kinesis Data Streams action in a policy.
    public static let servicePrefix = "kinesis"

    /// The name a policy uses: `kinesis:PutRecord`.
    public var iamName: String { Self.servicePrefix + ":" + rawValue }

    public var description: String { iamName }
}

public typealias StreamAccessControl = ResourceAccessControl<KinesisAction>

extension ResourceAccessControl where Action == KinesisAction {
    /// The ARN of a data stream in the account every scenario runs in.
    public static func arn(ofStream name: String) -> String { "arn:aws:kinesis:us-east-1:123456789012:stream/\(name)" }
}

extension DataStream {
    /// Whether `principal` may call `action` on this stream; AccessDeniedException when not,
    /// counted per principal. A stream without access control lets every call through. Callers
    /// authorise a call where it reaches the stream, before making it.
    public func authorize(_ principal: String, _ action: KinesisAction) -> StreamError? {
        guard accessControl != nil else { return nil }
        return accessControl!.check(principal, action, on: configuration.name).map(StreamError.accessDenied)
    }
}
