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

    @Test func filterPolicyEvaluationPassesThreeOfEveryEightMessages() {
        let evaluation = FilterPolicyEvaluation()
        #expect(evaluation.run(evaluations: 80) == FilterPolicyEvaluation.Result(evaluations: 80, matched: 30))
        #expect(evaluation.run(evaluations: 4) == FilterPolicyEvaluation.Result(evaluations: 84, matched: 31))
    }

    @Test func topicFanOutDeliversNinetyFiveOfSixteenHundredFilteredDeliveries() {
        let fanOut = TopicFanOut()
        let result = fanOut.run(publishes: 16)
        #expect(result == TopicFanOut.Result(published: 16, matched: 95, delivered: 95, filteredOut: 1_600 - 95))
        #expect(fanOut.topic.deliveriesPending == 0)
        fanOut.topic.checkInvariants()
    }

    @Test func streamCycleReadsBackEveryRecordItPuts() {
        let cycle = StreamCycle()
        #expect(cycle.run(batches: 4) == StreamCycle.Result(recordsPut: 2_000, recordsRead: 2_000, stored: 2_000))
        // 24 hours are 360 batches of 4 minutes: from then on a batch's records replace the oldest.
        #expect(cycle.run(batches: 400) == StreamCycle.Result(recordsPut: 202_000, recordsRead: 202_000, stored: 180_000))
        #expect(cycle.stream.counters.recordsExpired == 22_000)
        cycle.stream.checkInvariants()
    }

    @Test func queueCycleDeletesEveryMessageItSends() {
        let cycle = QueueCycle()
        let result = cycle.run(messages: 1_000)
        #expect(result.messagesDeleted == 1_000)
        #expect(result.counters.messagesSent == 1_000)
        #expect(result.counters.messagesReceived == 1_000)
        #expect(result.counters.messagesDeleted == 1_000)
        #expect(result.counters.emptyReceives == 0)
        #expect(result.storedCount == 0)
        // Three calls a millisecond apart per message.
        #expect(result.now == Instant(nanoseconds: 3_000 * 1_000_000))
        cycle.queue._checkInvariants()
    }

    @Test func queueCycleOutlivesTheVisibilityTimeoutWithoutRedelivering() {
        // 20,000 cycles take 60 s of virtual time: the 30 s visibility deadlines of deleted
        // messages come due, fire, and must neither redeliver nor lose anything.
        let cycle = QueueCycle()
        let result = cycle.run(messages: 20_000)
        #expect(result.messagesDeleted == 20_000)
        #expect(result.timersFired >= 1)
        #expect(result.counters.visibilityLapses == 0)
        #expect(result.counters.messagesReceived == 20_000)
        #expect(result.storedCount == 0)
        #expect(cycle.queue.storedMessageIDs().isEmpty)
        cycle.queue._checkInvariants()
    }

    @Test func fifoCycleKeepsEveryGroupActiveAndDeletesWhatItSends() {
        let cycle = FifoQueueCycle(groups: 500)
        let result = cycle.run(messages: 2_000)
        #expect(result.messagesDeleted == 2_000)
        #expect(result.counters.messagesSent == 2_500)
        #expect(result.counters.messagesDeduplicated == 0)
        #expect(result.counters.throttledRequests == 0)
        #expect(result.counters.emptyReceives == 0)
        #expect(result.storedCount == 500)
        #expect(cycle.queue.activeGroupCount == 500)
        cycle.queue._checkInvariants()
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
