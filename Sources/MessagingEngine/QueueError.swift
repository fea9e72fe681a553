/// An SQS error, named as the API names it. Invalid calls come back as these values, never as a crash.
public enum QueueError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidParameterValue(String)
    case receiptHandleIsInvalid(String)
    case messageNotInflight
    case emptyBatchRequest
    case tooManyEntriesInBatchRequest(Int)
    case batchRequestTooLong(Int)
    case overLimit(String)

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
        }
    }
}
