import MessagingEngine
import SimKernel
import Stochastic

/// A Lambda function reading a standard queue through an event source mapping, as the scenario
/// file says it (SEMANTICS.md, "Function consumers").
public struct LambdaEventSourceMappingSpecification: Sendable {
    public var name: String
    /// Messages per invocation at most: 1 – 10,000; above 10 needs a batching window.
    public var batchSize: Int
    /// MaximumBatchingWindowInSeconds: how long a poller goes on gathering a batch after its first
    /// message, 0 – 300 s.
    public var batchingWindow: Span
    /// Concurrent invocations this mapping may reach, 2 – 1,000; nil leaves only the mapping's own
    /// limit of 1,000 and the account's.
    public var maximumConcurrency: Int?
    /// Run time of one invocation, in seconds.
    public var duration: Distribution
    /// Added to an invocation that needs a new execution environment, in seconds.
    public var coldStart: Distribution
    /// Chance that an invocation fails as a whole: none of its batch is deleted.
    public var failureProbability: Double
    /// Chance that the function fails on one message of a batch.
    public var partialBatchFailureProbability: Double
    /// ReportBatchItemFailures: the function names the messages it failed on and only those stay.
    /// Without it, a failure on any message fails the invocation.
    public var reportBatchItemFailures: Bool
    /// The account's concurrent executions; the mapping never runs more invocations than this.
    public var accountConcurrencyLimit: Int

    public init(name: String, batchSize: Int = 10, batchingWindow: Span = .zero, maximumConcurrency: Int? = nil,
                duration: Distribution, coldStart: Distribution = .constant(0), failureProbability: Double = 0,
                partialBatchFailureProbability: Double = 0, reportBatchItemFailures: Bool = false,
                accountConcurrencyLimit: Int = 1000) {
        self.name = name
        self.batchSize = batchSize
        self.batchingWindow = batchingWindow
        self.maximumConcurrency = maximumConcurrency
        self.duration = duration
        self.coldStart = coldStart
        self.failureProbability = failureProbability
        self.partialBatchFailureProbability = partialBatchFailureProbability
        self.reportBatchItemFailures = reportBatchItemFailures
        self.accountConcurrencyLimit = accountConcurrencyLimit
    }

    public static let batchSizeRange = 1...10_000
    /// The largest batch a mapping without a batching window may ask for: one receive's worth.
    public static let batchSizeWithoutWindowMax = 10
    public static let batchingWindowMax = Span.seconds(300)
    public static let maximumConcurrencyRange = 2...1000
    /// Concurrent batches of one mapping on a queue, whatever else allows.
    public static let concurrencyMax = 1000

    /// Problems with the specification, each naming the field and the valid range; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if !Self.batchSizeRange.contains(batchSize) {
            found.append(("batchSize", "must be between 1 and 10000, not \(batchSize)"))
        } else if batchSize > Self.batchSizeWithoutWindowMax && batchingWindow == .zero {
            found.append(("batchSize", "above 10 (here \(batchSize)) needs a batchingWindow above 0s"))
        }
        if batchingWindow < .zero || batchingWindow > Self.batchingWindowMax {
            found.append(("batchingWindow", "must be between 0s and 300s (5m)"))
        }
        if let maximumConcurrency, !Self.maximumConcurrencyRange.contains(maximumConcurrency) {
            found.append(("maximumConcurrency", "must be between 2 and 1000, not \(maximumConcurrency)"))
        }
        if !(0...1).contains(failureProbability) {
            found.append(("failureProbability", "must be between 0 and 1"))
        }
        if !(0...1).contains(partialBatchFailureProbability) {
            found.append(("partialBatchFailureProbability", "must be between 0 and 1"))
        }
        if accountConcurrencyLimit < 1 {
            found.append(("accountConcurrencyLimit", "must be at least 1, not \(accountConcurrencyLimit)"))
        }
        return found
    }
}

/// Running totals of one event source mapping.
public struct LambdaCounters: Sendable, Equatable {
    public var invocations = 0
    /// Invocations whose whole batch stays in the queue: the function failed, or failed on some
    /// message without reporting batch item failures.
    public var failedInvocations = 0
    /// Invocations that needed a new execution environment.
    public var coldStarts = 0
    /// Pollers the mapping wanted to add but the account's concurrency limit refused.
    public var throttles = 0
    /// Run time as Lambda bills it: each invocation's duration, cold start included, rounded up
    /// to the millisecond.
    public var billedMilliseconds = 0
}

/// A Lambda event source mapping on a queue: a set of pollers that long-poll the queue, each
/// invoking the function with one batch at a time, scaled up while messages wait and down when
/// receives come back empty.
///
/// Scaling, modelled on the published rule (5 concurrent batches to start, up to 300 more a
/// minute, at most 1,000): the mapping starts with 5 pollers, each one concurrent batch. Once a
/// second, if messages are visible in the queue — so every poller is busy, since a waiting long
/// poll takes a visible message at once — it adds up to 5 pollers: 300 a minute, spread evenly
/// rather than in one step a minute. The pollers stop at `maximumConcurrency`, at 1,000 and at the
/// account's concurrency limit; pollers the account's limit alone refuses count as throttles. A
/// poller whose long poll comes back empty retires while more than 5 are left (fewer when
/// `maximumConcurrency` or the account's limit is lower), so an idle mapping is back to 5 pollers
/// one wait time after the queue empties.
///
/// Execution environments are kept once made: an invocation finds a warm one when fewer
/// invocations are running than environments exist, and otherwise makes one and pays a cold start.
public final class LambdaEventSourceMapping: TimerTarget {
    public let specification: LambdaEventSourceMappingSpecification
    public let fleetIndex: Int
    let queue: Queue
    let queueIndex: Int
    let network: Network
    /// KMS and the object store, as the function's execution role reaches them.
    let services: ClientServices
    /// The execution role: the principal the mapping's receives and deletes are authorised as.
    let principal: String
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the mapping is its observer and outlives it.
    unowned(unsafe) let observer: WorkloadObserver
    let streams: (String) -> RandomStream

    /// Every poller made so far, active or retired; made when first needed, reused by lowest index.
    private(set) var pollers: [LambdaPoller] = []
    public private(set) var activePollerCount = 0
    public private(set) var concurrency = 0
    public private(set) var environmentCount = 0
    public private(set) var counters = LambdaCounters()
    /// Concurrent invocations over time.
    public private(set) var concurrencySeries = CountSeries()
    /// Active pollers (concurrent batches the mapping allows itself) over time.
    public private(set) var pollerSeries = CountSeries()
    private var isStarted = false

    enum Code: Int { case scalingStep }

    /// Pollers a mapping starts with and scales back to.
    public static let pollersInitial = 5
    /// Pollers added per scaling step, and the time between steps: 300 a minute.
    public static let scalingStepPollers = 5
    public static let scalingInterval = Span.seconds(1)
    /// The long-poll wait of every receive (shorter only to end a batching window on time).
    public static let receiveWaitTime = Span.seconds(20)
    /// The largest invocation payload (6 MB of synchronous invocation, taken as 6 MiB).
    public static let payloadBytesMax = 6 * 1024 * 1024

    /// `fleetIndex` is the mapping's number among everything that reports to `observer` as a fleet.
    /// `streams` is kept: pollers are made, each with its own named streams, when scaling first needs them.
    public init(specification: LambdaEventSourceMappingSpecification, fleetIndex: Int, queue: Queue, queueIndex: Int,
                network: Network, scheduler: Scheduler, observer: WorkloadObserver, streams: @escaping (String) -> RandomStream,
                services: ClientServices = ClientServices(), principal: String? = nil) {
        precondition(specification.problems().isEmpty, "invalid event source mapping: \(specification.problems())")
        self.services = services
        self.principal = principal ?? ClientServices.defaultPrincipal(specification.name)
        self.specification = specification
        self.fleetIndex = fleetIndex
        self.queue = queue
        self.queueIndex = queueIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        self.streams = streams
    }

    /// The most pollers the mapping itself allows: `maximumConcurrency`, or 1,000.
    public var pollersMax: Int { min(specification.maximumConcurrency ?? LambdaEventSourceMappingSpecification.concurrencyMax,
                                   LambdaEventSourceMappingSpecification.concurrencyMax) }

    /// The fewest pollers the mapping scales down to: 5, or fewer under a lower limit.
    public var pollersMin: Int { min(Self.pollersInitial, pollersMax, specification.accountConcurrencyLimit) }

    /// Starts the initial pollers now and the scaling steps after them.
    public func start() {
        precondition(!isStarted, "an event source mapping starts once")
        isStarted = true
        let now = scheduler.now
        concurrencySeries.record(0, at: now)
        pollerSeries.record(0, at: now)
        activate(pollersMin)
        scheduler.schedule(at: now + Self.scalingInterval, target: self, code: Code.scalingStep.rawValue, payload: 0)
    }

    /// A scaling step: adds pollers while messages wait, then sets the next step.
    public func timerFired(code: Int, payload: Int) {
        if queue.visibleCount > 0 && activePollerCount < pollersMax {
            let wanted = min(Self.scalingStepPollers, pollersMax - activePollerCount)
            let allowed = max(0, min(wanted, specification.accountConcurrencyLimit - activePollerCount))
            counters.throttles += wanted - allowed
            activate(allowed)
        }
        scheduler.schedule(at: scheduler.now + Self.scalingInterval, target: self, code: Code.scalingStep.rawValue, payload: 0)
    }

    /// Activates `count` retired pollers, lowest index first, making new ones when none is left.
    private func activate(_ count: Int) {
        guard count > 0 else { return }
        var started: [LambdaPoller] = []
        var next = 0
        while started.count < count {
            if next == pollers.count {
                pollers.append(LambdaPoller(index: next, mapping: self, streams: streams))
            }
            if !pollers[next].isActive { started.append(pollers[next]) }
            next += 1
        }
        activePollerCount += count
        precondition(activePollerCount <= pollersMax && activePollerCount <= specification.accountConcurrencyLimit,
                     "pollers past the mapping's limits")
        pollerSeries.record(activePollerCount, at: scheduler.now)
        for poller in started { poller.activate() }
    }

    /// Asked by a poller whose receive came back empty: whether it retires. It does while the
    /// mapping has more pollers than it scales down to.
    func retireAfterEmptyReceive() -> Bool {
        guard activePollerCount > pollersMin else { return false }
        activePollerCount -= 1
        pollerSeries.record(activePollerCount, at: scheduler.now)
        return true
    }

    /// An invocation begins; returns whether it needs a new execution environment.
    func invocationBegins() -> Bool {
        concurrency += 1
        counters.invocations += 1
        precondition(concurrency <= activePollerCount, "more invocations than pollers")
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

    func invocationEnds(failed: Bool) {
        concurrency -= 1
        if failed { counters.failedInvocations += 1 }
        concurrencySeries.record(concurrency, at: scheduler.now)
    }
}
