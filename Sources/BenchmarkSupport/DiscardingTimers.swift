import SimKernel

/// A `TimerScheduling` that counts the wake-ups asked for and never fires them.
///
/// For measuring the engine's own work per call: the cost of a real timer (a heap insert in the
/// kernel, a timer wheel under the wall clock) is the kernel's, measured by `HoldModel`.
public final class DiscardingTimers: TimerScheduling {
    /// Wake-ups asked for since this was made.
    public private(set) var scheduledCount = 0
    /// Cancels asked for since this was made.
    public private(set) var cancelledCount = 0

    public init() {}

    @discardableResult
    public func schedule(at instant: Instant, target: TimerTarget, code: Int, payload: Int) -> TimerID {
        scheduledCount += 1
        return TimerID(rawValue: UInt64(scheduledCount))
    }

    public func cancel(_ id: TimerID) {
        cancelledCount += 1
    }
}
