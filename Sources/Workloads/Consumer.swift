import MessagingEngine
import SimKernel
import Stochastic

/// What a consumer fleet does, as the scenario file says it.
public struct ConsumerSpecification: Sendable {
    public var name: String
    public var count: Int
    public var maxMessages: Int
    public var waitTime: Span
    /// Per-receive visibility timeout; nil takes the queue's.
    public var visibilityTimeout: Span?
    /// Processing time per message, in seconds.
    public var processing: Distribution
    /// Chance that processing a message fails, leaving it undeleted.
    public var failureProbability: Double

    public init(name: String, count: Int, maxMessages: Int = 1, waitTime: Span = .seconds(20), visibilityTimeout: Span? = nil,
                processing: Distribution, failureProbability: Double = 0) {
        self.name = name
        self.count = count
        self.maxMessages = maxMessages
        self.waitTime = waitTime
        self.visibilityTimeout = visibilityTimeout
        self.processing = processing
        self.failureProbability = failureProbability
    }
}

/// One worker: receive a batch, process its messages one after another, delete each after it is
/// processed, receive again.
///
/// A crash bumps the consumer's epoch; every callback scheduled before it carries the old epoch
/// and is dropped, so a crashed consumer does nothing more with the work it held.
public final class Consumer: ReceiveRequester, TimerTarget {
    public let index: Int
    /// Not reference-counted: the fleet owns its consumers and outlives them.
    unowned(unsafe) let fleet: ConsumerFleet
    let processingStream: RandomStream
    let networkStream: RandomStream

    public private(set) var isUp = true
    var isPaused = false
    var isPolling = false
    var epoch = 0
    var pendingReceive: ReceiveRequestID?
    /// The batch in hand and how far through it the consumer is.
    var batch: [ReceivedMessage] = []
    var position = 0
    var busySince: Instant?
    public private(set) var busyTime = Span.zero

    enum Code: Int { case processed }

    init(index: Int, fleet: ConsumerFleet, streams: (String) -> RandomStream) {
        self.index = index
        self.fleet = fleet
        processingStream = streams("consumer/\(fleet.specification.name)/\(index)/processing")
        networkStream = streams("consumer/\(fleet.specification.name)/\(index)/network")
    }

    var scheduler: Scheduler { fleet.scheduler }
    var specification: ConsumerSpecification { fleet.specification }

    /// Runs `action` at `instant` unless the consumer crashes before then.
    func later(_ instant: Instant, _ action: @escaping () -> Void) {
        if instant == scheduler.now { action(); return }
        let epochThen = epoch
        scheduler.schedule(at: instant) { [self] in
            if epoch == epochThen { action() }
        }
    }

    // MARK: Receiving

    func poll(attempt: Int = 1) {
        guard isUp, !isPaused, !isPolling else { return }
        isPolling = true
        let start = scheduler.now
        let roundTrip = fleet.network.roundTrip(at: start, rng: networkStream)
        let arrival = start + Span(nanoseconds: roundTrip.nanoseconds / 2)
        later(arrival) { [self] in
            if fleet.network.fails(at: arrival, rng: networkStream) {
                later(start + roundTrip) { [self] in receiveFailed(attempt: attempt, operation: "ReceiveMessage") }
                return
            }
            let request = ReceiveMessageRequest(maxNumberOfMessages: specification.maxMessages, waitTime: specification.waitTime,
                                                visibilityTimeout: specification.visibilityTimeout)
            switch fleet.queue.receiveMessage(request, requester: self) {
            case .messages(let messages):
                handOver(messages, answerAt: start + roundTrip)
            case .waiting(let id):
                pendingReceive = id
            case .rejected:
                later(start + roundTrip) { [self] in receiveFailed(attempt: attempt, operation: "ReceiveMessage") }
            }
        }
    }

    public func receiveCompleted(_ request: ReceiveRequestID, messages: [ReceivedMessage]) {
        guard pendingReceive == request else { return }
        pendingReceive = nil
        // The response leg of a long poll costs half a round trip.
        let roundTrip = fleet.network.roundTrip(at: scheduler.now, rng: networkStream)
        handOver(messages, answerAt: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds - roundTrip.nanoseconds / 2))
    }

    /// The queue has handed out `messages`; they reach the consumer at `answerAt`.
    func handOver(_ messages: [ReceivedMessage], answerAt: Instant) {
        let now = scheduler.now
        for message in messages {
            fleet.observer.received(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, at: now)
        }
        batch = messages
        position = 0
        later(answerAt) { [self] in
            isPolling = false
            if batch.isEmpty { poll() } else { processNext() }
        }
    }

    func receiveFailed(attempt: Int, operation: String) {
        let retry = attempt < fleet.network.retryPolicy.maxAttempts
        fleet.observer.callFailed(actor: "consumer/\(specification.name)/\(index)", operation: operation, willRetry: retry,
                                   at: scheduler.now)
        // A receive that failed on every attempt is given up; the consumer simply polls afresh after a pause.
        let pause = fleet.network.retryPolicy.backoff(after: attempt, rng: networkStream)
        later(scheduler.now + pause) { [self] in
            isPolling = false
            poll(attempt: retry ? attempt + 1 : 1)
        }
    }

    // MARK: Processing

    func processNext() {
        guard position < batch.count else {
            batch = []
            poll()
            return
        }
        let now = scheduler.now
        if busySince == nil { busySince = now }
        let duration = Span(seconds: specification.processing.sample(processingStream, truncatedAtZero: true))
        scheduler.schedule(at: now + duration, target: self, code: Code.processed.rawValue, payload: epoch)
    }

    public func timerFired(code: Int, payload: Int) {
        guard payload == epoch else { return }
        processed()
    }

    func processed() {
        let now = scheduler.now
        let message = batch[position]
        endBusy(at: now)
        let failed = specification.failureProbability > 0 && processingStream.bernoulli(specification.failureProbability)
        if failed {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, why: .processingFailed, at: now)
            position += 1
            processNext()
            return
        }
        fleet.observer.processed(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, at: now)
        delete(message, attempt: 1)
    }

    func delete(_ message: ReceivedMessage, attempt: Int) {
        let start = scheduler.now
        let roundTrip = fleet.network.roundTrip(at: start, rng: networkStream)
        let arrival = start + Span(nanoseconds: roundTrip.nanoseconds / 2)
        later(arrival) { [self] in
            if fleet.network.fails(at: arrival, rng: networkStream) {
                later(start + roundTrip) { [self] in deleteFailed(message, attempt: attempt) }
                return
            }
            let result = fleet.queue.deleteMessage(message.receiptHandle)
            fleet.observer.deleteAnswered(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, result: result, at: arrival)
            later(start + roundTrip) { [self] in
                position += 1
                processNext()
            }
        }
    }

    func deleteFailed(_ message: ReceivedMessage, attempt: Int) {
        let now = scheduler.now
        let retry = attempt < fleet.network.retryPolicy.maxAttempts
        fleet.observer.callFailed(actor: "consumer/\(specification.name)/\(index)", operation: "DeleteMessage", willRetry: retry, at: now)
        guard retry else {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, why: .deleteFailed, at: now)
            position += 1
            processNext()
            return
        }
        later(now + fleet.network.retryPolicy.backoff(after: attempt, rng: networkStream)) { [self] in
            delete(message, attempt: attempt + 1)
        }
    }

    func endBusy(at now: Instant) {
        if let since = busySince { busyTime = busyTime + (now - since) }
        busySince = nil
    }

    /// Busy time including a processing step under way at `now`.
    public func busyTime(at now: Instant) -> Span {
        busySince.map { busyTime + (now - $0) } ?? busyTime
    }

    // MARK: Faults

    /// Stops at once: the batch in hand is abandoned (it reappears after its visibility timeout)
    /// and a waiting long poll is withdrawn.
    func crash() {
        guard isUp else { return }
        let now = scheduler.now
        endBusy(at: now)
        isUp = false
        epoch += 1
        if let id = pendingReceive {
            fleet.queue.cancelReceive(id)
            pendingReceive = nil
        }
        for message in batch[min(position, batch.count)...] {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, why: .consumerCrashed, at: now)
        }
        batch = []
        position = 0
        isPolling = false
    }

    func restart() {
        guard !isUp else { return }
        isUp = true
        epoch += 1
        poll()
    }

    /// Finishes the batch in hand, then receives nothing until resumed.
    func pause() { isPaused = true }

    func resume() {
        isPaused = false
        if isUp && !isPolling && batch.isEmpty { poll() }
    }
}
