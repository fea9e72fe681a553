import HeapModule

/// The discrete-event kernel: an event list ordered by (instant, sequence) and a loop that pops the
/// earliest event, moves the clock to it and runs it.
///
/// Ordering contract: events due at the same instant run in the order they were scheduled (the
/// sequence number breaks ties), so a run is a pure function of what was scheduled.
///
/// The scheduler is both the `Clock` and the `TimerScheduling` of a simulated world.
public final class Scheduler: Clock, TimerScheduling {
    /// One entry of the event list. Kept small and free of closures: the target is asked to act.
    @usableFromInline
    struct Event: Comparable {
        @usableFromInline let instant: Int64
        @usableFromInline let sequence: UInt64
        /// Not retained: moving events around the heap must not touch reference counts. Targets
        /// outlive their events (see `schedule`); closure targets are retained by the scheduler.
        @usableFromInline unowned(unsafe) let target: TimerTarget
        @usableFromInline let code: Int
        @usableFromInline let payload: Int

        @inlinable init(instant: Int64, sequence: UInt64, target: TimerTarget, code: Int, payload: Int) {
            self.instant = instant
            self.sequence = sequence
            self.target = target
            self.code = code
            self.payload = payload
        }

        @inlinable static func < (a: Event, b: Event) -> Bool {
            a.instant != b.instant ? a.instant < b.instant : a.sequence < b.sequence
        }
        @inlinable static func == (a: Event, b: Event) -> Bool { a.sequence == b.sequence }
    }

    @usableFromInline var events = Heap<Event>()
    @usableFromInline var nextSequence: UInt64 = 0
    /// Sequence numbers of cancelled events still in the heap; they are dropped when popped.
    @usableFromInline var cancelled = Set<UInt64>()
    @usableFromInline var stopRequested = false

    public private(set) var now: Instant = .zero
    /// Events run since the scheduler was made.
    public private(set) var eventsRun: Int = 0

    public init() {}

    /// Events scheduled and not yet run, not counting cancelled ones.
    public var pendingCount: Int { events.count - cancelled.count }

    /// The instant of the next event to run, if any.
    public var nextInstant: Instant? {
        dropCancelledHead()
        return events.min.map { Instant(nanoseconds: $0.instant) }
    }

    /// Schedules a wake-up of `target`. The scheduler does not retain `target`: it must stay alive
    /// until the event has run or been cancelled (the world that owns the actors guarantees this).
    @discardableResult
    @inlinable
    public func schedule(at instant: Instant, target: TimerTarget, code: Int, payload: Int) -> TimerID {
        precondition(code != Self.closureCode, "timer code Int.min is reserved for closure events")
        return insert(at: instant, target: target, code: code, payload: payload)
    }

    @inlinable
    func insert(at instant: Instant, target: TimerTarget, code: Int, payload: Int) -> TimerID {
        let at = max(instant.nanoseconds, now.nanoseconds)
        let sequence = nextSequence
        nextSequence &+= 1
        events.insert(Event(instant: at, sequence: sequence, target: target, code: code, payload: payload))
        return TimerID(rawValue: sequence)
    }

    /// Schedules a closure. Convenient for tests and one-off actions; hot paths use targets.
    @discardableResult
    public func schedule(at instant: Instant, _ action: @escaping () -> Void) -> TimerID {
        // The scheduler owns the closure's box until the event runs or is dropped.
        let box = Unmanaged.passRetained(ClosureTarget(action))
        return insert(at: instant, target: box.takeUnretainedValue(), code: Self.closureCode, payload: 0)
    }

    /// Marks events whose target is a closure box the scheduler retained.
    @usableFromInline static let closureCode = Int.min

    /// Releases a closure box the scheduler retained, once its event has run or been dropped.
    @inlinable
    func releaseIfClosure(_ event: Event) {
        if event.code == Self.closureCode {
            Unmanaged.passUnretained(event.target as AnyObject).release()
        }
    }

    deinit { discardPendingEvents() }

    /// Drops every pending event without running it. A world calls this when its run is over:
    /// a closure event still pending may hold the very objects that hold the scheduler, and
    /// dropping it breaks that cycle.
    public func discardPendingEvents() {
        while let event = events.popMin() { releaseIfClosure(event) }
        cancelled.removeAll()
    }

    /// Cancels an event that has not run yet; cancelling one that has run, or an unknown ID, does nothing.
    ///
    /// Only events still in the list are marked: a mark for an event that already ran would never be
    /// dropped, and would make `pendingCount` too small.
    ///
    /// - Complexity: O(*n*) in the number of pending events.
    public func cancel(_ id: TimerID) {
        guard id.rawValue < nextSequence, !cancelled.contains(id.rawValue),
              events.unordered.contains(where: { $0.sequence == id.rawValue }) else { return }
        cancelled.insert(id.rawValue)
    }

    /// Asks a running `run` to return after the current event.
    public func stop() { stopRequested = true }

    /// Runs the earliest event. Returns false when the event list is empty.
    @discardableResult
    public func step() -> Bool {
        while let event = events.popMin() {
            if !cancelled.isEmpty, cancelled.remove(event.sequence) != nil {
                releaseIfClosure(event)
                continue
            }
            now = Instant(nanoseconds: event.instant)
            eventsRun += 1
            event.target.timerFired(code: event.code, payload: event.payload)
            releaseIfClosure(event)
            return true
        }
        return false
    }

    /// Runs events due at or before `limit`, at most `eventBudget` of them.
    ///
    /// When it returns `.reachedLimit` or `.idle` with a finite limit, the clock stands at `limit`.
    @discardableResult
    public func run(until limit: Instant = .distantFuture, eventBudget: Int = .max) -> RunOutcome {
        stopRequested = false
        var budget = eventBudget
        while true {
            dropCancelledHead()
            guard let head = events.min else {
                if limit != .distantFuture { now = max(now, limit) }
                return .idle
            }
            if head.instant > limit.nanoseconds {
                now = max(now, limit)
                return .reachedLimit
            }
            if budget == 0 { return .budgetExhausted }
            budget -= 1
            step()
            if stopRequested { return .stopped }
        }
    }

    @usableFromInline
    func dropCancelledHead() {
        while !cancelled.isEmpty, let head = events.min, cancelled.contains(head.sequence) {
            cancelled.remove(head.sequence)
            if let event = events.popMin() { releaseIfClosure(event) }
        }
    }
}

/// Why `Scheduler.run` returned.
public enum RunOutcome: Equatable, Sendable {
    /// No events are left.
    case idle
    /// The next event lies after the time limit.
    case reachedLimit
    /// The event budget ran out; events due before the limit remain.
    case budgetExhausted
    /// `stop()` was called by an event.
    case stopped
}

/// Adapts a closure to `TimerTarget`.
final class ClosureTarget: TimerTarget {
    let action: () -> Void
    init(_ action: @escaping () -> Void) { self.action = action }
    func timerFired(code: Int, payload: Int) { action() }
}
