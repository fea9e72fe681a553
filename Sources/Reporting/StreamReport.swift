/// A Kinesis data stream over all replications: counts are totals over them, means carry an
/// interval across them, and time series come from replication 0 (every replication runs the same
/// scenario; the CSV files hold every replication's series).
public struct StreamReport: Sendable, Equatable {
    public var name: String
    public var capacityMode: String
    /// Open shards at the start (the same in every replication) and at the end (a mean: an
    /// on-demand stream may end differently in each).
    public var shardsAtStart: Int
    public var shardsAtEnd: Estimate?
    /// Open shard-hours of one replication, across replications.
    public var shardHours: Estimate?
    /// Records accepted per second of `duration`, and read per second of elapsed time.
    public var putRate: Estimate?
    public var readRate: Estimate?
    public var putRequests: Int
    public var recordsPut: Int
    public var bytesPut: Int
    public var putPayloadUnits: Int
    public var writeThrottled: Int
    public var producerRetries: Int
    public var recordsAbandoned: Int
    public var getRecordsRequests: Int
    public var recordsRead: Int
    public var bytesRead: Int
    public var readThrottled: Int
    public var recordsExpired: Int
    public var onDemandScalings: Int
    /// Resharding as asked for in replication 0.
    public var reshards: [ReshardObservation]
    /// Every shard any replication had, matched by ID, in order of first appearance.
    public var shards: [ShardReport]
    /// Replication 0's write rate per shard at each sample instant.
    public var writeRate: [StreamRateSample]
    public var consumers: [StreamConsumerReport]
}

/// One shard over all replications, matched by its ID.
public struct ShardReport: Sendable, Equatable {
    public var id: String
    /// Parents, hash key range and lifetime as in the first replication that had the shard.
    public var parents: [String]
    public var startingHashKey: String
    public var endingHashKey: String
    public var openedAt: Double
    public var closedAt: Double?
    /// Replications that had this shard: fewer than all when on-demand scaling differed.
    public var replications: Int
    /// Totals over the replications.
    public var recordsPut: Int
    public var bytesPut: Int
    public var writeThrottled: Int
    /// The most records accepted in one second, in any replication.
    public var peakRecordsPerSecond: Int
}

/// One consumer of a stream over all replications: counts are totals.
public struct StreamConsumerReport: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var recordsProcessed: Int
    public var duplicates: Int
    public var discarded: Int
    public var unprocessedAtEnd: Int
    public var outOfOrder: Int
    public var readThrottled: Int
    public var leaseTakeovers: Int
    public var checkpoints: Int
    /// Produced → first processed, for records produced after the warm-up.
    public var endToEnd: LatencySummary
    /// The largest iterator age in any sample of any replication, in milliseconds.
    public var iteratorAgeMaxMillis: Int64
    /// Replication 0's iterator age per shard at its last sample (nil for a shard it does not read).
    public var iteratorAgeAtEnd: [Int64?]
    /// Replication 0's iterator age at each sample instant.
    public var iteratorAge: [IteratorAgeSample]
    /// Kind-specific counters summed over replications, in the order the first replication gave them.
    public var counters: [(name: String, value: Int)]

    public static func == (a: StreamConsumerReport, b: StreamConsumerReport) -> Bool {
        a.name == b.name && a.kind == b.kind && a.recordsProcessed == b.recordsProcessed && a.duplicates == b.duplicates
            && a.discarded == b.discarded && a.unprocessedAtEnd == b.unprocessedAtEnd && a.outOfOrder == b.outOfOrder
            && a.readThrottled == b.readThrottled && a.leaseTakeovers == b.leaseTakeovers && a.checkpoints == b.checkpoints
            && a.endToEnd == b.endToEnd && a.iteratorAgeMaxMillis == b.iteratorAgeMaxMillis
            && a.iteratorAgeAtEnd == b.iteratorAgeAtEnd && a.iteratorAge == b.iteratorAge
            && a.counters.elementsEqual(b.counters, by: ==)
    }
}

/// Sizes over all replications: the mean with its interval across replications' means,
/// percentiles over every object of every replication.
public struct SizeSummary: Sendable, Equatable {
    public var mean: Estimate?
    public var p50: Int
    public var p90: Int
    public var max: Int
    public var count: Int
}

/// A Firehose delivery stream over all replications: counts are totals.
public struct DeliveryStreamReport: Sendable, Equatable {
    public var name: String
    public var source: String
    public var destination: String
    public var recordsIn: Int
    public var bytesIn: Int
    public var billedBytes: Int
    public var recordsThrottled: Int
    public var transformedOk: Int
    public var transformedDropped: Int
    public var transformProcessingFailed: Int
    public var objectsDelivered: Int
    public var objectBytes: SizeSummary
    public var deliveryLatency: LatencySummary
    public var freshness: LatencySummary
    public var destinationAttempts: Int
    public var destinationFailures: Int
    public var recordsBackedUp: Int
    public var bytesBackedUp: Int
    public var recordsExpired: Int
    public var bytesDropped: Int
}

/// An analytics application over all replications: counts are totals, distinct keys a mean.
public struct AnalyticsReport: Sendable, Equatable {
    public var name: String
    public var source: String
    public var window: String
    public var output: String
    public var recordsIn: Int
    public var recordsLate: Int
    public var windowsEmitted: Int
    public var updates: Int
    /// Distinct keys of one replication, across replications.
    public var keys: Estimate?
    public var resultLatency: LatencySummary
    /// Replication 0's first results, in emission order.
    public var sampleResults: [AnalyticsResultRow]

    public static func == (a: AnalyticsReport, b: AnalyticsReport) -> Bool {
        a.name == b.name && a.source == b.source && a.window == b.window && a.output == b.output && a.recordsIn == b.recordsIn
            && a.recordsLate == b.recordsLate && a.windowsEmitted == b.windowsEmitted && a.updates == b.updates
            && a.keys == b.keys && a.resultLatency == b.resultLatency
            && a.sampleResults.elementsEqual(b.sampleResults) { x, y in
                x.windowStart == y.windowStart && x.windowEnd == y.windowEnd && x.key == y.key
                    && x.values.elementsEqual(y.values, by: ==)
            }
    }
}
