import Scenario
import Stochastic
import Testing

/// The decoder must answer any text with a model or with diagnostics, never a crash.
@Suite struct ScenarioFuzzTests {
    static let alphabet = Array("abcdefgh:-_ {}[],()=*/.\n  \t#'\"0123456789msKiB&*!|>%@`")

    /// Mutations of the bundled scenarios: deleted, duplicated, replaced and inserted characters and lines.
    @Test func mutatedScenariosNeverCrashTheDecoder() throws {
        let sources = try ["quickstart", "mm1", "mm3", "broken", "fifo-orders", "poison-messages", "burst-autoscaling",
                            "fanout-notifications", "fifo-fanout", "firehose-s3", "windowed-metrics"]
            .map(bundledScenarioText) + [Self.securityScenario]
        let rng = RandomStream(seed: 20_261_127)
        var decoded = 0, rejected = 0
        for round in 0..<6_000 {
            var text = Array(sources[round % sources.count])
            for _ in 0..<(1 + rng.uniformInt(below: 6)) {
                guard !text.isEmpty else { break }
                let at = rng.uniformInt(below: text.count)
                switch rng.uniformInt(below: 4) {
                case 0: text.remove(at: at)
                case 1: text.insert(Self.alphabet[rng.uniformInt(below: Self.alphabet.count)], at: at)
                case 2: text[at] = Self.alphabet[rng.uniformInt(below: Self.alphabet.count)]
                default:
                    let end = min(text.count, at + rng.uniformInt(below: 40))
                    text.insert(contentsOf: text[at..<end], at: at)
                }
            }
            do {
                _ = try ScenarioDecoder.decode(String(text), file: "fuzz.yaml")
                decoded += 1
            } catch {
                #expect(!error.diagnostics.isEmpty, "round \(round): an error without diagnostics")
                #expect(error.diagnostics.allSatisfy { $0.file == "fuzz.yaml" && $0.line >= 0 && !$0.message.isEmpty })
                rejected += 1
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the decoder.
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    /// Policies, KMS, the extended client and operations, which no bundled scenario uses all at once.
    static let securityScenario = """
        name: secure
        duration: 1m
        queues:
          - name: orders
            kmsDataKeyReusePeriod: 5m
            redrivePolicy: { deadLetterQueue: queue/dlq, maxReceiveCount: 3 }
            policy:
              - { effect: allow, principals: ["arn:aws:iam::123456789012:role/web"], actions: [sqs:SendMessage] }
              - { effect: deny, principals: ["*"], actions: ["sqs:Purge*"], resources: ["*"] }
          - name: dlq
            redriveAllowPolicy: [queue/orders]
        principals:
          arn:aws:iam::123456789012:role/workers:
            - { effect: allow, actions: ["sqs:Receive*", "sqs:DeleteMessage"], resources: ["arn:aws:sqs:*:*:orders"] }
        objectStore: { putLatency: constant(40ms), getLatency: constant(20ms), failureProbability: 0.01 }
        producers:
          - name: web
            target: queue/orders
            arrivals: poisson(rate=10/s)
            messageSize: uniform(100KiB, 400KiB)
            extendedClient: { threshold: 256KiB }
        consumers:
          - name: workers
            source: queue/orders
            processing: constant(10ms)
        operations:
          - { at: 30s, purge: queue/orders }
          - { at: 40s, startMessageMoveTask: { source: queue/dlq, rate: 10/s } }
        """

    @Test func theSecurityScenarioDecodesAndRunsWithoutViolations() throws {
        var model = try ScenarioDecoder.decode(Self.securityScenario, file: "secure.yaml")
        model.replications = 1
        let report = ScenarioRunner.run(model)
        #expect(report.delivery.violationTotal == 0)
        #expect(report.delivery.purged > 0, "the purge at 30 s found messages")
        #expect(report.objectStore.putRequests > 0)
        #expect(report.queues[0].activity.kmsRequests > 0)
        // The deny on sqs:Purge* names every principal, but the purge is the scenario's own
        // operation, not an actor's call, so it is not authorised and goes through.
        #expect(report.queues[0].activity.purgeRequests == 1)
    }

    @Test func randomTextNeverCrashesTheDecoder() {
        let rng = RandomStream(seed: 99)
        for _ in 0..<3_000 {
            let length = rng.uniformInt(below: 200)
            let text = String((0..<length).map { _ in Self.alphabet[rng.uniformInt(below: Self.alphabet.count)] })
            do { _ = try ScenarioDecoder.decode(text, file: "random.yaml") } catch {
                #expect(!error.diagnostics.isEmpty)
            }
        }
    }
}
