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
    /// How long a consumer waits after an empty receive before it polls again.
    public var emptyReceiveDelay: Span
    /// This fleet's retry policy; nil takes the network's.
    public var retryPolicy: RetryPolicy?
    /// The IAM principal it calls as; nil is `ClientServices.defaultPrincipal(name)`.
    public var principal: String?

    public init(name: String, count: Int, maxMessages: Int = 1, waitTime: Span = .seconds(20), visibilityTimeout: Span? = nil,
                processing: Distribution, failureProbability: Double = 0, emptyReceiveDelay: Span = .zero) {
        self.name = name
        self.count = count
        self.maxMessages = maxMessages
        self.waitTime = waitTime
        self.visibilityTimeout = visibilityTimeout
        self.processing = processing
        self.failureProbability = failureProbability
        self.emptyReceiveDelay = emptyReceiveDelay
    }
}

/// One worker: receive a batch, process its messages one after another, delete each after it is
/// processed, receive again.
///
/// The worker is a state machine: each step that waits (for the network, for processing) is a
/// timer on the worker itself whose code names the next step, so nothing is allocated per step.
/// A step due now runs at once. A crash bumps the consumer's epoch; every step scheduled before it
/// carries the old epoch and is dropped, so a crashed consumer does nothing more with the work it held.
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
    /// FIFO groups of the batch in hand whose processing failed: their later messages are left
    /// alone, so the group is retried in order.
    var failedGroups: [String] = []
    let retryPolicy: RetryPolicy
    let retryQuota = RetryQuota()
    let principal: String
    /// The extended client's fetch of the message being processed failed: processing fails.
    var fetchFailed = false
    /// The call under way (a receive or a delete): its attempt and when its answer arrives.
    var attempt = 1
    var answerAt = Instant.zero
    var busySince: Instant?
    public private(set) var busyTime = Span.zero

    /// The steps a consumer waits for.
    enum Step: Int {
        case receiveArrives, receiveAnswered, receiveFailed, receiveRetry, pollAgain
        case processed
        case deleteArrives, deleteAnswered, deleteFailed, deleteRetry
    }

    init(index: Int, fleet: ConsumerFleet, streams: (String) -> RandomStream) {
        self.index = index
        self.fleet = fleet
        specification = fleet.specification
        scheduler = fleet.scheduler
        queue = fleet.queue
        processingStream = streams("consumer/\(fleet.specification.name)/\(index)/processing")
        networkStream = streams("consumer/\(fleet.specification.name)/\(index)/network")
        retryPolicy = fleet.specification.retryPolicy ?? fleet.network.retryPolicy
        principal = fleet.specification.principal ?? ClientServices.defaultPrincipal(fleet.specification.name)
    }

    /// Copied from the fleet so the hot path reads fields, not a struct copied out of another object.
    let specification: ConsumerSpecification
    unowned(unsafe) let scheduler: Scheduler
    unowned(unsafe) let queue: Queue

    /// Takes `step` at `instant`: now, or from a timer that a crash in between makes stale.
    func take(_ step: Step, at instant: Instant) {
        if instant == scheduler.now {
            run(step)
        } else {
            scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: epoch)
        }
    }

    public func timerFired(code: Int, payload: Int) {
        guard payload == epoch else { return }
        run(Step(rawValue: code)!)
    }

    func run(_ step: Step) {
        switch step {
        case .receiveArrives: receiveArrives()
        case .receiveAnswered:
            isPolling = false
            if batch.isEmpty { pollAfterEmptyReceive() } else { processNext() }
        case .pollAgain: poll()
        case .receiveFailed: receiveFailed()
        case .receiveRetry:
            isPolling = false
            poll(attempt: attempt)
        case .processed: processed()
        case .deleteArrives: deleteArrives()
        case .deleteAnswered: processNext()
        case .deleteFailed: deleteFailed()
        case .deleteRetry: delete(attempt: attempt)
        }
    }

    /// Starts a call: the request takes effect after half the round trip, the answer comes at its end.
    func call(_ arrives: Step, attempt: Int) {
        let start = scheduler.now
        let roundTrip = fleet.network.roundTrip(at: start, rng: networkStream)
        self.attempt = attempt
        answerAt = start + roundTrip
        take(arrives, at: start + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    // MARK: Receiving

    func poll(attempt: Int = 1) {
        guard isUp, !isPaused, !isPolling else { return }
        isPolling = true
        call(.receiveArrives, attempt: attempt)
    }

    /// After an empty receive the consumer waits `emptyReceiveDelay`, then polls again. The next poll
    /// always goes through the event list: with short polls and no API latency an immediate one
    /// would recurse for ever at one instant.
    func pollAfterEmptyReceive() {
        scheduler.schedule(at: scheduler.now + specification.emptyReceiveDelay, target: self, code: Step.pollAgain.rawValue,
                           payload: epoch)
    }

    func receiveArrives() {
        if fleet.network.fails(at: scheduler.now, rng: networkStream) {
            take(.receiveFailed, at: answerAt)
            return
        }
        if queue.authorize(principal, .receiveMessage) != nil {
            take(.receiveFailed, at: answerAt)
            return
        }
        let request = ReceiveMessageRequest(maxNumberOfMessages: specification.maxMessages, waitTime: specification.waitTime,
                                            visibilityTimeout: specification.visibilityTimeout)
        switch queue.receiveMessage(request, requester: self) {
        case .messages(let messages):
            if attempt > 1 { retryQuota.succeeded(afterRetry: true) }
            handOver(messages)
            take(.receiveAnswered, at: answerAt + decryptLatency(messages))
        case .waiting(let id):
            pendingReceive = id
        case .rejected:
            take(.receiveFailed, at: answerAt)
        }
    }

    public func receiveCompleted(_ request: ReceiveRequestID, messages: [ReceivedMessage]) {
        guard pendingReceive == request else { return }
        pendingReceive = nil
        handOver(messages)
        // The response leg of a long poll costs half a round trip.
        let roundTrip = fleet.network.roundTrip(at: scheduler.now, rng: networkStream)
        take(.receiveAnswered, at: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds - roundTrip.nanoseconds / 2)
                + decryptLatency(messages))
    }

    /// Messages from an SSE-KMS queue need a data key to decrypt, fetched when the cached one is stale.
    func decryptLatency(_ messages: [ReceivedMessage]) -> Span {
        guard !messages.isEmpty, let kms = fleet.services.kms else { return .zero }
        return kms.dataKeyLatency(principal: principal, queue: queue, side: .consumer, at: scheduler.now, rng: networkStream)
    }

    /// The queue has handed out `messages`; they are the consumer's from now on, even before the
    /// answer reaches it (a crash in between abandons them).
    func handOver(_ messages: [ReceivedMessage]) {
        let now = scheduler.now
        for message in messages {
            fleet.observer.received(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, at: now)
        }
        batch = messages
        position = 0
        if !failedGroups.isEmpty { failedGroups.removeAll() }
    }

    func receiveFailed() {
        let retry = attempt < retryPolicy.maxAttempts && retryQuota.spend(timeout: false)
        fleet.observer.callFailed(actor: "consumer/\(specification.name)/\(index)", operation: "ReceiveMessage", willRetry: retry,
                                  at: scheduler.now)
        // A receive that failed on every attempt is given up; the consumer polls afresh after a pause.
        let pause = retryPolicy.backoff(after: attempt, rng: networkStream)
        attempt = retry ? attempt + 1 : 1
        take(.receiveRetry, at: scheduler.now + pause)
    }

    // MARK: Processing

    func processNext() {
        guard position < batch.count else {
            batch = []
            poll()
            return
        }
        let now = scheduler.now
        if !failedGroups.isEmpty, let group = batch[position].messageGroupId, failedGroups.contains(group) {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: batch[position], why: .groupFailed, at: now)
            position += 1
            processNext()
            return
        }
        if busySince == nil { busySince = now }
        var duration = Span(seconds: specification.processing.sample(processingStream, truncatedAtZero: true))
        fetchFailed = false
        if batch[position].extendedPayloadBytes > 0, let store = fleet.services.objectStore {
            // The extended client fetches the body before the handler sees the message.
            let get = store.get(ObjectKey(batch[position].tag), rng: networkStream)
            duration = duration + get.latency
            fetchFailed = get.status != .succeeded
            fleet.observer.objectStoreUsed(queue: fleet.queueIndex, latency: get.latency, at: now)
        }
        // Always through the event list, even when processing takes no time: taking it at once
        // would recurse through processing, delete and the next message for as long as messages
        // are ready at this instant, and a large backlog would overflow the stack.
        scheduler.schedule(at: now + duration, target: self, code: Step.processed.rawValue, payload: epoch)
    }

    func processed() {
        let now = scheduler.now
        let message = batch[position]
        endBusy(at: now)
        let failed = message.poison || fetchFailed
            || (specification.failureProbability > 0 && processingStream.bernoulli(specification.failureProbability))
        if failed {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, why: .processingFailed, at: now)
            if let group = message.messageGroupId { failedGroups.append(group) }
            position += 1
            processNext()
            return
        }
        fleet.observer.processed(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, at: now)
        delete(attempt: 1)
    }

    /// Deletes the message at `position`.
    func delete(attempt: Int) {
        call(.deleteArrives, attempt: attempt)
    }

    func deleteArrives() {
        if fleet.network.fails(at: scheduler.now, rng: networkStream) {
            take(.deleteFailed, at: answerAt)
            return
        }
        let message = batch[position]
        let result = queue.authorize(principal, .deleteMessage).map { DeleteMessageResult.rejected($0) }
            ?? queue.deleteMessage(message.receiptHandle)
        if case .rejected(let error) = result, error.isRetryable {
            take(.deleteFailed, at: answerAt)
            return
        }
        var answerAt = self.answerAt
        if case .deleted = result, message.extendedPayloadBytes > 0, let store = fleet.services.objectStore {
            // The extended client deletes the stored body after the message.
            let delete = store.delete(ObjectKey(message.tag), at: scheduler.now, rng: networkStream)
            answerAt = answerAt + delete.latency
            fleet.observer.objectStoreUsed(queue: fleet.queueIndex, latency: delete.latency, at: scheduler.now)
        }
        if attempt > 1 { retryQuota.succeeded(afterRetry: true) }
        fleet.observer.deleteAnswered(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, result: result,
                                      at: scheduler.now)
        // The delete has reached the queue: the message is no longer in hand, so a crash before
        // the answer arrives does not abandon it.
        position += 1
        take(.deleteAnswered, at: answerAt)
    }

    func deleteFailed() {
        let now = scheduler.now
        let message = batch[position]
        let retry = attempt < retryPolicy.maxAttempts && retryQuota.spend(timeout: false)
        fleet.observer.callFailed(actor: "consumer/\(specification.name)/\(index)", operation: "DeleteMessage", willRetry: retry, at: now)
        guard retry else {
            fleet.observer.abandoned(queue: fleet.queueIndex, fleet: fleet.fleetIndex, message: message, why: .deleteFailed, at: now)
            position += 1
            processNext()
            return
        }
        let pause = retryPolicy.backoff(after: attempt, rng: networkStream)
        attempt += 1
        take(.deleteRetry, at: now + pause)
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
            queue.cancelReceive(id)
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
