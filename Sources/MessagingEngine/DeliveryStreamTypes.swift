import SimKernel

/// The identity Firehose gives an accepted record (its RecordId). Numbered from 0 in the order
/// records were accepted by one stream.
public struct DeliveryStreamRecordID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "r\(rawValue)" }
}

/// An object (a flushed buffer) of one stream. Numbered from 0 in the order buffers were flushed.
public struct DeliveryStreamObjectID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    @inlinable public init(_ rawValue: Int) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "o\(rawValue)" }
}

/// One record of PutRecord or PutRecordBatch: the size of its data blob and the producer's tag.
public struct DeliveryStreamRecordInput: Sendable, Equatable {
    /// Bytes of data, before base64 encoding: 0 – 1,000 KiB.
    public var dataBytes: Int
    /// The producer's key for the content, carried to the destination unchanged (see `SendMessageRequest.tag`).
    public var tag: UInt64

    public init(dataBytes: Int, tag: UInt64 = 0) {
        self.dataBytes = dataBytes
        self.tag = tag
    }
}

/// An accepted record as the stream holds it and hands it on.
public struct DeliveryStreamRecord: Sendable, Equatable {
    public let id: DeliveryStreamRecordID
    /// When the stream accepted it: delivery latency and data freshness run from here.
    public let putAt: Instant
    /// Its size now: as put, or as the transformation function returned it.
    public var sizeBytes: Int
    public let tag: UInt64
}

/// Why a buffer was flushed.
public enum DeliveryStreamFlushReason: Sendable, Equatable {
    /// Its records reached the size hint.
    case size
    /// The interval hint passed since its first record.
    case interval
}

/// A flushed destination buffer: the records it holds, delivered (or backed up) together.
public struct DeliveryStreamObject: Sendable, Equatable {
    public let id: DeliveryStreamObjectID
    /// In the order they entered the buffer (put order, unless transformation answers came back
    /// out of order).
    public let records: [DeliveryStreamRecord]
    public let sizeBytes: Int
    public let createdAt: Instant
    public let flushReason: DeliveryStreamFlushReason
    /// The earliest `putAt` of its records.
    public let oldestPutAt: Instant

    public var recordCount: Int { records.count }
}

/// What PutRecord answers, and what PutRecordBatch answers for each record.
public enum DeliveryStreamPutResult: Sendable, Equatable {
    case put(DeliveryStreamRecordID)
    case failed(DeliveryStreamError)
}

/// PutRecordBatch's answer: a result per record (in request order), or the whole call refused.
public enum DeliveryStreamPutBatchResult: Sendable, Equatable {
    case entries([DeliveryStreamPutResult])
    case rejected(DeliveryStreamError)

    /// FailedPutCount: the records the caller has to send again (0 for a refused call, which
    /// has no per-record answers).
    public var failedPutCount: Int {
        guard case .entries(let results) = self else { return 0 }
        return results.reduce(0) { count, result in
            if case .failed = result { return count + 1 }
            return count
        }
    }
}

/// A Firehose error, named as the API names it.
public enum DeliveryStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A record or a batch over the limits, or an empty batch.
    case invalidArgument(String)
    /// Over the stream's quotas: back off and retry.
    case serviceUnavailable(String)

    /// Whether the caller should retry.
    public var isRetryable: Bool {
        if case .serviceUnavailable = self { return true }
        return false
    }

    /// The AWS error code.
    public var code: String {
        switch self {
        case .invalidArgument: "InvalidArgumentException"
        case .serviceUnavailable: "ServiceUnavailableException"
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let why), .serviceUnavailable(let why): "\(code): \(why)"
        }
    }
}

// MARK: Destination

/// Names one object's delivery attempt. A ticket whose attempt has been answered is stale:
/// answers that present it are refused.
public struct ObjectDeliveryTicket: Hashable, Sendable {
    let object: Int
    let attempt: Int
}

/// One attempt to deliver an object, as the destination receives it.
public struct ObjectDeliveryAttempt: Sendable {
    public let ticket: ObjectDeliveryTicket
    public let object: DeliveryStreamObject
    /// 1 for the first attempt.
    public let attempt: Int
}

/// How a destination answered a delivery attempt.
public enum ObjectDeliveryOutcome: Sendable, Equatable {
    case delivered
    /// The destination could not take the object (unavailable, throttled, timed out, refused):
    /// retried until the retry duration runs out.
    case failed(String)
}

/// Where a delivery stream delivers: an S3 bucket, an HTTP endpoint, a search cluster.
///
/// `deliver` starts an attempt; the destination answers it later, from a timer (never from inside
/// `deliver`), with `DeliveryStream.completeDelivery(_:outcome:)`.
public protocol DeliveryStreamDestination: AnyObject {
    func deliver(_ attempt: ObjectDeliveryAttempt, for stream: DeliveryStream)
}

// MARK: Transformation

/// Names one invocation attempt of the transformation function. Stale once answered.
public struct TransformationTicket: Hashable, Sendable {
    let invocation: Int
    let attempt: Int
}

/// One invocation of the transformation function with a buffered batch of records.
public struct TransformationInvocation: Sendable {
    public let ticket: TransformationTicket
    /// The records as they were put, in put order.
    public let records: [DeliveryStreamRecord]
    /// 1 for the first attempt; retries of a failed invocation carry the same records.
    public let attempt: Int
}

/// What the function did with one record (the `result` field of its response).
public enum TransformationResult: Sendable, Equatable {
    /// `Ok`: the record goes on to the destination buffer with its new size.
    case ok(transformedBytes: Int)
    /// `Dropped`: the function meant to discard it; counted, not delivered.
    case dropped
    /// `ProcessingFailed`: it goes to the error output (the backup bucket's processing-failed
    /// prefix), counted.
    case processingFailed
}

/// How an invocation ended.
public enum TransformationOutcome: Sendable, Equatable {
    /// A result per record, in the order of the invocation's records. A response with a different
    /// number of results, or a negative size, is not readable and counts as a failed invocation.
    case results([TransformationResult])
    /// The invocation failed (timed out, throttled, the function raised): retried up to
    /// `numberOfRetries` times, then the whole batch is ProcessingFailed.
    case invocationFailed(String)
}

/// The transformation function (a Lambda function in AWS).
///
/// `transform` starts an invocation; the function answers it later, from a timer (never from
/// inside `transform`), with `DeliveryStream.completeTransformation(_:outcome:)`.
public protocol RecordTransformer: AnyObject {
    func transform(_ invocation: TransformationInvocation, for stream: DeliveryStream)
}

// MARK: Observation

/// What a delivery stream tells an observer: every record it accepted ends in exactly one of
/// these, so the observer can account for all of them.
public enum DeliveryStreamEvent: Sendable, Equatable {
    /// An object reached the destination. Each record's delivery latency is `at` minus its `putAt`;
    /// the object's record count and size give the object size distribution.
    case delivered(DeliveryStreamObject, attempts: Int, at: Instant)
    /// The retry duration ran out and the object went to the backup location.
    case backedUp(DeliveryStreamObject, attempts: Int, reason: String, at: Instant)
    /// The object's oldest record reached the data retention (24 h) while it was still being
    /// retried: its records are gone.
    case expired(DeliveryStreamObject, attempts: Int, at: Instant)
    /// The transformation function dropped these records (as they were put).
    case dropped([DeliveryStreamRecord], at: Instant)
    /// These records (as they were put) failed transformation and went to the error output.
    case processingFailed([DeliveryStreamRecord], reason: String, at: Instant)
}

public protocol DeliveryStreamObserver: AnyObject {
    func deliveryStream(_ stream: DeliveryStream, didObserve event: DeliveryStreamEvent)
}

/// What a delivery stream counted.
public struct DeliveryStreamCounters: Sendable, Equatable {
    // MARK: Ingestion
    /// PutRecord and PutRecordBatch calls that reached the stream.
    public var putRequests = 0
    /// Calls refused for limits (a record over 1,000 KiB, a batch over 500 records or 4 MiB, an
    /// empty batch): nothing of them was taken.
    public var rejectedRequests = 0
    /// Calls refused as a whole for the requests-per-second quota.
    public var throttledRequests = 0
    /// Records refused for a quota: those of throttled calls, and single records of an admitted
    /// batch that did not fit the records or bytes quota (ThrottledRecords).
    public var throttledRecords = 0
    /// Records accepted (IncomingRecords) and their bytes as put (IncomingBytes).
    public var recordsIn = 0
    public var bytesIn = 0
    /// Ingested bytes as billed: each record rounded up to the next 5 KB (5,120 bytes).
    public var billedBytes = 0

    // MARK: Transformation
    /// Invocation attempts, failed attempts among them, and retries (attempts after the first).
    public var invocations = 0
    public var invocationFailures = 0
    public var invocationRetries = 0
    /// Records the function returned Ok, and their bytes as returned.
    public var recordsTransformed = 0
    public var transformedBytes = 0
    public var recordsDropped = 0
    /// Records that went to the error output (ProcessingFailed, or in a batch whose invocation
    /// failed on every try) and their bytes as put.
    public var recordsProcessingFailed = 0
    public var processingFailedBytes = 0

    // MARK: Delivery
    /// Buffers flushed into objects, by what flushed them.
    public var objectsCreated = 0
    public var flushesBySize = 0
    public var flushesByInterval = 0
    /// Attempts to deliver objects, and retries among them.
    public var deliveryAttempts = 0
    public var deliveryRetries = 0
    public var objectsDelivered = 0
    public var recordsDelivered = 0
    public var bytesDelivered = 0
    public var objectsBackedUp = 0
    public var recordsBackedUp = 0
    public var bytesBackedUp = 0
    public var objectsExpired = 0
    public var recordsExpired = 0
    public var bytesExpired = 0
}
