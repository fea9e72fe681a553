import SimKernel

/// An SQS error, named as the API names it. Invalid calls come back as these values, never as a crash.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidParameterValue(String)
    case receiptHandleIsInvalid(String)
    case messageNotInflight
    case emptyBatchRequest
    case tooManyEntriesInBatchRequest(Int)
    case batchRequestTooLong(Int)
    case overLimit(String)
    case missingParameter(String)
    /// FIFO transaction quotas: the caller should back off and retry.
    case throttling(String)
    case purgeQueueInProgress(Span)
    /// StartMessageMoveTask while one is running, or from a queue that is no dead-letter queue.
    case unsupportedOperation(String)
    case accessDenied(String)

    /// Whether the AWS SDKs retry this error on their own (throttling and server-side errors).
    public var isRetryable: Bool {
        switch self {
        case .throttling: true
        default: false
        }
    }

    /// The AWS error code.
    public var code: String {
        switch self {
        case .invalidParameterValue: "InvalidParameterValue"
        case .receiptHandleIsInvalid: "ReceiptHandleIsInvalid"
        case .messageNotInflight: "MessageNotInflight"
        case .emptyBatchRequest: "AWS.SimpleQueueService.EmptyBatchRequest"
        case .tooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
        case .batchRequestTooLong: "AWS.SimpleQueueService.BatchRequestTooLong"
        case .overLimit: "OverLimit"
        case .missingParameter: "MissingParameter"
        case .throttling: "ThrottlingException"
        case .purgeQueueInProgress: "AWS.SimpleQueueService.PurgeQueueInProgress"
        case .unsupportedOperation: "AWS.SimpleQueueService.UnsupportedOperation"
        case .accessDenied: "AccessDenied"
        }
    }

    public var description: String {
        switch self {
        case .invalidParameterValue(let why): "\(code): \(why)"
        case .receiptHandleIsInvalid(let why): "\(code): \(why)"
        case .messageNotInflight: "\(code): the message is not in flight for this receipt handle"
        case .emptyBatchRequest: "\(code): a batch needs at least one entry"
        case .tooManyEntriesInBatchRequest(let n): "\(code): \(n) entries; a batch holds at most 10"
        case .batchRequestTooLong(let bytes): "\(code): the batch totals \(bytes) bytes; at most 1048576 (1 MiB)"
        case .overLimit(let why): "\(code): \(why)"
        case .missingParameter(let why): "\(code): \(why)"
        case .throttling(let why): "\(code): \(why)"
        case .purgeQueueInProgress(let remaining): "\(code): the queue was purged less than its purge cooldown ago; \(remaining.seconds)s remain"
        case .unsupportedOperation(let why): "\(code): \(why)"
        case .accessDenied(let why): "\(code): \(why)"
        }
    }
}
