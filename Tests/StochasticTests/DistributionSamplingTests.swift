import Testing
@testable import Stochastic

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One distribution to sample, with the truncation it is sampled under.
struct MomentCase: Sendable, CustomTestStringConvertible {
    let label: String
    let distribution: Distribution
    let truncatedAtZero: Bool

    var testDescription: String { label }

    static let all: [MomentCase] = [
        MomentCase(label: "constant", distribution: .constant(0.005), truncatedAtZero: true),
        MomentCase(label: "exponential", distribution: .exponential(mean: 0.02), truncatedAtZero: true),
        MomentCase(label: "lognormal", distribution: .lognormal(mean: 0.05, sd: 0.02), truncatedAtZero: true),
        MomentCase(label: "gamma shape 2", distribution: .gamma(shape: 2, scale: 0.01), truncatedAtZero: true),
        MomentCase(label: "gamma shape 0.5", distribution: .gamma(shape: 0.5, scale: 0.01), truncatedAtZero: true),
        MomentCase(label: "weibull", distribution: .weibull(shape: 1.5, scale: 0.04), truncatedAtZero: true),
        // Shape 6 > 4, so the variance and the fourth moment exist.
        MomentCase(label: "pareto", distribution: .pareto(shape: 6, min: 0.005), truncatedAtZero: true),
        MomentCase(label: "uniform", distribution: .uniform(low: 0.01, high: 0.03), truncatedAtZero: true),
        MomentCase(label: "normal", distribution: .normal(mean: -3, sd: 2), truncatedAtZero: false),
        MomentCase(label: "normal truncated at zero", distribution: .normal(mean: 1, sd: 1), truncatedAtZero: true),
        MomentCase(label: "half normal", distribution: .normal(mean: 0, sd: 2), truncatedAtZero: true),
        MomentCase(label: "empirical", distribution: .empirical([0.1, 0.2, 0.2, 0.5, 1.5]), truncatedAtZero: true),
        MomentCase(
            label: "mixture",
            distribution: .mixture([
                .init(weight: 0.9, distribution: .constant(1)),
                .init(weight: 0.1, distribution: .exponential(mean: 5)),
            ]),
            truncatedAtZero: true),
        MomentCase(
            label: "mixture with a truncated normal",
            distribution: .mixture([
                .init(weight: 0.5, distribution: .normal(mean: 1, sd: 1)),
                .init(weight: 0.3, distribution: .lognormal(mean: 3, sd: 1)),
                .init(weight: 0.2, distribution: .uniform(low: 0, high: 10)),
            ]),
            truncatedAtZero: true),
    ]
}

/// E[X], E[X²], E[X³], E[X⁴], worked out independently of `Distribution+Moments` (and, for the
/// normal, of GSL: its tail comes from `erfc`), so the closed forms are checked on two paths.
func rawMoments(_ distribution: Distribution, truncatedAtZero: Bool) -> [Double] {
    let orders = [1.0, 2, 3, 4]
    switch distribution {
    case .constant(let c):
        return orders.map { pow(c, $0) }
    case .exponential(let mean):
        return orders.map { tgamma($0 + 1) * pow(mean, $0) }
    case .lognormal(let mean, let sd):
        let sigmaSquared = log(1 + sd * sd / (mean * mean))
        let mu = log(mean) - sigmaSquared / 2
        return orders.map { exp($0 * mu + $0 * $0 * sigmaSquared / 2) }
    case .gamma(let shape, let scale):
        return orders.map { pow(scale, $0) * tgamma(shape + $0) / tgamma(shape) }
    case .weibull(let shape, let scale):
        return orders.map { pow(scale, $0) * tgamma(1 + $0 / shape) }
    case .pareto(let shape, let min):
        return orders.map { shape * pow(min, $0) / (shape - $0) }
    case .uniform(let low, let high):
        return orders.map { (pow(high, $0 + 1) - pow(low, $0 + 1)) / (($0 + 1) * (high - low)) }
    case .normal(let mean, let sd):
        // Moments of the standard normal, conditioned on Z > α when truncated:
        // M₀ = 1, M₁ = λ, M_k = (k−1)·M_{k−2} + α^{k−1}·λ, with λ = φ(α)/Q(α).
        var standard = [1.0, 0, 1, 0, 3]
        if truncatedAtZero {
            let alpha = -mean / sd
            let lambda = exp(-alpha * alpha / 2) / (2 * Double.pi).squareRoot() / (0.5 * erfc(alpha / 2.0.squareRoot()))
            standard = [1, lambda]
            for k in 2...4 {
                standard.append(Double(k - 1) * standard[k - 2] + pow(alpha, Double(k - 1)) * lambda)
            }
        }
        // X = μ + σZ, expanded binomially.
        let binomial: [[Double]] = [[1], [1, 1], [1, 2, 1], [1, 3, 3, 1], [1, 4, 6, 4, 1]]
        return (1...4).map { n in
            (0...n).reduce(0.0) { sum, j in
                sum + binomial[n][j] * pow(mean, Double(n - j)) * pow(sd, Double(j)) * standard[j]
            }
        }
    case .empirical(let samples):
        return orders.map { order in samples.reduce(0) { $0 + pow($1, order) } / Double(samples.count) }
    case .mixture(let components):
        let total = components.reduce(0) { $0 + $1.weight }
        var moments = [0.0, 0, 0, 0]
        for component in components {
            let inner = rawMoments(component.distribution, truncatedAtZero: truncatedAtZero)
            for k in 0..<4 { moments[k] += component.weight / total * inner[k] }
        }
        return moments
    }
}

@Suite struct DistributionSamplingTests {
    static let drawCount = 200_000

    @Test(arguments: MomentCase.all)
    func closedFormMeanAndVarianceAgreeWithIndependentlyComputedMoments(_ testCase: MomentCase) throws {
        let raw = rawMoments(testCase.distribution, truncatedAtZero: testCase.truncatedAtZero)
        let mean = try #require(testCase.distribution.mean(truncatedAtZero: testCase.truncatedAtZero))
        let variance = try #require(testCase.distribution.variance(truncatedAtZero: testCase.truncatedAtZero))
        #expect(abs(mean - raw[0]) <= 1e-9 * abs(raw[0]))
        let expectedVariance = raw[1] - raw[0] * raw[0]
        #expect(abs(variance - expectedVariance) <= 1e-9 * raw[1])
    }

    /// The sample mean must lie within 4 standard errors (√(σ²/n)) of the closed-form mean, and the
    /// sample variance within 4 standard errors (√((μ₄ − σ⁴)/n)) of the closed-form variance,
    /// with μ₄ the exact fourth central moment from `rawMoments`. The seed is fixed, so the test
    /// is deterministic; a wrong sampler or a wrong closed form moves far beyond 4 errors.
    @Test(arguments: MomentCase.all)
    func sampleMeanAndVarianceMatchTheClosedForm(_ testCase: MomentCase) throws {
        let distribution = testCase.distribution
        let stream = RandomStream(scenarioSeed: 2024, replication: 0, name: testCase.label)
        let draws = (0..<Self.drawCount).map { _ in distribution.sample(stream, truncatedAtZero: testCase.truncatedAtZero) }
        let mean = try #require(distribution.mean(truncatedAtZero: testCase.truncatedAtZero))
        let variance = try #require(distribution.variance(truncatedAtZero: testCase.truncatedAtZero))
        let m = rawMoments(distribution, truncatedAtZero: testCase.truncatedAtZero)
        let fourthCentral = m[3] - 4 * m[0] * m[2] + 6 * m[0] * m[0] * m[1] - 3 * pow(m[0], 4)
        let n = Double(Self.drawCount)
        // A constant has no spread at all; allow only rounding there.
        let rounding = 1e-12 * max(1, abs(mean))

        let meanError = (variance / n).squareRoot()
        #expect(abs(Statistics.mean(draws) - mean) <= 4 * meanError + rounding)
        let varianceError = (max(0, fourthCentral - variance * variance) / n).squareRoot()
        #expect(abs(Statistics.variance(draws) - variance) <= 4 * varianceError + rounding)
        if testCase.truncatedAtZero {
            #expect(draws.allSatisfy { $0 >= 0 })
        }
    }

    @Test func truncatedNormalHasTheHandComputedMeanAndVariance() throws {
        // mean = μ + σλ and variance = σ²(1 + αλ − λ²) with α = −1, λ = φ(−1)/Q(−1) ≈ 0.2876.
        let normal = Distribution.normal(mean: 1, sd: 1)
        let mean = try #require(normal.mean(truncatedAtZero: true))
        let variance = try #require(normal.variance(truncatedAtZero: true))
        #expect(abs(mean - 1.2875999709391783) < 1e-12)
        #expect(abs(variance - 0.6296862857766055) < 1e-12)
        #expect(normal.mean(truncatedAtZero: false) == 1)
        #expect(normal.variance(truncatedAtZero: false) == 1)
    }

    @Test func truncatedNormalIsSampledByInverseCdfNotByClampingAtZero() {
        // Clamping N(0, 1) would put half of the draws at exactly 0.
        let stream = RandomStream(seed: 3)
        let draws = (0..<10_000).map { _ in Distribution.normal(mean: 0, sd: 1).sample(stream, truncatedAtZero: true) }
        #expect(draws.filter { $0 == 0 }.count == 0)
        #expect(draws.allSatisfy { $0 > 0 })
    }

    @Test func truncatedNormalUsesExactlyOneUniformDrawPerSample() {
        let sampled = RandomStream(seed: 4)
        let reference = RandomStream(seed: 4)
        for _ in 0..<100 { _ = Distribution.normal(mean: 2, sd: 1).sample(sampled, truncatedAtZero: true) }
        for _ in 0..<100 { _ = reference.uniform() }
        #expect(sampled.uniform() == reference.uniform())
    }

    @Test func paretoMomentsAreInfiniteOrUndefinedWhenTheIntegralsDiverge() {
        #expect(Distribution.pareto(shape: 1, min: 1).mean(truncatedAtZero: true) == .infinity)
        #expect(Distribution.pareto(shape: 1, min: 1).variance(truncatedAtZero: true) == nil)
        #expect(Distribution.pareto(shape: 1.5, min: 1).mean(truncatedAtZero: true) == 3)
        #expect(Distribution.pareto(shape: 2, min: 1).variance(truncatedAtZero: true) == .infinity)
        let mixture = Distribution.mixture([
            .init(weight: 0.5, distribution: .constant(1)),
            .init(weight: 0.5, distribution: .pareto(shape: 1.5, min: 1)),
        ])
        #expect(mixture.mean(truncatedAtZero: true) == 2)
        #expect(mixture.variance(truncatedAtZero: true) == .infinity)
    }

    @Test func empiricalResamplesOnlyTheGivenValues() {
        let stream = RandomStream(seed: 5)
        let values = [0.1, 0.2, 0.7]
        let draws = (0..<1000).map { _ in Distribution.empirical(values).sample(stream, truncatedAtZero: true) }
        #expect(Set(draws) == Set(values))
    }

    @Test func mixtureWeightsNeedNotBeNormalisedToChooseComponents() {
        let stream = RandomStream(seed: 6)
        let mixture = Distribution.mixture([
            .init(weight: 3, distribution: .constant(1)),
            .init(weight: 1, distribution: .constant(2)),
        ])
        let ones = (0..<100_000).filter { _ in mixture.sample(stream, truncatedAtZero: true) == 1 }.count
        #expect(abs(Double(ones) - 75_000) <= 4 * (0.75 * 0.25 * 100_000).squareRoot())
        #expect(mixture.mean(truncatedAtZero: true) == 1.25)
    }

    @Test func sameSeedGivesTheSameDrawsForEveryDistribution() {
        for testCase in MomentCase.all {
            let first = RandomStream(seed: 99)
            let second = RandomStream(seed: 99)
            let a = (0..<200).map { _ in testCase.distribution.sample(first, truncatedAtZero: testCase.truncatedAtZero) }
            let b = (0..<200).map { _ in testCase.distribution.sample(second, truncatedAtZero: testCase.truncatedAtZero) }
            #expect(a == b, "\(testCase.label)")
        }
    }
}
