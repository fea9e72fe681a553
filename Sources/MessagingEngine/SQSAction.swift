/// The IAM actions of SQS, as policies name them (`sqs:SendMessage`).
///
/// The batch operations have no IAM action of their own: `SendMessageBatch` is authorised by
/// `sqs:SendMessage`, `DeleteMessageBatch` by `sqs:DeleteMessage` and `ChangeMessageVisibilityBatch`
/// by `sqs:ChangeMessageVisibility`. `authorizing(operation:)` makes that mapping.
public enum SQSAction: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case addPermission = "AddPermission"
    case cancelMessageMoveTask = "CancelMessageMoveTask"
    case changeMessageVisibility = "ChangeMessageVisibility"
    case createQueue = "CreateQueue"
    case deleteMessage = "DeleteMessage"
    case deleteQueue = "DeleteQueue"
    case getQueueAttributes = "GetQueueAttributes"
    case getQueueUrl = "GetQueueUrl"
    case listDeadLetterSourceQueues = "ListDeadLetterSourceQueues"
    case listMessageMoveTasks = "ListMessageMoveTasks"
    case listQueues = "ListQueues"
    case listQueueTags = "ListQueueTags"
    case purgeQueue = "PurgeQueue"
    case receiveMessage = "ReceiveMessage"
    case removePermission = "RemovePermission"
    case sendMessage = "SendMessage"
    case setQueueAttributes = "SetQueueAttributes"
    case startMessageMoveTask = "StartMessageMoveTask"
    case tagQueue = "TagQueue"
    case untagQueue = "UntagQueue"

    /// The service prefix of every SQS action in a policy.
    public static let servicePrefix = "sqs"

    /// The name a policy uses: `sqs:SendMessage`.
    public var iamName: String { Self.servicePrefix + ":" + rawValue }

    public var description: String { iamName }

    /// The batch operations and the single action that authorises each.
    public static let batchOperations: [(operation: String, authorizedBy: SQSAction)] = [
        ("ChangeMessageVisibilityBatch", .changeMessageVisibility),
        ("DeleteMessageBatch", .deleteMessage),
        ("SendMessageBatch", .sendMessage),
    ]

    /// The action that authorises the API operation `operation` (`SendMessageBatch` →
    /// `.sendMessage`), matched case-insensitively as IAM matches actions; nil for an unknown name.
    public static func authorizing(operation: String) -> SQSAction? {
        let lowered = operation.lowercased()
        if let action = allCases.first(where: { $0.rawValue.lowercased() == lowered }) { return action }
        return batchOperations.first { $0.operation.lowercased() == lowered }?.authorizedBy
    }
}

extension SQSAction {
    /// The action's place in `allCases`, for tables indexed by action.
    var ordinal: Int {
        switch self {
        case .addPermission: 0
        case .cancelMessageMoveTask: 1
        case .changeMessageVisibility: 2
        case .createQueue: 3
        case .deleteMessage: 4
        case .deleteQueue: 5
        case .getQueueAttributes: 6
        case .getQueueUrl: 7
        case .listDeadLetterSourceQueues: 8
        case .listMessageMoveTasks: 9
        case .listQueues: 10
        case .listQueueTags: 11
        case .purgeQueue: 12
        case .receiveMessage: 13
        case .removePermission: 14
        case .sendMessage: 15
        case .setQueueAttributes: 16
        case .startMessageMoveTask: 17
        case .tagQueue: 18
        case .untagQueue: 19
        }
    }
}
