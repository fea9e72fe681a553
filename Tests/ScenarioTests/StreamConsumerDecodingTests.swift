import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

/// KCL applications, enhanced fan-out consumers, Lambda functions on streams and KCL worker
/// crashes as scenario files write them: each setting reaches the model, and each mistake is
/// reported with the file, the line, the field path and what would be valid.
@Suite struct StreamConsumerDecodingTests: DecodingFixture {
    static let fileName = "consumers.yaml"

    /// Lines: 6 `consumers`, 7 the KCL application's name, 8 its source, 9 workers, 10 processing,
    /// 11 the fan-out consumer's name, 12 its source, 13 its type, 14 its processing, 15 `functions`,
    /// 16 the function's name, 17 its source, 18 its duration, 19 `faults`, 20 the crash's at,
    /// 21 its crash, 22 its restartAfter.
    static let base = """
        name: t
        duration: 10s
        streams:
          - name: clicks
            shards: 2
        consumers:
          - name: app
            source: stream/clicks
            workers: 2
            processing: constant(1ms)
          - name: fan
            source: stream/clicks
            type: enhancedFanOut
            processing: constant(1ms)
        functions:
          - name: enrich
            source: stream/clicks
            duration: constant(20ms)
        faults:
          - at: 5s
            crash: { consumers: app, count: 1 }
            restartAfter: 3s
        """

    // MARK: What reaches the model

    @Test func aStreamSourceMakesStreamConsumersNotQueueConsumers() throws {
        let model = try ScenarioDecoder.decode(Self.base, file: "consumers.yaml")
        #expect(model.consumers.isEmpty && model.functions.isEmpty)
        #expect(model.streamConsumers.map(\.name) == ["app", "fan", "enrich"])
        #expect(model.streamConsumers.map(\.kindName) == ["kcl", "enhancedFanOut", "lambda"])
        #expect(model.streamConsumers.allSatisfy { $0.stream == 0 })
        guard case .kcl(let kcl) = model.streamConsumers[0].kind else { Issue.record("app is not a KCL application"); return }
        #expect(kcl.workers == 2 && kcl.processing == .constant(0.001))
        // The KCL's defaults where the file is silent.
        #expect(kcl.pollInterval == .milliseconds(1500) && kcl.failoverTime == .seconds(10) && kcl.initialPosition == .latest)
        guard case .lambda(let function, let memory) = model.streamConsumers[2].kind else { Issue.record("enrich is not Lambda"); return }
        #expect(function.batchSize == 100 && function.parallelizationFactor == 1 && function.maximumRetryAttempts == -1 && memory == 128)
        #expect(model.kclWorkerEvents == [KCLWorkerEvent(consumer: 0, count: 1, at: Instant(nanoseconds: 5_000_000_000),
                                                         action: .crash(restartAfter: .seconds(3)))])
        #expect(model.faults.isEmpty)
    }

    @Test func everyKCLSettingReachesTheSpecification() throws {
        let text = replacing("    workers: 2\n", with: """
                workers: 3
                pollInterval: 500ms
                maxRecords: 2000
                batchOverhead: constant(5ms)
                failureProbability: 0.1
                failedBatch: skip
                taskBackoff: 1s
                checkpointEveryRecords: 500
                checkpointInterval: none
                initialPosition: TRIM_HORIZON
                failoverTime: 20s
                leaseRenewInterval: 4s
                maxLeasesForWorker: 2

            """)
        let model = try ScenarioDecoder.decode(text, file: "consumers.yaml")
        guard case .kcl(let kcl) = model.streamConsumers[0].kind else { Issue.record("app is not a KCL application"); return }
        #expect(kcl.workers == 3 && kcl.pollInterval == .milliseconds(500) && kcl.maxRecords == 2000)
        #expect(kcl.batchOverhead == .constant(0.005) && kcl.failureProbability == 0.1 && kcl.taskBackoff == .seconds(1))
        #expect(kcl.failedBatch == .skip)
        #expect(kcl.checkpointEveryRecords == 500 && kcl.checkpointInterval == nil && kcl.initialPosition == .trimHorizon)
        #expect(kcl.failoverTime == .seconds(20) && kcl.leaseRenewInterval == .seconds(4) && kcl.maxLeasesForWorker == 2)
    }

    @Test func everyFanOutAndLambdaSettingReachesTheSpecification() throws {
        var text = replacing("    type: enhancedFanOut\n", with: """
                type: enhancedFanOut
                initialPosition: { atTimestamp: 2s }
                pushInterval: 50ms
                principal: arn:aws:iam::123456789012:role/fan

            """)
        text = text.replacingOccurrences(of: "    duration: constant(20ms)\n", with: """
                duration: constant(20ms)
                batchSize: 500
                batchingWindow: 2s
                parallelizationFactor: 4
                startingPosition: LATEST
                coldStart: constant(300ms)
                failureProbability: 0.05
                maximumRetryAttempts: 3
                maximumRecordAge: 10m
                bisectBatchOnFunctionError: true
                accountConcurrencyLimit: 50
                memory: 512MiB

            """)
        let model = try ScenarioDecoder.decode(text, file: "consumers.yaml")
        guard case .enhancedFanOut(let fan) = model.streamConsumers[1].kind,
              case .lambda(let function, let memory) = model.streamConsumers[2].kind else {
            Issue.record("kinds: \(model.streamConsumers.map(\.kindName))")
            return
        }
        #expect(fan.initialPosition == .atTimestamp(Instant(nanoseconds: 2_000_000_000)) && fan.pushInterval == .milliseconds(50))
        #expect(fan.principal == "arn:aws:iam::123456789012:role/fan")
        #expect(function.batchSize == 500 && function.batchingWindow == .seconds(2) && function.parallelizationFactor == 4)
        #expect(function.startingPosition == .latest && function.coldStart == .constant(0.3) && function.failureProbability == 0.05)
        #expect(function.maximumRetryAttempts == 3 && function.maximumRecordAge == .seconds(600) && function.bisectBatchOnFunctionError)
        #expect(function.accountConcurrencyLimit == 50 && memory == 512)
    }

    // MARK: Mistakes

    @Test func aStreamConsumerNamesAnExistingStream() {
        expectOne(replacing("    source: stream/clicks\n    workers", with: "    source: stream/clics\n    workers"), line: 8,
                  path: "consumers[0].source", "'stream/clics' names no stream", "Did you mean 'stream/clicks'?")
    }

    @Test func aStreamConsumerTypeIsKCLOrEnhancedFanOut() {
        expectOne(replacing("type: enhancedFanOut", with: "type: efo"), line: 13, path: "consumers[1].type",
                  "'efo' is not a stream consumer type", "kcl (the default) or enhancedFanOut")
    }

    @Test func aKCLApplicationNeedsProcessingTime() {
        expectOne(replacing("    workers: 2\n    processing: constant(1ms)\n", with: "    workers: 2\n"), line: 7,
                  path: "consumers[0].processing", "missing", "e.g. processing: 2ms")
    }

    @Test func queueOnlyKeysAreRefusedOnAKCLApplication() {
        expectOne(replacing("    workers: 2\n", with: "    workers: 2\n    waitTime: 20s\n"), line: 10,
                  path: "consumers[0].waitTime", "unknown key 'waitTime'", "maxRecords")
    }

    @Test func kclRangesAreTheKCLsOwn() {
        expectOne(replacing("    workers: 2\n", with: "    workers: 2\n    maxRecords: 20000\n"), line: 10,
                  path: "consumers[0].maxRecords", "between 1 and 10000")
        expectOne(replacing("    workers: 2\n", with: "    workers: 0\n"), line: 9, path: "consumers[0].workers", "out of range")
        expectOne(replacing("    workers: 2\n", with: "    workers: 2\n    leaseRenewInterval: 15s\n"), line: 10,
                  path: "consumers[0].leaseRenewInterval", "below failoverTime")
    }

    @Test func aFailedBatchIsRetriedOrSkipped() {
        expectOne(replacing("    workers: 2\n", with: "    workers: 2\n    failedBatch: drop\n"), line: 10,
                  path: "consumers[0].failedBatch", "'drop' is not valid", "retry", "skip")
    }

    @Test func aStartingPositionIsTrimHorizonLatestOrATimestamp() {
        expectOne(replacing("    workers: 2\n", with: "    workers: 2\n    initialPosition: OLDEST\n"), line: 10,
                  path: "consumers[0].initialPosition", "'OLDEST' is not a starting position", "TRIM_HORIZON, LATEST or { atTimestamp: 5m }")
    }

    @Test func lambdaOnAStreamKeepsAWSRanges() {
        expectOne(replacing("    duration: constant(20ms)\n", with: "    duration: constant(20ms)\n    parallelizationFactor: 11\n"), line: 19,
                  path: "functions[0].parallelizationFactor", "between 1 and 10")
        expectOne(replacing("    duration: constant(20ms)\n", with: "    duration: constant(20ms)\n    maximumRecordAge: 30s\n"), line: 19,
                  path: "functions[0].maximumRecordAge", "between 60s and 7d")
        expectOne(replacing("    duration: constant(20ms)\n", with: "    duration: constant(20ms)\n    memory: 100MiB\n"), line: 19,
                  path: "functions[0].memory")
    }

    @Test func streamConsumerNamesAreUnique() {
        expectOne(replacing("  - name: enrich", with: "  - name: app"), line: 16, path: "functions[0].name",
                  "a consumer or function named 'app' already exists")
    }

    @Test func aStreamRegistersAtMostTwentyFanOutConsumers() {
        let extra = (0..<20).map { "  - { name: fan\($0), source: stream/clicks, type: enhancedFanOut, processing: constant(1ms) }\n" }.joined()
        // The 21st registration is the 20th extra one: the base's own `fan` comes first.
        expectOne(replacing("functions:\n", with: extra + "functions:\n"), line: 34, path: "consumers[21]",
                  "stream 'clicks' has 21 enhanced fan-out consumers", "at most 20")
    }

    @Test func aKCLCrashCountsAtMostTheApplicationsWorkers() {
        expectOne(replacing("count: 1", with: "count: 3"), line: 21, path: "faults[0].crash.count", "out of range")
    }

    @Test func aKCLApplicationIsNotPaused() {
        expectOne(replacing("  - at: 5s\n    crash: { consumers: app, count: 1 }\n    restartAfter: 3s",
                            with: "  - from: 5s\n    to: 6s\n    pause: { consumers: app }"),
                  line: 20, path: "faults[0]", "a KCL application's workers crash")
    }

    @Test func operationsAddAndRemoveKCLWorkers() throws {
        let text = Self.base + """

            operations:
              - { at: 6s, addWorkers: { consumers: app, count: 2 } }
              - { at: 8s, removeWorkers: { consumers: app } }
            """
        let model = try ScenarioDecoder.decode(text, file: Self.fileName)
        #expect(model.operations.isEmpty)
        #expect(model.kclWorkerEvents.map(\.action) == [.crash(restartAfter: .seconds(3)), .join, .leave])
        // Removing takes every worker the application started with unless a count is given.
        #expect(model.kclWorkerEvents.map(\.count) == [1, 2, 2])
        expectOne(text.replacingOccurrences(of: "addWorkers: { consumers: app,", with: "addWorkers: { consumers: ap,"), line: 24,
                  path: "operations[0].addWorkers.consumers", "no KCL application named 'ap'", "Did you mean 'app'?")
        expectOne(text.replacingOccurrences(of: "removeWorkers: { consumers: app }", with: "removeWorkers: { consumers: fan }"), line: 25,
                  path: "operations[1].removeWorkers.consumers", "'fan' is not a KCL application")
        expectOne(text.replacingOccurrences(of: "removeWorkers: { consumers: app }", with: "removeWorkers: { consumers: app, count: 3 }"),
                  line: 25, path: "operations[1].removeWorkers.count", "out of range")
    }

    @Test func fanOutAndLambdaConsumersDoNotCrash() {
        expectOne(replacing("consumers: app, count: 1", with: "consumers: fan"), line: 21, path: "faults[0].crash.consumers",
                  "'fan' reads a stream by enhanced fan-out or Lambda")
    }
}
