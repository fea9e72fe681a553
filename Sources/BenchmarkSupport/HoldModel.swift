import SimKernel
import Stochastic

/// The classic hold model of event-list benchmarks: keep `pending` events in the scheduler and
/// repeatedly pop the earliest and schedule one new event an exponential time after it, so the
/// event list stays the same size while the clock moves on.
///
/// Each hold is one `Scheduler.step()`: pop the earliest event, move the clock, call its target,
/// whose handler draws an exponential increment and schedules the next event. The model is its own
/// `TimerTarget`, so a hold allocates nothing: no closure, no box per event.
///
/// The benchmark package and `BenchmarkSupportTests` both run this type, so the benchmark cannot
/// rot without a test failing.
public final class HoldModel: TimerTarget {
    /// What a run of holds did, for a test to check that the work was done.
    public struct Result: Equatable, Sendable {
        /// Events the scheduler has run since the model was made.
        public var eventsRun: Int
        /// The clock after the last hold.
        public var finalInstant: Instant
        /// Events in the list after the last hold; a hold keeps it at `pending`.
        public var pendingCount: Int
    }

    /// The mean gap between an event and the one its hold schedules, and of the initial instants:
    /// one second. At 10⁶ pending events the clock advances about a microsecond per hold, so even
    /// 10¹² holds stay far inside the 292 years an `Int64` of nanoseconds holds.
    public static let meanNanosecondsDefault = 1e9

    public let scheduler = Scheduler()
    public let pending: Int
    let stream: RandomStream
    let meanNanoseconds: Double

    /// Fills the scheduler with `pending` events at exponentially distributed instants from zero.
    ///
    /// - Complexity: O(`pending` log `pending`).
    public init(pending: Int, seed: UInt64 = 1, meanNanoseconds: Double = HoldModel.meanNanosecondsDefault) {
        precondition(pending >= 1, "a hold model needs at least one pending event, got \(pending)")
        precondition(meanNanoseconds > 0 && meanNanoseconds.isFinite, "the mean gap must be positive, got \(meanNanoseconds)")
        self.pending = pending
        self.meanNanoseconds = meanNanoseconds
        stream = RandomStream(seed: seed)
        for _ in 0..<pending {
            scheduler.schedule(at: Instant(nanoseconds: nextGap()), target: self, code: 0, payload: 0)
        }
        precondition(scheduler.pendingCount == pending, "the fill left \(scheduler.pendingCount) events, not \(pending)")
    }

    /// Performs `operations` holds.
    ///
    /// - Complexity: O(`operations` log `pending`).
    @discardableResult
    public func hold(operations: Int) -> Result {
        for _ in 0..<operations {
            let ran = scheduler.step()
            precondition(ran, "the event list emptied during a hold; a hold must keep it full")
        }
        return Result(eventsRun: scheduler.eventsRun, finalInstant: scheduler.now, pendingCount: scheduler.pendingCount)
    }

    /// The hold itself: the event that just ran schedules its successor.
    public func timerFired(code: Int, payload: Int) {
        scheduler.schedule(at: scheduler.now + Span(nanoseconds: nextGap()), target: self, code: 0, payload: 0)
    }

    /// An exponential gap in whole nanoseconds, truncated and plus one so the clock always moves
    /// (a bias of half a nanosecond on a mean of a second, and no call to `round`).
    func nextGap() -> Int64 {
        1 + Int64(stream.exponential(mean: meanNanoseconds))
    }
}
