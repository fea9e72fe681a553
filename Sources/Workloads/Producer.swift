import MessagingEngine
import SimKernel
import Stochastic

/// What a producer does, as the scenario file says it.
public struct ProducerSpecification: Sendable {
    public var name: String
    public var arrivals: ArrivalProcess
    public var schedule: RateSchedule?
    /// Body size in bytes.
    public var messageSize: Distribution
    public var attributeCount: Int
    public var attributeBytes: Int
    /// Entries per SendMessageBatch; 1 sends each message alone.
    public var batchSize: Int
    /// How long a partial batch waits for more messages before it is sent anyway.
    public var batchLinger: Span
    /// Per-message DelaySeconds; nil takes the queue's.
    public var delay: Span?

    public init(name: String, arrivals: ArrivalProcess, schedule: RateSchedule? = nil, messageSize: Distribution,
                attributeCount: Int = 0, attributeBytes: Int = 0, batchSize: Int = 1, batchLinger: Span = .zero,
                delay: Span? = nil) {
        self.name = name
        self.arrivals = arrivals
        self.schedule = schedule
        self.messageSize = messageSize
        self.attributeCount = attributeCount
        self.attributeBytes = attributeBytes
        self.batchSize = batchSize
        self.batchLinger = batchLinger
        self.delay = delay
    }
}

/// Sends messages to one queue from `start` until `stop`.
///
/// Arrivals and message sizes come from the producer's own streams, and API latency and errors from
/// a third, so the instants at which messages are produced depend on nothing but the producer.
public final class Producer: TimerTarget {
    public let specification: ProducerSpecification
    let queue: Queue
    let queueIndex: Int
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the producer is its observer and outlives it.
    unowned(unsafe) let observer: WorkloadObserver
    let arrivalStream: RandomStream
    let sizeStream: RandomStream
    let networkStream: RandomStream
    let stop: Instant

    var buffer: [(request: SendMessageRequest, producedAt: Instant)] = []
    var lingerArmed = false
    /// Batches sent so far. A linger timer carries the number of the batch it was set for, so a
    /// timer that outlives its batch (sent full before the linger ended) cannot send the next one early.
    var batchesSent = 0
    var nextTag: UInt64 = 0
    /// Sends issued and not yet answered; the world waits for these before it calls a run drained.
    public private(set) var callsOutstanding = 0
    public private(set) var messagesProduced = 0
    public private(set) var finished = false

    enum Code: Int { case arrival, lingerEnded }

    public init(specification: ProducerSpecification, queue: Queue, queueIndex: Int, network: Network, scheduler: Scheduler,
                observer: WorkloadObserver, streams: (String) -> RandomStream, stop: Instant) {
        self.specification = specification
        self.queue = queue
        self.queueIndex = queueIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        arrivalStream = streams("producer/\(specification.name)/arrivals")
        sizeStream = streams("producer/\(specification.name)/size")
        networkStream = streams("producer/\(specification.name)/network")
        self.stop = stop
    }

    /// Schedules the first arrival.
    public func start() { scheduleNextArrival(after: scheduler.now) }

    /// True when nothing the producer made is still on its way to the queue.
    public var isIdle: Bool { finished && buffer.isEmpty && callsOutstanding == 0 }

    func scheduleNextArrival(after instant: Instant) {
        guard let next = specification.arrivals.next(after: instant, schedule: specification.schedule, rng: arrivalStream),
              next < stop else {
            finished = true
            flush()
            return
        }
        scheduler.schedule(at: next, target: self, code: Code.arrival.rawValue, payload: 0)
    }

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .arrival: arrive()
        case .lingerEnded:
            if payload == batchesSent { flush() }
        }
    }

    func arrive() {
        let now = scheduler.now
        messagesProduced += 1
        let bodyBytes = max(1, Int(specification.messageSize.sample(sizeStream, truncatedAtZero: true).rounded()))
        let attributes = (0..<specification.attributeCount).map {
            MessageAttribute(name: "a\($0)", dataType: .string, valueBytes: specification.attributeBytes)
        }
        let request = SendMessageRequest(bodyBytes: bodyBytes, attributes: attributes, delay: specification.delay, tag: nextTag)
        nextTag += 1
        buffer.append((request, now))
        if buffer.count >= specification.batchSize {
            flush()
        } else if !lingerArmed {
            lingerArmed = true
            scheduler.schedule(at: now + specification.batchLinger, target: self, code: Code.lingerEnded.rawValue, payload: batchesSent)
        }
        scheduleNextArrival(after: now)
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        let batch = buffer
        buffer.removeAll(keepingCapacity: true)
        lingerArmed = false
        batchesSent += 1
        send(batch, attempt: 1)
    }

    func send(_ batch: [(request: SendMessageRequest, producedAt: Instant)], attempt: Int) {
        callsOutstanding += 1
        let start = scheduler.now
        let roundTrip = network.roundTrip(at: start, rng: networkStream)
        let arrival = start + Span(nanoseconds: roundTrip.nanoseconds / 2)
        let answer = start + roundTrip
        after(arrival) { [self] in
            if network.fails(at: arrival, rng: networkStream) {
                after(answer) { [self] in
                    callsOutstanding -= 1
                    retryOrAbandon(batch, attempt: attempt, reason: "ServiceUnavailable")
                }
                return
            }
            let results: [SendMessageResult]
            if batch.count == 1 && specification.batchSize == 1 {
                results = [queue.sendMessage(batch[0].request)]
            } else {
                switch queue.sendMessageBatch(batch.map(\.request)) {
                case .entries(let entries): results = entries
                case .rejected(let error): results = Array(repeating: .rejected(error), count: batch.count)
                }
            }
            for (entry, result) in zip(batch, results) {
                switch result {
                case .sent(let id):
                    observer.sendAccepted(queue: queueIndex, messageId: id, producedAt: entry.producedAt, at: arrival)
                case .rejected(let error):
                    observer.sendAbandoned(queue: queueIndex, producedAt: entry.producedAt, reason: error.description, at: arrival)
                }
            }
            after(answer) { [self] in callsOutstanding -= 1 }
        }
    }

    func retryOrAbandon(_ batch: [(request: SendMessageRequest, producedAt: Instant)], attempt: Int, reason: String) {
        let now = scheduler.now
        let retry = attempt < network.retryPolicy.maxAttempts
        observer.callFailed(actor: "producer/\(specification.name)", operation: "SendMessage", willRetry: retry, at: now)
        guard retry else {
            for entry in batch {
                observer.sendAbandoned(queue: queueIndex, producedAt: entry.producedAt, reason: "\(reason) after \(attempt) attempts", at: now)
            }
            return
        }
        callsOutstanding += 1
        after(now + network.retryPolicy.backoff(after: attempt, rng: networkStream)) { [self] in
            callsOutstanding -= 1
            send(batch, attempt: attempt + 1)
        }
    }

    /// Runs `action` at `instant`, at once when that is now (zero latency costs no event).
    func after(_ instant: Instant, _ action: @escaping () -> Void) {
        if instant == scheduler.now { action() } else { scheduler.schedule(at: instant, action) }
    }
}
