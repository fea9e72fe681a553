import MessagingEngine
import SimKernel
import Stochastic

/// An enhanced fan-out consumer of a data stream, as the scenario file says it.
public struct EnhancedFanOutSpecification: Sendable {
    public var name: String
    /// Processing time of one record, in seconds; a shard's records are processed one after another.
    public var processing: Distribution
    /// Where the consumer starts in the shards it finds at the start: TRIM_HORIZON, LATEST or
    /// AT_TIMESTAMP. Shards it reaches later, children of shards it has finished, are read from
    /// TRIM_HORIZON.
    public var initialPosition: ShardIteratorType
    /// How often a subscription's events reach the consumer. AWS pushes records as they arrive and
    /// gives a typical propagation delay of 70 ms; Sluice delivers what the shard pushed at this
    /// interval, so a record waits half of it on average, plus the network's response leg. The
    /// default of 100 ms puts the mean near AWS's 70 ms for API round trips of 20 to 40 ms.
    public var pushInterval: Span
    /// The IAM principal it calls as; nil is `ClientServices.defaultPrincipal(name)`.
    public var principal: String?

    public static let defaultPushInterval = Span.milliseconds(100)

    public init(name: String, processing: Distribution, initialPosition: ShardIteratorType = .trimHorizon,
                pushInterval: Span = EnhancedFanOutSpecification.defaultPushInterval, principal: String? = nil) {
        self.name = name
        self.processing = processing
        self.initialPosition = initialPosition
        self.pushInterval = pushInterval
        self.principal = principal
    }

    /// Problems with the specification, each naming the field and what would be valid; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if !initialPosition.isStartingPosition { found.append(("initialPosition", "must be TRIM_HORIZON, LATEST or AT_TIMESTAMP")) }
        if pushInterval <= .zero { found.append(("pushInterval", "must be above 0s")) }
        return found
    }
}

/// Running totals of one enhanced fan-out consumer, as the consumer saw them.
public struct EnhancedFanOutConsumerCounters: Sendable, Equatable {
    public var recordsProcessed = 0
    /// Successful SubscribeToShard calls, the first of each shard and every renewal.
    public var subscriptions = 0
    /// Subscriptions made because the one before had run its 5 minutes.
    public var renewals = 0
    /// SubscribeToShard calls that failed: refused by the stream or its policy, or lost by the network.
    public var subscribeFailures = 0
    /// Events taken from subscriptions, empty ones included.
    public var events = 0
    /// Shards read to SHARD_END.
    public var shardsFinished = 0
}

/// A consumer registered for enhanced fan-out: one subscription per shard it reads, each pushing
/// the shard's records at the consumer's own 2 MiB/s.
///
/// The consumer registers itself when started (RegisterStreamConsumer takes effect at once; AWS
/// takes some seconds to make a consumer ACTIVE, which is not modelled). For each shard it reads,
/// it calls SubscribeToShard; every `pushInterval` it takes what the subscription pushed, which
/// reaches it after the network's response leg, processes the records one after another, reports
/// them, and takes the next event once both the interval has passed and processing is done.
/// When a subscription's 5 minutes are over it subscribes again from the continuation, so no record
/// is lost or processed twice. Parents are finished before children: a child shard is subscribed
/// only once each of its parents has given SHARD_END and its records are processed.
///
/// Like the other actors, the consumer is a state machine whose waits are timers on itself: the
/// code names the step, the payload the shard. Each shard has at most one step pending, so no
/// timer is ever stale.
public final class EnhancedFanOutConsumer: TimerTarget {
    public let specification: EnhancedFanOutSpecification
    public let consumerIndex: Int
    let stream: DataStream
    let streamIndex: Int
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the consumer is its observer and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    let streams: (String) -> RandomStream
    let principal: String
    let networkStream: RandomStream

    /// The consumer as the stream registered it; nil before start or when registration failed.
    public private(set) var consumer: StreamConsumer?
    /// Why the stream (or its policy) refused to register the consumer.
    public private(set) var registrationError: StreamError?
    public private(set) var counters = EnhancedFanOutConsumerCounters()
    /// One entry per shard of the stream, indexed by shard.
    var lanes: [ShardLane] = []

    /// What the consumer does with one shard.
    struct ShardLane {
        enum Phase { case notStarted, subscribing, reading, finished }
        var phase = Phase.notStarted
        var subscription: ShardSubscription?
        /// Where the next subscription starts: the initial position, then each event's continuation.
        var startingPosition = ShardIteratorType.trimHorizon
        /// The event in hand: its records, whether it ended the shard, and which shards come next.
        var records: [StreamRecord] = []
        var isShardEnd = false
        var childShards: [Int] = []
        /// Processing or waiting for an event in transit.
        var isBusy = false
        /// When the last event was taken; the next comes `pushInterval` later.
        var lastReadAt = Instant.zero
        /// When the answer to the SubscribeToShard call under way arrives.
        var answerAt = Instant.zero
        var attempt = 1
        var isRenewal = false
        var processingStream: RandomStream?
    }

    enum Step: Int {
        case subscribeArrives, subscribeAnswered, subscribeRetry
        case read, eventArrives, processed
    }

    /// `consumerIndex` is the consumer's number among the scenario's stream consumers, `streamIndex`
    /// the stream's; `streams` gives the named random streams (one per shard read, and the network's).
    public init(specification: EnhancedFanOutSpecification, consumerIndex: Int, stream: DataStream, streamIndex: Int, network: Network,
                scheduler: Scheduler, observer: StreamWorkloadObserver, streams: @escaping (String) -> RandomStream) {
        precondition(specification.problems().isEmpty, "invalid enhanced fan-out consumer: \(specification.problems())")
        self.specification = specification
        self.consumerIndex = consumerIndex
        self.stream = stream
        self.streamIndex = streamIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        self.streams = streams
        principal = specification.principal ?? ClientServices.defaultPrincipal(specification.name)
        networkStream = streams("efo/\(specification.name)/network")
    }

    /// Registers the consumer and subscribes to the shards it starts with: every shard whose
    /// parents it does not read (LATEST skips closed shards, which get nothing new).
    public func start() {
        precondition(consumer == nil && registrationError == nil, "an enhanced fan-out consumer starts once")
        if let denial = stream.authorize(principal, .registerStreamConsumer) {
            registrationError = denial
            return
        }
        switch stream.registerStreamConsumer(name: specification.name) {
        case .success(let registered): consumer = registered
        case .failure(let problem):
            registrationError = problem
            return
        }
        growLanes()
        let startsAtLatest = specification.initialPosition == .latest
        for shard in stream.shards.indices {
            if startsAtLatest && !stream.shards[shard].isOpen {
                lanes[shard].phase = .finished
            }
        }
        for shard in stream.shards.indices where lanes[shard].phase == .notStarted {
            let waitsForParents = stream.shards[shard].parents.contains { lanes[$0].phase != .finished }
            if !waitsForParents { begin(shard, at: specification.initialPosition) }
        }
    }

    /// DeregisterStreamConsumer: the subscriptions end and billing stops; the consumer reads no more.
    public func deregister() {
        guard let consumer else { return }
        _ = stream.deregisterStreamConsumer(consumer)
        self.consumer = nil
    }

    /// What the stream counted for the consumer: bytes pushed, subscribed and billed consumer-shard time.
    public var streamCounters: EnhancedFanOutCounters? {
        consumer.map { stream.enhancedFanOutCounters($0) }
    }

    /// True when nothing is readable: every shard is finished, or subscribed, open, with nothing in
    /// hand and nothing its pipe has still to push.
    public var isIdle: Bool {
        guard let consumer else { return true }
        for shard in stream.shards.indices {
            let lane = shard < lanes.count ? lanes[shard] : ShardLane()
            if lane.phase == .finished { continue }
            guard lane.phase == .reading, !lane.isBusy, stream.shards[shard].isOpen,
                  stream.enhancedFanOutBacklog(consumer, shard: shard) == 0 else { return false }
        }
        return true
    }

    func growLanes() {
        while lanes.count < stream.shards.count { lanes.append(ShardLane()) }
    }

    func take(_ step: Step, shard: Int, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: shard)
    }

    public func timerFired(code: Int, payload shard: Int) {
        guard consumer != nil else { return }
        switch Step(rawValue: code)! {
        case .subscribeArrives: subscribeArrives(shard)
        case .subscribeAnswered: subscribeAnswered(shard)
        case .subscribeRetry: subscribe(shard)
        case .read: read(shard)
        case .eventArrives: eventArrives(shard)
        case .processed: processed(shard)
        }
    }

    // MARK: Subscribing

    func begin(_ shard: Int, at position: ShardIteratorType) {
        lanes[shard].startingPosition = position
        lanes[shard].processingStream = streams("efo/\(specification.name)/\(ShardState.shardId(shard))/processing")
        subscribe(shard)
    }

    /// SubscribeToShard: the call takes effect half a round trip from now; the answer comes at its end.
    func subscribe(_ shard: Int) {
        lanes[shard].phase = .subscribing
        lanes[shard].subscription = nil
        let roundTrip = network.roundTrip(at: scheduler.now, rng: networkStream)
        take(.subscribeArrives, shard: shard, at: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds / 2))
        lanes[shard].answerAt = scheduler.now + roundTrip
    }

    func subscribeArrives(_ shard: Int) {
        let answerAt = lanes[shard].answerAt
        guard !network.fails(at: scheduler.now, rng: networkStream), stream.authorize(principal, .subscribeToShard) == nil,
              case .success(let subscription) = stream.subscribeToShard(consumer!, shard: shard, startingPosition: lanes[shard].startingPosition) else {
            counters.subscribeFailures += 1
            // Retried after the SDK's backoff, and never sooner than the one-a-second call rate allows.
            let pause = max(StreamConfiguration.subscribeToShardInterval, network.retryPolicy.backoff(after: lanes[shard].attempt, rng: networkStream))
            lanes[shard].attempt += 1
            take(.subscribeRetry, shard: shard, at: answerAt + pause)
            return
        }
        lanes[shard].subscription = subscription
        take(.subscribeAnswered, shard: shard, at: answerAt)
    }

    func subscribeAnswered(_ shard: Int) {
        counters.subscriptions += 1
        if lanes[shard].isRenewal { counters.renewals += 1 }
        lanes[shard].isRenewal = false
        lanes[shard].attempt = 1
        lanes[shard].phase = .reading
        lanes[shard].lastReadAt = scheduler.now
        take(.read, shard: shard, at: scheduler.now + specification.pushInterval)
    }

    // MARK: Reading

    /// Takes what the subscription pushed since the last event.
    func read(_ shard: Int) {
        let now = scheduler.now
        lanes[shard].lastReadAt = now
        switch stream.readSubscription(lanes[shard].subscription!) {
        case .event(let event):
            counters.events += 1
            if let continuation = event.continuation { lanes[shard].startingPosition = continuation }
            observer.streamConsumerLag(stream: streamIndex, consumer: consumerIndex, shard: shard, millisBehindLatest: event.millisBehindLatest,
                                       at: now)
            guard !event.records.isEmpty || event.isShardEnd else {
                take(.read, shard: shard, at: now + specification.pushInterval)
                return
            }
            lanes[shard].records = event.records
            lanes[shard].isShardEnd = event.isShardEnd
            lanes[shard].childShards = event.childShards
            lanes[shard].isBusy = true
            // The event travels from the service to the consumer: half a round trip.
            let roundTrip = network.roundTrip(at: now, rng: networkStream)
            take(.eventArrives, shard: shard, at: now + Span(nanoseconds: roundTrip.nanoseconds - roundTrip.nanoseconds / 2))
        case .expired(let continuation):
            lanes[shard].startingPosition = continuation
            lanes[shard].isRenewal = true
            subscribe(shard)
        case .rejected:
            // Taken over or deregistered under it: subscribe again from where it had got to.
            subscribe(shard)
        }
    }

    func eventArrives(_ shard: Int) {
        let records = lanes[shard].records
        let seconds: Double
        if case .constant(let perRecord) = specification.processing {
            seconds = perRecord * Double(records.count)
        } else {
            let rng = lanes[shard].processingStream!
            var total = 0.0
            for _ in 0..<records.count { total += specification.processing.sample(rng, truncatedAtZero: true) }
            seconds = total
        }
        take(.processed, shard: shard, at: scheduler.now + Span(seconds: seconds))
    }

    func processed(_ shard: Int) {
        let now = scheduler.now
        let records = lanes[shard].records
        if !records.isEmpty {
            counters.recordsProcessed += records.count
            observer.streamRecordsProcessed(stream: streamIndex, consumer: consumerIndex, shard: shard, records: records[...], at: now)
        }
        lanes[shard].records = []
        lanes[shard].isBusy = false
        if lanes[shard].isShardEnd {
            finish(shard)
        } else {
            take(.read, shard: shard, at: max(now, lanes[shard].lastReadAt + specification.pushInterval))
        }
    }

    /// The shard is read to SHARD_END and processed: its children whose parents are all finished begin.
    func finish(_ shard: Int) {
        lanes[shard].phase = .finished
        lanes[shard].subscription = nil
        counters.shardsFinished += 1
        growLanes()
        for child in lanes[shard].childShards where lanes[child].phase == .notStarted {
            if stream.shards[child].parents.allSatisfy({ lanes[$0].phase == .finished }) { begin(child, at: .trimHorizon) }
        }
    }
}
