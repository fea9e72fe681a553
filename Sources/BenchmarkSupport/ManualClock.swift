import SimKernel

/// A clock that moves only when told, for driving the engine outside a simulation.
///
/// In a microbenchmark it stands in for the wall clock: the engine reads `now` through the same
/// protocol, and the benchmark moves it forward a little per call as real time would.
public final class ManualClock: Clock {
    public var now: Instant

    public init(now: Instant = .zero) { self.now = now }

    /// Moves the clock forward by `span`.
    public func advance(by span: Span) {
        precondition(span >= .zero, "a clock never moves backwards")
        now = now + span
    }
}
