import BenchmarkSupport
import SimKernel
import Testing

/// Every benchmark body runs here with tiny parameters, so a benchmark cannot rot unnoticed.
@Suite struct BenchmarkSupportTests {
    @Test func holdModelRunsEveryHoldAndKeepsTheEventListFull() {
        let model = HoldModel(pending: 1_000, seed: 3)
        let result = model.hold(operations: 10_000)
        #expect(result.eventsRun == 10_000)
        #expect(result.pendingCount == 1_000)
        #expect(result.finalInstant > .zero)
        // 10,000 holds over 1,000 events with 1 s mean gaps move the clock about 10 s, plus the
        // initial spread; far less than a minute or more than a second would mean the gaps are wrong.
        #expect(result.finalInstant.seconds > 1 && result.finalInstant.seconds < 60)
    }

    @Test func holdModelContinuesWhereTheLastRunStopped() {
        let model = HoldModel(pending: 10, seed: 3)
        let first = model.hold(operations: 100)
        let second = model.hold(operations: 100)
        #expect(second.eventsRun == 200)
        #expect(second.finalInstant >= first.finalInstant)
        #expect(second.pendingCount == 10)
    }

    @Test func holdModelIsAPureFunctionOfItsSeed() {
        let a = HoldModel(pending: 100, seed: 9).hold(operations: 1_000)
        let b = HoldModel(pending: 100, seed: 9).hold(operations: 1_000)
        let c = HoldModel(pending: 100, seed: 10).hold(operations: 1_000)
        #expect(a == b)
        #expect(a.finalInstant != c.finalInstant)
    }

    @Test func queueCycleDeletesEveryMessageItSends() {
        let cycle = QueueCycle()
        let result = cycle.run(messages: 1_000)
        #expect(result.messagesDeleted == 1_000)
        #expect(result.counters.messagesSent == 1_000)
        #expect(result.counters.messagesReceived == 1_000)
        #expect(result.counters.messagesDeleted == 1_000)
        #expect(result.counters.emptyReceives == 0)
        #expect(result.counters.visibilityLapses == 0)
        #expect(result.storedCount == 0)
        // One visibility timeout per receive plus the one retention timer.
        #expect(result.timersScheduled == 1_001)
        cycle.queue._checkInvariants()
    }

    @Test func queueCycleReusesOneRecordSlot() {
        let cycle = QueueCycle()
        let result = cycle.run(messages: 100)
        #expect(result.messagesDeleted == 100)
        #expect(cycle.queue.storedMessageIDs().isEmpty)
        #expect(cycle.clock.now == Instant(nanoseconds: 300_000))
    }

    @Test func mm1ScenarioDeliversEveryMessageOnce() {
        let result = ScenarioBenchmark.mm1(messages: 1_000)
        // Poisson arrivals: 1,000 expected, sd about 32.
        #expect(result.messagesSent > 850 && result.messagesSent < 1_150)
        #expect(result.messagesDeleted == result.messagesSent)
        #expect(result.messagesLost == 0)
        #expect(result.violations == 0)
        #expect(result.endReason == "drained")
        #expect(result.eventsRun > result.messagesSent)
    }

    @Test func mm1ScenarioIsAPureFunctionOfItsText() {
        let model = ScenarioBenchmark.mm1Model(messages: 200)
        #expect(model.duration == .seconds(250))
        #expect(ScenarioBenchmark.run(model) == ScenarioBenchmark.run(model))
    }
}
