import DequeModule
import SimKernel

/// One shard: its hash-key range, its lineage, its records and its limits.
public struct ShardState: Sendable {
    /// A record as a shard keeps it; its sequence number is its place in the deque.
    struct StoredRecord: Sendable {
        var partitionKey: String
        var dataBytes: Int
        var arrivedAt: Instant
        var tag: UInt64
    }

    public let index: Int
    public let startingHashKey: HashKey
    public let endingHashKey: HashKey
    /// The shard(s) this one was split or merged from.
    public let parents: [Int]
    public internal(set) var children: [Int] = []
    /// When the stream was created (initial shards) or the split or merge that made the shard.
    public let openedAt: Instant
    /// When a split or merge closed the shard; nil while it takes writes.
    public internal(set) var closedAt: Instant?
    /// What the shard took and refused, for per-shard reports and hot-shard policies.
    public internal(set) var counters = ShardCounters()
    /// The most records the shard accepted within one whole second of simulated time (seconds
    /// counted from the start of the run: [0 s, 1 s), [1 s, 2 s), …), the current second included.
    public internal(set) var peakRecordsPerSecond = 0
    /// The second of the last accepted record, and the records accepted in it so far.
    var writeSecond: Int64 = -1
    var recordsInWriteSecond = 0

    var records = Deque<StoredRecord>()
    /// The sequence number of `records.first`; records before it have expired.
    var firstNumber = 0
    var writeRecords: TransactionRateLimiter
    var writeBytes: ByteRateLimiter
    var getRecordsCalls: TransactionRateLimiter
    var iteratorCalls: TransactionRateLimiter
    /// Reads share the shard's read rate as a debt: a call returning B bytes keeps the shard from
    /// answering reads for B / rate (a 10 MiB read: 5 s at 2 MiB/s).
    var readAvailableAt = Instant.zero

    init(index: Int, range: ClosedRange<HashKey>, parents: [Int], openedAt: Instant, configuration: StreamConfiguration) {
        self.index = index
        self.openedAt = openedAt
        startingHashKey = range.lowerBound
        endingHashKey = range.upperBound
        self.parents = parents
        writeRecords = TransactionRateLimiter(transactionsMax: configuration.shardWriteRecordsPerSecond)
        writeBytes = ByteRateLimiter(bytesMax: configuration.shardWriteBytesPerSecond)
        getRecordsCalls = TransactionRateLimiter(transactionsMax: configuration.shardGetRecordsPerSecond)
        iteratorCalls = TransactionRateLimiter(transactionsMax: configuration.shardGetShardIteratorPerSecond)
    }

    /// Counts an accepted record in its second for `peakRecordsPerSecond`: O(1), no history kept.
    mutating func countAcceptedRecord(at now: Instant) {
        let second = now.nanoseconds / 1_000_000_000
        if second != writeSecond {
            writeSecond = second
            recordsInWriteSecond = 0
        }
        recordsInWriteSecond += 1
        peakRecordsPerSecond = max(peakRecordsPerSecond, recordsInWriteSecond)
    }

    public var isOpen: Bool { closedAt == nil }
    /// The number the next record put to the shard will get.
    public var nextNumber: Int { firstNumber + records.count }
    /// Records the shard still holds.
    public var storedCount: Int { records.count }
    public var hashKeyRange: ClosedRange<HashKey> { startingHashKey...endingHashKey }

    /// `shardId-000000000007`, as AWS names shards.
    public static func shardId(_ index: Int) -> String {
        let digits = String(index)
        return "shardId-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }
}

/// One shard's running totals.
public struct ShardCounters: Sendable, Equatable {
    public var recordsPut = 0
    public var bytesPut = 0
    /// Records refused over the shard's write limits.
    public var writeThrottled = 0
    /// GetRecords calls refused over the shard's read limits.
    public var readThrottled = 0
    public var recordsRead = 0
    public var bytesRead = 0

    public init() {}
}
