import TestSupport
import SimKernel
import Testing

/// Runs random schedules, cancels, limits, budgets and stops against the scheduler and against a
/// reference that keeps its pending events in a plain array and always takes the smallest
/// (instant, scheduling order), then compares what ran, when, and what is left.
@Suite struct SchedulerRandomizedTests {
    static let seedCount: UInt64 = 300
    static let roundsPerSeed = 60

    @Test func randomSchedulesAndCancelsRunInTheSameOrderAsASortedReference() {
        for seed in 0..<Self.seedCount {
            if let failure = Self.check(seed: seed) {
                Issue.record("seed \(seed): \(failure)")
                return
            }
        }
    }

    /// What an event does when it runs; drawn once, when the event is scheduled, from its label.
    struct Plan {
        /// Offsets from the firing instant of events to schedule (negative ones lie in the past).
        var children: [Int64]
        /// Draw that picks an event to cancel when it fires, if any.
        var cancelDraw: UInt64?
        var stops: Bool

        init(seed: UInt64, label: Int) {
            var random = SplitMix64(seed: seed &* 0x9E37_79B9 ^ UInt64(label) &* 0xC2B2_AE3D_27D4_EB4F)
            children = random.chance(30) ? (0..<random.int(1...2)).map { _ in Int64(random.int(-3...6)) } : []
            cancelDraw = random.chance(25) ? random.next() : nil
            stops = random.chance(3)
        }
    }

    /// Labels events in the order they are scheduled; the reference and the scheduler under test each
    /// keep their own, and agree exactly when they have scheduled the same things in the same order.
    final class Real: TimerTarget {
        let seed: UInt64
        let scheduler = Scheduler()
        var ids: [TimerID] = []
        var fired: [(label: Int, at: Int64)] = []

        init(seed: UInt64) { self.seed = seed }

        func schedule(at instant: Int64) {
            let label = ids.count
            ids.append(scheduler.schedule(at: Instant(nanoseconds: instant), target: self, code: 7, payload: label))
        }

        func cancel(draw: UInt64) {
            // Any label issued so far (pending, fired or already cancelled), or one not issued yet.
            let pick = Int(draw % UInt64(ids.count + 3))
            if pick < ids.count {
                scheduler.cancel(ids[pick])
            } else {
                scheduler.cancel(TimerID(rawValue: ids.last!.rawValue &+ UInt64(pick - ids.count + 1)))
            }
        }

        func timerFired(code: Int, payload label: Int) {
            precondition(code == 7)
            let now = scheduler.now.nanoseconds
            fired.append((label, now))
            let plan = Plan(seed: seed, label: label)
            for offset in plan.children { schedule(at: now + offset) }
            if let draw = plan.cancelDraw { cancel(draw: draw) }
            if plan.stops { scheduler.stop() }
        }
    }

    struct Reference {
        let seed: UInt64
        var now: Int64 = 0
        /// Pending events as (instant, label); a label is also the scheduling order.
        var pending: [(instant: Int64, label: Int)] = []
        var issued = 0
        var fired: [(label: Int, at: Int64)] = []

        mutating func schedule(at instant: Int64) {
            pending.append((max(instant, now), issued))
            issued += 1
        }

        mutating func cancel(draw: UInt64) {
            let pick = Int(draw % UInt64(issued + 3))
            pending.removeAll { $0.label == pick }
        }

        var nextIndex: Int? {
            pending.indices.min { a, b in (pending[a].instant, pending[a].label) < (pending[b].instant, pending[b].label) }
        }

        mutating func run(until limit: Int64, budget: Int) -> RunOutcome {
            var budget = budget
            while true {
                guard let index = nextIndex else {
                    if limit != .max { now = max(now, limit) }
                    return .idle
                }
                if pending[index].instant > limit {
                    now = max(now, limit)
                    return .reachedLimit
                }
                if budget == 0 { return .budgetExhausted }
                budget -= 1
                let event = pending.remove(at: index)
                now = event.instant
                fired.append((event.label, now))
                let plan = Plan(seed: seed, label: event.label)
                for offset in plan.children { schedule(at: now + offset) }
                if let draw = plan.cancelDraw { cancel(draw: draw) }
                if plan.stops { return .stopped }
            }
        }
    }

    /// Returns a description of the first disagreement, or nil.
    static func check(seed: UInt64) -> String? {
        var random = SplitMix64(seed: seed)
        let real = Real(seed: seed)
        var reference = Reference(seed: seed)
        // A narrow window of instants makes same-instant ties common.
        let spread = Int64(random.int(3...40))
        for round in 0..<roundsPerSeed {
            for _ in 0..<random.int(0...6) {
                let instant = reference.now + Int64(random.int(-5...Int(spread)))
                real.schedule(at: instant)
                reference.schedule(at: instant)
            }
            for _ in 0..<random.int(0...2) where reference.issued > 0 {
                let draw = random.next()
                real.cancel(draw: draw)
                reference.cancel(draw: draw)
            }
            let limit = random.chance(10) ? Int64.max : reference.now + Int64(random.int(0...Int(spread)))
            let budget = random.chance(30) ? random.int(0...4) : .max
            let outcome = real.scheduler.run(until: Instant(nanoseconds: limit), eventBudget: budget)
            let expected = reference.run(until: limit, budget: budget)

            let context = "round \(round), run(until: \(limit)ns, eventBudget: \(budget))"
            if real.fired.map(\.label) != reference.fired.map(\.label) || real.fired.map(\.at) != reference.fired.map(\.at) {
                return "\(context): ran \(real.fired.suffix(8)) but the reference ran \(reference.fired.suffix(8))"
            }
            if outcome != expected { return "\(context): returned \(outcome), expected \(expected)" }
            if real.scheduler.now.nanoseconds != reference.now {
                return "\(context): the clock is at \(real.scheduler.now.nanoseconds)ns, expected \(reference.now)ns"
            }
            if real.scheduler.pendingCount != reference.pending.count {
                return "\(context): \(real.scheduler.pendingCount) pending, expected \(reference.pending.count)"
            }
            let expectedNext = reference.nextIndex.map { reference.pending[$0].instant }
            if real.scheduler.nextInstant?.nanoseconds != expectedNext {
                return "\(context): next instant \(String(describing: real.scheduler.nextInstant)), expected \(String(describing: expectedNext))"
            }
            if real.scheduler.eventsRun != reference.fired.count {
                return "\(context): eventsRun \(real.scheduler.eventsRun), expected \(reference.fired.count)"
            }
        }
        return nil
    }
}
