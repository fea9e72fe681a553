import Foundation
import Reporting
import Scenario
import Testing

/// The whole stack (scenario file → engine → report) against closed-form queueing theory: zero API
/// latency, Poisson arrivals, exponential service, long polling, one message per receive.
@Suite struct QueueingTheoryTests {
    /// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load a = λ/μ.
    static func erlangC(servers c: Int, load a: Double) -> Double {
        var term = 1.0, sum = 1.0
        for k in 1..<c {
            term *= a / Double(k)
            sum += term
        }
        let last = term * a / Double(c)
        let rho = a / Double(c)
        let top = last / (1 - rho)
        return top / (sum + top)
    }

    @Test func erlangCMatchesAKnownValue() {
        // M/M/2 with a = 1: C = 1/3 (textbook value).
        #expect(abs(Self.erlangC(servers: 2, load: 1) - 1.0 / 3.0) < 1e-12)
    }

    @Test func mm1MeanQueueWaitMatchesTheory() throws {
        let report = ScenarioRunner.run(try bundledScenario("mm1"))
        let wait = try #require(report.queues[0].queueWait.mean)
        let theory = 0.8 / (1.0 - 0.8)  // ρ/(μ−λ) = 4.0 s
        #expect(wait.contains(theory), "M/M/1 mean wait \(wait.mean) [\(wait.low), \(wait.high)] misses \(theory)")
        #expect(wait.halfWidth < 0.05 * theory, "interval too wide to be a test: ±\(wait.halfWidth)")
        #expect(report.delivery.lost == 0 && report.delivery.duplicated == 0)
    }

    @Test func mm3MeanQueueWaitMatchesErlangC() throws {
        let report = ScenarioRunner.run(try bundledScenario("mm3"))
        let wait = try #require(report.queues[0].queueWait.mean)
        let theory = Self.erlangC(servers: 3, load: 2.7) / (3.0 - 2.7)  // C/(cμ−λ) ≈ 2.7235 s
        #expect(wait.contains(theory), "M/M/3 mean wait \(wait.mean) [\(wait.low), \(wait.high)] misses \(theory)")
        #expect(wait.halfWidth < 0.05 * theory, "interval too wide to be a test: ±\(wait.halfWidth)")
    }
}

@Suite struct WarmupDetectionTests {
    static func scenario(schedule: String) -> String {
        """
        name: transient
        duration: 3h
        replications: 3
        queues:
          - name: q
            visibilityTimeout: 1h
        producers:
          - name: p
            target: queue/q
            arrivals: poisson(rate=0.5/s)
        \(schedule)
        consumers:
          - name: c
            source: queue/q
            processing: exponential(mean=1s)
        """
    }

    /// A backlog built in the first ten minutes and drained afterwards is an initial transient:
    /// MSER-5 must want to cut a good part of it; a steady low load has none to speak of.
    @Test func anInitialBacklogIsDetectedAsWarmup() throws {
        let backlog = Self.scenario(schedule: "    schedule:\n      - { from: 0s, rate: 1.5/s }\n      - { from: 10m, rate: 0.5/s }")
        let transient = ScenarioRunner.run(try ScenarioDecoder.decode(backlog, file: "t")).queues[0].queueWait
        let steady = ScenarioRunner.run(try ScenarioDecoder.decode(Self.scenario(schedule: ""), file: "t")).queues[0].queueWait
        // The backlog phase sends about 0.9k messages per replication, out of about 5.9k.
        #expect(transient.mser5Truncation > 500, "MSER-5 kept the backlog: \(transient.mser5Truncation)")
        #expect(steady.mser5Truncation < transient.mser5Truncation / 4, "steady \(steady.mser5Truncation)")
    }
}
