import Histogram

/// What one Kinesis data stream, its shards and its consumers did in one replication. Every count
/// is over the replication, summed over replications in the report.
public struct StreamObservations: Sendable {
    public var name: String
    /// `PROVISIONED` or `ON_DEMAND`, as the Kinesis API spells the stream mode.
    public var capacityMode: String
    /// Open shards when the run started and when it ended.
    public var shardsAtStart = 0
    public var shardsAtEnd = 0
    /// Open shards integrated over the replication's elapsed time: AWS bills a provisioned stream
    /// per open shard-hour, and a closed parent (still readable) is not billed.
    public var shardSeconds = 0.0
    /// PutRecord and PutRecords calls that reached the stream.
    public var putRequests = 0
    /// Records accepted, and their bytes (data and partition key).
    public var recordsPut = 0
    public var bytesPut = 0
    /// PUT payload units as billed: each record's payload in started 25 KB units.
    public var putPayloadUnits = 0
    /// Records refused with ProvisionedThroughputExceededException.
    public var writeThrottled = 0
    /// Records producers sent again after a throttle or a failed call.
    public var producerRetries = 0
    /// Records producers gave up on: refused, or throttled on every attempt.
    public var recordsAbandoned = 0
    /// GetRecords calls of shared-throughput consumers, the records and bytes they returned, and
    /// the calls refused with ProvisionedThroughputExceededException.
    public var getRecordsRequests = 0
    public var recordsRead = 0
    public var bytesRead = 0
    public var readThrottled = 0
    /// Records that passed the retention period and were trimmed.
    public var recordsExpired = 0
    /// Changes of shard count an on-demand stream made by itself.
    public var onDemandScalings = 0
    /// Splits, merges and UpdateShardCount calls, in the order they were asked for.
    public var reshards: [ReshardObservation] = []
    /// Every shard the stream had, open or closed, in shard-ID order.
    public var shards: [ShardObservations] = []
    /// Each shard's write rate at each sample instant, to show a hot shard before and after a split.
    public var writeRate: [StreamRateSample] = []
    /// Everything that reads the stream, in the order of the scenario file.
    public var consumers: [StreamConsumerObservations] = []

    public init(name: String, capacityMode: String) {
        self.name = name
        self.capacityMode = capacityMode
    }
}

/// One resharding request and what came of it.
public struct ReshardObservation: Sendable, Equatable {
    /// Seconds of simulated time when it was asked for.
    public var time: Double
    /// `SplitShard`, `MergeShards`, `UpdateShardCount` or `onDemandScaling`.
    public var action: String
    /// What was asked, e.g. `shardId-000000000000 at 170141183460469231731687303715884105728`,
    /// `shardId-000000000001 and shardId-000000000002`, `from 4 to 8 open shards`.
    public var detail: String
    /// `opened` and the shards it opened, or `refused: ` and the error that refused it (its code
    /// first, e.g. `refused: LimitExceededException: …`).
    public var outcome: String

    public init(time: Double, action: String, detail: String, outcome: String) {
        self.time = time
        self.action = action
        self.detail = detail
        self.outcome = outcome
    }
}

/// One shard of a stream in one replication.
public struct ShardObservations: Sendable, Equatable {
    /// `shardId-000000000000`.
    public var id: String
    /// The shard it was split from, or the two it was merged from; empty for an original shard.
    public var parents: [String]
    /// Its hash key range, inclusive, in decimal (128-bit values do not fit a JSON number).
    public var startingHashKey: String
    public var endingHashKey: String
    public var openedAt: Double
    /// Nil while it is still open at the end of the run.
    public var closedAt: Double?
    public var recordsPut = 0
    public var bytesPut = 0
    public var writeThrottled = 0
    /// The most records accepted within any one second of simulated time ([0 s, 1 s), [1 s, 2 s), …).
    public var peakRecordsPerSecond = 0

    public init(id: String, parents: [String], startingHashKey: String, endingHashKey: String, openedAt: Double,
                closedAt: Double?, recordsPut: Int = 0, bytesPut: Int = 0, writeThrottled: Int = 0, peakRecordsPerSecond: Int = 0) {
        self.id = id
        self.parents = parents
        self.startingHashKey = startingHashKey
        self.endingHashKey = endingHashKey
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.recordsPut = recordsPut
        self.bytesPut = bytesPut
        self.writeThrottled = writeThrottled
        self.peakRecordsPerSecond = peakRecordsPerSecond
    }
}

/// Each shard's write rate over the sample interval ending at `time`, indexed like
/// `StreamObservations.shards`; a shard not yet open (or closed) reads 0.
public struct StreamRateSample: Sendable, Equatable {
    public var time: Double
    public var recordsPerSecond: [Double]
    public var throttledPerSecond: [Double]

    public init(time: Double, recordsPerSecond: [Double], throttledPerSecond: [Double]) {
        self.time = time
        self.recordsPerSecond = recordsPerSecond
        self.throttledPerSecond = throttledPerSecond
    }
}

/// How far a consumer was behind the tip of the stream at one sample instant.
public struct IteratorAgeSample: Sendable, Equatable {
    public var time: Double
    /// The largest of `perShard`: what CloudWatch's GetRecords.IteratorAgeMilliseconds maximum shows.
    public var maxMillisBehind: Int64
    /// Indexed like `StreamObservations.shards`; nil for a shard the consumer does not read.
    public var perShard: [Int64?]

    public init(time: Double, maxMillisBehind: Int64, perShard: [Int64?]) {
        self.time = time
        self.maxMillisBehind = maxMillisBehind
        self.perShard = perShard
    }
}

/// What one consumer of a stream did in one replication.
public struct StreamConsumerObservations: Sendable {
    public var name: String
    /// `kcl`, `enhancedFanOut`, `lambda`, `firehose` or `analytics`.
    public var kind: String
    /// Records processed for the first time.
    public var recordsProcessed = 0
    /// Records processed again: replays from a checkpoint after a crash, retried batches.
    public var duplicates = 0
    /// Records given up without processing, to an on-failure destination.
    public var discarded = 0
    /// Records accepted by the stream, not expired, and neither processed nor discarded when the run ended.
    public var unprocessedAtEnd = 0
    /// Records processed before an earlier record of their partition key (found by the checker).
    public var outOfOrder = 0
    public var readThrottled = 0
    /// Leases a worker took from another worker (KCL).
    public var leaseTakeovers = 0
    public var checkpoints = 0
    /// Produced → first processed, for records produced after the warm-up.
    public var endToEnd = LatencySeries()
    public var iteratorAge: [IteratorAgeSample] = []
    /// Counters of this kind of consumer, in a stable order (a Lambda function's invocations,
    /// retries and bisections; an enhanced fan-out consumer's subscriptions…).
    public var counters: [(name: String, value: Int)] = []
    /// For the cost: consumer-shard time and bytes pushed of an enhanced fan-out consumer, and a
    /// Lambda function's GB-seconds and invocations.
    public var efoConsumerShardSeconds = 0.0
    public var efoBytesRetrieved = 0
    public var lambdaGBSeconds = 0.0
    public var lambdaRequests = 0

    public init(name: String, kind: String) {
        self.name = name
        self.kind = kind
    }
}

/// Sizes in bytes, three significant digits from 1 byte to 1 TiB, with exact totals for the mean.
public struct SizeSeries: Sendable {
    public var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 40,
                                             numberOfSignificantValueDigits: .three)
    public private(set) var count = 0
    public private(set) var totalBytes = 0

    public init() {}

    /// Records one size, clamping it into the trackable range rather than dropping it.
    public mutating func record(bytes: Int) {
        precondition(bytes >= 0, "a size cannot be \(bytes) bytes")
        _ = histogram.record(UInt64(Swift.min(bytes, (1 << 40) - 1)))
        count += 1
        totalBytes += bytes
    }

    public var mean: Double? { count == 0 ? nil : Double(totalBytes) / Double(count) }
}

/// What one Firehose delivery stream did in one replication.
public struct DeliveryStreamObservations: Sendable {
    public var name: String
    /// `direct` (producers call PutRecord/PutRecordBatch) or `stream/<name>` (it reads a data stream).
    public var source: String
    /// What it delivers to, e.g. `s3/archive`.
    public var destination: String
    public var recordsIn = 0
    public var bytesIn = 0
    /// Bytes as Firehose bills ingestion: each record rounded up to 5 KB.
    public var billedBytes = 0
    /// Records refused with ServiceUnavailableException (over the stream's limits).
    public var recordsThrottled = 0
    /// The transformation function's verdicts on records.
    public var transformedOk = 0
    public var transformedDropped = 0
    public var transformProcessingFailed = 0
    /// Objects written to the destination, and their sizes.
    public var objectsDelivered = 0
    public var objectBytes = SizeSeries()
    /// Record in → the object holding it delivered.
    public var deliveryLatency = LatencySeries()
    /// The age of each delivered object's oldest record (AWS's DataFreshness).
    public var freshness = LatencySeries()
    public var destinationAttempts = 0
    public var destinationFailures = 0
    /// Records and bytes sent to the backup location after the retry duration ran out.
    public var recordsBackedUp = 0
    public var bytesBackedUp = 0
    /// Records held 24 hours without delivery, then dropped.
    public var recordsExpired = 0
    public var bytesDropped = 0

    public init(name: String, source: String, destination: String) {
        self.name = name
        self.source = source
        self.destination = destination
    }
}

/// One result a windowed aggregation emitted.
public struct AnalyticsResultRow: Sendable {
    /// The window, in event-time seconds.
    public var windowStart: Double
    public var windowEnd: Double
    public var key: String
    /// Aggregates in the order the scenario lists them, e.g. `count`, `sum(amount)`.
    public var values: [(name: String, value: Double)]

    public init(windowStart: Double, windowEnd: Double, key: String, values: [(name: String, value: Double)]) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.key = key
        self.values = values
    }
}

/// What one analytics application (a windowed aggregation over a stream) did in one replication.
public struct AnalyticsObservations: Sendable {
    public var name: String
    /// `stream/<name>`.
    public var source: String
    /// The window as people read it: `tumbling 60s`, `sliding 60s every 10s`, `session gap 30s`, `stagger 60s`.
    public var window: String
    /// `stream/<name>`, `deliveryStream/<name>` or `none`.
    public var output: String
    public var recordsIn = 0
    /// Records that arrived after their window closed (allowed lateness included) and were dropped.
    public var recordsLate = 0
    public var windowsEmitted = 0
    /// Results emitted again for a window already emitted, within the allowed lateness.
    public var updates = 0
    /// Distinct keys seen.
    public var keys = 0
    /// The window's end in event time → its result emitted, in simulated time.
    public var resultLatency = LatencySeries()
    /// The first 20 results, in the order they were emitted.
    public var sampleResults: [AnalyticsResultRow] = []

    public init(name: String, source: String, window: String, output: String) {
        self.name = name
        self.source = source
        self.window = window
        self.output = output
    }
}
