import MessagingEngine
import SimKernel
import Stochastic

/// The reading of one shard by whichever worker of a KCL application holds its lease: the KCL's
/// shard consumer with its record processor.
///
/// The loop: GetShardIterator (after the checkpoint, or at the lease's initial position), then
/// GetRecords → process the batch (its records one after another) → checkpoint if due → wait
/// `pollInterval` → GetRecords with the next iterator. The wait follows every answer, a full batch's
/// too: the KCL's idle time between reads is what keeps an application at about one call a second
/// per shard, and catching up faster would spend the shard's 5 calls a second that other
/// applications share. A throttled GetRecords is tried again after `pollInterval`; an expired
/// iterator is replaced by one after the last record processed. At SHARD_END (no next iterator)
/// the reader checkpoints SHARD_END, which releases the lease so the children become takeable.
///
/// One reader exists per shard for the application's life and serves each owner in turn: the
/// scheduler holds its timers unretained, so it must outlive them, and a shard read by one object
/// cannot be read by two workers at once. Like `Consumer`, it is a state machine whose waits are
/// timers on itself; `stop` bumps the epoch, so every step scheduled before is dropped.
final class KinesisShardReader: TimerTarget {
    let shard: Int
    /// Not reference-counted: the application owns its readers and outlives them.
    unowned(unsafe) let application: KinesisClientApplication
    unowned(unsafe) let scheduler: Scheduler
    unowned(unsafe) let stream: DataStream
    unowned(unsafe) let observer: StreamWorkloadObserver
    let specification: KinesisClientSpecification
    /// The per-record processing time when it is constant, so a batch costs one multiplication.
    let constantProcessing: Double?

    /// The worker reading the shard now; nil while no one does.
    private(set) var worker: Int?
    var epoch = 0
    /// The owning worker's random streams.
    var processingStream: RandomStream?
    var outcomeStream: RandomStream?
    var networkStream: RandomStream?

    var iterator: ShardIterator?
    /// The batch in hand, from the last GetRecords answer, and whether that answer was SHARD_END.
    var batch: [StreamRecord] = []
    var isLastBatch = false
    /// The shard's next sequence number when the last GetRecords read up to it; nil when that call
    /// left records behind.
    var tipAtRead: Int?
    /// The shard's next sequence number as of the last batch this owner processed that reached the
    /// tip; −1 when none did. `isIdle` compares it with the shard now.
    var caughtUpTo = -1
    /// The last record this owner processed, or the checkpoint it resumed after.
    var processedThrough: Int?
    var checkpointedThrough: Int?
    var recordsSinceCheckpoint = 0
    var lastCheckpointAt = Instant.zero
    /// The checkpoint a write under way carries.
    var pendingCheckpoint: KinesisLease.Checkpoint?
    /// The highest record any owner has processed: below it, processing is a replay.
    var highestProcessed = -1
    var answerAt = Instant.zero

    enum Step: Int {
        case requestIterator, iteratorArrives
        case requestRecords, recordsArrives, recordsAnswered
        case processBatch, processed
        case requestCheckpoint, checkpointArrives
        case releaseArrives
    }

    init(shard: Int, application: KinesisClientApplication) {
        self.shard = shard
        self.application = application
        scheduler = application.scheduler
        stream = application.stream
        observer = application.observer
        specification = application.specification
        if case .constant(let seconds) = application.specification.processing { constantProcessing = seconds } else { constantProcessing = nil }
    }

    func take(_ step: Step, at instant: Instant) {
        if instant == scheduler.now {
            run(step)
        } else {
            scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: epoch)
        }
    }

    func timerFired(code: Int, payload: Int) {
        guard payload == epoch else { return }
        run(Step(rawValue: code)!)
    }

    func run(_ step: Step) {
        switch step {
        case .requestIterator: call(.iteratorArrives)
        case .iteratorArrives: iteratorArrives()
        case .requestRecords: call(.recordsArrives)
        case .recordsArrives: recordsArrives()
        case .recordsAnswered: if batch.isEmpty { batchDone() } else { processBatch() }
        case .processBatch: processBatch()
        case .processed: processed()
        case .requestCheckpoint: call(.checkpointArrives)
        case .checkpointArrives: checkpointArrives()
        case .releaseArrives: releaseArrives()
        }
    }

    /// Starts a call: the request takes effect after half the round trip, the answer comes at its end.
    func call(_ arrives: Step) {
        let start = scheduler.now
        let roundTrip = application.network.roundTrip(at: start, rng: networkStream!)
        answerAt = start + roundTrip
        take(arrives, at: start + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    /// Whether the call reaching the service now is lost in the network; if so it is counted and
    /// `retry` is taken after the task backoff.
    func callFails(retry: Step) -> Bool {
        guard application.network.fails(at: scheduler.now, rng: networkStream!) else { return false }
        application.counters.failedCalls += 1
        take(retry, at: answerAt + specification.taskBackoff)
        return true
    }

    // MARK: Owners

    /// `worker` has taken the lease: read from after its checkpoint.
    func start(worker: Int, streams: KinesisClientApplication.Worker) {
        epoch += 1
        self.worker = worker
        processingStream = streams.processingStream
        outcomeStream = streams.outcomeStream
        networkStream = streams.networkStream
        iterator = nil
        batch = []
        isLastBatch = false
        tipAtRead = nil
        caughtUpTo = -1
        pendingCheckpoint = nil
        if case .sequenceNumber(let sequence) = application.leases[shard].checkpoint {
            processedThrough = sequence.number
            checkpointedThrough = sequence.number
        } else {
            processedThrough = nil
            checkpointedThrough = nil
        }
        recordsSinceCheckpoint = 0
        lastCheckpointAt = scheduler.now
        call(.iteratorArrives)
    }

    /// The owner has crashed or lost the lease: everything in hand is dropped.
    func stop() {
        epoch += 1
        worker = nil
        iterator = nil
        batch = []
        caughtUpTo = -1
        pendingCheckpoint = nil
    }

    /// The owner leaves gracefully: the batch in hand is dropped unprocessed, and one write
    /// checkpoints what was processed (SHARD_END if the shard was read to its end) and releases
    /// the lease. The write's network failures are not modelled.
    func shutDown() {
        let finishedShard = isLastBatch && batch.isEmpty
        epoch += 1
        batch = []
        if finishedShard {
            pendingCheckpoint = .shardEnd
        } else if let processedThrough, processedThrough != checkpointedThrough {
            pendingCheckpoint = .sequenceNumber(SequenceNumber(shard: shard, number: processedThrough))
        } else {
            pendingCheckpoint = nil
        }
        call(.releaseArrives)
    }

    func releaseArrives() {
        guard let worker else { return }
        if let checkpoint = pendingCheckpoint {
            _ = application.writeCheckpoint(shard, checkpoint, by: worker)
        }
        application.release(shard, by: worker)
        stop()
    }

    // MARK: Reading

    func iteratorArrives() {
        if callFails(retry: .requestIterator) { return }
        let type: ShardIteratorType = if let processedThrough {
            .afterSequenceNumber(SequenceNumber(shard: shard, number: processedThrough))
        } else {
            application.leases[shard].initialPosition
        }
        switch stream.getShardIterator(shard: shard, type: type) {
        case .success(let iterator):
            self.iterator = iterator
            take(.requestRecords, at: answerAt)
        case .failure(.limitExceeded):
            application.counters.shardIteratorThrottles += 1
            take(.requestIterator, at: answerAt + specification.pollInterval)
        case .failure:
            application.counters.failedCalls += 1
            take(.requestIterator, at: answerAt + specification.taskBackoff)
        }
    }

    func recordsArrives() {
        if callFails(retry: .requestRecords) { return }
        let now = scheduler.now
        application.counters.getRecordsCalls += 1
        switch stream.getRecords(iterator!, limit: specification.maxRecords) {
        case .records(let records, let next, let millisBehindLatest, _):
            observer.streamConsumerLag(stream: application.streamIndex, consumer: application.consumerIndex, shard: shard,
                                       millisBehindLatest: millisBehindLatest, at: now)
            batch = records
            iterator = next
            isLastBatch = next == nil
            let tip = stream.shards[shard].nextNumber
            let reachedTip = records.last.map { $0.sequenceNumber.number + 1 == tip } ?? true
            tipAtRead = reachedTip ? tip : nil
            take(.recordsAnswered, at: answerAt)
        case .rejected(.provisionedThroughputExceeded):
            application.counters.throttles += 1
            observer.streamReadThrottled(stream: application.streamIndex, consumer: application.consumerIndex, shard: shard, at: now)
            take(.requestRecords, at: answerAt + specification.pollInterval)
        case .rejected(.expiredIterator):
            take(.requestIterator, at: answerAt)
        case .rejected:
            application.counters.failedCalls += 1
            take(.requestRecords, at: answerAt + specification.taskBackoff)
        }
    }

    // MARK: Processing

    /// Processes the batch in hand: always through the event list, so a backlog read at one instant
    /// never recurses.
    func processBatch() {
        var seconds = specification.batchOverhead?.sample(processingStream!, truncatedAtZero: true) ?? 0
        if let constantProcessing {
            seconds += constantProcessing * Double(batch.count)
        } else {
            for _ in 0..<batch.count { seconds += specification.processing.sample(processingStream!, truncatedAtZero: true) }
        }
        scheduler.schedule(at: scheduler.now + Span(seconds: seconds), target: self, code: Step.processed.rawValue, payload: epoch)
    }

    func processed() {
        let first = batch[0].sequenceNumber.number
        let last = batch[batch.count - 1].sequenceNumber.number
        if specification.failureProbability > 0 && outcomeStream!.bernoulli(specification.failureProbability) {
            application.counters.failedBatches += 1
            switch specification.failedBatch {
            case .retry:
                take(.processBatch, at: scheduler.now + specification.taskBackoff)
            case .skip:
                application.counters.recordsSkipped += batch.count
                processedThrough = last
                observer.streamRecordsDiscarded(stream: application.streamIndex, consumer: application.consumerIndex, shard: shard,
                                                records: batch[...], reason: "processRecords failed; the KCL skipped the batch",
                                                at: scheduler.now)
                batchDone()
            }
            return
        }
        if first <= highestProcessed { application.counters.recordsReprocessed += min(last, highestProcessed) - first + 1 }
        highestProcessed = max(highestProcessed, last)
        application.counters.recordsProcessed += batch.count
        processedThrough = last
        recordsSinceCheckpoint += batch.count
        observer.streamRecordsProcessed(stream: application.streamIndex, consumer: application.consumerIndex, shard: shard,
                                        records: batch[...], at: scheduler.now)
        batchDone()
    }

    /// After a batch (or an empty answer): checkpoint SHARD_END at the shard's end, checkpoint if
    /// due, or wait for the next poll.
    func batchDone() {
        let now = scheduler.now
        batch = []
        if isLastBatch {
            pendingCheckpoint = .shardEnd
            call(.checkpointArrives)
            return
        }
        if let tipAtRead { caughtUpTo = tipAtRead }
        if let processedThrough, processedThrough != checkpointedThrough, isCheckpointDue(at: now) {
            pendingCheckpoint = .sequenceNumber(SequenceNumber(shard: shard, number: processedThrough))
            call(.checkpointArrives)
            return
        }
        take(.requestRecords, at: now + specification.pollInterval)
    }

    /// N records since the last checkpoint, or T since it (or since the lease was taken).
    func isCheckpointDue(at now: Instant) -> Bool {
        if let count = specification.checkpointEveryRecords, recordsSinceCheckpoint >= count { return true }
        if let interval = specification.checkpointInterval, now - lastCheckpointAt >= interval { return true }
        return false
    }

    /// The checkpoint write reaches the lease table; it is written only while the worker still owns
    /// the lease. SHARD_END ends this owner's reading: the lease is released with it.
    func checkpointArrives() {
        if callFails(retry: .requestCheckpoint) { return }
        guard let worker, let checkpoint = pendingCheckpoint, application.writeCheckpoint(shard, checkpoint, by: worker) else {
            stop()
            return
        }
        pendingCheckpoint = nil
        if checkpoint == .shardEnd {
            stop()
            return
        }
        checkpointedThrough = processedThrough
        recordsSinceCheckpoint = 0
        lastCheckpointAt = scheduler.now
        take(.requestRecords, at: answerAt + specification.pollInterval)
    }
}
