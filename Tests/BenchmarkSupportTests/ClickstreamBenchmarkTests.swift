import BenchmarkSupport
import Testing

/// The clickstream benchmark's body with tiny parameters, so the benchmark cannot rot unnoticed.
@Suite struct ClickstreamBenchmarkTests {
    @Test func clickstreamScenarioProcessesEveryRecordOnceInKeyOrderAndDrains() {
        let result = ScenarioBenchmark.clickstream(records: 10_000)
        // Poisson arrivals: 10,000 expected, sd 100.
        #expect(result.recordsPut > 9_500 && result.recordsPut < 10_500)
        #expect(result.writeThrottled == 0)
        #expect(result.recordsProcessed == result.recordsPut)
        #expect(result.duplicates == 0)
        #expect(result.outOfOrder == 0)
        #expect(result.unhandled == 0)
        #expect(result.endReason == "drained")
        // One event per PutRecords call of 500 and a few per GetRecords poll: far fewer than records.
        #expect(result.eventsRun > 0 && result.eventsRun < result.recordsPut)
    }

    @Test func clickstreamScenarioIsAPureFunctionOfItsText() {
        let model = ScenarioBenchmark.clickstreamModel(records: 2_000)
        #expect(model.duration == .milliseconds(50))
        #expect(model.streams.first?.configuration.shardCount == ScenarioBenchmark.clickstreamShards)
        #expect(ScenarioBenchmark.runClickstream(model) == ScenarioBenchmark.runClickstream(model))
    }
}
