import MessagingEngine
import SimKernel
import Stochastic

/// A Kinesis Client Library (KCL) consumer application reading a data stream, as the scenario file
/// says it (SEMANTICS.md, Stream — Kinesis Data Streams; issue 5, item 4a). Names follow the KCL's
/// configuration where it has one (`idleTimeBetweenReadsInMillis`, `maxRecords`,
/// `failoverTimeMillis`, `maxLeasesForWorker`, `taskBackoffTimeMillis`).
public struct KinesisClientSpecification: Sendable {
    /// Where a worker starts reading a shard whose lease has never been checkpointed. Shards that
    /// appear after the application started (children of a split or merge) are always read from
    /// TRIM_HORIZON, so nothing written to them is skipped.
    public enum InitialPosition: Sendable, Equatable {
        case trimHorizon
        case latest
        case atTimestamp(Instant)
    }

    /// The application's name: its lease table and its random streams are named after it.
    public var name: String
    /// Workers at start, each a KCL process sharing the application's lease table.
    public var workers: Int
    /// idleTimeBetweenReads: how long a shard's reader waits after handling one GetRecords answer
    /// before the next call. The default is KCL 2.x's idleTimeBetweenReadsInMillis, 1.5 s (KCL 1.x
    /// had 1 s, AWS's advice of one call a second per shard per application).
    public var pollInterval: Span
    /// Records per GetRecords call at most, 1 – 10,000.
    public var maxRecords: Int
    /// Processing time of one record, in seconds; a batch's records are processed one after another.
    public var processing: Distribution
    /// Time added to each batch once, in seconds (a processRecords call's fixed cost); nil for none.
    public var batchOverhead: Distribution?
    /// What becomes of a batch whose processing failed.
    public enum FailedBatch: String, Sendable, Equatable, CaseIterable {
        /// The application catches the error and processes the same batch again after
        /// `taskBackoff`: a failure delays the shard but loses nothing.
        case retry
        /// The KCL's own behaviour when processRecords throws: it logs the error and goes on to
        /// the next batch. The skipped records are reported discarded, and a later checkpoint
        /// passes them, so only a replay from an earlier checkpoint would bring them back.
        case skip
    }

    /// Chance that processing a batch fails (processRecords throws). Records of a failed attempt
    /// are not reported as processed; `failedBatch` says what happens next.
    public var failureProbability: Double
    public var failedBatch: FailedBatch = .retry
    /// taskBackoffTimeMillis: the pause before a failed batch or a failed call is tried again
    /// (KCL default 500 ms).
    public var taskBackoff: Span
    /// Checkpoint once this many records were processed since the last checkpoint; nil for no
    /// count rule.
    public var checkpointEveryRecords: Int?
    /// Checkpoint once this long has passed since the last checkpoint (or since the lease was
    /// taken); nil for no time rule. Checked after every GetRecords answer, empty ones included,
    /// so a shard's tail is checkpointed once the stream goes quiet. The default, 60 s, is the
    /// interval of AWS's sample KCL application; the KCL itself checkpoints only when told.
    public var checkpointInterval: Span?
    /// KCL's default is LATEST.
    public var initialPosition: InitialPosition
    /// failoverTime: a lease whose owner has not renewed it for longer than this may be taken by
    /// another worker (KCL default 10 s).
    public var failoverTime: Span
    /// How often a worker renews its leases and looks for leases to take; nil for a third of
    /// `failoverTime`, as the KCL renews.
    public var leaseRenewInterval: Span?
    /// The most leases one worker takes; nil for no cap.
    public var maxLeasesForWorker: Int?

    public init(name: String, workers: Int = 1, pollInterval: Span = .milliseconds(1500), maxRecords: Int = 10_000,
                processing: Distribution = .constant(0), batchOverhead: Distribution? = nil, failureProbability: Double = 0,
                taskBackoff: Span = .milliseconds(500), checkpointEveryRecords: Int? = nil, checkpointInterval: Span? = .seconds(60),
                initialPosition: InitialPosition = .latest, failoverTime: Span = .seconds(10), leaseRenewInterval: Span? = nil,
                maxLeasesForWorker: Int? = nil) {
        self.name = name
        self.workers = workers
        self.pollInterval = pollInterval
        self.maxRecords = maxRecords
        self.processing = processing
        self.batchOverhead = batchOverhead
        self.failureProbability = failureProbability
        self.taskBackoff = taskBackoff
        self.checkpointEveryRecords = checkpointEveryRecords
        self.checkpointInterval = checkpointInterval
        self.initialPosition = initialPosition
        self.failoverTime = failoverTime
        self.leaseRenewInterval = leaseRenewInterval
        self.maxLeasesForWorker = maxLeasesForWorker
    }

    /// The interval between a worker's lease passes: `leaseRenewInterval`, or a third of `failoverTime`.
    public var resolvedLeaseRenewInterval: Span {
        leaseRenewInterval ?? Span(nanoseconds: failoverTime.nanoseconds / 3)
    }

    /// Problems with the specification, each naming the field and the valid range; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if name.isEmpty { found.append(("name", "must not be empty")) }
        if workers < 1 { found.append(("workers", "must be at least 1, not \(workers)")) }
        if pollInterval <= .zero {
            // A reader that polls again at the same instant would spin there for ever on a quiet shard.
            found.append(("pollInterval", "must be above 0s"))
        }
        if !(1...StreamConfiguration.getRecordsLimitMax).contains(maxRecords) {
            found.append(("maxRecords", "must be between 1 and 10000, not \(maxRecords)"))
        }
        if !(0...1).contains(failureProbability) { found.append(("failureProbability", "must be between 0 and 1")) }
        if taskBackoff <= .zero { found.append(("taskBackoff", "must be above 0s")) }
        if let count = checkpointEveryRecords, count < 1 {
            found.append(("checkpointEveryRecords", "must be at least 1, not \(count)"))
        }
        if let interval = checkpointInterval, interval <= .zero { found.append(("checkpointInterval", "must be above 0s")) }
        if failoverTime <= .zero { found.append(("failoverTime", "must be above 0s")) }
        if resolvedLeaseRenewInterval <= .zero || resolvedLeaseRenewInterval >= failoverTime {
            // A worker that renews less often than its leases expire loses them while it is alive.
            found.append(("leaseRenewInterval", "must be above 0s and below failoverTime (\(failoverTime))"))
        }
        if let cap = maxLeasesForWorker, cap < 1 { found.append(("maxLeasesForWorker", "must be at least 1, not \(cap)")) }
        return found
    }
}

/// Running totals of one KCL application.
public struct KinesisClientCounters: Sendable, Equatable {
    /// GetRecords calls that reached the stream, throttled ones included.
    public var getRecordsCalls = 0
    /// Records reported processed, replays included.
    public var recordsProcessed = 0
    /// Records processed again after a lease changed hands: the owner before had processed them
    /// but not checkpointed them. Duplicates, as the observer counts them.
    public var recordsReprocessed = 0
    /// Checkpoints written to the lease table, SHARD_END and those of a graceful leave included.
    public var checkpoints = 0
    /// Leases a worker took, from no one or from another worker.
    public var leasesTaken = 0
    /// Leases taken from another worker: expired after a crash, or stolen to balance.
    public var leaseTakeovers = 0
    /// Of the takeovers, leases taken while their owner still renewed them.
    public var leaseSteals = 0
    /// GetRecords calls refused with ProvisionedThroughputExceededException.
    public var throttles = 0
    /// GetShardIterator calls refused with LimitExceededException.
    public var shardIteratorThrottles = 0
    /// Batches whose processing failed (tried again, or skipped).
    public var failedBatches = 0
    /// Records of failed batches the application skipped (`failedBatch: skip`).
    public var recordsSkipped = 0
    /// Calls that failed in the network (a fault window) and were tried again.
    public var failedCalls = 0
}
