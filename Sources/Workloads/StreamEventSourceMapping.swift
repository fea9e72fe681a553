import MessagingEngine
import SimKernel
import Stochastic

/// A Lambda function reading a data stream through an event source mapping, as the scenario file
/// says it (SEMANTICS.md, "Function consumers", on a stream).
public struct StreamEventSourceMappingSpecification: Sendable {
    public var name: String
    /// Records per invocation at most: 1 – 10,000 (AWS's default for Kinesis is 100).
    public var batchSize: Int
    /// MaximumBatchingWindowInSeconds: how long records are gathered before an invocation that
    /// does not fill its batch, 0 – 300 s.
    public var batchingWindow: Span
    /// ParallelizationFactor: concurrent batches per shard, 1 – 10; each partition key's records
    /// stay in order.
    public var parallelizationFactor: Int
    /// StartingPosition in the shards the mapping finds at the start: TRIM_HORIZON, LATEST or
    /// AT_TIMESTAMP. Children of shards it has finished are read from TRIM_HORIZON.
    public var startingPosition: ShardIteratorType
    /// Run time of one invocation, in seconds.
    public var duration: Distribution
    /// Added to an invocation that needs a new execution environment, in seconds.
    public var coldStart: Distribution
    /// Chance that an invocation returns an error: its batch is retried.
    public var failureProbability: Double
    /// MaximumRetryAttempts: retries of a failed batch, 0 – 10,000; −1 retries until the records
    /// expire from the stream.
    public var maximumRetryAttempts: Int
    /// MaximumRecordAgeInSeconds: records older than this are not sent to the function but to the
    /// on-failure destination; 60 s – 7 d, nil (AWS's −1) for no limit but the stream's retention.
    public var maximumRecordAge: Span?
    /// BisectBatchOnFunctionError: a failed batch is split in two halves, retried one after the other.
    public var bisectBatchOnFunctionError: Bool
    /// The account's concurrent executions; the mapping never runs more invocations than this.
    public var accountConcurrencyLimit: Int
    /// The execution role it reads the stream as; nil is `ClientServices.defaultPrincipal(name)`.
    public var principal: String?

    public init(name: String, batchSize: Int = 100, batchingWindow: Span = .zero, parallelizationFactor: Int = 1,
                startingPosition: ShardIteratorType = .trimHorizon, duration: Distribution, coldStart: Distribution = .constant(0),
                failureProbability: Double = 0, maximumRetryAttempts: Int = -1, maximumRecordAge: Span? = nil,
                bisectBatchOnFunctionError: Bool = false, accountConcurrencyLimit: Int = 1000, principal: String? = nil) {
        self.name = name
        self.batchSize = batchSize
        self.batchingWindow = batchingWindow
        self.parallelizationFactor = parallelizationFactor
        self.startingPosition = startingPosition
        self.duration = duration
        self.coldStart = coldStart
        self.failureProbability = failureProbability
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumRecordAge = maximumRecordAge
        self.bisectBatchOnFunctionError = bisectBatchOnFunctionError
        self.accountConcurrencyLimit = accountConcurrencyLimit
        self.principal = principal
    }

    public static let batchSizeRange = 1...10_000
    public static let batchingWindowMax = Span.seconds(300)
    public static let parallelizationFactorRange = 1...10
    /// MaximumRetryAttempts from −1 (until the records expire) to 10,000.
    public static let maximumRetryAttemptsRange = -1...10_000
    public static let maximumRecordAgeRange = Span.seconds(60)...Span.seconds(7 * 24 * 3600)

    /// Problems with the specification, each naming the field and the valid range; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if !Self.batchSizeRange.contains(batchSize) {
            found.append(("batchSize", "must be between 1 and 10000, not \(batchSize)"))
        }
        if batchingWindow < .zero || batchingWindow > Self.batchingWindowMax {
            found.append(("batchingWindow", "must be between 0s and 300s (5m)"))
        }
        if !Self.parallelizationFactorRange.contains(parallelizationFactor) {
            found.append(("parallelizationFactor", "must be between 1 and 10, not \(parallelizationFactor)"))
        }
        if !startingPosition.isStartingPosition { found.append(("startingPosition", "must be TRIM_HORIZON, LATEST or AT_TIMESTAMP")) }
        if !(0...1).contains(failureProbability) {
            found.append(("failureProbability", "must be between 0 and 1"))
        }
        if !Self.maximumRetryAttemptsRange.contains(maximumRetryAttempts) {
            found.append(("maximumRetryAttempts", "must be between 0 and 10000, or -1 to retry until the records expire; not \(maximumRetryAttempts)"))
        }
        if let maximumRecordAge, !Self.maximumRecordAgeRange.contains(maximumRecordAge) {
            found.append(("maximumRecordAge", "must be between 60s and 7d, or left out for no limit"))
        }
        if accountConcurrencyLimit < 1 {
            found.append(("accountConcurrencyLimit", "must be at least 1, not \(accountConcurrencyLimit)"))
        }
        return found
    }
}

/// Running totals of one event source mapping on a stream.
public struct StreamLambdaCounters: Sendable, Equatable {
    public var invocations = 0
    /// Invocations that returned an error.
    public var failedInvocations = 0
    /// Invocations of records that had failed before: a whole batch again, or one of its halves.
    public var retries = 0
    /// Failed batches split in two.
    public var bisections = 0
    /// Records sent to the on-failure destination (out of retries, too old, or expired), and the
    /// batches they went in.
    public var recordsDiscarded = 0
    public var discardedBatches = 0
    /// Run time as Lambda bills it: each invocation's duration, cold start included, rounded up to
    /// the millisecond.
    public var billedMilliseconds = 0
    /// Invocations that needed a new execution environment.
    public var coldStarts = 0
    /// Invocations that waited for the account's concurrency limit.
    public var throttles = 0
    public var getRecordsCalls = 0
    /// GetRecords calls refused for the shard's read limits.
    public var readThrottles = 0
}

/// A Lambda event source mapping on a data stream: per shard, a poller that calls GetRecords once
/// a second and `parallelizationFactor` lanes, each running one batch at a time.
///
/// Order: a shard's records go to lane hash(partition key) mod factor (FNV-1a of the key's UTF-8
/// bytes: Lambda does not publish its assignment, and Swift's own hashing changes from process to
/// process), so the records of one key are in one lane, in sequence order, and a lane invokes the
/// function with one batch at a time. At most shards × factor invocations run at once, fewer when
/// the account's concurrency limit is lower: a lane that finds the account's executions taken waits
/// for one to end.
///
/// Errors, per AWS's description of the settings: a failed batch is retried, blocking its lane,
/// until it succeeds, its retries (`maximumRetryAttempts`, after the first attempt) run out, or its
/// records are too old (`maximumRecordAge`, or the stream's retention); records given up on are
/// reported discarded with the reason, as their metadata goes to the on-failure destination, and
/// the lane moves on. With `bisectBatchOnFunctionError` a failed batch of more than one record is
/// split in two halves, the first retried (and split again if it fails) before the second; a split
/// does not count as a retry attempt (AWS: splitting a batch does not count towards the retry
/// quota), so each half starts with the attempts the batch had used. Retries are immediate: AWS
/// publishes no delay; every invocation lasts at least 1 ms, Lambda's billing unit, so a function
/// failing at once still lets time pass.
///
/// Execution environments are kept once made, as on a queue: an invocation finds a warm one while
/// fewer invocations run than environments exist, and otherwise pays a cold start.
public final class StreamEventSourceMapping {
    public let specification: StreamEventSourceMappingSpecification
    public let consumerIndex: Int
    let stream: DataStream
    let streamIndex: Int
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the mapping is its observer and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    let streams: (String) -> RandomStream
    let principal: String

    /// One poller per shard the mapping has begun, finished ones included, indexed by shard; nil for
    /// shards not begun.
    var pollers: [StreamShardPoller?] = []
    /// Shards read to SHARD_END with every record handled.
    var finishedShards: [Bool] = []
    public private(set) var concurrency = 0
    public private(set) var environmentCount = 0
    public private(set) var counters = StreamLambdaCounters()
    /// Concurrent invocations over time.
    public private(set) var concurrencySeries = CountSeries()
    /// Lanes waiting for the account's concurrency, in the order they started waiting.
    var waitingLanes: [StreamBatchLane] = []
    var waitingHead = 0
    private var isStarted = false

    /// Lambda polls each shard once a second.
    public static let pollInterval = Span.seconds(1)
    /// The largest invocation payload (6 MB of synchronous invocation, taken as 6 MiB).
    public static let payloadBytesMax = 6 * 1024 * 1024
    /// The shortest invocation, Lambda's billing unit.
    public static let invocationDurationMin = Span.milliseconds(1)

    /// `consumerIndex` is the mapping's number among the scenario's stream consumers, `streamIndex`
    /// the stream's; `streams` gives the named random streams, each shard's its own.
    public init(specification: StreamEventSourceMappingSpecification, consumerIndex: Int, stream: DataStream, streamIndex: Int,
                network: Network, scheduler: Scheduler, observer: StreamWorkloadObserver, streams: @escaping (String) -> RandomStream) {
        precondition(specification.problems().isEmpty, "invalid event source mapping: \(specification.problems())")
        self.specification = specification
        self.consumerIndex = consumerIndex
        self.stream = stream
        self.streamIndex = streamIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        self.streams = streams
        principal = specification.principal ?? ClientServices.defaultPrincipal(specification.name)
    }

    /// Begins every shard whose parents the mapping does not read: all of them from TRIM_HORIZON or
    /// AT_TIMESTAMP but children of unfinished parents; from LATEST the open ones (closed shards get
    /// nothing new).
    public func start() {
        precondition(!isStarted, "an event source mapping starts once")
        isStarted = true
        concurrencySeries.record(0, at: scheduler.now)
        growShards()
        if specification.startingPosition == .latest {
            for shard in stream.shards.indices where !stream.shards[shard].isOpen { finishedShards[shard] = true }
        }
        for shard in stream.shards.indices where !finishedShards[shard] && parentsFinished(shard) {
            begin(shard, at: specification.startingPosition)
        }
    }

    /// True when nothing is readable: every shard begun is finished, or open, read to its tip, with
    /// no record waiting or in an invocation.
    public var isIdle: Bool {
        for shard in stream.shards.indices where !(shard < finishedShards.count && finishedShards[shard]) {
            guard shard < pollers.count, let poller = pollers[shard], poller.isIdle else { return false }
        }
        return true
    }

    func growShards() {
        while pollers.count < stream.shards.count {
            pollers.append(nil)
            finishedShards.append(false)
        }
    }

    func parentsFinished(_ shard: Int) -> Bool {
        stream.shards[shard].parents.allSatisfy { finishedShards[$0] }
    }

    func begin(_ shard: Int, at position: ShardIteratorType) {
        let poller = StreamShardPoller(shard: shard, mapping: self, startingPosition: position)
        pollers[shard] = poller
        poller.start()
    }

    /// A shard is read to SHARD_END and every record of it handled: children whose parents are all
    /// finished begin.
    func shardFinished(_ shard: Int, children: [Int]) {
        // The poller is kept: a lane's window timer may still be due, and the scheduler does not retain targets.
        finishedShards[shard] = true
        growShards()
        for child in children where pollers[child] == nil && !finishedShards[child] && parentsFinished(child) {
            begin(child, at: .trimHorizon)
        }
    }

    // MARK: Concurrency

    /// A lane wants to invoke: true when it may now, false when it must wait for an execution to end
    /// (it is then told through `invokeWhenAllowed`).
    func admit(_ lane: StreamBatchLane) -> Bool {
        if concurrency < specification.accountConcurrencyLimit { return true }
        counters.throttles += 1
        waitingLanes.append(lane)
        return false
    }

    /// An invocation begins; returns whether it needs a new execution environment.
    func invocationBegins(retry: Bool) -> Bool {
        concurrency += 1
        counters.invocations += 1
        if retry { counters.retries += 1 }
        precondition(concurrency <= specification.accountConcurrencyLimit, "more invocations than the account allows")
        concurrencySeries.record(concurrency, at: scheduler.now)
        guard concurrency > environmentCount else { return false }
        environmentCount += 1
        counters.coldStarts += 1
        return true
    }

    /// Bills an invocation that runs for `runTime`.
    func invocationBilled(_ runTime: Span) {
        counters.billedMilliseconds += Int((runTime.nanoseconds + 999_999) / 1_000_000)
    }

    /// An invocation ends: the first lane waiting for the account's concurrency takes its place.
    func invocationEnds(failed: Bool) {
        concurrency -= 1
        if failed { counters.failedInvocations += 1 }
        concurrencySeries.record(concurrency, at: scheduler.now)
        if waitingHead < waitingLanes.count {
            let next = waitingLanes[waitingHead]
            waitingHead += 1
            if waitingHead == waitingLanes.count {
                waitingLanes.removeAll(keepingCapacity: true)
                waitingHead = 0
            }
            next.invokeWhenAllowed()
        }
    }

    func batchBisected() {
        counters.bisections += 1
    }

    func recordsDiscarded(_ count: Int) {
        counters.recordsDiscarded += count
        counters.discardedBatches += 1
    }

    func getRecordsAnswered(throttled: Bool) {
        counters.getRecordsCalls += 1
        if throttled { counters.readThrottles += 1 }
    }
}
