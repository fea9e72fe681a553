import SimKernel
import Stochastic

/// The API's latency and error behaviour, as every actor sees it, with the windows in which a
/// fault overrides it.
///
/// Each actor draws from its own random stream, so one actor's calls never shift another's draws.
public final class Network {
    public struct LatencyOverride: Sendable {
        public var from: Instant
        public var to: Instant
        public var latency: Distribution
        public init(from: Instant, to: Instant, latency: Distribution) {
            self.from = from
            self.to = to
            self.latency = latency
        }
    }

    public struct ErrorWindow: Sendable {
        public var from: Instant
        public var to: Instant
        /// Fraction of calls in the window that fail before taking effect.
        public var fraction: Double
        public init(from: Instant, to: Instant, fraction: Double) {
            self.from = from
            self.to = to
            self.fraction = fraction
        }
    }

    public let apiLatency: Distribution
    public var latencyOverrides: [LatencyOverride] = [] {
        didSet { alwaysInstant = Self.isZero(apiLatency) && latencyOverrides.isEmpty }
    }
    public var errorWindows: [ErrorWindow] = []
    public let retryPolicy: RetryPolicy
    /// True when every call takes no time, the common case of queueing-theory scenarios: the hot
    /// path then skips the distribution altogether.
    private var alwaysInstant: Bool

    public init(apiLatency: Distribution, retryPolicy: RetryPolicy = .standard) {
        self.apiLatency = apiLatency
        self.retryPolicy = retryPolicy
        alwaysInstant = Self.isZero(apiLatency)
    }

    private static func isZero(_ latency: Distribution) -> Bool {
        if case .constant(let seconds) = latency { return seconds == 0 }
        return false
    }

    /// Round-trip latency of one call starting at `instant`.
    public func roundTrip(at instant: Instant, rng: RandomStream) -> Span {
        if alwaysInstant { return .zero }
        var latency = apiLatency
        for window in latencyOverrides where window.from <= instant && instant < window.to {
            latency = window.latency
        }
        if Self.isZero(latency) { return .zero }
        return Span(seconds: latency.sample(rng, truncatedAtZero: true))
    }

    /// Whether a call reaching the service at `instant` fails.
    public func fails(at instant: Instant, rng: RandomStream) -> Bool {
        if errorWindows.isEmpty { return false }
        for window in errorWindows where window.from <= instant && instant < window.to {
            return rng.bernoulli(window.fraction)
        }
        return false
    }
}

/// How a caller retries a failed call: exponential backoff with full jitter, capped, as the AWS
/// SDKs' standard retry mode does.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Span
    public var maxBackoff: Span

    public init(maxAttempts: Int, baseDelay: Span, maxBackoff: Span) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
    }

    /// The SDK standard mode: 3 attempts, base 100 ms doubling, capped at 20 s.
    public static let standard = RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxBackoff: .seconds(20))

    /// Delay before attempt `attempt + 1` after `attempt` (1-based) failed: uniform in [0, min(cap, base·2^(attempt−1))].
    public func backoff(after attempt: Int, rng: RandomStream) -> Span {
        let exponent = Double(min(attempt - 1, 40))
        let ceiling = min(maxBackoff.seconds, baseDelay.seconds * pow2(exponent))
        return Span(seconds: ceiling * rng.uniform())
    }

    private func pow2(_ x: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(x) { result *= 2 }
        return result
    }
}

/// The retry quota of the AWS SDKs' standard retry mode, one per client: a bucket of 500 tokens;
/// a retry costs 5 (10 after a timeout), a success gives back what its retry cost, or 1 when it
/// needed none. With the bucket empty, failures are not retried, so a client facing a failing
/// service backs off instead of multiplying its load.
public final class RetryQuota {
    public static let capacity = 500
    public static let retryCost = 5
    public static let timeoutRetryCost = 10
    public private(set) var tokens = RetryQuota.capacity
    /// Retries refused because the bucket was empty.
    public private(set) var refusals = 0

    public init() {}

    /// Takes the cost of one retry; false when the bucket cannot pay it.
    public func spend(timeout: Bool) -> Bool {
        let cost = timeout ? Self.timeoutRetryCost : Self.retryCost
        guard tokens >= cost else {
            refusals += 1
            return false
        }
        tokens -= cost
        return true
    }

    public func succeeded(afterRetry: Bool) {
        tokens = min(Self.capacity, tokens + (afterRetry ? Self.retryCost : 1))
    }
}
