/// A point on the virtual time line, in integer nanoseconds since the start of a run.
///
/// Integer time keeps runs exact and reproducible: two events a nanosecond apart never collapse,
/// and no floating-point rounding can reorder them.
public struct Instant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)
    /// Later than any instant a run can reach; used for "never".
    public static let distantFuture = Instant(nanoseconds: .max)

    /// The instant `seconds` after the start, rounded to the nearest nanosecond.
    @inlinable public init(seconds: Double) { self.nanoseconds = Span(seconds: seconds).nanoseconds }

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Saturates at `distantFuture` so "now + a very long span" never overflows.
    @inlinable public static func + (a: Instant, b: Span) -> Instant {
        let (sum, overflow) = a.nanoseconds.addingReportingOverflow(b.nanoseconds)
        return Instant(nanoseconds: overflow ? (b.nanoseconds > 0 ? .max : .min) : sum)
    }

    @inlinable public static func - (a: Instant, b: Instant) -> Span { Span(nanoseconds: a.nanoseconds - b.nanoseconds) }

    public var description: String { "\(seconds)s" }
}

/// A length of virtual time in integer nanoseconds.
public struct Span: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// Rounds to the nearest nanosecond and saturates: a span longer than about 292 years is "forever".
    @inlinable public init(seconds: Double) {
        precondition(!seconds.isNaN, "a span cannot be NaN")
        let ns = (seconds * 1e9).rounded()
        if ns >= 9.2e18 { nanoseconds = .max } else if ns <= -9.2e18 { nanoseconds = .min } else { nanoseconds = Int64(ns) }
    }

    public static let zero = Span(nanoseconds: 0)
    @inlinable public static func milliseconds(_ ms: Int64) -> Span { Span(nanoseconds: ms * 1_000_000) }
    @inlinable public static func seconds(_ s: Int64) -> Span { Span(nanoseconds: s * 1_000_000_000) }

    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: Span, b: Span) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: Span, b: Span) -> Span { Span(nanoseconds: a.nanoseconds &+ b.nanoseconds) }
    @inlinable public static func - (a: Span, b: Span) -> Span { Span(nanoseconds: a.nanoseconds &- b.nanoseconds) }
    @inlinable public static func * (a: Span, k: Int64) -> Span { Span(nanoseconds: a.nanoseconds * k) }

    public var description: String { "\(seconds)s" }
}
