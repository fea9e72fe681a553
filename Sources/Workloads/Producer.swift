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
    /// FIFO: message groups the producer spreads its messages over, uniformly at random; 0 sends none.
    public var messageGroups: Int = 0
    /// FIFO: how the producer names its sends for deduplication.
    public var deduplicationId: DeduplicationIDs = .perMessage
    /// Chance that a send's answer is lost after the queue accepted it: the producer sees a timeout
    /// and sends the same content again, which only deduplication keeps from being enqueued twice.
    public var responseLoss: Double = 0
    /// Fraction of messages that fail every processing attempt.
    public var poisonFraction: Double = 0
    /// This producer's retry policy; nil takes the network's.
    public var retryPolicy: RetryPolicy?
    /// The IAM principal it calls as; nil is `ClientServices.defaultPrincipal(name)`.
    public var principal: String?
    /// The SQS extended client: bodies over its threshold go to the object store.
    public var extendedClient: ExtendedClientPolicy?
    /// Message attributes with values, one of each per message (what attribute filter policies read).
    public var messageAttributes: [MessageAttributeGenerator] = []
    /// Fields of a JSON body, one of each per message (what body filter policies read); empty for
    /// a body that is not JSON.
    public var bodyFields: [MessageAttributeGenerator] = []

    /// How a producer sets MessageDeduplicationId.
    public enum DeduplicationIDs: String, Sendable, CaseIterable {
        /// One ID per message, the same on every retry: retries are deduplicated.
        case perMessage
        /// A new ID on every attempt (a common mistake): retries are not deduplicated.
        case perAttempt
        /// No ID: the queue's content-based deduplication must be on.
        case none
    }

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

/// Sends messages to one queue, or publishes them to one topic, from `start` until `stop`.
///
/// Arrivals and message sizes come from the producer's own streams, and API latency and errors from
/// a third, so the instants at which messages are produced depend on nothing but the producer.
public final class Producer: TimerTarget {
    /// Where a producer's messages go, with the index the observer knows it by.
    public enum Target {
        case queue(Queue, index: Int)
        case topic(Topic, index: Int)
    }

    public let specification: ProducerSpecification
    public let target: Target
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the producer is its observer and outlives it.
    unowned(unsafe) let observer: WorkloadObserver
    let arrivalStream: RandomStream
    let sizeStream: RandomStream
    let networkStream: RandomStream
    /// Group choice, poison and lost answers draw from a stream of their own, so turning them on
    /// leaves arrivals, sizes and latencies as they were.
    let contentStream: RandomStream
    /// Attribute values and body fields, on a stream of their own for the same reason.
    let attributeStream: RandomStream
    let retryPolicy: RetryPolicy
    let retryQuota = RetryQuota()
    let services: ClientServices
    let principal: String
    let stop: Instant
    /// The rate arrivals follow, worked out once rather than per arrival.
    let rateSchedule: RateSchedule?

    var buffer: [Entry] = []
    var lingerArmed = false
    /// Batches sent so far. A linger timer carries the number of the batch it was set for, so a
    /// timer that outlives its batch (sent full before the linger ended) cannot send the next one early.
    var batchesSent = 0
    var nextTag: UInt64 = 0
    /// Sends issued and not yet answered; the world waits for these before it calls a run drained.
    public private(set) var callsOutstanding = 0
    public private(set) var messagesProduced = 0
    public private(set) var finished = false

    enum Code: Int { case arrival, lingerEnded, sendArrives, sendAnswered, sendFailed, sendRetry }

    /// A message made and not yet sent. A struct, not a tuple: arrays of tuples are destroyed
    /// through the runtime's generic paths, which the profile showed on every send.
    struct Entry {
        var request: SendMessageRequest
        var producedAt: Instant
        /// For a topic: the attributes with their values, and the JSON body.
        var topicAttributes: [TopicMessageAttribute] = []
        var body: FilterPolicyJSON?
    }

    /// A send under way.
    struct Call {
        /// What the call sends; once answered, what is left to retry.
        var batch: [Entry]
        var attempt: Int
        var answerAt: Instant
        var answerLost = false
    }

    /// Calls under way, by the row their timers carry.
    var calls = RowTable<Call>()

    /// Tags are unique across producers: the producer's index in the high bits.
    static let tagProducerShift: UInt64 = 40

    public convenience init(specification: ProducerSpecification, producerIndex: Int = 0, queue: Queue, queueIndex: Int, network: Network,
                            scheduler: Scheduler, observer: WorkloadObserver, streams: (String) -> RandomStream, stop: Instant,
                            services: ClientServices = ClientServices()) {
        self.init(specification: specification, producerIndex: producerIndex, target: .queue(queue, index: queueIndex), network: network,
                  scheduler: scheduler, observer: observer, streams: streams, stop: stop, services: services)
    }

    public init(specification: ProducerSpecification, producerIndex: Int = 0, target: Target, network: Network,
                scheduler: Scheduler, observer: WorkloadObserver, streams: (String) -> RandomStream, stop: Instant,
                services: ClientServices = ClientServices()) {
        self.specification = specification
        self.target = target
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        arrivalStream = streams("producer/\(specification.name)/arrivals")
        sizeStream = streams("producer/\(specification.name)/size")
        networkStream = streams("producer/\(specification.name)/network")
        contentStream = streams("producer/\(specification.name)/content")
        retryPolicy = specification.retryPolicy ?? network.retryPolicy
        self.services = services
        principal = specification.principal ?? ClientServices.defaultPrincipal(specification.name)
        if specification.extendedClient != nil {
            precondition(services.objectStore != nil, "producer \(specification.name) uses the extended client but there is no object store")
            if case .topic = target { preconditionFailure("producer \(specification.name): the extended client is for queues") }
        }
        attributeStream = streams("producer/\(specification.name)/attributes")
        nextTag = UInt64(producerIndex) << Self.tagProducerShift
        self.stop = stop
        rateSchedule = specification.arrivals.effectiveSchedule(specification.schedule)
    }

    /// Schedules the first arrival.
    public func start() { scheduleNextArrival(after: scheduler.now) }

    /// True when nothing the producer made is still on its way to the queue.
    public var isIdle: Bool { finished && buffer.isEmpty && callsOutstanding == 0 }

    func scheduleNextArrival(after instant: Instant) {
        guard let next = specification.arrivals.next(after: instant, schedule: rateSchedule, rng: arrivalStream),
              next < stop else {
            finished = true
            flush()
            reportIfFinished()
            return
        }
        scheduler.schedule(at: next, target: self, code: Code.arrival.rawValue, payload: 0)
    }

    public func timerFired(code: Int, payload: Int) {
        let code = Code(rawValue: code)!
        switch code {
        case .arrival: arrive()
        case .lingerEnded:
            if payload == batchesSent { flush() }
        case .sendArrives, .sendAnswered, .sendFailed, .sendRetry:
            run(code, call: payload)
        }
    }

    func arrive() {
        let now = scheduler.now
        messagesProduced += 1
        let bodyBytes = max(1, Int(specification.messageSize.sample(sizeStream, truncatedAtZero: true).rounded()))
        var attributes = (0..<specification.attributeCount).map {
            MessageAttribute(name: "a\($0)", dataType: .string, valueBytes: specification.attributeBytes)
        }
        let topicAttributes = specification.messageAttributes.map { $0.attribute(attributeStream) }
        let body = specification.bodyFields.isEmpty ? nil : MessageAttributeGenerator.body(specification.bodyFields, attributeStream)
        if case .queue = target { attributes += topicAttributes.map(\.queueAttribute) }
        var request = SendMessageRequest(bodyBytes: bodyBytes, attributes: attributes, delay: specification.delay, tag: nextTag)
        nextTag += 1
        if specification.messageGroups > 0 {
            request.messageGroupId = "g\(contentStream.uniformInt(below: specification.messageGroups))"
        }
        if specification.poisonFraction > 0 { request.poison = contentStream.bernoulli(specification.poisonFraction) }
        if let extended = specification.extendedClient {
            let attributeBytes = request.sizeBytes - request.bodyBytes
            if extended.storesExternally(bodyBytes: request.bodyBytes, attributeBytes: attributeBytes) {
                request.extendedPayloadBytes = request.bodyBytes
                request.bodyBytes = ExtendedClientPolicy.pointerMessageBytes
            }
        }
        if case .topic = target {
            buffer.append(Entry(request: request, producedAt: now, topicAttributes: topicAttributes, body: body))
        } else {
            buffer.append(Entry(request: request, producedAt: now))
        }
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
        // Handed over whole; the next message starts a new buffer (keeping capacity would copy).
        let batch = buffer
        buffer = []
        lingerArmed = false
        batchesSent += 1
        send(batch, attempt: 1)
    }

    /// Tells the observer once the producer has stopped and its last call was answered.
    func reportIfFinished() {
        if isIdle { observer.producerFinished(specification.name, at: scheduler.now) }
    }

    /// Sends a batch: the request takes effect after half the round trip, the answer comes at its end.
    ///
    /// Before the request leaves, the client may need a data key from KMS (an SSE-KMS queue) and,
    /// with the extended client, puts each large body into the object store; both delay it, and a
    /// failed put fails the call before it reaches the queue.
    func send(_ batch: [Entry], attempt: Int) {
        callsOutstanding += 1
        let start = scheduler.now
        var before = Span.zero
        var putFailed = false
        if case .queue(let queue, let queueIndex) = target {
            if let kms = services.kms {
                before = before + kms.dataKeyLatency(principal: principal, queue: queue, side: .producer, at: start, rng: networkStream)
            }
            if let store = services.objectStore {
                for entry in batch where entry.request.extendedPayloadBytes > 0 {
                    let put = store.put(ObjectKey(entry.request.tag), bytes: entry.request.extendedPayloadBytes, at: start, rng: networkStream)
                    before = before + put.latency
                    observer.objectStoreUsed(queue: queueIndex, latency: put.latency, at: start)
                    if put.failed { putFailed = true }
                }
            }
        }
        let roundTrip = network.roundTrip(at: start, rng: networkStream)
        let call = calls.insert(Call(batch: batch, attempt: attempt, answerAt: start + before + roundTrip))
        if putFailed {
            take(.sendFailed, call: call, at: start + before)
            return
        }
        take(.sendArrives, call: call, at: start + before + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    func sendArrives(_ call: Int) {
        let now = scheduler.now
        let batch = calls[call].batch
        let attempt = calls[call].attempt
        if network.fails(at: now, rng: networkStream) {
            take(.sendFailed, call: call, at: calls[call].answerAt)
            return
        }
        let retry: [Entry]
        switch target {
        case .queue(let queue, _): retry = send(batch, to: queue, attempt: attempt, at: now)
        case .topic(let topic, _): retry = publish(batch, to: topic, attempt: attempt, at: now)
        }
        // The answer may be lost on its way back: the producer cannot tell what was accepted and
        // sends the whole batch again.
        if specification.responseLoss > 0 && contentStream.bernoulli(specification.responseLoss) {
            calls[call].batch = batch
            calls[call].answerLost = true
        } else {
            calls[call].batch = retry
        }
        take(.sendAnswered, call: call, at: calls[call].answerAt)
    }

    /// Sends a batch to a queue; returns the entries to retry.
    func send(_ batch: [Entry], to queue: Queue, attempt: Int, at now: Instant) -> [Entry] {
        var retry: [Entry] = []
        if let denial = queue.authorize(principal, .sendMessage) {
            for entry in batch { _ = record(entry, .rejected(denial), at: now) }
        } else if batch.count == 1 && specification.batchSize == 1 {
            let result = queue.sendMessage(request(batch[0], attempt: attempt))
            if record(batch[0], result, at: now) { retry.append(batch[0]) }
        } else {
            switch queue.sendMessageBatch(batch.map { request($0, attempt: attempt) }) {
            case .entries(let results):
                for (entry, result) in zip(batch, results) where record(entry, result, at: now) { retry.append(entry) }
            case .rejected(let error):
                for entry in batch where record(entry, .rejected(error), at: now) { retry.append(entry) }
            }
        }
        return retry
    }

    /// Publishes a batch to a topic (Publish, or PublishBatch); returns the entries to retry.
    func publish(_ batch: [Entry], to topic: Topic, attempt: Int, at now: Instant) -> [Entry] {
        var retry: [Entry] = []
        if let denial = topic.authorize(principal, .publish) {
            for entry in batch { _ = record(entry, .rejected(denial), at: now) }
        } else if batch.count == 1 && specification.batchSize == 1 {
            let result = topic.publish(publishRequest(batch[0], attempt: attempt))
            if record(batch[0], result, at: now) { retry.append(batch[0]) }
        } else {
            switch topic.publishBatch(batch.map { publishRequest($0, attempt: attempt) }) {
            case .entries(let results):
                for (entry, result) in zip(batch, results) where record(entry, result, at: now) { retry.append(entry) }
            case .rejected(let error):
                for entry in batch where record(entry, .rejected(error), at: now) { retry.append(entry) }
            }
        }
        return retry
    }

    func publishRequest(_ entry: Entry, attempt: Int) -> PublishRequest {
        let sent = request(entry, attempt: attempt)
        return PublishRequest(bodyBytes: sent.bodyBytes, attributes: entry.topicAttributes, body: entry.body, tag: sent.tag,
                              messageGroupId: sent.messageGroupId, deduplicationId: sent.deduplicationId, poison: sent.poison)
    }

    /// The request for an entry on its `attempt`-th try.
    func request(_ entry: Entry, attempt: Int) -> SendMessageRequest {
        guard entry.request.messageGroupId != nil else { return entry.request }
        var request = entry.request
        switch specification.deduplicationId {
        case .perMessage: request.deduplicationId = "\(specification.name)-\(request.tag)"
        case .perAttempt: request.deduplicationId = "\(specification.name)-\(request.tag)-\(attempt)"
        case .none: break
        }
        return request
    }

    /// Tells the observer what became of an entry; returns true when the entry should be retried
    /// (the queue throttled it).
    func record(_ entry: Entry, _ result: PublishResult, at now: Instant) -> Bool {
        guard case .topic(_, let topicIndex) = target else { preconditionFailure("a queue answers with send results") }
        switch result {
        case .published(let id):
            observer.publishAccepted(topic: topicIndex, messageId: id, producedAt: entry.producedAt, at: now)
        case .deduplicated(let id):
            observer.publishDeduplicated(topic: topicIndex, original: id, at: now)
        case .rejected(let error):
            if error.isRetryable { return true }
            observer.publishAbandoned(topic: topicIndex, producedAt: entry.producedAt, reason: error.description, at: now)
        }
        return false
    }

    func record(_ entry: Entry, _ result: SendMessageResult, at now: Instant) -> Bool {
        guard case .queue(_, let queueIndex) = target else { preconditionFailure("a topic answers with publish results") }
        switch result {
        case .sent(let id):
            observer.sendAccepted(queue: queueIndex, messageId: id, producedAt: entry.producedAt, at: now)
        case .deduplicated(let id):
            observer.sendDeduplicated(queue: queueIndex, original: id, at: now)
        case .rejected(let error):
            if error.isRetryable { return true }
            observer.sendAbandoned(queue: queueIndex, producedAt: entry.producedAt, reason: error.description, at: now)
        }
        return false
    }

    /// The call failed before taking effect: retry it after a backoff, or give its messages up.
    func sendFailed(_ call: Int) {
        callsOutstanding -= 1
        retryOrAbandon(call, reason: "ServiceUnavailable")
    }

    /// Retries what a call left undone (everything, or the throttled entries), within the retry
    /// policy's attempts and the retry quota, or gives it up.
    func retryOrAbandon(_ call: Int, reason: String) {
        let now = scheduler.now
        let attempt = calls[call].attempt
        let retry = attempt < retryPolicy.maxAttempts && retryQuota.spend(timeout: calls[call].answerLost)
        observer.callFailed(actor: "producer/\(specification.name)", operation: "SendMessage", willRetry: retry, at: now)
        guard retry else {
            for entry in calls.remove(call).batch {
                switch target {
                case .queue(_, let queueIndex):
                    observer.sendAbandoned(queue: queueIndex, producedAt: entry.producedAt, reason: "\(reason) after \(attempt) attempts", at: now)
                case .topic(_, let topicIndex):
                    observer.publishAbandoned(topic: topicIndex, producedAt: entry.producedAt, reason: "\(reason) after \(attempt) attempts", at: now)
                }
            }
            reportIfFinished()
            return
        }
        callsOutstanding += 1
        take(.sendRetry, call: call, at: now + retryPolicy.backoff(after: attempt, rng: networkStream))
    }

    /// Takes a call's next step at `instant`: now, or from a timer.
    func take(_ step: Code, call: Int, at instant: Instant) {
        if instant == scheduler.now {
            run(step, call: call)
        } else {
            scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: call)
        }
    }

    func run(_ step: Code, call: Int) {
        switch step {
        case .sendArrives: sendArrives(call)
        case .sendAnswered:
            callsOutstanding -= 1
            if calls[call].batch.isEmpty {
                retryQuota.succeeded(afterRetry: calls[call].attempt > 1)
                _ = calls.remove(call)
                reportIfFinished()
            } else {
                retryOrAbandon(call, reason: calls[call].answerLost ? "response lost" : "ThrottlingException")
            }
        case .sendFailed: sendFailed(call)
        case .sendRetry:
            callsOutstanding -= 1
            let retried = calls.remove(call)
            send(retried.batch, attempt: retried.attempt + 1)
        case .arrival, .lingerEnded:
            preconditionFailure("\(step) is not a step of a call")
        }
    }
}
