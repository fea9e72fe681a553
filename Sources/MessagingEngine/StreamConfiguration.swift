import SimKernel

/// A Kinesis data stream's settings (SEMANTICS.md, Stream — Kinesis Data Streams).
public struct StreamConfiguration: Sendable {
    /// Provisioned: the shards the scenario sets. On-demand: the stream adds shards itself.
    public enum CapacityMode: String, Sendable, CaseIterable {
        case provisioned = "PROVISIONED"
        case onDemand = "ON_DEMAND"
    }

    public var name: String
    /// Shards at creation; the hash-key space is split evenly among them. An on-demand stream
    /// starts with 4 (4 MiB/s of writes, 8 MiB/s of reads).
    public var shardCount: Int
    public var capacityMode: CapacityMode = .provisioned
    /// On-demand: how long the stream takes to add shards once its peak calls for them. AWS says
    /// a stream absorbs twice its previous peak and may throttle a larger burst "within 15
    /// minutes"; 15 minutes is the assumption.
    public var onDemandScalingDelay: Span = .seconds(900)
    /// On-demand: the window over which the peak write rate is remembered.
    public var onDemandPeakWindow: Span = .seconds(30 * 24 * 3600)
    public var retention: Span = .seconds(24 * 3600)
    /// The largest data blob a record may carry: 1 MiB, or up to 10 MiB for a stream that opts in.
    public var recordBytesMax = 1_048_576

    // Per-shard limits. Named constants, overridable for experiments.
    public var shardWriteRecordsPerSecond = 1_000
    public var shardWriteBytesPerSecond = 1_048_576
    public var shardReadBytesPerSecond = 2_097_152
    public var shardGetRecordsPerSecond = 5
    public var shardGetShardIteratorPerSecond = 5
    /// Enhanced fan-out: the rate at which a shard pushes records to each subscribed consumer, its
    /// own pipe beside the standard readers' shared 2 MiB/s.
    public var consumerShardReadBytesPerSecond = 2_097_152
    /// Enhanced fan-out consumers registered with the stream at once: 20 (AWS allows 50 on
    /// On-demand Advantage streams).
    public var enhancedFanOutConsumersMax = 20

    public static let retentionRange = Span.seconds(24 * 3600)...Span.seconds(365 * 24 * 3600)
    public static let recordBytesMaxRange = 1_048_576...10_485_760
    public static let partitionKeyLengthMax = 256
    public static let putRecordsEntriesMax = 500
    public static let putRecordsBytesMax = 10_485_760
    public static let getRecordsLimitMax = 10_000
    public static let getRecordsBytesMax = 10_485_760
    public static let iteratorLifetime = Span.seconds(300)
    public static let shardCountMax = 10_000
    /// A PUT payload unit, the 25 KB (25,600 bytes) chunk a record's size is billed in.
    public static let putPayloadUnitBytes = 25_600
    public static let onDemandInitialShardCount = 4
    /// A SubscribeToShard subscription pushes events for 5 minutes, then ends.
    public static let subscriptionLifetime = Span.seconds(300)
    /// SubscribeToShard: one call a second per consumer and shard.
    public static let subscribeToShardInterval = Span.seconds(1)
    /// A second SubscribeToShard for the same consumer and shard within 5 seconds of a successful
    /// one is refused; from 5 seconds on it takes the subscription over.
    public static let subscriptionTakeoverAfter = Span.seconds(5)
    public static let consumerNameLengthMax = 128

    public init(name: String, shardCount: Int) {
        self.name = name
        self.shardCount = shardCount
    }

    /// Problems with the settings, each naming the attribute and what would be valid; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        let validName = !name.isEmpty && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
        if !validName { found.append(("name", "a stream name is 1 to 128 letters, digits, hyphens, underscores and periods")) }
        if !(1...Self.shardCountMax).contains(shardCount) { found.append(("shardCount", "must be between 1 and 10000")) }
        if capacityMode == .onDemand && shardCount != Self.onDemandInitialShardCount {
            found.append(("shardCount", "an on-demand stream starts with 4 shards and adds its own"))
        }
        if onDemandScalingDelay < .zero { found.append(("onDemandScalingDelay", "must not be negative")) }
        if !Self.retentionRange.contains(retention) { found.append(("retention", "must be between 24h and 365d")) }
        if !Self.recordBytesMaxRange.contains(recordBytesMax) { found.append(("recordBytesMax", "must be between 1MiB and 10MiB")) }
        for (attribute, value) in [("shardWriteRecordsPerSecond", shardWriteRecordsPerSecond), ("shardWriteBytesPerSecond", shardWriteBytesPerSecond),
                                   ("shardReadBytesPerSecond", shardReadBytesPerSecond), ("shardGetRecordsPerSecond", shardGetRecordsPerSecond),
                                   ("shardGetShardIteratorPerSecond", shardGetShardIteratorPerSecond),
                                   ("consumerShardReadBytesPerSecond", consumerShardReadBytesPerSecond),
                                   ("enhancedFanOutConsumersMax", enhancedFanOutConsumersMax)] where value < 1 {
            found.append((attribute, "must be at least 1"))
        }
        return found
    }
}
