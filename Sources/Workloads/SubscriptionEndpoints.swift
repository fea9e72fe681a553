import MessagingEngine
import SimKernel
import Stochastic

/// How an endpoint that is not a queue answers deliveries (an HTTP server, a function, a phone).
public struct EndpointSpecification: Sendable {
    /// Time from an attempt to its answer.
    public var latency: Distribution
    /// Chance that an attempt fails on the server side (retried by the subscription's policy).
    public var failureProbability: Double = 0
    /// Chance that the endpoint refuses a message outright (a 4xx): not retried.
    public var clientErrorProbability: Double = 0
    /// Intervals during which every attempt fails (the endpoint is down).
    public var outages: [(from: Instant, to: Instant)] = []
    /// Attempts the endpoint serves at once; more fail at once (HTTP 503). Nil for no limit.
    public var concurrencyMax: Int?
    /// Attempts a second the endpoint accepts (sliding one-second window); more fail at once
    /// (HTTP 429). Nil for no limit.
    public var rateLimit: Int?

    public init(latency: Distribution, failureProbability: Double = 0, clientErrorProbability: Double = 0,
                outages: [(from: Instant, to: Instant)] = [], concurrencyMax: Int? = nil, rateLimit: Int? = nil) {
        self.latency = latency
        self.failureProbability = failureProbability
        self.clientErrorProbability = clientErrorProbability
        self.outages = outages
        self.concurrencyMax = concurrencyMax
        self.rateLimit = rateLimit
    }

    /// How long a delivery to a protocol takes when the scenario does not say: tens of
    /// milliseconds inside AWS (sqs, lambda, firehose), a round trip to a web server for HTTP/S,
    /// and a hand-over to a mail, SMS or push provider for the rest. Assumptions, not AWS figures.
    public static func defaultLatency(_ protocolName: SubscriptionProtocol) -> Distribution {
        switch protocolName {
        case .sqs, .lambda, .firehose: .lognormal(mean: 0.03, sd: 0.015)
        case .http, .https: .lognormal(mean: 0.1, sd: 0.05)
        case .email, .emailJson, .sms, .application: .lognormal(mean: 0.5, sd: 0.25)
        }
    }
}

/// Answers are held until their instant in a table whose row is the timer payload.
struct PendingAnswer {
    var ticket: DeliveryTicket
    /// Whether the attempt holds one of the endpoint's concurrent slots until it is answered.
    var holdsSlot: Bool
    var outcome: DeliveryOutcome
}

/// An endpoint modelled by its latency, failures, outages and capacity.
public final class RemoteEndpoint: SubscriptionEndpoint, TimerTarget {
    public let specification: EndpointSpecification
    let scheduler: Scheduler
    let stream: RandomStream
    weak var topic: Topic?
    var rateWindow: TransactionRateLimiter?
    var answers = RowTable<PendingAnswer>()
    public private(set) var inFlight = 0
    /// Attempts refused for capacity (concurrency or rate) and during outages.
    public private(set) var refusedForCapacity = 0
    public private(set) var failedInOutage = 0

    public init(specification: EndpointSpecification, scheduler: Scheduler, stream: RandomStream) {
        self.specification = specification
        self.scheduler = scheduler
        self.stream = stream
        rateWindow = specification.rateLimit.map { TransactionRateLimiter(transactionsMax: $0) }
    }

    public func deliver(_ attempt: DeliveryAttempt, for topic: Topic) {
        self.topic = topic
        let now = scheduler.now
        if let limit = specification.concurrencyMax, inFlight >= limit {
            refusedForCapacity += 1
            answer(attempt, .serverError("503 Service Unavailable: \(limit) deliveries under way"), at: now, holdsSlot: false)
            return
        }
        if rateWindow != nil, !rateWindow!.tryAcquire(at: now) {
            refusedForCapacity += 1
            answer(attempt, .serverError("429 Too Many Requests: over \(specification.rateLimit!) a second"), at: now, holdsSlot: false)
            return
        }
        let latency = Span(seconds: specification.latency.sample(stream, truncatedAtZero: true))
        let outcome: DeliveryOutcome
        if specification.outages.contains(where: { $0.from <= now && now < $0.to }) {
            failedInOutage += 1
            outcome = .serverError("endpoint unavailable (outage)")
        } else if specification.failureProbability > 0 && stream.bernoulli(specification.failureProbability) {
            outcome = .serverError("500 Internal Server Error")
        } else if specification.clientErrorProbability > 0 && stream.bernoulli(specification.clientErrorProbability) {
            outcome = .clientError("400 Bad Request")
        } else {
            outcome = .delivered
        }
        inFlight += 1
        answer(attempt, outcome, at: now + latency, holdsSlot: true)
    }

    func answer(_ attempt: DeliveryAttempt, _ outcome: DeliveryOutcome, at instant: Instant, holdsSlot: Bool) {
        let row = answers.insert(PendingAnswer(ticket: attempt.ticket, holdsSlot: holdsSlot, outcome: outcome))
        scheduler.schedule(at: instant, target: self, code: 0, payload: row)
    }

    public func timerFired(code: Int, payload: Int) {
        let entry = answers.remove(payload)
        if entry.holdsSlot { inFlight -= 1 }
        topic?.completeDelivery(entry.ticket, outcome: entry.outcome)
    }
}

/// An sqs subscription: after SNS's internal latency the message is a real send into the queue,
/// made as SNS itself, so the queue's policy must let `sns.amazonaws.com` send.
///
/// A send the queue refuses for throttling is a server-side failure and is retried; any other
/// refusal (access denied, too large, too many attributes) is a client-side error.
public final class QueueSubscriber: SubscriptionEndpoint, TimerTarget {
    public let queue: Queue
    let queueIndex: Int
    let topicIndex: Int
    let latency: Distribution
    let scheduler: Scheduler
    let stream: RandomStream
    /// Not reference-counted: the world that owns the endpoint observes it.
    unowned(unsafe) let observer: WorkloadObserver
    weak var topic: Topic?
    var attempts = RowTable<DeliveryAttempt>()

    public init(queue: Queue, queueIndex: Int, topicIndex: Int, latency: Distribution, scheduler: Scheduler,
                stream: RandomStream, observer: WorkloadObserver) {
        self.queue = queue
        self.queueIndex = queueIndex
        self.topicIndex = topicIndex
        self.latency = latency
        self.scheduler = scheduler
        self.stream = stream
        self.observer = observer
    }

    public func deliver(_ attempt: DeliveryAttempt, for topic: Topic) {
        self.topic = topic
        let row = attempts.insert(attempt)
        let delay = Span(seconds: latency.sample(stream, truncatedAtZero: true))
        scheduler.schedule(at: scheduler.now + delay, target: self, code: 0, payload: row)
    }

    public func timerFired(code: Int, payload: Int) {
        let attempt = attempts.remove(payload)
        let now = scheduler.now
        let result = queue.authorize(Topic.servicePrincipal, .sendMessage).map(SendMessageResult.rejected)
            ?? queue.sendMessage(attempt.request)
        let outcome: DeliveryOutcome
        switch result {
        case .sent(let id):
            observer.deliveredToQueue(queue: queueIndex, messageId: id, topic: topicIndex, topicMessage: attempt.messageId, at: now)
            outcome = .delivered
        case .deduplicated(let original):
            observer.sendDeduplicated(queue: queueIndex, original: original, at: now)
            outcome = .delivered
        case .rejected(let error):
            outcome = error.isRetryable ? .serverError(error.description) : .clientError(error.description)
        }
        topic?.completeDelivery(attempt.ticket, outcome: outcome)
    }
}
