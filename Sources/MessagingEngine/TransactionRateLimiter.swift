import SimKernel

/// Admits at most `transactionsMax` calls in any window of length `window` (one second for SQS
/// FIFO quotas), in virtual time.
///
/// A call at instant t is admitted when fewer than `transactionsMax` calls were admitted in
/// (t − window, t]. Refused calls take no capacity.
///
/// Why a sliding window and not a token bucket or fixed one-second windows: AWS publishes the
/// quota as "N transactions per second" and does not publish its algorithm. A sliding window is
/// the literal reading — no second ever holds more than N admitted calls. Fixed windows would let
/// 2N through around a window boundary and make results depend on where the boundaries fall
/// relative to the start of the run; a token bucket of N tokens refilled at N/s admits N at once
/// and then N/s for ever, so a steady N/s stream never exhausts it and the 301st call of a second
/// is not refused. The cost is memory: the instants of the last N admissions, kept in a ring that
/// grows only as far as it is used.
///
/// With the ring full, the oldest entry is the N-th most recent admission; the call is admitted
/// exactly when that one has left the window, and then overwrites it. So each call is O(1), not
/// just amortised.
///
/// Calls must come in non-decreasing time (as the simulation delivers them).
public struct TransactionRateLimiter: Sendable {
    public let transactionsMax: Int
    public let window: Span
    /// Instants (nanoseconds) of the most recent admissions, at most `transactionsMax` of them;
    /// once full, `oldest` indexes the earliest.
    private var admissions: [Int64] = []
    private var oldest = 0
    private var latestCall = Instant(nanoseconds: .min)
    public private(set) var admittedCount = 0
    public private(set) var refusedCount = 0

    public init(transactionsMax: Int, window: Span = .seconds(1)) {
        precondition(transactionsMax >= 1, "a rate limiter needs transactionsMax ≥ 1, got \(transactionsMax)")
        precondition(window > .zero, "a rate limiter needs a positive window, got \(window)")
        self.transactionsMax = transactionsMax
        self.window = window
    }

    /// Admits and records a call at `instant`, or refuses it (a ThrottlingException for SQS FIFO).
    ///
    /// - Complexity: O(1).
    public mutating func tryAcquire(at instant: Instant) -> Bool {
        let admitted = canAcquire(at: instant)
        latestCall = instant
        guard admitted else {
            refusedCount += 1
            return false
        }
        admittedCount += 1
        if admissions.count < transactionsMax {
            admissions.append(instant.nanoseconds)
        } else {
            admissions[oldest] = instant.nanoseconds
            oldest = oldest + 1 == transactionsMax ? 0 : oldest + 1
        }
        return true
    }

    /// Whether a call at `instant` would be admitted; records nothing.
    public func canAcquire(at instant: Instant) -> Bool {
        precondition(instant >= latestCall, "calls must come in time order: \(instant) after \(latestCall)")
        return earliestAdmission(from: instant) == instant
    }

    /// The first instant from `instant` on at which a call would be admitted, if no other call
    /// is admitted before it: the earliest admission in the window plus the window.
    public func earliestAdmission(from instant: Instant) -> Instant {
        guard admissions.count == transactionsMax else { return instant }
        return max(instant, Instant(nanoseconds: admissions[oldest]) + window)
    }

    /// True when no admission lies in the window ending at `instant`, so the limiter behaves as a
    /// new one would and can be dropped.
    public func isIdle(at instant: Instant) -> Bool {
        guard let newest = admissions.isEmpty ? nil : admissions[(oldest + admissions.count - 1) % admissions.count] else {
            return true
        }
        return Instant(nanoseconds: newest) + window <= instant
    }
}
