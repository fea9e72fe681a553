import SimKernel

/// A rate kept as a backlog of admitted work, in virtual time: each admission adds amount / rate
/// seconds to the backlog, which drains in real time, and a call is admitted while the backlog is
/// under `burst` (one second). It is a token bucket holding a second's worth that one admission
/// may overdraw, and the overdraft is what lets a single fragment or request larger than a
/// second's worth (a 50 MB fragment at 12.5 MB/s, 1,000 fragments at 500 a second) through, as
/// AWS serves it, where a one-second window would refuse it forever. Refused calls add nothing.
///
/// Calls must come in non-decreasing time.
struct RateBacklog: Sendable {
    let perSecond: Int
    let burst: Span
    /// When the admitted work will have drained.
    private(set) var clearsAt = Instant.zero

    init(perSecond: Int, burst: Span = .seconds(1)) {
        precondition(perSecond >= 1, "a rate backlog needs perSecond ≥ 1, got \(perSecond)")
        self.perSecond = perSecond
        self.burst = burst
    }

    func canAdmit(at now: Instant) -> Bool { clearsAt < now + burst }

    /// Admits `amount` at `now`, or refuses it.
    mutating func tryAdmit(_ amount: Int, at now: Instant) -> Bool {
        guard canAdmit(at: now) else { return false }
        admit(amount, at: now)
        return true
    }

    mutating func admit(_ amount: Int, at now: Instant) {
        clearsAt = max(now, clearsAt) + VideoStream.transferTime(amount, perSecond: perSecond)
    }
}
