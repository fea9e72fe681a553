import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

/// `functions:` (Lambda event source mappings) and `scaling:` inside a consumer fleet: what they
/// decode to, and the positioned diagnostics for what they must not say.
@Suite struct ScalingDecodingTests {
    /// A queue read by one function; tests append keys to the function at line 13.
    static let functionScenario = """
        name: t
        duration: 10s
        queues:
          - name: q
        producers:
          - name: p
            target: queue/q
            arrivals: poisson(rate=5/s)
        functions:
          - name: f
            source: queue/q
            duration: constant(10ms)
        """

    /// The minimal scenario's fleet made autoscaled; tests append keys to `scaling` at line 17.
    static let scalingScenario = minimalScenario + """

            scaling:
              min: 1
              max: 8
              targetBacklogPerInstance: 50
        """

    func functionDiagnostics(_ lines: String...) -> [String] {
        diagnostics(Self.functionScenario + "\n" + lines.map { "    \($0)\n" }.joined())
    }

    func scalingDiagnostics(_ lines: String...) -> [String] {
        diagnostics(Self.scalingScenario + "\n" + lines.map { "      \($0)\n" }.joined())
    }

    @Test func aFunctionDecodesToTheValuesWrittenInTheFile() throws {
        let text = Self.functionScenario + """

                batchSize: 100
                batchingWindow: 2s
                maximumConcurrency: 50
                coldStart: uniform(200ms, 600ms)
                failureProbability: 0.01
                partialBatchFailureProbability: 0.002
                reportBatchItemFailures: true
                accountConcurrencyLimit: 400
                memory: 512MiB
            """
        let model = try ScenarioDecoder.decode(text, file: "t.yaml")
        let function = try #require(model.functions.first)
        #expect(function.queue == 0)
        #expect(function.memoryMB == 512)
        let s = function.specification
        #expect(s.name == "f" && s.batchSize == 100 && s.batchingWindow == .seconds(2) && s.maximumConcurrency == 50)
        #expect(s.duration == .constant(0.01) && s.coldStart == .uniform(low: 0.2, high: 0.6))
        #expect(s.failureProbability == 0.01 && s.partialBatchFailureProbability == 0.002)
        #expect(s.reportBatchItemFailures && s.accountConcurrencyLimit == 400)
    }

    @Test func aFunctionTakesLambdasDefaults() throws {
        let function = try #require(try ScenarioDecoder.decode(Self.functionScenario, file: "t.yaml").functions.first)
        #expect(function.memoryMB == 128)
        let s = function.specification
        #expect(s.batchSize == 10 && s.batchingWindow == .zero && s.maximumConcurrency == nil && s.coldStart == .constant(0))
        #expect(s.failureProbability == 0 && !s.reportBatchItemFailures && s.accountConcurrencyLimit == 1000)
    }

    @Test func aMisspeltFunctionKeySuggestsTheNearestOne() {
        #expect(functionDiagnostics("batchsize: 20") == [
            "test.yaml:13:5: functions[0].batchsize: unknown key 'batchsize'; did you mean 'batchSize'? valid keys here: name, source, "
                + "batchSize, batchingWindow, maximumConcurrency, duration, coldStart, failureProbability, "
                + "partialBatchFailureProbability, reportBatchItemFailures, accountConcurrencyLimit, memory, principal",
        ])
    }

    /// Each range comes from `LambdaEventSourceMappingSpecification.problems()`, placed at its key.
    @Test(arguments: [
        ("batchSize: 0", "test.yaml:13:16: functions[0].batchSize: must be between 1 and 10000, not 0"),
        ("batchSize: 20", "test.yaml:13:16: functions[0].batchSize: above 10 (here 20) needs a batchingWindow above 0s"),
        ("batchingWindow: 6m", "test.yaml:13:21: functions[0].batchingWindow: must be between 0s and 300s (5m)"),
        ("maximumConcurrency: 1", "test.yaml:13:25: functions[0].maximumConcurrency: must be between 2 and 1000, not 1"),
        ("failureProbability: 1.5", "test.yaml:13:25: functions[0].failureProbability: must be between 0 and 1"),
        ("partialBatchFailureProbability: -0.1",
         "test.yaml:13:37: functions[0].partialBatchFailureProbability: must be between 0 and 1"),
        ("accountConcurrencyLimit: 0", "test.yaml:13:30: functions[0].accountConcurrencyLimit: must be at least 1, not 0"),
        ("memory: 64MiB", "test.yaml:13:13: functions[0].memory: 64MiB is out of range; expected a whole number of bytes from 128MiB to 10GiB"),
        ("memory: 512MB", "test.yaml:13:13: functions[0].memory: Lambda memory comes in whole MiB (Lambda's MB), e.g. 512MiB"),
        ("batchSize: ten", "test.yaml:13:16: functions[0].batchSize: 'ten' is not a whole number"),
        ("reportBatchItemFailures: yes", "test.yaml:13:30: functions[0].reportBatchItemFailures: 'yes' is not a boolean; expected true or false"),
    ])
    func functionFieldsOutOfRangeAreReportedAtTheirKey(line: String, expected: String) {
        #expect(functionDiagnostics(line) == [expected])
    }

    @Test func aFunctionNeedsADurationAndAQueueThatExists() {
        let text = Self.functionScenario.replacingOccurrences(of: "\n    duration: constant(10ms)", with: "")
            .replacingOccurrences(of: "source: queue/q", with: "source: queue/qq")
        #expect(diagnostics(text) == [
            "test.yaml:10:5: functions[0].duration: missing; every function needs 'duration'",
            "test.yaml:11:13: functions[0].source: 'queue/qq' names no queue; expected one of queue/q. Did you mean 'queue/q'?",
        ])
    }

    static let fifoFunctionScenario = functionScenario
        .replacingOccurrences(of: "  - name: q\n", with: "  - name: q.fifo\n    type: fifo\n    contentBasedDeduplication: true\n")
        .replacingOccurrences(of: "target: queue/q\n", with: "target: queue/q.fifo\n    messageGroups: 4\n")
        .replacingOccurrences(of: "source: queue/q\n", with: "source: queue/q.fifo\n")

    @Test func aFunctionOnAFifoQueueDecodes() throws {
        let model = try ScenarioDecoder.decode(Self.fifoFunctionScenario, file: "t")
        #expect(model.functions.count == 1)
        #expect(model.queues[model.functions[0].queue].isFifo)
    }

    @Test func aFunctionOnAFifoQueueTakesBatchesOfAtMostTen() {
        let text = Self.fifoFunctionScenario
            .replacingOccurrences(of: "source: queue/q.fifo\n", with: "source: queue/q.fifo\n    batchSize: 20\n    batchingWindow: 1s\n")
        #expect(diagnostics(text) == [
            "test.yaml:15:16: functions[0].batchSize: a function reading FIFO queue 'q.fifo' takes batches of 1 to 10, not 20",
        ])
    }

    @Test func functionAndFleetNamesMustDiffer() {
        let text = minimalScenario + "\nfunctions:\n  - name: c\n    source: queue/q\n    duration: constant(10ms)\n"
        #expect(diagnostics(text) == [
            "test.yaml:14:11: functions[0].name: 'c' already names a consumer fleet; functions and fleets share one namespace in faults and reports",
        ])
    }

    @Test func aFaultCannotNameAFunction() {
        let text = Self.functionScenario + "\nfaults:\n  - at: 1s\n    crash: { consumers: f }\n"
        #expect(diagnostics(text) == [
            "test.yaml:15:25: faults[0].crash.consumers: 'f' is a function; faults crash or pause consumer fleets, not functions",
        ])
    }

    @Test func anAutoscaledFleetDecodesWithItsPolicyAndHasMaxConsumers() throws {
        let text = Self.scalingScenario + """

                  metricPeriod: 30s
                  scaleOutCooldown: 1m
                  scaleInCooldown: 2m
                  warmup: 15s
            """
        let entry = try #require(try ScenarioDecoder.decode(text, file: "t.yaml").consumers.first)
        let policy = try #require(entry.scaling)
        #expect(policy.instanceCountMin == 1 && policy.instanceCountMax == 8 && policy.targetBacklogPerInstance == 50)
        #expect(policy.metricPeriod == .seconds(30) && policy.scaleOutCooldown == .seconds(60))
        #expect(policy.scaleInCooldown == .seconds(120) && policy.warmup == .seconds(15))
        #expect(entry.specification.count == 8)
    }

    @Test func anAutoscaledFleetTakesThePolicysDefaults() throws {
        let policy = try #require(try ScenarioDecoder.decode(Self.scalingScenario, file: "t.yaml").consumers.first?.scaling)
        #expect(policy.metricPeriod == .seconds(60) && policy.scaleOutCooldown == .seconds(300))
        #expect(policy.scaleInCooldown == .seconds(300) && policy.warmup == .zero)
    }

    @Test func aFixedFleetHasNoScalingPolicy() throws {
        #expect(try ScenarioDecoder.decode(minimalScenario, file: "t.yaml").consumers[0].scaling == nil)
    }

    @Test func anAutoscaledFleetMustNotGiveACount() {
        let text = Self.scalingScenario.replacingOccurrences(of: "    source: queue/q\n", with: "    source: queue/q\n    count: 4\n")
        #expect(diagnostics(text) == [
            "test.yaml:12:12: consumers[0].count: an autoscaled fleet has no count: it runs from scaling.min to scaling.max consumers; remove count",
        ])
    }

    /// Each range comes from `AutoscalingPolicy.problems()`, placed at the file's key.
    @Test(arguments: [
        ("metricPeriod: 0s", "test.yaml:17:21: consumers[0].scaling.metricPeriod: must be above 0s"),
        ("scaleOutCoolDown: 1m",
         "test.yaml:17:7: consumers[0].scaling.scaleOutCoolDown: unknown key 'scaleOutCoolDown'; did you mean 'scaleOutCooldown'? "
            + "valid keys here: min, max, targetBacklogPerInstance, metricPeriod, scaleOutCooldown, scaleInCooldown, warmup"),
        ("warmup: soon", "test.yaml:17:15: consumers[0].scaling.warmup: 'soon' is not a duration: write a number followed by a unit"),
    ])
    func scalingFieldsAreCheckedAtTheirKey(line: String, expected: String) {
        let found = scalingDiagnostics(line)
        #expect(found.count == 1 && found.first?.hasPrefix(expected) == true, "\(found)")
    }

    @Test func scalingBoundsAreCheckedByThePolicy() {
        let text = Self.scalingScenario.replacingOccurrences(of: "min: 1", with: "min: 9")
            .replacingOccurrences(of: "targetBacklogPerInstance: 50", with: "targetBacklogPerInstance: 0")
        #expect(diagnostics(text) == [
            "test.yaml:15:12: consumers[0].scaling.max: must be at least 1 and at least min, not 8",
            "test.yaml:16:33: consumers[0].scaling.targetBacklogPerInstance: must be a number above 0",
        ])
    }

    @Test func scalingNeedsItsThreeKeys() {
        let text = minimalScenario + "\n    scaling: { max: 4 }\n"
        #expect(diagnostics(text) == [
            "test.yaml:13:14: consumers[0].scaling.min: missing; an autoscaled fleet needs 'min', e.g. scaling: { min: 2, max: 40, targetBacklogPerInstance: 100 }",
            "test.yaml:13:14: consumers[0].scaling.targetBacklogPerInstance: missing; an autoscaled fleet needs 'targetBacklogPerInstance', e.g. scaling: { min: 2, max: 40, targetBacklogPerInstance: 100 }",
        ])
    }

    @Test func aCrashOfAnAutoscaledFleetCountsUpToItsMax() {
        let text = Self.scalingScenario + "\nfaults:\n  - at: 1s\n    crash: { consumers: c, count: 9 }\n"
        #expect(diagnostics(text) == ["test.yaml:19:35: faults[0].crash.count: 9 is out of range; expected 1 to 8"])
    }
}
