import MessagingEngine
import SimKernel

/// Reads every shard of a data stream the way AWS's managed readers do — a Firehose delivery
/// stream with the stream as its source, an analytics application — and hands each batch of
/// records to a sink.
///
/// Once every `pollInterval` the poller calls GetRecords on each shard it is reading, in shard
/// order. Firehose's developer guide says it calls GetRecords once a second per shard; that is the
/// default here. Reading starts at TRIM_HORIZON on the shards that have no parents; a shard read to
/// SHARD_END is finished, and each of its children is read once all of the child's parents are
/// finished, so a key's records are read parent first, as the stream accepted them.
///
/// These readers run inside AWS, so a call takes no network time here: it takes effect and is
/// answered at the poll instant (an assumption; AWS publishes no figure). A throttled read
/// (ProvisionedThroughputExceededException) is reported and tried again at the next poll; an
/// expired iterator is replaced by one after the last record read.
///
/// One event per poll reads every shard, so the cost does not grow with the records read.
public final class StreamPoller: TimerTarget {
    /// What a batch of records goes to: the shard, the records in sequence order, and the instant
    /// they were read.
    public typealias Sink = (_ shard: Int, _ records: ArraySlice<StreamRecord>, _ at: Instant) -> Void

    public let stream: DataStream
    public let streamIndex: Int
    /// The poller's number in the scenario's stream consumers: what it reports as.
    public let consumerIndex: Int
    public let pollInterval: Span
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the poller observes it and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    let sink: Sink
    /// Called after each poll that leaves the poller caught up (see `isIdle`).
    public var onCaughtUp: (() -> Void)?

    /// Per shard of the stream (by index): where reading goes on, nil before the shard is started.
    var iterators: [ShardIterator?] = []
    /// Per shard: the number of the next record to read, as far as the poller knows.
    var nextNumber: [Int?] = []
    /// Per shard: read to SHARD_END.
    var finished: [Bool] = []
    /// Shards being read (started, not finished), in the order they were started.
    var reading: [Int] = []
    public private(set) var getRecordsCalls = 0
    public private(set) var recordsRead = 0
    public private(set) var readsThrottled = 0
    var started = false

    public init(stream: DataStream, streamIndex: Int, consumerIndex: Int, pollInterval: Span = .seconds(1), scheduler: Scheduler,
                observer: StreamWorkloadObserver, sink: @escaping Sink) {
        precondition(pollInterval > .zero, "a poller needs a positive poll interval")
        self.stream = stream
        self.streamIndex = streamIndex
        self.consumerIndex = consumerIndex
        self.pollInterval = pollInterval
        self.scheduler = scheduler
        self.observer = observer
        self.sink = sink
    }

    /// Starts reading the shards without parents at TRIM_HORIZON; the first poll is at once.
    public func start() {
        precondition(!started, "a poller starts once")
        started = true
        grow()
        for shard in stream.shards.indices where stream.shards[shard].parents.isEmpty { reading.append(shard) }
        scheduler.schedule(at: scheduler.now, target: self, code: 0, payload: 0)
    }

    /// True when every shard is caught up: finished, or read up to its last record — including the
    /// children not started yet, which are caught up only while they hold no records.
    public var isIdle: Bool {
        for shard in stream.shards.indices where !(shard < finished.count && finished[shard]) {
            let state = stream.shards[shard]
            let next = (shard < nextNumber.count ? nextNumber[shard] : nil) ?? 0
            if max(next, state.nextNumber - state.storedCount) < state.nextNumber { return false }
            // A closed shard read to its end still has to be read to SHARD_END to reach its children.
            if !state.isOpen && !state.children.isEmpty { return false }
        }
        return true
    }

    public func timerFired(code: Int, payload: Int) {
        poll()
        scheduler.schedule(at: scheduler.now + pollInterval, target: self, code: 0, payload: 0)
        if isIdle { onCaughtUp?() }
    }

    /// Keeps the per-shard tables as long as the stream's list of shards.
    func grow() {
        while iterators.count < stream.shards.count {
            iterators.append(nil)
            nextNumber.append(nil)
            finished.append(false)
        }
    }

    /// One GetRecords call on every shard being read.
    func poll() {
        grow()
        let now = scheduler.now
        // Shards finished in this poll add children to the end of the list; they are read from the
        // next poll on, so each shard gets at most one call per poll.
        let shards = reading
        for shard in shards { read(shard, at: now) }
    }

    func read(_ shard: Int, at now: Instant) {
        guard let iterator = iterator(for: shard) else { return }
        getRecordsCalls += 1
        switch stream.getRecords(iterator) {
        case .records(let records, let next, let behind, let children):
            iterators[shard] = next
            if let last = records.last { nextNumber[shard] = last.sequenceNumber.number + 1 }
            recordsRead += records.count
            observer.streamConsumerLag(stream: streamIndex, consumer: consumerIndex, shard: shard, millisBehindLatest: behind, at: now)
            if !records.isEmpty {
                sink(shard, records[...], now)
                observer.streamRecordsProcessed(stream: streamIndex, consumer: consumerIndex, shard: shard, records: records[...], at: now)
            }
            if next == nil { finish(shard, children: children) }
        case .rejected(.expiredIterator):
            iterators[shard] = nil
        case .rejected(.provisionedThroughputExceeded):
            readsThrottled += 1
            observer.streamReadThrottled(stream: streamIndex, consumer: consumerIndex, shard: shard, at: now)
        case .rejected(let error):
            preconditionFailure("GetRecords on a shard the poller was reading failed: \(error)")
        }
    }

    /// The shard's iterator, getting one (TRIM_HORIZON, or after the last record read) when it has
    /// none; nil when GetShardIterator is over its limit (tried again at the next poll).
    func iterator(for shard: Int) -> ShardIterator? {
        if let iterator = iterators[shard] { return iterator }
        let type: ShardIteratorType = nextNumber[shard].map { .afterSequenceNumber(SequenceNumber(shard: shard, number: $0 - 1)) }
            ?? .trimHorizon
        guard case .success(let iterator) = stream.getShardIterator(shard: shard, type: type) else { return nil }
        iterators[shard] = iterator
        return iterator
    }

    func finish(_ shard: Int, children: [Int]) {
        finished[shard] = true
        reading.removeAll { $0 == shard }
        grow()
        for child in children where !reading.contains(child) && !finished[child] {
            if stream.shards[child].parents.allSatisfy({ finished[$0] }) { reading.append(child) }
        }
    }
}
