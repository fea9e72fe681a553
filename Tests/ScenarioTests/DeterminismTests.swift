import Foundation
import Reporting
import Scenario
import SimKernel
import Testing

@Suite struct DeterminismTests {
    @Test func sameInputsGiveIdenticalReportBytes() throws {
        var model = try bundledScenario("quickstart")
        model.duration = .seconds(120)
        model.replications = 2
        let first = ScenarioRunner.run(model)
        let second = ScenarioRunner.run(model)
        #expect(first.json.rendered() == second.json.rendered())
        #expect(first.markdown == second.markdown)
        #expect(first.depthCSV == second.depthCSV)
        #expect(first.summaryCSV == second.summaryCSV)
    }

    /// The bundled topic scenarios, shortened: fanout-notifications still reaches its webhook's
    /// outage (from 4 minutes), fifo-fanout still loses Publish answers and republishes.
    @Test(arguments: [("fanout-notifications", 300), ("fifo-fanout", 60)])
    func bundledTopicScenariosGiveIdenticalReportBytes(name: String, seconds: Int64) throws {
        var model = try bundledScenario(name)
        model.duration = .seconds(seconds)
        model.replications = 2
        let first = ScenarioRunner.run(model)
        let second = ScenarioRunner.run(model)
        #expect(first.topics.count == 1)
        #expect(first.json.rendered() == second.json.rendered())
        #expect(first.markdown == second.markdown)
        #expect(first.summaryCSV == second.summaryCSV)
    }

    /// The bundled Firehose and analytics scenarios, shortened.
    @Test(arguments: ["firehose-s3", "windowed-metrics"])
    func bundledDeliveryStreamScenariosGiveIdenticalReportBytes(name: String) throws {
        var model = try bundledScenario(name)
        model.duration = .seconds(180)
        model.replications = 2
        let first = ScenarioRunner.run(model)
        let second = ScenarioRunner.run(model)
        #expect(first.json.rendered() == second.json.rendered())
        #expect(first.markdown == second.markdown)
        #expect(first.summaryCSV == second.summaryCSV)
    }

    @Test func replicationOrderDoesNotChangeTheReport() throws {
        var model = try bundledScenario("quickstart")
        model.duration = .seconds(60)
        let forward = (0..<3).map { ScenarioRunner.runReplication(model, index: $0) }
        let backward = (0..<3).reversed().map { ScenarioRunner.runReplication(model, index: $0) }
        let a = ScenarioRunner.report(model, observations: forward) { "r\($0)" }
        let b = ScenarioRunner.report(model, observations: backward) { "r\($0)" }
        #expect(a.json.rendered() == b.json.rendered())
    }

    @Test func differentSeedsGiveDifferentRuns() throws {
        var model = try bundledScenario("quickstart")
        model.duration = .seconds(60)
        model.replications = 1
        let a = ScenarioRunner.run(model)
        model.seed += 1
        let b = ScenarioRunner.run(model)
        #expect(a.json.rendered() != b.json.rendered())
    }

    /// Common random numbers: the producers' draws come from their own streams, so a comparison of
    /// fleet sizes sees exactly the same arrivals.
    @Test func changingTheConsumerCountLeavesProducerInstantsUnchanged() throws {
        var model = try bundledScenario("quickstart")
        model.duration = .seconds(120)
        model.apiLatency = .constant(0)
        model.faults = []
        var produced: [[Instant]] = []
        for count in [4, 12] {
            model.consumers[0].specification.count = count
            let world = World(model: model, replication: 0)
            _ = world.run()
            produced.append(world.ledgers[0].entries.map(\.producedAt))
        }
        #expect(produced[0].count > 1000)
        #expect(produced[0] == produced[1])
    }
}
