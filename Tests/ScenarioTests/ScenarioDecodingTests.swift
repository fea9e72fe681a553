import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

@Suite struct ScenarioDecodingTests {
    @Test(arguments: ["quickstart", "mm1", "mm3"])
    func bundledScenariosDecode(name: String) throws {
        let model = try bundledScenario(name)
        #expect(model.name == name)
        #expect(!model.queues.isEmpty)
    }

    @Test func quickstartDecodesToTheValuesWrittenInTheFile() throws {
        let model = try bundledScenario("quickstart")
        #expect(model.duration == .seconds(1800))
        #expect(model.drain == .seconds(600))
        #expect(model.seed == 42)
        #expect(model.replications == 5)
        #expect(model.queues[0].visibilityTimeout == .seconds(30))
        #expect(model.queues[0].retention == .seconds(4 * 86_400))
        let producer = model.producers[0].specification
        #expect(producer.arrivals == .poisson(ratePerSecond: 40))
        #expect(producer.schedule?.steps.map(\.ratePerSecond) == [40, 200, 40])
        #expect(producer.schedule?.steps.map(\.from) == [.zero, Instant(seconds: 600), Instant(seconds: 720)])
        #expect(producer.messageSize == .lognormal(mean: 2048, sd: 1024))
        let consumer = model.consumers[0].specification
        #expect(consumer.count == 12 && consumer.maxMessages == 10 && consumer.waitTime == .seconds(20))
        #expect(consumer.processing == .lognormal(mean: 0.12, sd: 0.06))
        #expect(consumer.failureProbability == 0.01)
        #expect(model.apiLatency == .lognormal(mean: 0.008, sd: 0.003))
        #expect(model.faults.count == 2)
    }

    @Test func defaultsApplyWhenKeysAreLeftOut() throws {
        let model = try ScenarioDecoder.decode(minimalScenario, file: "t.yaml")
        #expect(model.seed == ScenarioModel.defaultSeed)
        #expect(model.replications == ScenarioModel.defaultReplications)
        #expect(model.drain == .zero)
        #expect(model.queues[0] == QueueConfiguration(name: "q"))
        #expect(model.consumers[0].specification.count == 1)
        #expect(model.consumers[0].specification.waitTime == .seconds(20))
        #expect(model.apiLatency == .constant(0))
    }

    @Test func brokenScenarioReportsEveryProblemWithItsPlace() throws {
        let text = try bundledScenarioText("broken")
        #expect(diagnostics(text, file: "scenarios/broken.yaml") == [
            "scenarios/broken.yaml:3:11: duration: '30' needs a duration unit, e.g. 30ms",
            "scenarios/broken.yaml:6:5: queues[0].visibiltyTimeout: unknown key 'visibiltyTimeout'; did you mean 'visibilityTimeout'? valid keys here: " + ScenarioKeys.queue.joined(separator: ", "),
            "scenarios/broken.yaml:7:16: queues[0].retention: 30d is out of range; expected 1m to 14d",
            "scenarios/broken.yaml:10:13: producers[0].target: 'queue/order' names no queue; expected one of queue/orders. Did you mean 'queue/orders'?",
            "scenarios/broken.yaml:12:39: producers[0].messageSize: unknown parameter 'sdev' for lognormal; did you mean 'sd'? valid: mean, sd",
            "scenarios/broken.yaml:16:12: consumers[0].count: 0 is out of range; expected 1 to 100000",
            "scenarios/broken.yaml:17:17: consumers[0].processing: unknown distribution 'exponentail'; did you mean 'exponential'? valid: constant, exponential, lognormal, gamma, weibull, pareto, uniform, normal, empirical, mixture",
        ])
    }

    @Test func unknownTopLevelKeySuggestsTheNearestValidKey() {
        let lines = diagnostics(minimalScenario + "\nreplicatons: 3\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("test.yaml:13:1: replicatons: unknown key 'replicatons'; did you mean 'replications'?") == true)
    }

    @Test func colonInsideADistributionIsExplainedAsAYAMLMistake() {
        let text = minimalScenario.replacingOccurrences(of: "exponential(mean=10ms)", with: "exponential(mean: 10ms)")
        let lines = diagnostics(text)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("test.yaml:12:") == true)
        #expect(lines.first?.contains("write distribution parameters as name=value") == true)
    }

    @Test func missingRequiredKeysAreNamed() {
        let lines = diagnostics("name: t\nqueues:\n  - name: q\n")
        #expect(lines == ["test.yaml:1:1: duration: missing; every scenario needs 'duration'"])
    }

    @Test func emptyFileIsAnError() {
        #expect(diagnostics("")[0].contains("the file is empty"))
    }

    @Test func repeatedKeyIsAnError() {
        let text = minimalScenario.replacingOccurrences(of: "duration: 10s", with: "duration: 10s\nduration: 20s")
        #expect(diagnostics(text) == ["test.yaml:2:1: 'duration' appears more than once in this mapping (first here); each key may appear once"])
    }

    /// A FIFO scenario: a `.fifo` queue with `type: fifo`, a producer naming its message groups.
    static let fifoScenario = minimalScenario
        .replacingOccurrences(of: "  - name: q\n", with: "  - name: q.fifo\n    type: fifo\n")
        .replacingOccurrences(of: "queue/q\n", with: "queue/q.fifo\n")
        .replacingOccurrences(of: "arrivals: poisson(rate=5/s)\n", with: "arrivals: poisson(rate=5/s)\n    messageGroups: 4\n")

    @Test func aFifoQueueWithGroupedProducersDecodes() throws {
        let model = try ScenarioDecoder.decode(Self.fifoScenario, file: "t.yaml")
        #expect(model.queues[0].isFifo)
        #expect(model.producers[0].specification.messageGroups == 4)
        #expect(model.producers[0].specification.deduplicationId == .perMessage)
    }

    @Test func aFifoQueueNameMustEndInDotFifo() {
        let text = minimalScenario.replacingOccurrences(of: "  - name: q\n", with: "  - name: q\n    type: fifo\n")
        #expect(diagnostics(text).first == "test.yaml:4:11: queues[0].name: a FIFO queue's name must end in .fifo, e.g. 'q.fifo'")
    }

    @Test func aDotFifoNameNeedsTypeFifo() {
        let text = minimalScenario.replacingOccurrences(of: "  - name: q\n", with: "  - name: q.fifo\n")
            .replacingOccurrences(of: "queue/q\n", with: "queue/q.fifo\n")
        #expect(diagnostics(text) == ["test.yaml:4:11: queues[0].name: '.fifo' names a FIFO queue; add type: fifo"])
    }

    @Test func aProducerToAFifoQueueMustNameItsMessageGroups() {
        let text = Self.fifoScenario.replacingOccurrences(of: "    messageGroups: 4\n", with: "")
        #expect(diagnostics(text) == [
            "test.yaml:7:5: producers[0].messageGroups: a producer sending to FIFO queue 'q.fifo' needs messageGroups (how many MessageGroupIds it uses)",
        ])
    }

    @Test func contentDeduplicationWithoutTheQueueSettingIsRejected() {
        let text = Self.fifoScenario.replacingOccurrences(of: "    messageGroups: 4\n", with: "    messageGroups: 4\n    deduplicationId: none\n")
        #expect(diagnostics(text) == [
            "test.yaml:11:22: producers[0].deduplicationId: with deduplicationId: none, FIFO queue 'q.fifo' needs contentBasedDeduplication: true",
        ])
    }

    @Test func fifoSettingsOnAStandardQueueAreRejected() {
        let text = minimalScenario.replacingOccurrences(of: "  - name: q\n", with: "  - name: q\n    contentBasedDeduplication: true\n")
        #expect(diagnostics(text) == ["test.yaml:5:32: queues[0].contentBasedDeduplication: contentBasedDeduplication applies to FIFO queues only (type: fifo)"])
    }

    @Test func aRedrivePolicyMustNameAQueueOfTheSameType() {
        let text = Self.fifoScenario.replacingOccurrences(
            of: "    type: fifo\n",
            with: "    type: fifo\n    redrivePolicy: { deadLetterQueue: queue/dlq, maxReceiveCount: 3 }\n  - name: dlq\n")
        #expect(diagnostics(text) == [
            "test.yaml:4:5: queues[0].redrivePolicy.deadLetterQueue: the dead-letter queue of a fifo queue must be fifo too; 'dlq' is standard",
        ])
    }

    @Test func aRedrivePolicyNamingAnUnknownQueueSuggestsTheNearest() {
        let text = minimalScenario.replacingOccurrences(
            of: "  - name: q\n",
            with: "  - name: q\n    redrivePolicy: { deadLetterQueue: queue/q-dql, maxReceiveCount: 3 }\n  - name: q-dlq\n")
        #expect(diagnostics(text) == [
            "test.yaml:4:5: queues[0].redrivePolicy.deadLetterQueue: no queue named 'q-dql'; queues: q, q-dlq. Did you mean 'queue/q-dlq'?",
        ])
    }

    @Test func maxReceiveCountIsBetweenOneAndOneThousand() {
        let text = minimalScenario.replacingOccurrences(
            of: "  - name: q\n",
            with: "  - name: q\n    redrivePolicy: { deadLetterQueue: queue/dlq, maxReceiveCount: 1001 }\n  - name: dlq\n")
        #expect(diagnostics(text) == ["test.yaml:5:67: queues[0].redrivePolicy.maxReceiveCount: 1001 is out of range; expected 1 to 1000"])
    }

    @Test func aMoveTaskMustStartFromADeadLetterQueue() {
        let text = minimalScenario + "\noperations:\n  - at: 5s\n    startMessageMoveTask: { source: queue/q }\n"
        #expect(diagnostics(text) == [
            "test.yaml:15:37: operations[0].startMessageMoveTask.source: 'q' is no queue's dead-letter queue; a move task starts from one",
        ])
    }

    @Test func anOperationDoesOneThing() {
        let text = minimalScenario + "\noperations:\n  - at: 5s\n"
        #expect(diagnostics(text) == ["test.yaml:14:5: operations[0]: an operation does one thing: give exactly one of purge, startMessageMoveTask"])
    }

    @Test func queueAttributesOutsideAWSRangesAreRejected() {
        let cases: [(String, String)] = [
            ("visibilityTimeout: 13h", "queues[0].visibilityTimeout: 13h is out of range; expected 0s to 12h"),
            ("delay: 16m", "queues[0].delay: 16m is out of range; expected 0s to 15m"),
            ("receiveWaitTime: 21s", "queues[0].receiveWaitTime: 21s is out of range; expected 0s to 20s"),
            ("maximumMessageSize: 2MiB", "queues[0].maximumMessageSize: 2MiB is out of range"),
            ("retention: 59s", "queues[0].retention: 59s is out of range; expected 1m to 14d"),
        ]
        for (line, expected) in cases {
            let text = minimalScenario.replacingOccurrences(of: "  - name: q\n", with: "  - name: q\n    \(line)\n")
            let found = diagnostics(text)
            #expect(found.count == 1 && found[0].contains(expected), "\(line): \(found)")
        }
    }

    @Test func distributionErrorPointsAtTheColumnInsideTheValue() {
        let text = minimalScenario.replacingOccurrences(of: "exponential(mean=10ms)", with: "exponential(mean=10)")
        let lines = diagnostics(text)
        #expect(lines.count == 1)
        // "    processing: " is 16 characters, so the value starts at column 17 and "mean" at 29.
        #expect(lines.first?.hasPrefix("test.yaml:12:29: consumers[0].processing:") == true, "\(lines)")
    }

    @Test func duplicateQueueNamesAreRejected() {
        let text = minimalScenario.replacingOccurrences(of: "  - name: q\n", with: "  - name: q\n  - name: q\n")
        #expect(diagnostics(text).contains { $0.contains("a queue named 'q' already exists") })
    }

    @Test func arrivalProcessesParse() throws {
        for (text, expected) in [("poisson(rate=5/s)", ArrivalProcess.poisson(ratePerSecond: 5)),
                                 ("constant(rate=120/m)", .constant(ratePerSecond: 2)),
                                 ("renewal(gamma(shape=2, scale=10ms))", .renewal(.gamma(shape: 2, scale: 0.01)))] {
            let model = try ScenarioDecoder.decode(minimalScenario.replacingOccurrences(of: "poisson(rate=5/s)", with: text), file: "t")
            #expect(model.producers[0].specification.arrivals == expected)
        }
        let bad = diagnostics(minimalScenario.replacingOccurrences(of: "poisson(rate=5/s)", with: "poison(rate=5/s)"))
        #expect(bad.count == 1 && bad[0].contains("unknown arrival process 'poison'; did you mean 'poisson'?"))
    }

    @Test func faultsNeedTheirTimesAndAKnownFleet() {
        let base = minimalScenario + "\nfaults:\n"
        #expect(diagnostics(base + "  - crash: { consumers: c }\n").contains { $0.contains("a crash happens at an instant: give 'at'") })
        #expect(diagnostics(base + "  - at: 1s\n    crash: { consumers: d }\n").contains { $0.contains("no consumer fleet named 'd'") })
        #expect(diagnostics(base + "  - from: 2s\n    to: 1s\n    apiErrors: 0.5\n").contains { $0.contains("'to' must come after 'from'") })
        #expect(diagnostics(base + "  - at: 1s\n    crash: { consumers: c }\n    apiErrors: 0.5\n").contains { $0.contains("a fault does one thing") })
        #expect(diagnostics(base + "  - at: 1s\n    crash: { consumers: c, count: 2 }\n").contains { $0.contains("2 is out of range; expected 1 to 1") })
    }

    @Test func empiricalSamplesAreReadThroughTheGivenReader() throws {
        let text = minimalScenario.replacingOccurrences(of: "exponential(mean=10ms)", with: "empirical(file=s.csv)")
        let model = try ScenarioDecoder.decode(text, file: "t") { name in
            #expect(name == "s.csv")
            return "latency\n10ms\n0.02\n# a comment\n\n30ms,extra\n"
        }
        #expect(model.consumers[0].specification.processing == .empirical([0.01, 0.02, 0.03]))
        let missing = diagnostics(text)
        #expect(missing.count == 1 && missing[0].contains("no file s.csv"))
    }
}

@Suite struct ShortPollingTests {
    static let shortPolling = minimalScenario.replacingOccurrences(of: "    processing: exponential(mean=10ms)",
                                                                   with: "    processing: exponential(mean=10ms)\n    waitTime: 0s")

    @Test func shortPollingWithNeitherLatencyNorDelayIsRejected() {
        let lines = diagnostics(Self.shortPolling)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("test.yaml:10:5: consumers[0]: short polling (waitTime: 0s) with no API latency") == true)
    }

    @Test func shortPollingWithAnEmptyReceiveDelayRunsAndDrains() throws {
        let text = Self.shortPolling + "\n    emptyReceiveDelay: 100ms\nreplications: 1\ndrain: 1m\n"
        let model = try ScenarioDecoder.decode(text, file: "t")
        #expect(model.consumers[0].specification.emptyReceiveDelay == .milliseconds(100))
        let report = ScenarioRunner.run(model)
        #expect(report.delivery.sent > 20)
        #expect(report.delivery.deliveredOnce == report.delivery.sent)
        #expect(report.queues[0].emptyReceives > 0)
        #expect(report.replicationSummaries[0].endReason == "drained")
    }
}
