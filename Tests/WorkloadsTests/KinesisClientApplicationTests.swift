import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Keeps what stream consumers report, in order.
final class KCLRecorder: StreamWorkloadObserver {
    struct Batch: Equatable {
        var consumer: Int
        var shard: Int
        var numbers: [Int]
        var at: Instant
    }

    struct LeaseTaken: Equatable {
        var consumer: Int
        var shard: Int
        var worker: Int
        var previous: Int?
        var at: Instant
    }

    /// Batches and lease changes in one list, so a test can tell which came first.
    enum Event: Equatable {
        case batch(Batch)
        case leaseTaken(LeaseTaken)
    }

    private(set) var events: [Event] = []
    private(set) var throttles: [Int: Int] = [:]
    private(set) var lagReports = 0

    var batches: [Batch] { events.compactMap { if case .batch(let batch) = $0 { batch } else { nil } } }
    var leaseChanges: [LeaseTaken] { events.compactMap { if case .leaseTaken(let taken) = $0 { taken } else { nil } } }

    /// How often each record of a shard was reported processed, by sequence number.
    func processingCounts(shard: Int) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for batch in batches where batch.shard == shard {
            for number in batch.numbers { counts[number, default: 0] += 1 }
        }
        return counts
    }

    func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant) {}
    func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant) {}

    func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant) {
        precondition(records.allSatisfy { $0.sequenceNumber.shard == shard }, "a batch mixes shards")
        events.append(.batch(Batch(consumer: consumer, shard: shard, numbers: records.map(\.sequenceNumber.number), at: at)))
    }

    func streamReadThrottled(stream: Int, consumer: Int, shard: Int, at: Instant) { throttles[consumer, default: 0] += 1 }

    func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant) { lagReports += 1 }

    func streamLeaseTaken(stream: Int, consumer: Int, shard: Int, worker: Int, previous: Int?, at: Instant) {
        events.append(.leaseTaken(LeaseTaken(consumer: consumer, shard: shard, worker: worker, previous: previous, at: at)))
    }
}

/// A data stream with KCL applications on it, wired by hand as a scenario's world wires them.
final class KinesisClientWorld {
    let scheduler = Scheduler()
    let stream: DataStream
    let network: Network
    let observer = KCLRecorder()
    let seed: UInt64
    private(set) var applications: [KinesisClientApplication] = []
    private var recordsPut = 0

    init(shards: Int, apiLatency: Distribution = .constant(0), seed: UInt64 = 7) {
        var configuration = StreamConfiguration(name: "clicks", shardCount: shards)
        // Tests preload thousands of records at one instant; the write limit is not under test here.
        configuration.shardWriteRecordsPerSecond = 1_000_000
        configuration.shardWriteBytesPerSecond = 1 << 30
        stream = DataStream(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        network = Network(apiLatency: apiLatency)
        self.seed = seed
    }

    func randomStream(_ name: String) -> RandomStream { RandomStream(scenarioSeed: seed, replication: 0, name: name) }

    @discardableResult
    func application(_ specification: KinesisClientSpecification) -> KinesisClientApplication {
        let application = KinesisClientApplication(specification: specification, consumerIndex: applications.count, stream: stream,
                                                   streamIndex: 0, network: network, scheduler: scheduler, observer: observer,
                                                   streams: randomStream)
        applications.append(application)
        return application
    }

    /// Puts `count` records of 100 bytes into `shard` now.
    func put(_ count: Int, shard: Int) {
        let key = stream.shards[shard].startingHashKey
        for _ in 0..<count {
            let result = stream.putRecord(PutRecordRequest(partitionKey: "k", explicitHashKey: key, dataBytes: 100,
                                                           tag: UInt64(recordsPut)))
            guard case .put = result else { preconditionFailure("a put was refused: \(result)") }
            recordsPut += 1
        }
    }

    func at(_ seconds: Double, _ action: @escaping () -> Void) { scheduler.schedule(at: Instant(seconds: seconds), action) }

    /// Runs until `seconds`. With `checking`, runs one event at a time and checks every
    /// application's invariants after each.
    func run(until seconds: Double, checking: Bool = false) {
        let limit = Instant(seconds: seconds)
        if checking {
            var budget = 5_000_000
            while let next = scheduler.nextInstant, next <= limit, budget > 0 {
                scheduler.step()
                budget -= 1
                for application in applications { application.checkInvariants() }
            }
        }
        let outcome = scheduler.run(until: limit, eventBudget: 5_000_000)
        precondition(outcome == .idle || outcome == .reachedLimit, "the run ended with \(outcome)")
    }
}

/// KCL applications against a real data stream. With zero API latency and zero processing time
/// every instant can be worked out by hand: a worker's lease passes run at multiples of the renew
/// interval R = 10 s / 3 = 3.333333333 s from its start; a reader polls once a second from the
/// instant it takes its lease.
@Suite struct KinesisClientApplicationTests {
    static let renewInterval = Span(nanoseconds: 3_333_333_333)

    func kcl(workers: Int = 1, maxRecords: Int = 100, pollInterval: Span = .seconds(1), processing: Distribution = .constant(0),
             failureProbability: Double = 0, checkpointEveryRecords: Int? = nil, checkpointInterval: Span? = nil,
             initialPosition: KinesisClientSpecification.InitialPosition = .trimHorizon,
             maxLeasesForWorker: Int? = nil, name: String = "reader") -> KinesisClientSpecification {
        KinesisClientSpecification(name: name, workers: workers, pollInterval: pollInterval, maxRecords: maxRecords,
                                   processing: processing, failureProbability: failureProbability,
                                   checkpointEveryRecords: checkpointEveryRecords, checkpointInterval: checkpointInterval,
                                   initialPosition: initialPosition, maxLeasesForWorker: maxLeasesForWorker)
    }

    func leaseCounts(_ application: KinesisClientApplication) -> [Int] {
        (0..<application.workerCount).map { application.leaseCount(worker: $0) }
    }

    func checkpointNumber(_ application: KinesisClientApplication, shard: Int = 0) -> Int? {
        if case .sequenceNumber(let sequence) = application.leases[shard].checkpoint { sequence.number } else { nil }
    }

    // MARK: Leases

    @Test func leasesAreBalancedOverWorkers() {
        let world = KinesisClientWorld(shards: 8)
        let application = world.application(kcl(workers: 3))
        application.start()
        world.run(until: 30, checking: true)
        #expect(leaseCounts(application) == [3, 3, 2])
        #expect(application.counters.leasesTaken == 8)
        #expect(application.counters.leaseSteals == 0)
        for shard in 0..<8 { #expect(application.reader(ofShard: shard) == application.leases[shard].owner) }
    }

    @Test func aJoiningWorkerStealsOneLeaseAPassUntilBalanced() {
        let world = KinesisClientWorld(shards: 8)
        let application = world.application(kcl(workers: 3))
        application.start()
        world.run(until: 20)
        #expect(leaseCounts(application) == [3, 3, 2])
        world.at(20) { application.addWorker() }
        world.run(until: 60, checking: true)
        #expect(leaseCounts(application) == [2, 2, 2, 2])
        #expect(application.counters.leaseSteals == 2)
        let stolen = world.observer.leaseChanges.filter { $0.worker == 3 }
        // From the most loaded worker each time (worker 0, then worker 1), one pass apart.
        #expect(stolen.map(\.previous) == [0, 1])
        #expect(stolen.map(\.at) == [Instant(seconds: 20), Instant(seconds: 20) + Self.renewInterval])
    }

    @Test func aWorkerTakesNoMoreThanMaxLeasesForWorker() {
        let world = KinesisClientWorld(shards: 3)
        world.put(10, shard: 2)
        let application = world.application(kcl(maxLeasesForWorker: 2))
        application.start()
        world.run(until: 30, checking: true)
        #expect(leaseCounts(application) == [2])
        #expect(application.leases[2].owner == nil)
        #expect(world.observer.processingCounts(shard: 2).isEmpty)
        #expect(!application.isIdle)
    }

    // MARK: Reading

    @Test func eachShardIsReadByOneWorkerAtATimeAndItsRecordsInSequenceOrder() {
        // Records arrive on 4 shards while workers crash, restart, join and leave; the invariants
        // (one reader per shard, the lease's owner) are checked after every event.
        let world = KinesisClientWorld(shards: 4, apiLatency: .lognormal(mean: 0.02, sd: 0.01))
        let application = world.application(kcl(workers: 3, processing: .exponential(mean: 0.002), failureProbability: 0.05,
                                                 checkpointEveryRecords: 150))
        application.start()
        for tick in 0..<600 {
            world.at(Double(tick) * 0.1) { for shard in 0..<4 { world.put(3, shard: shard) } }
        }
        world.at(15) { application.crash(worker: 0, restartAfter: .seconds(20)) }
        world.at(30) { application.addWorker() }
        world.at(50) { application.removeWorker(1) }
        world.run(until: 120, checking: true)
        #expect(application.counters.leaseTakeovers > 0)
        #expect(application.counters.recordsReprocessed > 0)
        // Per shard, each batch continues where the last ended, except right after the lease
        // changed hands, when the new owner resumes after the checkpoint: never past the last
        // record processed, never skipping one.
        for shard in 0..<4 {
            var nextExpected = 0
            var leaseMoved = false
            for event in world.observer.events {
                switch event {
                case .leaseTaken(let taken) where taken.shard == shard:
                    leaseMoved = true
                case .batch(let batch) where batch.shard == shard:
                    #expect(batch.numbers == Array(batch.numbers[0]..<batch.numbers[0] + batch.numbers.count), "shard \(shard)")
                    if leaseMoved {
                        #expect(batch.numbers[0] <= nextExpected, "shard \(shard) skipped records at \(batch.at)")
                    } else {
                        #expect(batch.numbers[0] == nextExpected, "shard \(shard) at \(batch.at)")
                    }
                    nextExpected = max(nextExpected, batch.numbers.last! + 1)
                    leaseMoved = false
                default:
                    break
                }
            }
            #expect(nextExpected == 1800, "shard \(shard) read to its end")
        }
        #expect(application.isIdle)
    }

    @Test func aCrashedWorkersLeaseIsTakenAfterFailoverTimeAndRecordsAfterItsCheckpointAreProcessedAgain() {
        // Worker 0 takes the shard at 0 s and reads 100 records a second: 0…99 at 0 s, … 600…699
        // at 6 s, checkpointing after 299 (at 2 s) and after 599 (at 5 s). It crashes at 6.5 s; its
        // last renewal was at R. Worker 1 finds the lease expired at its first pass after R + 10 s,
        // 5R, and resumes after 599: records 600…699 are processed twice, everything else once.
        let world = KinesisClientWorld(shards: 1)
        world.put(1000, shard: 0)
        let application = world.application(kcl(workers: 2, checkpointEveryRecords: 250))
        application.start()
        world.at(6.5) { application.crash(worker: 0, restartAfter: nil) }
        world.run(until: 30, checking: true)
        let takeover = world.observer.leaseChanges.last
        #expect(takeover == KCLRecorder.LeaseTaken(consumer: 0, shard: 0, worker: 1, previous: 0,
                                                               at: Instant(nanoseconds: 5 * Self.renewInterval.nanoseconds)))
        #expect(application.counters.recordsReprocessed == 100)
        #expect(application.counters.recordsProcessed == 1100)
        #expect(application.counters.leaseTakeovers == 1)
        #expect(application.counters.leaseSteals == 0)
        let counts = world.observer.processingCounts(shard: 0)
        #expect(counts.count == 1000)
        #expect(counts.filter { $0.value == 2 }.keys.sorted() == Array(600..<700))
        #expect(counts.values.allSatisfy { $0 <= 2 })
    }

    @Test func aGracefulLeaveCheckpointsAndReleasesItsLeasesSoNothingIsProcessedTwice() {
        // Worker 0 leaves at 6.5 s having processed 0…699: its last checkpoint is after 699 and the
        // lease is free at once, so worker 1 takes it at its next pass, 2R, and reads on from 700.
        let world = KinesisClientWorld(shards: 1)
        world.put(1000, shard: 0)
        let application = world.application(kcl(workers: 2, checkpointEveryRecords: 250))
        application.start()
        world.at(6.5) { application.removeWorker(0) }
        world.run(until: 30, checking: true)
        #expect(world.observer.leaseChanges.last == KCLRecorder.LeaseTaken(
            consumer: 0, shard: 0, worker: 1, previous: nil, at: Instant(nanoseconds: 2 * Self.renewInterval.nanoseconds)))
        #expect(application.counters.recordsReprocessed == 0)
        #expect(application.counters.leaseTakeovers == 0)
        let counts = world.observer.processingCounts(shard: 0)
        #expect(counts.count == 1000 && counts.values.allSatisfy { $0 == 1 })
        #expect(!application.isRunning(worker: 0))
    }

    @Test func aRestartedWorkerComesBackWithNoLeasesAndStealsItsShare() {
        let world = KinesisClientWorld(shards: 4)
        let application = world.application(kcl(workers: 2))
        application.start()
        world.at(5) { application.crash(worker: 0, restartAfter: .seconds(30)) }
        world.run(until: 34, checking: true)
        #expect(leaseCounts(application) == [0, 4])
        world.run(until: 60, checking: true)
        #expect(leaseCounts(application) == [2, 2])
        let retaken = world.observer.leaseChanges.filter { $0.worker == 0 && $0.at >= Instant(seconds: 35) }
        #expect(retaken.count == 2)
        #expect(retaken.allSatisfy { $0.previous == 1 })
    }

    @Test func parentsAreReadToShardEndBeforeTheirChildrenAfterASplit() {
        // The parent holds 3,000 records, 30 s of reading; its children get leases at the first
        // pass after the split but no worker takes them until the parent is checkpointed at
        // SHARD_END. Children are read from TRIM_HORIZON although the application starts at LATEST.
        let world = KinesisClientWorld(shards: 1)
        let application = world.application(kcl(workers: 2, checkpointInterval: .seconds(5), initialPosition: .latest))
        application.start()
        world.at(0.5) {
            world.put(3000, shard: 0)
            let split = world.stream.splitShard(0, newStartingHashKey: HashKey.max / 2)
            guard case .success(let children) = split else { preconditionFailure("\(split)") }
            for child in children { world.put(20, shard: child) }
        }
        world.run(until: 60, checking: true)
        #expect(application.leases[0].isFinished)
        let batches = world.observer.batches
        let lastParentBatch = batches.lastIndex { $0.shard == 0 }!
        let firstChildBatch = batches.firstIndex { $0.shard != 0 }!
        #expect(lastParentBatch < firstChildBatch)
        #expect(batches[lastParentBatch].numbers.last == 2999)
        let childTakes = world.observer.leaseChanges.filter { $0.shard != 0 }
        #expect(childTakes.count == 2)
        #expect(childTakes.allSatisfy { $0.at > batches[lastParentBatch].at })
        for child in [1, 2] { #expect(world.observer.processingCounts(shard: child).count == 20) }
        #expect(application.isIdle)
    }

    @Test func bothParentsAreReadToShardEndBeforeTheChildAfterAMerge() {
        let world = KinesisClientWorld(shards: 2)
        world.put(2000, shard: 0)
        world.put(500, shard: 1)
        let application = world.application(kcl(workers: 2, checkpointInterval: .seconds(5)))
        application.start()
        world.at(0.5) {
            let merge = world.stream.mergeShards(0, 1)
            guard case .success(let child) = merge else { preconditionFailure("\(merge)") }
            world.put(50, shard: child)
        }
        world.run(until: 60, checking: true)
        let batches = world.observer.batches
        let firstChildBatch = batches.firstIndex { $0.shard == 2 }!
        for parent in [0, 1] {
            #expect(application.leases[parent].isFinished)
            #expect(batches.lastIndex { $0.shard == parent }! < firstChildBatch)
        }
        #expect(world.observer.processingCounts(shard: 2).count == 50)
        #expect(application.isIdle)
    }

    // MARK: Checkpoints

    @Test func aCheckpointIsWrittenOnceEveryNRecords() {
        // 100 records a second, N = 250: checkpoints after 299 (2 s), 599 (5 s), 899 (8 s); the
        // last 100 records never make 250, and no time rule checkpoints them.
        let world = KinesisClientWorld(shards: 1)
        world.put(1000, shard: 0)
        let application = world.application(kcl(checkpointEveryRecords: 250))
        application.start()
        var seen: [Int?] = []
        for instant in [1.5, 2.5, 4.5, 5.5, 8.5, 20] {
            world.at(instant) { seen.append(checkpointNumber(application)) }
        }
        world.run(until: 21)
        #expect(seen == [nil, 299, 299, 599, 899, 899])
        #expect(application.counters.checkpoints == 3)
        #expect(application.isIdle)
    }

    @Test func aCheckpointIsWrittenOnceEveryTSecondsAndTheTailWhenTheShardGoesQuiet() {
        // 10 records a second, T = 5 s: after 59 at 5 s; 60…99 are processed by 9 s, and the empty
        // answer at 10 s finds 5 s passed with records not yet checkpointed.
        let world = KinesisClientWorld(shards: 1)
        world.put(100, shard: 0)
        let application = world.application(kcl(maxRecords: 10, checkpointInterval: .seconds(5)))
        application.start()
        var seen: [Int?] = []
        for instant in [4.5, 5.5, 9.5, 10.5, 30] {
            world.at(instant) { seen.append(checkpointNumber(application)) }
        }
        world.run(until: 31)
        #expect(seen == [nil, 59, 59, 99, 99])
        #expect(application.counters.checkpoints == 2)
    }

    // MARK: Limits and failures

    @Test func twoApplicationsPollingAShardTenTimesASecondAreThrottledToItsFiveReadsASecond() {
        let world = KinesisClientWorld(shards: 1)
        // The second application starts 30 ms after the first: calls at one instant would always
        // find the first one's read debt and throttle the second.
        let applications = ["a", "b"].map { world.application(kcl(pollInterval: .milliseconds(100), name: $0)) }
        applications[0].start()
        world.at(0.03) { applications[1].start() }
        for tick in 0..<200 { world.at(Double(tick) * 0.1 + 0.05) { world.put(5, shard: 0) } }
        world.run(until: 20)
        // Each application calls every 0.1 s, throttled or not.
        let calls = applications.map(\.counters.getRecordsCalls)
        let throttles = applications.map(\.counters.throttles)
        #expect(calls.allSatisfy { (199...201).contains($0) })
        #expect(throttles.allSatisfy { $0 > 0 })
        #expect(world.observer.throttles == [0: throttles[0], 1: throttles[1]])
        #expect(world.stream.counters.readThrottled == throttles.reduce(0, +))
        // At most 5 answered calls in any second: 100 over 20 s, plus the first window's.
        let answered = zip(calls, throttles).map { $0 - $1 }.reduce(0, +)
        #expect((95...105).contains(answered))
        #expect(world.observer.lagReports == answered)
        for application in applications { #expect(world.observer.batches.filter { $0.consumer == application.consumerIndex }.count > 0) }
    }

    @Test func twoApplicationsPollingOnceASecondShareAShardWithoutThrottling() {
        let world = KinesisClientWorld(shards: 1)
        let applications = ["a", "b"].map { world.application(kcl(name: $0)) }
        applications[0].start()
        world.at(0.3) { applications[1].start() }
        for tick in 0..<20 { world.at(Double(tick) + 0.5) { world.put(5, shard: 0) } }
        world.run(until: 20.5)
        #expect(applications.allSatisfy { $0.counters.throttles == 0 })
        #expect(applications.allSatisfy { $0.counters.recordsProcessed == 100 })
    }

    @Test func aFailedBatchIsProcessedAgainAndNothingIsLostOrDuplicated() {
        let world = KinesisClientWorld(shards: 2)
        world.put(2000, shard: 0)
        world.put(2000, shard: 1)
        let application = world.application(kcl(workers: 2, failureProbability: 0.3))
        application.start()
        world.run(until: 120, checking: true)
        #expect(application.counters.failedBatches > 0)
        #expect(application.counters.recordsReprocessed == 0)
        for shard in 0..<2 {
            let counts = world.observer.processingCounts(shard: shard)
            #expect(counts.count == 2000 && counts.values.allSatisfy { $0 == 1 })
        }
    }

    @Test func anApplicationIsIdleOnlyWhenEveryShardIsReadToItsTip() {
        let world = KinesisClientWorld(shards: 2)
        world.put(300, shard: 0)
        let application = world.application(kcl(workers: 1))
        application.start()
        world.run(until: 1.5)
        #expect(!application.isIdle)
        world.run(until: 3.5)
        #expect(application.isIdle)
        world.put(1, shard: 1)
        #expect(!application.isIdle)
        world.run(until: 4.5)
        #expect(application.isIdle)
    }

    @Test func theSameSeedGivesTheSameRunAndAnotherSeedAnotherOne() {
        func run(seed: UInt64) -> (KinesisClientCounters, [KCLRecorder.Event]) {
            let world = KinesisClientWorld(shards: 3, apiLatency: .lognormal(mean: 0.01, sd: 0.005), seed: seed)
            let application = world.application(kcl(workers: 2, processing: .lognormal(mean: 0.003, sd: 0.002),
                                                    failureProbability: 0.1, checkpointInterval: .seconds(3)))
            application.start()
            for tick in 0..<300 { world.at(Double(tick) * 0.1) { for shard in 0..<3 { world.put(2, shard: shard) } } }
            world.at(12) { application.crash(worker: 1, restartAfter: .seconds(5)) }
            world.run(until: 60)
            return (application.counters, world.observer.events)
        }
        let first = run(seed: 7)
        let again = run(seed: 7)
        let other = run(seed: 8)
        #expect(first.0.failedBatches > 0)
        #expect(first.0 == again.0)
        #expect(first.1 == again.1)
        #expect(first.1 != other.1)
    }

    @Test func problemsNameEveryInvalidField() {
        var specification = KinesisClientSpecification(name: "", workers: 0, pollInterval: .zero, maxRecords: 10_001,
                                                       failureProbability: 1.5, taskBackoff: .zero, checkpointEveryRecords: 0,
                                                       checkpointInterval: .zero, failoverTime: .seconds(10),
                                                       leaseRenewInterval: .seconds(10), maxLeasesForWorker: 0)
        #expect(specification.problems().map(\.field) == ["name", "workers", "pollInterval", "maxRecords", "failureProbability",
                                                          "taskBackoff", "checkpointEveryRecords", "checkpointInterval",
                                                          "leaseRenewInterval", "maxLeasesForWorker"])
        specification = KinesisClientSpecification(name: "ok")
        #expect(specification.problems().isEmpty)
        #expect(specification.resolvedLeaseRenewInterval == Self.renewInterval)
    }
}
