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
    /// Reads of the last second (GetRecords answers with bytes), oldest first, and their bytes.
    var recentReads = Deque<(at: Instant, bytes: Int)>()
    var recentReadBytes = 0
    /// No read is answered before this instant (see `noteRead`).
    var readAvailableAt = Instant.zero

    /// Reads share the shard's read rate over one-second windows. While the bytes read in the last
    /// second stay within `bytesPerSecond`, readers do not hinder one another (two applications
    /// each reading 600 KB a second are both served). Once they pass it, the shard answers no read
    /// until the bytes read since the window's first read are paid for at the rate: a lone 10 MiB
    /// read locks the shard for 5 s, as AWS says, and 3 MiB read within 0.4 s lock it until 1.5 s
    /// after the first of those reads.
    mutating func noteRead(_ bytes: Int, at now: Instant, bytesPerSecond: Int) {
        while let first = recentReads.first, now - first.at >= Span.seconds(1) {
            recentReadBytes -= first.bytes
            recentReads.removeFirst()
        }
        recentReads.append((now, bytes))
        recentReadBytes += bytes
        guard recentReadBytes > bytesPerSecond, let first = recentReads.first else { return }
        let paidAt = first.at + Span(nanoseconds: Int64((Double(recentReadBytes) / Double(bytesPerSecond) * 1e9).rounded()))
        readAvailableAt = max(readAvailableAt, paidAt)
    }

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
