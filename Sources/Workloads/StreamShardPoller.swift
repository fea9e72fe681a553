import MessagingEngine
import SimKernel
import Stochastic

/// One shard of a stream event source mapping: it gets a shard iterator, calls GetRecords once a
/// second, and hands the records to the shard's lanes by partition key.
///
/// It stops polling while its lanes hold `bufferedRecordsMax` records not yet handled (Lambda reads
/// ahead of its invocations, but not without bound); its iterator may then expire, and it gets a new
/// one after the last record it read. At SHARD_END it waits for its lanes to handle every record
/// and then tells the mapping, which begins the children.
///
/// Every call takes the network's round trip: it takes effect half way, the answer comes at the end.
final class StreamShardPoller: TimerTarget {
    let shard: Int
    /// Not reference-counted: the mapping owns its pollers and outlives them.
    unowned(unsafe) let mapping: StreamEventSourceMapping
    unowned(unsafe) let scheduler: Scheduler
    unowned(unsafe) let stream: DataStream
    let networkStream: RandomStream
    /// Draws invocation durations, cold starts and outcomes for every lane of the shard.
    let durationStream: RandomStream
    let coldStartStream: RandomStream
    let outcomeStream: RandomStream
    private(set) var lanes: [StreamBatchLane] = []

    /// Where the first iterator starts; later ones start after the last record read.
    let startingPosition: ShardIteratorType
    var iterator: ShardIterator?
    var lastRead: SequenceNumber?
    /// GetRecords' answer, kept from the instant it took effect to the instant it arrives.
    var answer: GetRecordsResult?
    var answerAt = Instant.zero
    var lastPollAt = Instant.zero
    var attempt = 1
    /// The shard's tip when the last GetRecords read it to the end; nil when that read stopped short.
    var tipAtLastRead: Int?
    var hasReachedShardEnd = false
    var childShards: [Int] = []
    var hasFinished = false

    enum Step: Int { case iteratorArrives, iteratorAnswered, pollArrives, pollAnswered, poll }

    init(shard: Int, mapping: StreamEventSourceMapping, startingPosition: ShardIteratorType) {
        self.shard = shard
        self.mapping = mapping
        scheduler = mapping.scheduler
        stream = mapping.stream
        self.startingPosition = startingPosition
        let prefix = "lambda-stream/\(mapping.specification.name)/\(ShardState.shardId(shard))"
        networkStream = mapping.streams(prefix + "/network")
        durationStream = mapping.streams(prefix + "/duration")
        coldStartStream = mapping.streams(prefix + "/coldStart")
        outcomeStream = mapping.streams(prefix + "/outcome")
        lanes = (0..<mapping.specification.parallelizationFactor).map { StreamBatchLane(index: $0, poller: self) }
    }

    /// Records the lanes may hold before the poller stops reading: one GetRecords' worth, or a full
    /// batch for every lane if that is more.
    var bufferedRecordsMax: Int {
        max(StreamConfiguration.getRecordsLimitMax, mapping.specification.batchSize * mapping.specification.parallelizationFactor)
    }

    var bufferedRecords: Int { lanes.reduce(0) { $0 + $1.unhandledCount } }

    /// Read to the tip of an open shard, with every record read handled and no answer on its way.
    var isIdle: Bool {
        guard !hasFinished else { return true }
        guard answer == nil, let tip = tipAtLastRead, stream.shards[shard].isOpen, tip == stream.shards[shard].nextNumber else { return false }
        return lanes.allSatisfy(\.isIdle)
    }

    func take(_ step: Step, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: 0)
    }

    func timerFired(code: Int, payload: Int) {
        switch Step(rawValue: code)! {
        case .iteratorArrives: iteratorArrives()
        case .iteratorAnswered: poll()
        case .pollArrives: pollArrives()
        case .pollAnswered: pollAnswered()
        case .poll: poll()
        }
    }

    func start() {
        requestIterator()
    }

    /// Starts a call whose effect is `arrives`, half a round trip from now.
    func call(_ arrives: Step) {
        let roundTrip = mapping.network.roundTrip(at: scheduler.now, rng: networkStream)
        answerAt = scheduler.now + roundTrip
        take(arrives, at: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    // MARK: Iterators

    func requestIterator() {
        call(.iteratorArrives)
    }

    func iteratorArrives() {
        let position = lastRead.map { ShardIteratorType.afterSequenceNumber($0) } ?? startingPosition
        guard !mapping.network.fails(at: scheduler.now, rng: networkStream), mapping.stream.authorize(mapping.principal, .getShardIterator) == nil,
              case .success(let issued) = stream.getShardIterator(shard: shard, type: position) else {
            // Refused (GetShardIterator's 5 calls a second, a policy) or lost: tried again at the next poll.
            take(.poll, at: answerAt + retryPause())
            return
        }
        iterator = issued
        take(.iteratorAnswered, at: answerAt)
    }

    /// How long to wait after a failed call: the SDK's backoff, and never less than the poll interval.
    func retryPause() -> Span {
        let pause = max(StreamEventSourceMapping.pollInterval, mapping.network.retryPolicy.backoff(after: attempt, rng: networkStream))
        attempt = min(attempt + 1, mapping.network.retryPolicy.maxAttempts)
        return pause
    }

    // MARK: Polling

    /// Calls GetRecords, unless the lanes hold enough already; then looks again a poll interval later.
    func poll() {
        guard !hasReachedShardEnd else { return }
        guard iterator != nil else {
            requestIterator()
            return
        }
        if bufferedRecords >= bufferedRecordsMax {
            take(.poll, at: scheduler.now + StreamEventSourceMapping.pollInterval)
            return
        }
        lastPollAt = scheduler.now
        call(.pollArrives)
    }

    func pollArrives() {
        if mapping.network.fails(at: scheduler.now, rng: networkStream) {
            answer = nil
        } else if let denial = stream.authorize(mapping.principal, .getRecords) {
            answer = .rejected(denial)
        } else {
            answer = stream.getRecords(iterator!)
        }
        if case .records(let records, _, _, _)? = answer {
            // Read to the tip when it took nothing, or took up to the shard's last record.
            let tip = stream.shards[shard].nextNumber
            tipAtLastRead = records.isEmpty || records.last!.sequenceNumber.number + 1 == tip ? tip : nil
        }
        take(.pollAnswered, at: answerAt)
    }

    func pollAnswered() {
        let now = scheduler.now
        let next = max(now, lastPollAt + StreamEventSourceMapping.pollInterval)
        guard let answer else {
            // Lost in the network: polled again after a pause.
            take(.poll, at: max(next, now + retryPause()))
            return
        }
        self.answer = nil
        switch answer {
        case .records(let records, let nextIterator, let behind, let children):
            mapping.getRecordsAnswered(throttled: false)
            attempt = 1
            mapping.observer.streamConsumerLag(stream: mapping.streamIndex, consumer: mapping.consumerIndex, shard: shard,
                                               millisBehindLatest: behind, at: now)
            if let last = records.last { lastRead = last.sequenceNumber }
            distribute(records)
            iterator = nextIterator
            if nextIterator == nil {
                hasReachedShardEnd = true
                childShards = children
                finishIfHandled()
            } else {
                take(.poll, at: next)
            }
        case .rejected(.expiredIterator):
            // The lanes held the poller back past the iterator's 5 minutes: a new one, after the last record read.
            mapping.getRecordsAnswered(throttled: false)
            iterator = nil
            take(.poll, at: now)
        case .rejected(let problem):
            let throttled = if case .provisionedThroughputExceeded = problem { true } else { false }
            mapping.getRecordsAnswered(throttled: throttled)
            if throttled {
                mapping.observer.streamReadThrottled(stream: mapping.streamIndex, consumer: mapping.consumerIndex, shard: shard, at: now)
            }
            take(.poll, at: max(next, now + retryPause()))
        }
    }

    /// Gives each record to the lane of its partition key, in order, then lets the lanes start.
    func distribute(_ records: [StreamRecord]) {
        guard !records.isEmpty else { return }
        if lanes.count == 1 {
            lanes[0].append(contentsOf: records)
        } else {
            for record in records { lanes[Self.lane(of: record.partitionKey, among: lanes.count)].append(record) }
        }
        for lane in lanes { lane.recordsArrived(at: scheduler.now) }
    }

    /// The lane of a partition key: FNV-1a (64-bit) of its UTF-8 bytes, modulo the lanes.
    static func lane(of partitionKey: String, among count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in partitionKey.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// Asked by a lane that has handled all it holds: at SHARD_END, once every lane has, the shard is finished.
    func finishIfHandled() {
        guard hasReachedShardEnd, !hasFinished, lanes.allSatisfy(\.isIdle) else { return }
        hasFinished = true
        mapping.shardFinished(shard, children: childShards)
    }
}
