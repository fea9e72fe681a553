import Stochastic
import Testing

/// GSL's discrete sampler as partition-key choice uses it: each index drawn with its weight's share.
@Suite struct DiscreteSamplerTests {
    @Test func eachIndexIsDrawnWithItsWeightsShareWithinFourBinomialStandardDeviations() {
        let weights = [5.0, 3.0, 0.0, 2.0]
        let sampler = DiscreteSampler(weights: weights)
        let rng = RandomStream(seed: 11)
        let n = 200_000
        var counts = [Int](repeating: 0, count: weights.count)
        for _ in 0..<n { counts[sampler.sample(rng)] += 1 }
        for (index, weight) in weights.enumerated() {
            let p = weight / 10
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            #expect(abs(Double(counts[index]) - Double(n) * p) <= 4 * sd, "index \(index): \(counts[index]) draws, expected \(Double(n) * p) ± \(4 * sd)")
            #expect(abs(sampler.probability(of: index) - p) < 1e-12)
        }
        #expect(counts[2] == 0, "a zero weight is never drawn")
    }

    @Test func zipfRanksHaveWeightsOneOverRankToTheExponent() {
        // s = 1 over 4 ranks: weights 1, 1/2, 1/3, 1/4, which sum to 25/12.
        let sampler = DiscreteSampler(zipfRanks: 4, exponent: 1)
        for (rank, weight) in [1.0, 0.5, 1.0 / 3, 0.25].enumerated() {
            #expect(abs(sampler.probability(of: rank) - weight * 12 / 25) < 1e-12)
        }
        let uniform = DiscreteSampler(zipfRanks: 8, exponent: 0)
        for rank in 0..<8 { #expect(abs(uniform.probability(of: rank) - 0.125) < 1e-12) }
    }

    @Test func theSameSeedDrawsTheSameIndices() {
        let sampler = DiscreteSampler(zipfRanks: 1_000, exponent: 1.1)
        let a = RandomStream(seed: 5), b = RandomStream(seed: 5)
        #expect((0..<1_000).map { _ in sampler.sample(a) } == (0..<1_000).map { _ in sampler.sample(b) })
    }
}
