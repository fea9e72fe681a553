import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Arrival processes, observed through a producer with zero API latency, so that a message's
/// send is accepted at the instant it was produced.
@Suite struct ArrivalTests {
    func produce(_ arrivals: ArrivalProcess, schedule: RateSchedule? = nil, until stop: Double, seed: UInt64 = 7) -> [Instant] {
        let world = TestWorld(seed: seed)
        world.addProducer(ProducerSpecification(name: "web", arrivals: arrivals, schedule: schedule, messageSize: .constant(100)),
                          stop: at(stop))
        world.start()
        world.run(until: stop + 1)
        return world.observer.sends.map(\.producedAt)
    }

    @Test func poissonArrivalsOverALongWindowNumberRateTimesTimeWithinFourStandardDeviations() {
        // The count of a Poisson process over t seconds at rate λ is Poisson(λt): its standard
        // deviation is √(λt). 50/s over 2,000 s: 100,000 ± 316; four of them is ±1,265.
        let rate = 50.0, window = 2_000.0
        let count = produce(.poisson(ratePerSecond: rate), until: window).count
        let expected = rate * window
        #expect(abs(Double(count) - expected) < 4 * expected.squareRoot(), "count \(count), expected \(expected)")
    }

    @Test func poissonGapsHaveTheMeanAndSpreadOfAnExponential() {
        // Exponential gaps of mean 1/λ have sd 1/λ; the mean of n of them has sd 1/(λ√n).
        let rate = 20.0
        let instants = produce(.poisson(ratePerSecond: rate), until: 500)
        let gaps = zip(instants, instants.dropFirst()).map { ($1 - $0).seconds }
        let n = Double(gaps.count)
        let mean = gaps.reduce(0, +) / n
        let variance = gaps.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        #expect(abs(mean - 1 / rate) < 4 / (rate * n.squareRoot()))
        // The sample sd s of n draws has Var(s) ≈ σ²(κ − 1)/4n; an exponential's kurtosis κ is 9, so
        // the standard error of s is about √2·σ/√n.
        #expect(abs(variance.squareRoot() - 1 / rate) < 4 * 2.0.squareRoot() / (rate * n.squareRoot()))
    }

    @Test func aNonHomogeneousScheduleGivesEachSegmentItsOwnCount() {
        // Each segment's count is Poisson(rate × length), independent of the others.
        let schedule = RateSchedule(steps: [
            .init(from: at(0), ratePerSecond: 100),
            .init(from: at(100), ratePerSecond: 400),
            .init(from: at(150), ratePerSecond: 0),
            .init(from: at(200), ratePerSecond: 50),
        ])
        let instants = produce(.poisson(ratePerSecond: 1), schedule: schedule, until: 300)
        let segments: [(from: Double, to: Double, expected: Double)] = [(0, 100, 10_000), (100, 150, 20_000), (150, 200, 0), (200, 300, 5_000)]
        for segment in segments {
            let count = instants.filter { at(segment.from) <= $0 && $0 < at(segment.to) }.count
            #expect(abs(Double(count) - segment.expected) <= 4 * segment.expected.squareRoot(),
                    "[\(segment.from), \(segment.to)): \(count), expected \(segment.expected)")
        }
    }

    @Test func constantArrivalsAreExactlyEvenlySpaced() {
        let instants = produce(.constant(ratePerSecond: 10), until: 60)
        #expect(instants.count == 599)
        #expect(instants.first == at(0.1))
        #expect(zip(instants, instants.dropFirst()).allSatisfy { ($1 - $0) == .milliseconds(100) })
    }

    @Test func constantArrivalsFollowAScheduleAcrossAGap() {
        // 2/s to 10 s: 0.5 … 10.0; nothing to 20 s; then 5/s: 20.2 … 29.8.
        let schedule = RateSchedule(steps: [
            .init(from: at(0), ratePerSecond: 2),
            .init(from: at(10), ratePerSecond: 0),
            .init(from: at(20), ratePerSecond: 5),
        ])
        let instants = produce(.constant(ratePerSecond: 1), schedule: schedule, until: 30)
        let expected = (1...20).map { at(Double($0) * 0.5) } + (1...49).map { at(20 + Double($0) * 0.2) }
        #expect(instants == expected)
    }

    @Test func renewalArrivalsUseTheirGapDistribution() {
        let instants = produce(.renewal(.constant(0.25)), until: 10)
        #expect(instants == (1...39).map { at(Double($0) * 0.25) })
    }

    @Test func theSameSeedGivesTheSameArrivalsAndAnotherSeedDifferentOnes() {
        let first = produce(.poisson(ratePerSecond: 30), until: 20, seed: 11)
        let again = produce(.poisson(ratePerSecond: 30), until: 20, seed: 11)
        let other = produce(.poisson(ratePerSecond: 30), until: 20, seed: 12)
        #expect(first == again)
        #expect(first != other)
    }
}
