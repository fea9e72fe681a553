import MessagingEngine
import SimKernel
import Stochastic

/// A shard's row in the application's lease table (the KCL keeps it in DynamoDB): who holds the
/// shard, when they last renewed the lease, and how far the application has checkpointed it. The
/// row outlives the workers: a crash leaves it as it was, which is how the next owner knows where
/// to resume.
public struct KinesisLease: Sendable, Equatable {
    public enum Checkpoint: Sendable, Equatable {
        /// Never checkpointed: a reader starts at the lease's initial position.
        case initialPosition
        /// The records up to and including this one are done.
        case sequenceNumber(SequenceNumber)
        /// The closed shard was read to its end: its children may be read.
        case shardEnd
    }

    public let shard: Int
    /// The worker holding the lease; nil when no one has taken it, or it was released.
    public internal(set) var owner: Int?
    public internal(set) var lastRenewedAt: Instant
    public internal(set) var checkpoint: Checkpoint
    /// Where reading starts while the lease has no checkpoint.
    public let initialPosition: ShardIteratorType

    /// A finished lease is neither held nor taken again.
    public var isFinished: Bool { checkpoint == .shardEnd }
}

/// A KCL-style consumer application: a group of workers sharing one lease table, one lease per
/// shard, each shard read by the one worker holding its lease (SEMANTICS.md, Stream; issue 5, 4a).
///
/// Leases. Every `resolvedLeaseRenewInterval` each running worker makes one lease pass: it renews
/// the leases it holds, adds a lease for every shard the stream has that the table lacks, then
/// balances. A lease is *takeable* when it is not finished and every parent of its shard is
/// checkpointed at SHARD_END, so parents are read to their end before their children. Balancing
/// follows the KCL's lease taker: the workers are the owners of unexpired takeable leases plus the
/// worker itself; the target is ⌈takeable leases / workers⌉, capped by `maxLeasesForWorker`. A
/// worker below the target takes one lease that no one holds or whose owner has not renewed it for
/// more than `failoverTime` (lowest shard first); with none, it steals one from the most loaded
/// worker (lowest worker first on ties) when that worker holds more than the target, or exactly
/// the target while the taker lacks more than one. One lease a pass either way: the KCL's taker
/// may take several expired leases at once, but a fleet whose workers start together would then
/// hand every lease to its first worker and spend the next passes stealing them back.
///
/// A taken lease moves at once: the previous owner's reader stops where it is (the KCL's previous
/// owner finds out at its next renewal or checkpoint; stopping at once keeps a shard with one
/// reader), and the new owner resumes after the lease's checkpoint. Records the previous owner
/// processed after that checkpoint are processed again, reported again, and counted as
/// `recordsReprocessed`.
///
/// Lease-table reads and writes of a pass take effect at the pass's instant: nothing waits on their
/// answers. Checkpoints, GetShardIterator and GetRecords take a round trip of the network, with
/// their effect at its midpoint, as the other actors' calls do.
///
/// Workers are numbered from 0 in the order they were added; a removed or crashed worker keeps its
/// number, and a restarted one comes back under it.
public final class KinesisClientApplication: TimerTarget {
    public let specification: KinesisClientSpecification
    public let consumerIndex: Int
    public let streamIndex: Int
    let stream: DataStream
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the application is its observer and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    let streams: (String) -> RandomStream
    let renewInterval: Span

    public private(set) var leases: [KinesisLease] = []
    /// The reader of each lease's shard, whichever worker holds it; same index as `leases`.
    var readers: [KinesisShardReader] = []
    var workers: [Worker] = []
    public internal(set) var counters = KinesisClientCounters()
    private var isStarted = false

    /// A worker process: its state in memory, lost in a crash.
    struct Worker {
        enum Status { case running, crashed, left }
        var status = Status.running
        /// Bumped when the worker crashes, restarts or leaves: a timer set before carries the old
        /// value and is dropped.
        var incarnation = 0
        /// Shards whose leases this incarnation holds, in the order it took them.
        var held: [Int] = []
        let processingStream: RandomStream
        let outcomeStream: RandomStream
        let networkStream: RandomStream
    }

    enum Code: Int { case leasePass, restart }

    /// `consumerIndex` numbers the application among the scenario's stream consumers and
    /// `streamIndex` the stream among its streams, as the observer hears them.
    public init(specification: KinesisClientSpecification, consumerIndex: Int, stream: DataStream, streamIndex: Int,
                network: Network, scheduler: Scheduler, observer: StreamWorkloadObserver,
                streams: @escaping (String) -> RandomStream) {
        precondition(specification.problems().isEmpty, "invalid KCL application: \(specification.problems())")
        self.specification = specification
        self.consumerIndex = consumerIndex
        self.stream = stream
        self.streamIndex = streamIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        self.streams = streams
        renewInterval = specification.resolvedLeaseRenewInterval
    }

    /// Makes the lease table for the shards the stream has now and starts the workers; their
    /// first lease passes run at this instant, in worker order.
    public func start() {
        precondition(!isStarted, "an application starts once")
        isStarted = true
        let initial: ShardIteratorType = switch specification.initialPosition {
        case .trimHorizon: .trimHorizon
        case .latest: .latest
        case .atTimestamp(let instant): .atTimestamp(instant)
        }
        addLeases(initialPosition: initial)
        for _ in 0..<specification.workers { addWorker() }
    }

    /// Adds a worker; its first lease pass runs at this instant. Returns its number.
    @discardableResult
    public func addWorker() -> Int {
        precondition(isStarted, "workers join a started application")
        let index = workers.count
        let prefix = "kcl/\(specification.name)/\(index)"
        workers.append(Worker(processingStream: streams(prefix + "/processing"), outcomeStream: streams(prefix + "/outcome"),
                              networkStream: streams(prefix + "/network")))
        schedulePass(index, at: scheduler.now)
        return index
    }

    /// A graceful leave (the KCL's graceful shutdown): the worker stops reading at once, drops any
    /// batch it has not finished processing, and for each lease writes a last checkpoint at what
    /// it has processed (SHARD_END when it had read the shard to its end) and releases the lease.
    /// The lease is free from the moment that write reaches the table, and the next owner resumes
    /// where the leaver stopped: nothing is processed twice. A crashed worker that is removed
    /// simply stays down.
    public func removeWorker(_ worker: Int) {
        precondition(workers.indices.contains(worker), "no worker \(worker)")
        let wasRunning = workers[worker].status == .running
        guard workers[worker].status != .left else { return }
        workers[worker].status = .left
        workers[worker].incarnation += 1
        guard wasRunning else { return }
        for shard in workers[worker].held { readers[shard].shutDown() }
    }

    /// The worker stops at once, holding its leases: they are not renewed, so after `failoverTime`
    /// other workers take them and resume after their checkpoints. Restarted after `restartAfter`
    /// (if given), the worker is a new process under the same number: it holds no leases (those in
    /// its name expire like any crashed worker's) and takes its share in its lease passes.
    public func crash(worker: Int, restartAfter: Span?) {
        precondition(workers.indices.contains(worker), "no worker \(worker)")
        guard workers[worker].status == .running else { return }
        workers[worker].status = .crashed
        workers[worker].incarnation += 1
        for shard in workers[worker].held { readers[shard].stop() }
        workers[worker].held = []
        if let restartAfter {
            scheduler.schedule(at: scheduler.now + restartAfter, target: self, code: Code.restart.rawValue,
                               payload: timerPayload(worker))
        }
    }

    public func timerFired(code: Int, payload: Int) {
        let worker = payload >> 32
        guard payload & 0xFFFF_FFFF == workers[worker].incarnation & 0xFFFF_FFFF else { return }
        switch Code(rawValue: code)! {
        case .leasePass:
            leasePass(worker)
        case .restart:
            workers[worker].status = .running
            workers[worker].incarnation += 1
            leasePass(worker)
        }
    }

    func timerPayload(_ worker: Int) -> Int { worker << 32 | (workers[worker].incarnation & 0xFFFF_FFFF) }

    func schedulePass(_ worker: Int, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: Code.leasePass.rawValue, payload: timerPayload(worker))
    }

    // MARK: Leases

    /// Adds a lease for each shard the table lacks. Shards made after the start are children of a
    /// reshard and are read from TRIM_HORIZON.
    func addLeases(initialPosition: ShardIteratorType) {
        let now = scheduler.now
        while leases.count < stream.shards.count {
            let shard = leases.count
            leases.append(KinesisLease(shard: shard, owner: nil, lastRenewedAt: now, checkpoint: .initialPosition,
                                       initialPosition: initialPosition))
            readers.append(KinesisShardReader(shard: shard, application: self))
        }
    }

    func leasePass(_ worker: Int) {
        let now = scheduler.now
        for shard in workers[worker].held { leases[shard].lastRenewedAt = now }
        addLeases(initialPosition: .trimHorizon)
        balance(worker)
        schedulePass(worker, at: now + renewInterval)
    }

    func isExpired(_ shard: Int, at now: Instant) -> Bool {
        leases[shard].owner != nil && now - leases[shard].lastRenewedAt > specification.failoverTime
    }

    /// Not finished, and every parent of the shard checkpointed at SHARD_END.
    func isTakeable(_ shard: Int) -> Bool {
        guard !leases[shard].isFinished else { return false }
        for parent in stream.shards[shard].parents where !leases[parent].isFinished { return false }
        return true
    }

    /// One balancing step of `worker`'s lease pass: take one free or expired lease, or steal one.
    func balance(_ worker: Int) {
        let now = scheduler.now
        var holdings = [Int](repeating: 0, count: workers.count)
        var takeableCount = 0
        var available: Int?
        for shard in leases.indices where isTakeable(shard) {
            takeableCount += 1
            if let owner = leases[shard].owner, !isExpired(shard, at: now) {
                holdings[owner] += 1
            } else if available == nil {
                available = shard
            }
        }
        // A restarted worker does not count the unexpired leases left in its name: it holds none of them.
        holdings[worker] = workers[worker].held.count
        let workerCount = holdings.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } + (holdings[worker] == 0 ? 1 : 0)
        var target = (takeableCount + workerCount - 1) / workerCount
        if let cap = specification.maxLeasesForWorker { target = min(target, cap) }
        let held = holdings[worker]
        guard held < target else { return }
        if let available {
            take(available, by: worker)
            return
        }
        var mostLoaded: Int?
        for other in holdings.indices where other != worker && holdings[other] > (mostLoaded.map { holdings[$0] } ?? 0) {
            mostLoaded = other
        }
        guard let victim = mostLoaded,
              holdings[victim] > target || (holdings[victim] == target && target - held > 1) else { return }
        for shard in leases.indices where leases[shard].owner == victim && isTakeable(shard) && !isExpired(shard, at: now) {
            take(shard, by: worker)
            return
        }
    }

    func take(_ shard: Int, by worker: Int) {
        let now = scheduler.now
        let previous = leases[shard].owner
        if let previous {
            counters.leaseTakeovers += 1
            if !isExpired(shard, at: now) { counters.leaseSteals += 1 }
            workers[previous].held.removeAll { $0 == shard }
            readers[shard].stop()
        }
        leases[shard].owner = worker
        leases[shard].lastRenewedAt = now
        workers[worker].held.append(shard)
        counters.leasesTaken += 1
        observer.streamLeaseTaken(stream: streamIndex, consumer: consumerIndex, shard: shard, worker: worker, previous: previous, at: now)
        readers[shard].start(worker: worker, streams: workers[worker])
    }

    /// A checkpoint write reaching the lease table: conditional on `worker` still owning the lease.
    /// A SHARD_END checkpoint also releases the lease. Returns whether it was written.
    func writeCheckpoint(_ shard: Int, _ checkpoint: KinesisLease.Checkpoint, by worker: Int) -> Bool {
        guard leases[shard].owner == worker else { return false }
        leases[shard].checkpoint = checkpoint
        counters.checkpoints += 1
        if checkpoint == .shardEnd { release(shard, by: worker) }
        return true
    }

    /// The owner lets the lease go: anyone may take it at their next pass.
    func release(_ shard: Int, by worker: Int) {
        guard leases[shard].owner == worker else { return }
        leases[shard].owner = nil
        workers[worker].held.removeAll { $0 == shard }
    }

    // MARK: Inspection

    /// Workers made so far, whatever their state.
    public var workerCount: Int { workers.count }

    /// Whether the worker is running (not crashed, not removed).
    public func isRunning(worker: Int) -> Bool { workers[worker].status == .running }

    /// Leases the worker holds now.
    public func leaseCount(worker: Int) -> Int { workers[worker].held.count }

    /// The worker reading the shard now, if any.
    public func reader(ofShard shard: Int) -> Int? { shard < readers.count ? readers[shard].worker : nil }

    /// Nothing further to read right now: every closed shard is checkpointed at SHARD_END, and
    /// every open shard's records have all been processed by the worker holding it (as of its last
    /// GetRecords reaching the tip). The tail after an open shard's last checkpoint need not be
    /// checkpointed: an application that checkpoints only every N records would otherwise never
    /// be idle, though a crash would replay that tail.
    /// - Complexity: O(shards).
    public var isIdle: Bool {
        guard leases.count == stream.shards.count else { return false }
        for shard in leases.indices where !leases[shard].isFinished {
            guard stream.shards[shard].isOpen, readers[shard].worker != nil,
                  readers[shard].caughtUpTo == stream.shards[shard].nextNumber else { return false }
        }
        return true
    }

    /// Checks that every lease is held by at most one running or leaving worker that knows it holds
    /// it, that each shard is read only by its lease's owner, that finished leases are free, and
    /// that no child is held before its parents are finished.
    public func checkInvariants() {
        var holder = [Int?](repeating: nil, count: leases.count)
        for (index, worker) in workers.enumerated() {
            if worker.status == .crashed { precondition(worker.held.isEmpty, "crashed worker \(index) still holds leases") }
            if let cap = specification.maxLeasesForWorker, worker.status == .running {
                precondition(worker.held.count <= cap, "worker \(index) holds more than maxLeasesForWorker")
            }
            for shard in worker.held {
                precondition(holder[shard] == nil, "\(ShardState.shardId(shard)) is held by workers \(holder[shard]!) and \(index)")
                precondition(leases[shard].owner == index, "worker \(index) holds \(ShardState.shardId(shard)) the table gives to another")
                holder[shard] = index
            }
        }
        for shard in leases.indices {
            if let reader = readers[shard].worker {
                precondition(holder[shard] == reader, "\(ShardState.shardId(shard)) is read by worker \(reader), which does not hold it")
            }
            if leases[shard].isFinished {
                precondition(leases[shard].owner == nil && !stream.shards[shard].isOpen, "a finished lease is free and its shard closed")
            }
            if leases[shard].owner != nil {
                for parent in stream.shards[shard].parents {
                    precondition(leases[parent].isFinished, "\(ShardState.shardId(shard)) is held before its parent is finished")
                }
            }
        }
    }
}
