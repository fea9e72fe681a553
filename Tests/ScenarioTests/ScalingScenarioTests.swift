import Reporting
import Scenario
import Testing
import Workloads

/// Functions and autoscaled fleets run end to end from scenario text: every message delivered
/// once, the count scaling past where it started, and cost lines that are billed requests times
/// the list price.
@Suite struct ScalingScenarioTests {
    /// A burst of 300/s for 30 s between two minutes at 20/s.
    static func scenario(_ consumers: String, queue: String = "events") -> String {
        """
        name: burst
        duration: 2m
        drain: 5m
        replications: 2
        queues:
          - name: \(queue)
        producers:
          - name: p
            target: queue/\(queue)
            arrivals: poisson(rate=20/s)
            schedule:
              - { from: 0s, rate: 20/s }
              - { from: 30s, rate: 300/s }
              - { from: 60s, rate: 20/s }
        network:
          apiLatency: constant(5ms)
        \(consumers)
        """
    }

    static let function = scenario("""
        functions:
          - name: handler
            source: queue/events
            duration: lognormal(mean=200ms, sd=50ms)
            coldStart: constant(500ms)
            memory: 1024MiB
        """)

    static let autoscaled = scenario("""
        consumers:
          - name: workers
            source: queue/jobs
            maxMessages: 10
            processing: constant(50ms)
            scaling:
              min: 2
              max: 30
              targetBacklogPerInstance: 50
              metricPeriod: 10s
              scaleOutCooldown: 10s
              scaleInCooldown: 30s
              warmup: 5s
        """, queue: "jobs")

    /// Runs every replication in its own world, kept for inspection, and reports on them.
    static func run(_ text: String) throws -> (worlds: [World], report: Report) {
        let model = try ScenarioDecoder.decode(text, file: "t.yaml")
        let worlds = (0..<model.replications).map { World(model: model, replication: $0) }
        let observations = worlds.map { $0.run() }
        return (worlds, ScenarioRunner.report(model, observations: observations) { "replication \($0)" })
    }

    static func expectEveryMessageDeliveredOnce(_ report: Report) {
        let d = report.delivery
        #expect(d.sent > 10_000)
        #expect(d.deliveredOnce == d.sent)
        #expect(d.lost == 0 && d.duplicated == 0 && d.queued == 0 && d.violationTotal == 0)
        #expect(report.replicationSummaries.allSatisfy { $0.endReason == "drained" })
    }

    /// The SQS line is the queue's billed requests, mean over replications, at the standard rate.
    static func expectSQSCost(_ worlds: [World], _ report: Report) throws {
        let billed = Double(worlds.reduce(0) { $0 + $1.queues[0].counters.billedRequests }) / Double(worlds.count)
        let line = try #require(report.cost.lines.first { $0.item == "SQS standard requests" })
        #expect(line.quantity == billed)
        #expect(line.usd == billed * PriceTable().sqsStandardPerMillionRequests / 1e6)
        #expect(report.cost.queues.map(\.billedRequests) == [billed])
        #expect(report.cost.queues.map(\.usd) == [line.usd])
        let monthly = try #require(report.cost.monthly.first { $0.item == "SQS standard requests" })
        #expect(monthly.quantity == billed * 2_592_000 / 120)
    }

    @Test func aFunctionAbsorbsABurstDeliveringEveryMessageOnce() throws {
        let (worlds, report) = try Self.run(Self.function)
        Self.expectEveryMessageDeliveredOnce(report)
        let mappings = worlds.map { $0.functions[0] }
        #expect(mappings.allSatisfy { $0.fleetIndex == 0 })
        let concurrency = try #require(report.concurrency.first)
        #expect(concurrency.kind == .function && concurrency.name == "handler" && concurrency.queue == "events")
        #expect(concurrency.peak > LambdaEventSourceMapping.pollersInitial)
        #expect(concurrency.peak == mappings.map(\.concurrencySeries.peak).max())
        // Environments are kept, so each replication makes one per concurrent invocation at its peak.
        #expect(mappings.map(\.counters.coldStarts) == mappings.map(\.concurrencySeries.peak))
        #expect(concurrency.coldStarts == mappings.reduce(0) { $0 + $1.counters.coldStarts })
        #expect(concurrency.invocations == mappings.reduce(0) { $0 + $1.counters.invocations })
        #expect(concurrency.failedInvocations == 0 && concurrency.throttles == 0 && concurrency.scalingActions > 0)
        let mean = try #require(concurrency.mean)
        #expect(mean.n == 2 && mean.mean > 0 && mean.mean < Double(concurrency.peak))
        #expect(report.concurrencyCSV.hasPrefix("replication,name,time,value\n0,handler,0,0\n"))
        #expect(report.concurrencyCSV.contains("\n1,handler,10,"))

        try Self.expectSQSCost(worlds, report)
        let invocations = Double(concurrency.invocations) / 2
        let requests = try #require(report.cost.lines.first { $0.item == "Lambda requests" })
        #expect(requests.quantity == invocations)
        #expect(requests.usd == invocations * PriceTable().lambdaPerMillionRequests / 1e6)
        // 1,024 MB is one GB: GB-seconds are the billed seconds.
        let billedSeconds = Double(mappings.reduce(0) { $0 + $1.counters.billedMilliseconds }) / 1000 / 2
        let compute = try #require(report.cost.lines.first { $0.item == "Lambda compute" })
        #expect(abs(compute.quantity - billedSeconds) < 1e-9 * billedSeconds)
        #expect(abs(compute.usd - billedSeconds * PriceTable().lambdaPerGBSecond) < 1e-9)
        #expect(report.cost.functions.map(\.memoryMB) == [1024])
        #expect(abs(report.cost.lines.totalUSD - (report.cost.queues[0].usd + report.cost.functions[0].usd)) < 1e-12)
    }

    @Test func anAutoscaledFleetScalesOutForABurstAndBackIn() throws {
        let (worlds, report) = try Self.run(Self.autoscaled)
        Self.expectEveryMessageDeliveredOnce(report)
        let fleets = worlds.compactMap { $0.autoscaledFleets[0] }
        #expect(fleets.count == worlds.count)
        #expect(zip(worlds, fleets).allSatisfy { $0.fleets[0] === $1.fleet })
        let concurrency = try #require(report.concurrency.first)
        #expect(concurrency.kind == .autoscaledFleet && concurrency.name == "workers")
        #expect(concurrency.peak > 2)
        #expect(concurrency.scalingActions == fleets.reduce(0) { $0 + $1.actions.count })
        for fleet in fleets {
            #expect(fleet.actions.contains { $0.to > $0.from })
            #expect(fleet.actions.contains { $0.to < $0.from })
        }
        #expect(concurrency.invocations == 0 && concurrency.coldStarts == 0)
        #expect(report.consumers[0].count == 30)
        // Busy time over the capacity the fleet launched, not over 30 consumers for the whole run.
        let utilisation = try #require(report.consumers[0].utilisation)
        #expect(utilisation.mean > 0.2 && utilisation.high <= 1)
        try Self.expectSQSCost(worlds, report)
        #expect(report.cost.functions.isEmpty && !report.cost.lines.contains { $0.item.hasPrefix("Lambda") })
        #expect(report.markdown.contains("| workers | jobs | up to 30, autoscaled |"))
        #expect(report.markdown.contains("| workers | autoscaled fleet | jobs | \(concurrency.peak) |"))
    }

    @Test func faultsActOnTheInstancesAnAutoscaledFleetHasInService() throws {
        let text = Self.autoscaled + """

            faults:
              - at: 50s
                crash: { consumers: workers, count: 3 }
                restartAfter: 20s
              - from: 70s
                to: 80s
                pause: { consumers: workers }
            """
        let (worlds, report) = try Self.run(text)
        let d = report.delivery
        #expect(d.lost == 0 && d.queued == 0)
        #expect(d.deliveredOnce + d.duplicated == d.sent)
        #expect(report.faults.map(\.kind) == ["crash", "pause"])
        #expect(report.faults[0].detail.hasPrefix("crashed 3 of "))
        #expect(report.faults[0].detail.contains("consumers up and in service [0, 1, 2]"))
        #expect(report.faults[1].detail.hasSuffix("consumers in service"))
        #expect(worlds.allSatisfy { $0.autoscaledFleets[0]?.actions.isEmpty == false })
    }

    @Test func theBurstAutoscalingScenarioRunsShortened() throws {
        var model = try bundledScenario("burst-autoscaling")
        #expect(model.consumers[0].scaling != nil && model.functions.count == 1)
        model.duration = .seconds(60)
        model.replications = 1
        let world = World(model: model, replication: 0)
        let observations = world.run()
        #expect(world.functions[0].fleetIndex == world.fleets.count)
        #expect(observations.scaling.map(\.name) == ["workers", "handler"])
        #expect(observations.endReason == "drained")
        let report = ScenarioRunner.report(model, observations: [observations]) { "r\($0)" }
        #expect(report.delivery.deliveredOnce + report.delivery.duplicated == report.delivery.sent)
        #expect(report.delivery.lost == 0)
    }
}
