import MessagingEngine
import SimKernel
import Stochastic

/// A delivery stream's destination (an S3 bucket, an HTTP endpoint, a search cluster) modelled by
/// its latency, its failure probability and its outages: `EndpointSpecification`'s `latency`,
/// `failureProbability` and `outages` (its other fields are for SNS subscriptions and are not
/// read here).
///
/// Each attempt is answered after a latency drawn from the destination's own random stream. An
/// attempt that starts during an outage fails, as does a share `failureProbability` of the others.
/// The latency is drawn for every attempt, failed or not, so an outage does not shift the draws
/// of later attempts' latencies (it does shift the failure draws, which are skipped in an outage).
public final class ObjectDestination: DeliveryStreamDestination, TimerTarget {
    public let name: String
    public let specification: EndpointSpecification
    let scheduler: Scheduler
    let randomness: RandomStream
    var answers = RowTable<(ticket: ObjectDeliveryTicket, outcome: ObjectDeliveryOutcome)>()
    /// Not retained: the world owns both the stream and its destination.
    unowned(unsafe) var stream: DeliveryStream?
    public private(set) var attempts = 0
    public private(set) var failures = 0
    public private(set) var failedInOutage = 0

    public init(name: String, specification: EndpointSpecification, scheduler: Scheduler, randomness: RandomStream) {
        self.name = name
        self.specification = specification
        self.scheduler = scheduler
        self.randomness = randomness
    }

    public func deliver(_ attempt: ObjectDeliveryAttempt, for stream: DeliveryStream) {
        self.stream = stream
        let now = scheduler.now
        attempts += 1
        let latency = Span(seconds: specification.latency.sample(randomness, truncatedAtZero: true))
        let outcome: ObjectDeliveryOutcome
        if specification.outages.contains(where: { $0.from <= now && now < $0.to }) {
            failedInOutage += 1
            failures += 1
            outcome = .failed("\(name) unavailable (outage)")
        } else if specification.failureProbability > 0 && randomness.bernoulli(specification.failureProbability) {
            failures += 1
            outcome = .failed("\(name) answered 500 Internal Server Error")
        } else {
            outcome = .delivered
        }
        let row = answers.insert((attempt.ticket, outcome))
        scheduler.schedule(at: now + latency, target: self, code: 0, payload: row)
    }

    public func timerFired(code: Int, payload: Int) {
        let answer = answers.remove(payload)
        stream?.completeDelivery(answer.ticket, outcome: answer.outcome)
    }
}

/// What a delivery stream's transformation function does, as the scenario file says it.
public struct TransformationFunctionSpecification: Sendable {
    /// Run time of one invocation, in seconds.
    public var duration: Distribution
    /// Chance that the function returns a record `Dropped`.
    public var droppedProbability: Double
    /// Chance that it returns a record `ProcessingFailed`.
    public var processingFailedProbability: Double
    /// Chance that an invocation fails as a whole (times out, is throttled, raises).
    public var failureProbability: Double

    public init(duration: Distribution, droppedProbability: Double = 0, processingFailedProbability: Double = 0,
                failureProbability: Double = 0) {
        self.duration = duration
        self.droppedProbability = droppedProbability
        self.processingFailedProbability = processingFailedProbability
        self.failureProbability = failureProbability
    }

    /// Problems, each naming the field and what would be valid; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        for (field, p) in [("droppedProbability", droppedProbability), ("processingFailedProbability", processingFailedProbability),
                           ("failureProbability", failureProbability)] where !(p >= 0 && p <= 1) {
            found.append((field, "a probability between 0 and 1, not \(p)"))
        }
        if droppedProbability + processingFailedProbability > 1 {
            found.append(("processingFailedProbability", "droppedProbability + processingFailedProbability must be at most 1"))
        }
        return found
    }
}

/// The transformation function (a Lambda function) of a delivery stream: each invocation takes a
/// drawn duration, then fails as a whole with `failureProbability`, or returns each record Ok (at
/// its size: the function is taken not to change sizes), Dropped or ProcessingFailed by one
/// uniform draw per record.
///
/// The duration is drawn first and always, then the invocation's failure, then (for an invocation
/// that did not fail) one draw per record, all from one stream: the same invocations see the same
/// answers whatever the destination does.
public final class TransformationFunction: RecordTransformer, TimerTarget {
    public let specification: TransformationFunctionSpecification
    let scheduler: Scheduler
    let randomness: RandomStream
    var answers = RowTable<(ticket: TransformationTicket, outcome: TransformationOutcome)>()
    /// Not retained: the world owns both the stream and its function.
    unowned(unsafe) var stream: DeliveryStream?
    public private(set) var invocations = 0
    public private(set) var busyTime = Span.zero

    public init(specification: TransformationFunctionSpecification, scheduler: Scheduler, randomness: RandomStream) {
        precondition(specification.problems().isEmpty, "invalid transformation function: \(specification.problems())")
        self.specification = specification
        self.scheduler = scheduler
        self.randomness = randomness
    }

    public func transform(_ invocation: TransformationInvocation, for stream: DeliveryStream) {
        self.stream = stream
        invocations += 1
        let duration = Span(seconds: specification.duration.sample(randomness, truncatedAtZero: true))
        busyTime = busyTime + duration
        let outcome: TransformationOutcome
        if specification.failureProbability > 0 && randomness.bernoulli(specification.failureProbability) {
            outcome = .invocationFailed("the function failed (Lambda.FunctionError)")
        } else {
            let dropped = specification.droppedProbability
            let failed = dropped + specification.processingFailedProbability
            outcome = .results(invocation.records.map { record in
                guard failed > 0 else { return .ok(transformedBytes: record.sizeBytes) }
                let u = randomness.uniform()
                if u < dropped { return .dropped }
                if u < failed { return .processingFailed }
                return .ok(transformedBytes: record.sizeBytes)
            })
        }
        let row = answers.insert((invocation.ticket, outcome))
        scheduler.schedule(at: scheduler.now + duration, target: self, code: 0, payload: row)
    }

    public func timerFired(code: Int, payload: Int) {
        let answer = answers.remove(payload)
        stream?.completeTransformation(answer.ticket, outcome: answer.outcome)
    }
}
