import Reporting
import Scenario
import Verification

/// Whole-simulator benchmarks: a scenario decoded from text and run for one replication, with
/// everything a real run does (producers, consumers, the queue, the delivery checker, metrics).
public enum ScenarioBenchmark {
    /// What one replication did, for a test to check and a benchmark to scale by.
    public struct Result: Equatable, Sendable {
        public var messagesSent: Int
        public var messagesDeleted: Int
        /// Messages the delivery checker found lost; a correct engine always has 0.
        public var messagesLost: Int
        /// Violations of every kind the checker found; a correct engine under this workload has 0.
        public var violations: Int
        public var eventsRun: Int
        /// `drained` when every message sent was deleted before the drain limit.
        public var endReason: String
    }

    /// Arrivals per second of the M/M/1 scenario.
    public static let mm1ArrivalsPerSecond = 0.8

    /// The M/M/1 scenario of `scenarios/mm1.yaml` (Poisson arrivals at 0.8/s, one consumer with
    /// exponential service of mean 1 s, zero API latency, long polling, one message per receive),
    /// with producers running long enough to send about `messages` messages.
    public static func mm1Text(messages: Int) -> String {
        precondition(messages >= 1, "the M/M/1 benchmark needs at least one message, got \(messages)")
        // Whole seconds, rounded up: the duration is a plain scalar the decoder parses exactly.
        let durationSeconds = Int((Double(messages) / mm1ArrivalsPerSecond).rounded(.up))
        return """
            name: mm1-benchmark
            description: M/M/1 at rho = 0.8, sized to send about \(messages) messages.
            duration: \(durationSeconds)s
            drain: 1h
            seed: 7
            replications: 1
            sampleInterval: 10m

            queues:
              - name: jobs
                type: standard
                visibilityTimeout: 12h

            producers:
              - name: arrivals
                target: queue/jobs
                arrivals: poisson(rate=0.8/s)
                messageSize: constant(256B)

            consumers:
              - name: server
                source: queue/jobs
                count: 1
                maxMessages: 1
                waitTime: 20s
                processing: exponential(mean=1s)

            """
    }

    /// Decodes the M/M/1 scenario; the text is ours, so a problem in it is a bug here.
    public static func mm1Model(messages: Int) -> ScenarioModel {
        do {
            return try ScenarioDecoder.decode(mm1Text(messages: messages), file: "mm1-benchmark.yaml")
        } catch {
            preconditionFailure("the embedded M/M/1 scenario does not decode:\n\(error)")
        }
    }

    /// Runs replication 0 of `model` (the delivery checker always runs) and sums its queues.
    public static func run(_ model: ScenarioModel) -> Result {
        let observations = ScenarioRunner.runReplication(model, index: 0)
        return Result(
            messagesSent: observations.queues.reduce(0) { $0 + $1.messagesSent },
            messagesDeleted: observations.queues.reduce(0) { $0 + $1.messagesDeleted },
            messagesLost: observations.delivery.reduce(0) { $0 + $1.count(.lost) },
            violations: observations.delivery.reduce(0) { $0 + $1.violationCounts.values.reduce(0, +) },
            eventsRun: observations.eventsRun,
            endReason: observations.endReason)
    }

    /// Decodes and runs the M/M/1 scenario sized for about `messages` messages.
    public static func mm1(messages: Int) -> Result {
        run(mm1Model(messages: messages))
    }
}
