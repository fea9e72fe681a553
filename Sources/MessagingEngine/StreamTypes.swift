import SimKernel

/// A position in the 128-bit hash-key space of a stream: the MD5 of a partition key read as an
/// unsigned big-endian integer, or an ExplicitHashKey.
public typealias HashKey = UInt128

/// A record's sequence number: numbers grow within a shard (in the order the shard accepted the
/// records), not across shards. `shard` says whose sequence it belongs to.
public struct SequenceNumber: Hashable, Sendable, CustomStringConvertible {
    public let shard: Int
    /// The record's place in its shard, from 0.
    public let number: Int

    public init(shard: Int, number: Int) {
        self.shard = shard
        self.number = number
    }

    public var description: String { "\(ShardState.shardId(shard)):\(number)" }
}

/// A PutRecord call (or one entry of PutRecords).
public struct PutRecordRequest: Sendable {
    /// At most 256 Unicode characters; its MD5 places the record unless `explicitHashKey` is given.
    public var partitionKey: String
    public var explicitHashKey: HashKey?
    public var dataBytes: Int
    /// PutRecord only: the sequence number of the previous record of the same partition key, which
    /// this one must follow. Sluice's shards number records in the order they accept them, so the
    /// order it asks for holds; a number from another shard or beyond the shard's last is refused.
    public var sequenceNumberForOrdering: SequenceNumber?
    /// The producer's key for the record's content, carried to readers unchanged.
    public var tag: UInt64

    public init(partitionKey: String, explicitHashKey: HashKey? = nil, dataBytes: Int, sequenceNumberForOrdering: SequenceNumber? = nil,
                tag: UInt64 = 0) {
        self.partitionKey = partitionKey
        self.explicitHashKey = explicitHashKey
        self.dataBytes = dataBytes
        self.sequenceNumberForOrdering = sequenceNumberForOrdering
        self.tag = tag
    }

    /// What the write limits and PutRecords' 10 MiB count: the data blob and the partition key.
    public var sizeBytes: Int { dataBytes + partitionKey.utf8.count }
}

public enum PutRecordResult: Sendable, Equatable {
    case put(SequenceNumber)
    case rejected(StreamError)
}

/// PutRecords' answer: a result per record (FailedRecordCount is the rejected ones), or the whole
/// call refused.
public enum PutRecordsResult: Sendable, Equatable {
    case records([PutRecordResult])
    case rejected(StreamError)
}

/// A record as GetRecords returns it.
public struct StreamRecord: Sendable, Equatable {
    public let sequenceNumber: SequenceNumber
    public let partitionKey: String
    public let dataBytes: Int
    /// ApproximateArrivalTimestamp: when the shard accepted the record.
    public let arrivedAt: Instant
    public let tag: UInt64

    public var sizeBytes: Int { dataBytes + partitionKey.utf8.count }
}

/// Where a new shard iterator starts.
public enum ShardIteratorType: Sendable, Equatable {
    /// The oldest record still retained.
    case trimHorizon
    /// Just after the newest record: only records put from now on.
    case latest
    case atSequenceNumber(SequenceNumber)
    case afterSequenceNumber(SequenceNumber)
    /// The first record that arrived at or after the instant.
    case atTimestamp(Instant)

    /// Whether a consumer may start from it (enhanced fan-out's and Lambda's StartingPosition,
    /// the KCL's initial position): TRIM_HORIZON, LATEST or AT_TIMESTAMP, not a sequence number.
    public var isStartingPosition: Bool {
        switch self {
        case .trimHorizon, .latest, .atTimestamp: true
        case .atSequenceNumber, .afterSequenceNumber: false
        }
    }
}

/// A position in one shard, valid for 5 minutes after it was issued.
public struct ShardIterator: Sendable, Equatable {
    public let shard: Int
    /// The number of the next record to read.
    let position: Int
    let issuedAt: Instant
}

public enum GetRecordsResult: Sendable, Equatable {
    /// The records (possibly none) and where to read next. `nextIterator` is nil once a closed
    /// shard has been read to its end (SHARD_END); `childShards` then names the shards to read next.
    case records([StreamRecord], nextIterator: ShardIterator?, millisBehindLatest: Int64, childShards: [Int])
    case rejected(StreamError)
}

/// A Kinesis Data Streams error, named as the API names it.
public enum StreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Over a shard's write or read limits: the caller should back off and retry.
    case provisionedThroughputExceeded(String)
    /// An iterator older than 5 minutes.
    case expiredIterator(String)
    case invalidArgument(String)
    case resourceNotFound(String)
    /// Too many GetShardIterator calls, or a resharding operation over its limits.
    case limitExceeded(String)
    case resourceInUse(String)
    case accessDenied(String)

    public var isRetryable: Bool {
        switch self {
        case .provisionedThroughputExceeded, .limitExceeded: true
        default: false
        }
    }

    public var code: String {
        switch self {
        case .provisionedThroughputExceeded: "ProvisionedThroughputExceededException"
        case .expiredIterator: "ExpiredIteratorException"
        case .invalidArgument: "InvalidArgumentException"
        case .resourceNotFound: "ResourceNotFoundException"
        case .limitExceeded: "LimitExceededException"
        case .resourceInUse: "ResourceInUseException"
        case .accessDenied: "AccessDeniedException"
        }
    }

    public var description: String {
        switch self {
        case .provisionedThroughputExceeded(let why), .expiredIterator(let why), .invalidArgument(let why),
             .resourceNotFound(let why), .limitExceeded(let why), .resourceInUse(let why), .accessDenied(let why):
            "\(code): \(why)"
        }
    }
}

/// What a stream counted, over all its shards.
public struct StreamCounters: Sendable, Equatable {
    public var putRequests = 0
    public var recordsPut = 0
    public var bytesPut = 0
    /// Records refused for a shard's write limits.
    public var writeThrottled = 0
    public var getRecordsRequests = 0
    public var recordsRead = 0
    public var bytesRead = 0
    /// GetRecords calls refused for a shard's read limits.
    public var readThrottled = 0
    public var expiredIterators = 0
    /// Records that left the stream when their retention ran out.
    public var recordsExpired = 0
    /// PUT payload units: each record's size rounded up to 25 KB.
    public var putPayloadUnits = 0
    /// Times an on-demand stream added shards.
    public var onDemandScalings = 0
    /// Records and bytes pushed to enhanced fan-out consumers (apart from `recordsRead`/`bytesRead`,
    /// which count GetRecords).
    public var recordsPushed = 0
    public var bytesPushed = 0
}
