import SimKernel
import Stochastic
import Testing
import Workloads

@Suite struct RetryPolicyTests {
    @Test func backoffIsFullJitterBelowTheDoublingCeilingUpToTheCap() {
        // base 100 ms doubling, cap 1 s: ceilings 0.1, 0.2, 0.4, 0.8, then 1, 1, … seconds.
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxBackoff: .seconds(1))
        let rng = RandomStream(seed: 5)
        let draws = 4_000
        for attempt in 1...9 {
            let ceiling = min(1.0, 0.1 * Double(1 << (attempt - 1)))
            let delays = (0..<draws).map { _ in policy.backoff(after: attempt, rng: rng).seconds }
            #expect(delays.allSatisfy { 0 <= $0 && $0 <= ceiling }, "attempt \(attempt)")
            // Uniform on [0, c]: the largest of n draws falls short of c by about c/n, and the mean
            // of n draws is c/2 with standard deviation c/√(12n).
            #expect(delays.max()! > ceiling * 0.99, "attempt \(attempt) never came near \(ceiling)")
            let mean = delays.reduce(0, +) / Double(draws)
            #expect(abs(mean - ceiling / 2) < 4 * ceiling / (12 * Double(draws)).squareRoot(), "attempt \(attempt)")
        }
    }

    @Test func backoffForALateAttemptStaysAtTheCap() {
        let rng = RandomStream(seed: 6)
        let delays = (0..<1_000).map { _ in RetryPolicy.standard.backoff(after: 200, rng: rng) }
        #expect(delays.allSatisfy { .zero <= $0 && $0 <= .seconds(20) })
        #expect(delays.max()! > .seconds(19))
    }

    @Test func theStandardPolicyIsThreeAttemptsFromAHundredMillisecondsCappedAtTwentySeconds() {
        #expect(RetryPolicy.standard == RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(100), maxBackoff: .seconds(20)))
    }
}

@Suite struct NetworkTests {
    @Test func aLatencyOverrideAppliesInsideItsHalfOpenWindowOnly() {
        let network = Network(apiLatency: .constant(0.01))
        network.latencyOverrides.append(Network.LatencyOverride(from: at(10), to: at(20), latency: .constant(0.5)))
        let rng = RandomStream(seed: 1)
        #expect(network.roundTrip(at: at(9.999), rng: rng) == .milliseconds(10))
        #expect(network.roundTrip(at: at(10), rng: rng) == .milliseconds(500))
        #expect(network.roundTrip(at: at(19.999), rng: rng) == .milliseconds(500))
        #expect(network.roundTrip(at: at(20), rng: rng) == .milliseconds(10))
    }

    @Test func theLastOverlappingLatencyOverrideWins() {
        let network = Network(apiLatency: .constant(0.01))
        network.latencyOverrides.append(Network.LatencyOverride(from: at(0), to: at(100), latency: .constant(0.2)))
        network.latencyOverrides.append(Network.LatencyOverride(from: at(40), to: at(50), latency: .constant(0.7)))
        let rng = RandomStream(seed: 1)
        #expect(network.roundTrip(at: at(30), rng: rng) == .milliseconds(200))
        #expect(network.roundTrip(at: at(45), rng: rng) == .milliseconds(700))
        #expect(network.roundTrip(at: at(60), rng: rng) == .milliseconds(200))
    }

    @Test func zeroLatencyCostsNoRandomDrawWhetherItIsTheBaseOrAnOverride() {
        let network = Network(apiLatency: .constant(0))
        let used = RandomStream(seed: 3), untouched = RandomStream(seed: 3)
        #expect(network.roundTrip(at: at(1), rng: used) == .zero)
        #expect(used.uniform() == untouched.uniform())
        let slow = Network(apiLatency: .exponential(mean: 0.01))
        slow.latencyOverrides.append(Network.LatencyOverride(from: at(0), to: at(10), latency: .constant(0)))
        #expect(slow.roundTrip(at: at(1), rng: used) == .zero)
        #expect(used.uniform() == untouched.uniform())
    }

    @Test func callsFailOnlyInsideAnErrorWindowAndOutsideItDrawNothing() {
        let network = Network(apiLatency: .constant(0))
        network.errorWindows.append(Network.ErrorWindow(from: at(10), to: at(20), fraction: 1))
        let used = RandomStream(seed: 3), untouched = RandomStream(seed: 3)
        #expect(!network.fails(at: at(9.999), rng: used))
        #expect(!network.fails(at: at(20), rng: used))
        #expect(used.uniform() == untouched.uniform())
        #expect(network.fails(at: at(10), rng: used))
        #expect(network.fails(at: at(19.999), rng: used))
    }

    @Test func anErrorWindowFailsItsFractionOfCalls() {
        // Each call fails with probability p: over n calls the count is Binomial(n, p), sd √(np(1−p)).
        let network = Network(apiLatency: .constant(0))
        network.errorWindows.append(Network.ErrorWindow(from: at(0), to: at(1), fraction: 0.3))
        let rng = RandomStream(seed: 4)
        let n = 20_000.0
        let failures = (0..<Int(n)).filter { _ in network.fails(at: at(0.5), rng: rng) }.count
        #expect(abs(Double(failures) - 0.3 * n) < 4 * (n * 0.3 * 0.7).squareRoot())
    }
}
