import SimKernel
import Testing

/// Records which events ran, and at what instant, in the order they ran.
final class FiringLog {
    let scheduler: Scheduler
    private(set) var fired: [(label: String, at: Instant)] = []

    init(_ scheduler: Scheduler) { self.scheduler = scheduler }

    var labels: [String] { fired.map(\.label) }

    @discardableResult
    func schedule(_ label: String, at instant: Instant, then action: @escaping () -> Void = {}) -> TimerID {
        scheduler.schedule(at: instant) { [unowned self] in
            fired.append((label, scheduler.now))
            action()
        }
    }
}

/// A target that remembers the code and payload of every wake-up, to check they arrive unchanged.
final class WakeUpRecorder: TimerTarget {
    private(set) var wakeUps: [(code: Int, payload: Int)] = []
    func timerFired(code: Int, payload: Int) { wakeUps.append((code, payload)) }
}

func at(_ nanoseconds: Int64) -> Instant { Instant(nanoseconds: nanoseconds) }

@Suite struct SchedulerTests {
    @Test func eventsRunInTheOrderOfTheirInstants() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("c", at: at(300))
        log.schedule("a", at: at(100))
        log.schedule("b", at: at(200))
        #expect(scheduler.pendingCount == 3)

        #expect(scheduler.run() == .idle)

        #expect(log.labels == ["a", "b", "c"])
        #expect(log.fired.map(\.at) == [at(100), at(200), at(300)])
        #expect(scheduler.now == at(300), "with no finite limit the clock stays at the last event")
        #expect(scheduler.eventsRun == 3)
        #expect(scheduler.pendingCount == 0)
    }

    @Test func eventsDueAtTheSameInstantRunInTheOrderTheyWereScheduled() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        for label in ["first", "second", "third", "fourth"] {
            log.schedule(label, at: at(50))
        }
        log.schedule("earlier", at: at(10))

        scheduler.run()

        #expect(log.labels == ["earlier", "first", "second", "third", "fourth"])
    }

    @Test func eventsScheduledByAnEventAtTheSameInstantRunAfterThoseAlreadyDue() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10)) { log.schedule("a's child", at: at(10)) }
        log.schedule("b", at: at(10))

        scheduler.run()

        #expect(log.labels == ["a", "b", "a's child"])
    }

    @Test func aWakeUpReachesItsTargetWithItsCodeAndPayload() {
        let scheduler = Scheduler()
        let target = WakeUpRecorder()
        scheduler.schedule(at: at(5), target: target, code: 3, payload: -7)
        scheduler.schedule(at: at(5), target: target, code: 4, payload: Int.max)

        scheduler.run()

        #expect(target.wakeUps.map(\.code) == [3, 4])
        #expect(target.wakeUps.map(\.payload) == [-7, Int.max])
    }

    @Test func aCancelledEventDoesNotRun() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10))
        let b = log.schedule("b", at: at(20))
        log.schedule("c", at: at(30))

        scheduler.cancel(b)
        #expect(scheduler.pendingCount == 2)
        scheduler.cancel(b)
        #expect(scheduler.pendingCount == 2, "cancelling twice is the same as once")

        #expect(scheduler.run() == .idle)
        #expect(log.labels == ["a", "c"])
        #expect(scheduler.eventsRun == 2, "a cancelled event is not counted as run")
    }

    @Test func anEventCanCancelALaterOneAtTheSameInstant() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        var second: TimerID?
        log.schedule("first", at: at(10)) { scheduler.cancel(second!) }
        second = log.schedule("second", at: at(10))
        log.schedule("third", at: at(10))

        scheduler.run()

        #expect(log.labels == ["first", "third"])
    }

    @Test func cancellingAnEventThatAlreadyRanDoesNothing() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        let a = log.schedule("a", at: at(10))
        log.schedule("b", at: at(20))
        #expect(scheduler.run(until: at(15)) == .reachedLimit)
        #expect(scheduler.pendingCount == 1)

        scheduler.cancel(a)

        #expect(scheduler.pendingCount == 1, "the event that ran is not pending, and b still is")
        #expect(scheduler.nextInstant == at(20))
        #expect(scheduler.run() == .idle)
        #expect(log.labels == ["a", "b"])
        #expect(scheduler.pendingCount == 0)
    }

    @Test func cancellingAnUnknownIDDoesNothingEvenWhenThatIDIsIssuedLater() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        let a = log.schedule("a", at: at(10))
        // The IDs a scheduler has not issued yet, including the next ones it will issue.
        for offset: UInt64 in [1, 2, 3, 1_000, UInt64.max - a.rawValue] {
            scheduler.cancel(TimerID(rawValue: a.rawValue &+ offset))
        }
        #expect(scheduler.pendingCount == 1)

        log.schedule("b", at: at(20))
        log.schedule("c", at: at(30))
        #expect(scheduler.pendingCount == 3)
        scheduler.run()

        #expect(log.labels == ["a", "b", "c"])
    }

    @Test func nextInstantSkipsCancelledEventsAndIsNilWhenNoneArePending() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        #expect(scheduler.nextInstant == nil)
        let a = log.schedule("a", at: at(10))
        log.schedule("b", at: at(20))
        #expect(scheduler.nextInstant == at(10))

        scheduler.cancel(a)
        #expect(scheduler.nextInstant == at(20))

        scheduler.run()
        #expect(scheduler.nextInstant == nil)
    }

    @Test func runUntilRunsEventsDueAtOrBeforeTheLimitAndLeavesTheClockAtTheLimit() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10))
        log.schedule("at the limit", at: at(20))
        log.schedule("after the limit", at: at(21))

        #expect(scheduler.run(until: at(20)) == .reachedLimit)
        #expect(log.labels == ["a", "at the limit"])
        #expect(scheduler.now == at(20))

        #expect(scheduler.run(until: at(20)) == .reachedLimit, "running to the same limit again does nothing")
        #expect(log.labels == ["a", "at the limit"])

        #expect(scheduler.run(until: at(25)) == .idle)
        #expect(log.labels == ["a", "at the limit", "after the limit"])
        #expect(scheduler.now == at(25), "an idle run with a finite limit still moves the clock to it")
    }

    @Test func runUntilBetweenEventsMovesTheClockWithoutRunningTheLaterEvent() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("late", at: at(1_000))

        #expect(scheduler.run(until: at(400)) == .reachedLimit)
        #expect(log.labels.isEmpty)
        #expect(scheduler.now == at(400))
        #expect(scheduler.pendingCount == 1)

        // Something scheduled now for an earlier instant than the pending event runs first.
        log.schedule("sooner", at: at(500))
        #expect(scheduler.run() == .idle)
        #expect(log.labels == ["sooner", "late"])
        #expect(log.fired.map(\.at) == [at(500), at(1_000)])
    }

    @Test func runUntilALimitInThePastDoesNotMoveTheClockBack() {
        let scheduler = Scheduler()
        #expect(scheduler.run(until: at(100)) == .idle)
        #expect(scheduler.now == at(100))
        #expect(scheduler.run(until: at(50)) == .idle)
        #expect(scheduler.now == at(100))
    }

    @Test func anExhaustedEventBudgetStopsTheRunWithBudgetExhausted() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        for (index, label) in ["a", "b", "c", "d"].enumerated() {
            log.schedule(label, at: at(Int64(index + 1) * 10))
        }

        #expect(scheduler.run(until: at(100), eventBudget: 2) == .budgetExhausted)
        #expect(log.labels == ["a", "b"])
        #expect(scheduler.now == at(20), "the clock stays at the last event run, short of the limit")
        #expect(scheduler.pendingCount == 2)

        #expect(scheduler.run(until: at(100), eventBudget: 0) == .budgetExhausted)
        #expect(log.labels == ["a", "b"])

        #expect(scheduler.run(until: at(100), eventBudget: 2) == .idle, "a budget that suffices ends the run idle")
        #expect(log.labels == ["a", "b", "c", "d"])
        #expect(scheduler.now == at(100))
    }

    @Test func aBudgetIsNotExhaustedByEventsPastTheLimit() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10))
        log.schedule("b", at: at(30))

        #expect(scheduler.run(until: at(20), eventBudget: 1) == .reachedLimit)
        #expect(log.labels == ["a"])
        #expect(scheduler.now == at(20))
    }

    @Test func stopFromInsideAnEventEndsTheRunAfterThatEvent() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10))
        log.schedule("stopper", at: at(20)) { scheduler.stop() }
        log.schedule("same instant, later", at: at(20))
        log.schedule("c", at: at(30))

        #expect(scheduler.run(until: at(100)) == .stopped)
        #expect(log.labels == ["a", "stopper"])
        #expect(scheduler.now == at(20), "a stopped run leaves the clock at the stopping event")

        #expect(scheduler.run(until: at(100)) == .idle, "a stop applies to one run only")
        #expect(log.labels == ["a", "stopper", "same instant, later", "c"])
    }

    @Test func stopOutsideARunDoesNotStopTheNextRun() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("a", at: at(10))
        log.schedule("b", at: at(20))
        scheduler.stop()

        #expect(scheduler.run() == .idle)
        #expect(log.labels == ["a", "b"])
    }

    @Test func schedulingInThePastRunsAtNowAfterEventsAlreadyDueNow() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        log.schedule("trigger", at: at(100)) {
            log.schedule("in the past", at: at(40))
            log.schedule("distant past", at: Instant(nanoseconds: .min))
        }
        log.schedule("already due now", at: at(100))
        log.schedule("later", at: at(101))

        scheduler.run()

        #expect(log.labels == ["trigger", "already due now", "in the past", "distant past", "later"])
        #expect(log.fired.map(\.at) == [at(100), at(100), at(100), at(100), at(101)])
    }

    @Test func schedulingInThePastFromOutsideARunUsesTheClockAfterRunUntil() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        scheduler.run(until: at(500))
        log.schedule("past", at: at(10))

        #expect(scheduler.nextInstant == at(500))
        scheduler.run()
        #expect(log.fired.map(\.at) == [at(500)])
    }

    @Test func stepRunsExactlyOneEventAndReportsAnEmptyList() {
        let scheduler = Scheduler()
        let log = FiringLog(scheduler)
        let a = log.schedule("a", at: at(10))
        log.schedule("b", at: at(20))
        scheduler.cancel(a)

        #expect(scheduler.step())
        #expect(log.labels == ["b"], "step skips a cancelled event and runs the next")
        #expect(scheduler.now == at(20))
        #expect(!scheduler.step())
        #expect(scheduler.now == at(20))
    }
}

@Suite struct SchedulerLifetimeTests {
    final class Holder {
        var scheduler: Scheduler?
    }

    /// A pending closure that holds an object holding the scheduler is a reference cycle; dropping
    /// the pending events breaks it.
    @Test func discardingPendingEventsFreesWhatTheirClosuresHeld() {
        weak var watched: Holder?
        do {
            let scheduler = Scheduler()
            let holder = Holder()
            holder.scheduler = scheduler
            watched = holder
            scheduler.schedule(at: Instant(seconds: 10)) { _ = holder }
            scheduler.schedule(at: Instant(seconds: 1)) {}
            scheduler.run(until: Instant(seconds: 5))
            #expect(scheduler.pendingCount == 1)
            scheduler.discardPendingEvents()
            #expect(scheduler.pendingCount == 0)
            #expect(scheduler.step() == false)
        }
        #expect(watched == nil)
    }
}
