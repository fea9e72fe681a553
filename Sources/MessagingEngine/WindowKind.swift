import SimKernel

/// How a windowed aggregation cuts event time into windows (SEMANTICS.md, Analytics).
///
/// Every window is half-open, [start, end): it holds the records whose event time t satisfies
/// start ≤ t < end. A record exactly on a boundary belongs to the window that starts there, never
/// to the one that ends there. Windows are per key: each key's records are aggregated on their
/// own, and a result names its key.
public enum WindowKind: Hashable, Sendable {
    /// Fixed windows [k·size, (k+1)·size) for every integer k, aligned to `Instant.zero`; each
    /// record is in exactly one.
    case tumbling(size: Span)

    /// Windows of `size` starting every `slide`, [k·slide, k·slide + size), aligned to
    /// `Instant.zero`; a record belongs to every window that contains it, ⌈size / slide⌉ of them
    /// when slide divides size. These are Flink's sliding windows, called hopping windows
    /// elsewhere; Kinesis Data Analytics SQL's "sliding windows" (a window ending at every row)
    /// are a different thing and are not modelled. The slide is at most the size, so every record
    /// is in at least one window.
    case sliding(size: Span, slide: Span)

    /// Per key, a session is a run of records whose consecutive event times are less than `gap`
    /// apart; it is the window [first, last + gap). It closes (its end is fixed) once no record of
    /// the key has arrived within `gap` of event time after its last one.
    ///
    /// Reading: as in Flink, each record stands for the window [t, t + gap) and overlapping
    /// windows merge. Unlike Flink's `TimeWindow.intersects`, windows that only touch (a record
    /// exactly `gap` after the last) do not merge: windows are half-open everywhere here, and by
    /// the time such a record can be seen the watermark may already have passed last + gap and
    /// fired the session. A record that lands between two sessions and overlaps both merges them
    /// into one.
    case session(gap: Span)

    /// Kinesis Data Analytics' stagger windows, on event time: per key, a window opens at the
    /// key's first event and lasts `size`; the key's next window opens at its first event at or
    /// after that end. Keys' windows are therefore staggered rather than aligned to the clock.
    ///
    /// Reading: KDA opens a stagger window when the first row of a partition key arrives and
    /// closes it `size` later in ROWTIME (processing time). Here both ends are event time, so that
    /// results do not depend on processing speed: over a key's records sorted by event time the
    /// windows are the greedy chain [s₁, s₁ + size), [s₂, s₂ + size), … with s₁ the earliest event
    /// time and each next start the earliest event time at or after the previous end. A record
    /// that arrives out of order before a window has fired simply moves that window's start; once
    /// a window has fired its bounds are fixed (see `WindowedAggregation` for what a record
    /// earlier than a fired window's end then does).
    case stagger(size: Span)

    /// The length of time a window covers beyond its last record: the size, or for sessions the
    /// gap. A record at t can only land in a window ending by t + extent.
    var extent: Span {
        switch self {
        case .tumbling(let size), .sliding(let size, _), .stagger(let size): return size
        case .session(let gap): return gap
        }
    }

    /// Problems with the window's parameters, each naming the field; empty when valid.
    func problems() -> [(field: String, message: String)] {
        switch self {
        case .tumbling(let size), .stagger(let size):
            return size > .zero ? [] : [("window.size", "must be positive")]
        case .session(let gap):
            return gap > .zero ? [] : [("window.gap", "must be positive")]
        case .sliding(let size, let slide):
            if size <= .zero { return [("window.size", "must be positive")] }
            if slide <= .zero || slide > size { return [("window.slide", "must be positive and at most the size (\(size))")] }
            return []
        }
    }

    /// The starts of the tumbling or sliding windows that contain `t`, earliest first:
    /// k·slide for every integer k with k·slide ≤ t < k·slide + size.
    static func fixedWindowStarts(containing t: Instant, size: Span, slide: Span) -> [Instant] {
        let last = floorDivision(t.nanoseconds, slide.nanoseconds)
        let first = floorDivision(t.nanoseconds - size.nanoseconds, slide.nanoseconds) + 1
        guard first <= last else { return [] }
        return (first...last).map { Instant(nanoseconds: $0 * slide.nanoseconds) }
    }

    /// ⌊a / b⌋ for b > 0, rounding toward minus infinity rather than toward zero.
    static func floorDivision(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && a < 0) ? quotient - 1 : quotient
    }
}
