import SimKernel

/// How SNS retries a delivery that failed on the server side (SEMANTICS.md, Topic — SNS).
///
/// A policy has four phases, in this order (AWS, "Amazon SNS message delivery retries"):
/// 1. immediate retries, with no delay between them (`numNoDelayRetries`);
/// 2. pre-backoff retries, each `minDelayTarget` after the previous attempt (`numMinDelayRetries`);
/// 3. backoff retries, whose delays climb from `minDelayTarget` towards `maxDelayTarget` as
///    `backoffFunction` says (what is left of `numRetries` after the other three phases);
/// 4. post-backoff retries, each `maxDelayTarget` after the previous attempt (`numMaxDelayRetries`).
///
/// AWS's "total attempts" figures (100,015 and 50) are the sum of the four phases, that is the
/// retries; the first delivery comes on top, so `attemptsTotal` is `retriesTotal + 1`.
///
/// The policy is pure arithmetic on integer nanoseconds: it holds no clock and no random
/// generator. Jitter takes a uniform draw from the caller (the engine's seeded stream).
/// `maxReceivesPerSecond` is carried and validated here; the caller throttles deliveries with it.
public struct DeliveryRetryPolicy: Sendable, Equatable {
    /// Whose endpoint the policy serves; only `http` (HTTP/S) policies may be customised, so only
    /// they are held to the HTTP/S limits in `problems()`.
    public enum Endpoint: String, Sendable, Equatable, CaseIterable {
        /// sqs, lambda, firehose.
        case awsManaged
        /// email, email-json (SMTP), sms, application (mobile push).
        case customerManaged
        /// http, https.
        case http
    }

    /// How the backoff phase spaces its delays between `minDelayTarget` and `maxDelayTarget`.
    ///
    /// AWS names the four functions and shows them only as curves on a chart (each rises from the
    /// minimum to the maximum delay, at different rates); it publishes no formula. Sluice uses these
    /// rules, for backoff retry i of n (i = 1…n) and the fraction t = (i − 1) / (n − 1) of the way
    /// through the phase (t = 0 when n = 1):
    /// - `linear`: the delay grows by the same step each retry, min + (max − min)·t, so the first
    ///   backoff retry waits min and the last waits max.
    /// - `arithmetic`: the step itself grows by the same amount each retry (the steps form an
    ///   arithmetic progression), which makes the delay quadratic: min + (max − min)·t².
    /// - `geometric`: each delay is the previous one times a fixed ratio chosen so the last reaches
    ///   max: min·(max / min)^t.
    /// - `exponential`: classic exponential backoff, doubling from min and capped at max:
    ///   min(min·2^(i − 1), max). It need not reach max when the phase is short, and reaches it
    ///   early when max / min is small; this is the reading that gives "from 1 s to 20 s" for the
    ///   AWS-managed policy its 1, 2, 4, 8, 16, 20, … seconds.
    /// All four are monotonic non-decreasing and stay within [min, max].
    public enum BackoffFunction: String, Sendable, Equatable, CaseIterable {
        case linear, arithmetic, geometric, exponential
    }

    public var endpoint: Endpoint
    /// All retries of all four phases.
    public var numRetries: Int
    public var numNoDelayRetries: Int
    public var numMinDelayRetries: Int
    public var numMaxDelayRetries: Int
    public var minDelayTarget: Span
    public var maxDelayTarget: Span
    public var backoffFunction: BackoffFunction
    /// ThrottlePolicy maxReceivesPerSecond: deliveries per second to the subscription; nil for none.
    public var maxReceivesPerSecond: Int?
    /// How far jitter moves a delay: up to this fraction of it either way (see `jitteredDelay`).
    public var jitterFraction: Double = 0.1

    /// A policy from its phases; `problems()` says whether an HTTP/S policy is within AWS's limits.
    public init(endpoint: Endpoint = .http, numRetries: Int, numNoDelayRetries: Int = 0,
                minDelayTarget: Span, maxDelayTarget: Span, numMinDelayRetries: Int = 0,
                numMaxDelayRetries: Int = 0, backoffFunction: BackoffFunction = .linear,
                maxReceivesPerSecond: Int? = nil) {
        self.endpoint = endpoint
        self.numRetries = numRetries
        self.numNoDelayRetries = numNoDelayRetries
        self.minDelayTarget = minDelayTarget
        self.maxDelayTarget = maxDelayTarget
        self.numMinDelayRetries = numMinDelayRetries
        self.numMaxDelayRetries = numMaxDelayRetries
        self.backoffFunction = backoffFunction
        self.maxReceivesPerSecond = maxReceivesPerSecond
    }

    /// sqs, lambda, firehose: 3 immediate, 2 at 1 s, 10 backing off from 1 s to 20 s, 100,000 at
    /// 20 s — 100,015 retries over about 23 days.
    public static let awsManaged = DeliveryRetryPolicy(
        endpoint: .awsManaged, numRetries: 100_015, numNoDelayRetries: 3,
        minDelayTarget: .seconds(1), maxDelayTarget: .seconds(20), numMinDelayRetries: 2,
        numMaxDelayRetries: 100_000, backoffFunction: .exponential)

    /// SMTP, SMS, mobile push: none immediate, 2 at 10 s, 10 backing off from 10 s to 600 s, 38 at
    /// 600 s — 50 retries over more than 6 hours.
    public static let customerManaged = DeliveryRetryPolicy(
        endpoint: .customerManaged, numRetries: 50, numNoDelayRetries: 0,
        minDelayTarget: .seconds(10), maxDelayTarget: .seconds(600), numMinDelayRetries: 2,
        numMaxDelayRetries: 38, backoffFunction: .exponential)

    /// HTTP/S without a delivery policy: 3 retries, 20 s apart (a backoff phase whose min and max
    /// are both 20 s).
    public static let httpDefault = DeliveryRetryPolicy(
        endpoint: .http, numRetries: 3, minDelayTarget: .seconds(20), maxDelayTarget: .seconds(20))

    // MARK: Limits of a custom HTTP/S policy

    public static let numRetriesRange = 0...100
    public static let delayTargetMin = Span.seconds(1)
    public static let delayTargetMax = Span.seconds(3600)
    /// The delays of all retries of an HTTP/S policy add up to at most an hour (a hard limit).
    public static let httpDurationMax = Span.seconds(3600)

    // MARK: Schedule

    /// Retries in the backoff phase: what the other three phases leave of `numRetries`.
    public var numBackoffRetries: Int { numRetries - numNoDelayRetries - numMinDelayRetries - numMaxDelayRetries }

    /// The retries the policy makes after the first attempt fails (AWS's "total attempts").
    public var retriesTotal: Int { numRetries }

    /// Every delivery attempt, the first one included.
    public var attemptsTotal: Int { numRetries + 1 }

    /// The delay between the attempt before retry `retry` and retry `retry` itself, without jitter;
    /// nil when `retry` is outside 1…`retriesTotal` (the policy is exhausted).
    public func delay(beforeRetry retry: Int) -> Span? {
        guard retry >= 1, retry <= numRetries else { return nil }
        var index = retry
        if index <= numNoDelayRetries { return .zero }
        index -= numNoDelayRetries
        if index <= numMinDelayRetries { return minDelayTarget }
        index -= numMinDelayRetries
        if index <= numBackoffRetries { return backoffDelay(index, of: numBackoffRetries) }
        return maxDelayTarget
    }

    /// The delay of backoff retry `index` (1-based) of `count`, by `backoffFunction`.
    private func backoffDelay(_ index: Int, of count: Int) -> Span {
        let low = minDelayTarget.seconds, high = maxDelayTarget.seconds
        let fraction = count > 1 ? Double(index - 1) / Double(count - 1) : 0
        let seconds: Double
        switch backoffFunction {
        case .linear: seconds = low + (high - low) * fraction
        case .arithmetic: seconds = low + (high - low) * fraction * fraction
        case .geometric:
            guard low > 0, high > low, count > 1 else { seconds = low; break }
            seconds = low * Self.power(Self.root(high / low, degree: count - 1), index - 1)
        case .exponential: seconds = low > 0 ? Swift.min(low * Self.power(2, index - 1), high) : low
        }
        // Rounding to whole nanoseconds can leave a hair outside the targets; clamp to keep the bound.
        return Swift.min(Swift.max(Span(seconds: seconds), minDelayTarget), maxDelayTarget)
    }

    /// `base` to a non-negative whole power by repeated multiplication: the engine links no maths
    /// library. A result too large for a Double is infinity, which callers clamp or compare.
    private static func power(_ base: Double, _ exponent: Int) -> Double {
        var value = 1.0
        for _ in stride(from: 0, to: exponent, by: 1) { value *= base }
        return value
    }

    /// The positive `degree`-th root of `value` ≥ 1, by bisection.
    ///
    /// Bernoulli's inequality puts the root in [1, 1 + (value − 1) / degree]; 100 halvings narrow
    /// that below double precision. Bisection only compares, so a power that overflows to infinity
    /// still points the right way.
    /// - Complexity: O(100 · `degree`).
    private static func root(_ value: Double, degree: Int) -> Double {
        precondition(value >= 1 && degree >= 1, "root of \(value) of degree \(degree)")
        var low = 1.0, high = 1 + (value - 1) / Double(degree)
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if power(middle, degree) < value { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// The sum of all retry delays without jitter: from the first attempt to the last retry.
    /// - Complexity: O(`retriesTotal`).
    public var duration: Span {
        var total = Span.zero
        for retry in stride(from: 1, through: numRetries, by: 1) { total = total + delay(beforeRetry: retry)! }
        return total
    }

    /// The instants of every attempt, the first at `firstAttempt`, without jitter; if every one
    /// fails, the last is when the policy is exhausted.
    /// - Complexity: O(`attemptsTotal`).
    public func attemptInstants(firstAttempt: Instant) -> [Instant] {
        var instants = [firstAttempt]
        instants.reserveCapacity(attemptsTotal)
        for retry in stride(from: 1, through: numRetries, by: 1) {
            instants.append(instants[retry - 1] + delay(beforeRetry: retry)!)
        }
        return instants
    }

    /// The delay before retry `retry` moved by jitter, given a draw `uniform` in [0, 1).
    ///
    /// The rule: delay × (1 + `jitterFraction` × (2·uniform − 1)), rounded to the nanosecond, so a
    /// delay d lands in [d·(1 − f), d·(1 + f)] and immediate retries stay immediate. AWS says only
    /// that it jitters retries. Sluice jitters symmetrically around the nominal delay rather than
    /// AWS's blog "full jitter" (uniform in [0, d]) because the mean delay then stays the nominal
    /// one, so the documented phase lengths (about 23 days, over 6 hours, at most an hour for
    /// HTTP/S) still hold on average while retries of many messages spread apart. The default
    /// ±10% keeps every retry inside its own phase's character (a 20 s retry stays 18–22 s).
    public func jitteredDelay(beforeRetry retry: Int, uniform: Double) -> Span? {
        precondition((0..<1).contains(uniform), "a uniform draw lies in [0, 1)")
        guard let nominal = delay(beforeRetry: retry) else { return nil }
        let shift = (Double(nominal.nanoseconds) * jitterFraction * (2 * uniform - 1)).rounded()
        return Span(nanoseconds: nominal.nanoseconds + Int64(shift))
    }

    // MARK: Validation

    /// Problems with the policy, each naming the field and the valid range; empty when valid.
    /// AWS-managed and customer-managed policies are fixed by AWS and only checked for consistency;
    /// HTTP/S policies are also held to the limits of a custom delivery policy.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        let isHTTP = endpoint == .http
        if isHTTP && !Self.numRetriesRange.contains(numRetries) {
            found.append(("numRetries", "must be between 0 and 100"))
        } else if numRetries < 0 {
            found.append(("numRetries", "must not be negative"))
        }
        if !(0...max(0, numRetries)).contains(numNoDelayRetries) {
            found.append(("numNoDelayRetries", "must be between 0 and numRetries (\(numRetries))"))
        }
        let afterNoDelay = max(0, numRetries - numNoDelayRetries)
        if !(0...afterNoDelay).contains(numMinDelayRetries) {
            found.append(("numMinDelayRetries", "must be between 0 and numRetries − numNoDelayRetries (\(afterNoDelay))"))
        }
        let afterMinDelay = max(0, afterNoDelay - numMinDelayRetries)
        if !(0...afterMinDelay).contains(numMaxDelayRetries) {
            found.append(("numMaxDelayRetries", "must be between 0 and numRetries − numNoDelayRetries − numMinDelayRetries (\(afterMinDelay))"))
        }
        let delayRangeOK = minDelayTarget >= Self.delayTargetMin && minDelayTarget <= maxDelayTarget
        if !delayRangeOK {
            found.append(("minDelayTarget", "must be between 1s and maxDelayTarget (\(maxDelayTarget))"))
        }
        if isHTTP && (maxDelayTarget > Self.delayTargetMax || maxDelayTarget < minDelayTarget) {
            found.append(("maxDelayTarget", "must be between minDelayTarget (\(minDelayTarget)) and 3600s"))
        }
        if let rate = maxReceivesPerSecond, rate < 1 {
            found.append(("maxReceivesPerSecond", "must be at least 1"))
        }
        if !(0...1).contains(jitterFraction) {
            found.append(("jitterFraction", "must be between 0 and 1"))
        }
        // The total only means something once the phases and delays are consistent.
        if isHTTP && found.isEmpty && duration > Self.httpDurationMax {
            found.append(("numRetries", "the retry delays add up to \(duration); an HTTP/S policy may take at most 3600s in total"))
        }
        return found
    }
}
