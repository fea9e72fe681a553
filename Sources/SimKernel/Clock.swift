/// Tells the current instant. The engine reads time only through this protocol, so the same
/// engine code runs under the simulation kernel and under the wall clock.
public protocol Clock: AnyObject {
    var now: Instant { get }
}

/// Something that can be woken by a timer. `code` and `payload` are the receiver's own words for
/// what the wake-up is about; they let one object own many timers without a closure per timer.
public protocol TimerTarget: AnyObject {
    func timerFired(code: Int, payload: Int)
}

/// Identifies a scheduled wake-up so it can be cancelled.
public struct TimerID: Hashable, Sendable {
    public let rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// Asks for wake-ups. Wake-ups due at the same instant fire in the order they were scheduled.
public protocol TimerScheduling: AnyObject {
    /// Schedules `target.timerFired(code:payload:)` at `instant` (or now, if `instant` is in the past).
    @discardableResult
    func schedule(at instant: Instant, target: TimerTarget, code: Int, payload: Int) -> TimerID
    /// Cancels a wake-up that has not fired yet; cancelling a fired or unknown one does nothing.
    func cancel(_ id: TimerID)
}
