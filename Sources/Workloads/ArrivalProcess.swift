import SimKernel
import Stochastic

/// When a producer's messages come into being.
public enum ArrivalProcess: Sendable, Equatable {
    /// Exponential gaps at a rate (per second); a rate schedule makes it a piecewise-constant
    /// (non-homogeneous) Poisson process.
    case poisson(ratePerSecond: Double)
    /// Evenly spaced at a rate (per second); a rate schedule changes the spacing.
    case constant(ratePerSecond: Double)
    /// Independent gaps drawn from a distribution (seconds).
    case renewal(Distribution)
}

/// A piecewise-constant rate: each step holds from its start until the next step's.
public struct RateSchedule: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var from: Instant
        public var ratePerSecond: Double
        public init(from: Instant, ratePerSecond: Double) {
            self.from = from
            self.ratePerSecond = ratePerSecond
        }
    }

    /// Sorted by `from`; before the first step the rate is zero.
    public let steps: [Step]

    public init(steps: [Step]) {
        precondition(zip(steps, steps.dropFirst()).allSatisfy { $0.from < $1.from }, "rate steps must be in increasing order")
        self.steps = steps
    }

    public init(constant rate: Double) { steps = [Step(from: .zero, ratePerSecond: rate)] }

    /// The instant at which the integral of the rate from `start` reaches `area`, or nil if it never does.
    ///
    /// A Poisson process's next arrival is where the integrated rate reaches an Exp(1) draw; a
    /// constant-rate process uses area 1. This is exact for piecewise-constant rates.
    public func instant(after start: Instant, area: Double) -> Instant? {
        if steps.count == 1, steps[0].from <= start {
            // One rate from here on: the common case, without the walk over steps.
            let rate = steps[0].ratePerSecond
            return rate > 0 ? Instant(seconds: start.seconds + area / rate) : nil
        }
        var remaining = area
        var t = start.seconds
        for (index, step) in steps.enumerated() {
            let end = index + 1 < steps.count ? steps[index + 1].from.seconds : Double.infinity
            if end <= t { continue }
            let segmentStart = max(t, step.from.seconds)
            if step.ratePerSecond > 0 {
                let needed = remaining / step.ratePerSecond
                // `<=`: an area filled exactly at a step's end is reached there, not after a zero-rate gap.
                if segmentStart + needed <= end { return Instant(seconds: segmentStart + needed) }
                remaining -= step.ratePerSecond * (end - segmentStart)
            }
            t = end
        }
        return nil
    }
}

extension ArrivalProcess {
    /// The next arrival after `now`, or nil if there is none.
    /// The rate schedule arrivals follow: the given one, or the process's own constant rate.
    func effectiveSchedule(_ schedule: RateSchedule?) -> RateSchedule? {
        switch self {
        case .poisson(let rate), .constant(let rate): schedule ?? RateSchedule(constant: rate)
        case .renewal: nil
        }
    }

    /// The next arrival after `now`, or nil if there is none; `schedule` is `effectiveSchedule(_:)`'s.
    func next(after now: Instant, schedule: RateSchedule?, rng: RandomStream) -> Instant? {
        switch self {
        case .poisson:
            let area = rng.exponential(mean: 1)
            return schedule!.instant(after: now, area: area)
        case .constant:
            return schedule!.instant(after: now, area: 1)
        case .renewal(let gaps):
            return now + Span(seconds: gaps.sample(rng, truncatedAtZero: true))
        }
    }
}
