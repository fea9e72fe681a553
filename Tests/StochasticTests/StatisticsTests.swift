import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Stochastic

@Suite struct StatisticsTests {
    @Test func confidenceIntervalOfASmallSampleMatchesTheHandComputedValues() throws {
        // mean 3, s = √2.5 = 1.5811, t(0.975, 4) = 2.776445 → half width 2.776445 · 1.5811 / √5 = 1.9632.
        let interval = try #require(Statistics.confidenceInterval95([1, 2, 3, 4, 5]))
        #expect(interval.mean == 3)
        #expect(interval.n == 5)
        #expect(abs(interval.halfWidth - 1.963243) < 1e-6)
        #expect(abs(interval.low - (3 - 1.963243)) < 1e-6)
        #expect(abs(interval.high - (3 + 1.963243)) < 1e-6)
    }

    @Test func oneObservationGivesAZeroWidthIntervalAndNoneGivesNil() throws {
        let single = try #require(Statistics.confidenceInterval95([4.5]))
        #expect(single == ConfidenceInterval(mean: 4.5, low: 4.5, high: 4.5, n: 1))
        #expect(Statistics.confidenceInterval95([]) == nil)
    }

    @Test func meanAndSampleVarianceHandleSmallInputs() {
        #expect(Statistics.mean([1, 2, 3, 4, 5]) == 3)
        #expect(Statistics.variance([1, 2, 3, 4, 5]) == 2.5)
        #expect(Statistics.variance([7]) == 0)
        #expect(Statistics.variance([]) == 0)
        #expect(Statistics.mean([]).isNaN)
    }

    @Test func batchMeansDeletesTheWarmupAndDropsTheRemainder() throws {
        // 103 observations 0...102: delete 3, then 4 batches of 25 with means 15, 40, 65, 90.
        let series = (0..<103).map(Double.init)
        let interval = try #require(Statistics.batchMeans(series, batchCount: 4, warmup: 3))
        #expect(interval == Statistics.confidenceInterval95([15, 40, 65, 90]))
        #expect(interval.n == 4)
        // 10 observations in 3 batches: batches of 3, the last observation is dropped.
        let short = try #require(Statistics.batchMeans((1...10).map(Double.init), batchCount: 3, warmup: 0))
        #expect(short == Statistics.confidenceInterval95([2, 5, 8]))
    }

    @Test func batchMeansIsNilWhenTooFewObservationsRemain() {
        #expect(Statistics.batchMeans([1, 2, 3], batchCount: 4, warmup: 0) == nil)
        #expect(Statistics.batchMeans([1, 2, 3], batchCount: 1, warmup: 3) == nil)
    }

    @Test func batchMeansIntervalCoversTheTrueMeanOfAStationarySeries() throws {
        let stream = RandomStream(seed: 31)
        let series = (0..<100_000).map { _ in stream.exponential(mean: 2) }
        let interval = try #require(Statistics.batchMeans(series, batchCount: 20, warmup: 0))
        #expect(interval.low < 2 && 2 < interval.high)
        #expect(interval.halfWidth < 0.05)
    }

    @Test func mser5RemovesAStepTransientExactly() {
        // 100 observations around 10, then 1,000 around 0: the transient ends on a batch boundary.
        let stream = RandomStream(seed: 32)
        let series = (0..<1100).map { index in (index < 100 ? 10 : 0) + Distribution.normal(mean: 0, sd: 1).sample(stream, truncatedAtZero: false) }
        #expect(Statistics.mser5WarmupLength(series) == 100)
    }

    @Test func mser5RemovesRoughlyADecayingTransient() {
        // 10·e^(−i/40) has fallen below the noise (sd 1) after about 90 observations and is gone by 200.
        let stream = RandomStream(seed: 33)
        let series = (0..<2000).map { index in
            10 * exp(-Double(index) / 40) + Distribution.normal(mean: 0, sd: 1).sample(stream, truncatedAtZero: false)
        }
        let warmup = Statistics.mser5WarmupLength(series)
        #expect((50...250).contains(warmup), "warm-up \(warmup)")
        #expect(warmup.isMultiple(of: 5))
    }

    @Test func mser5DeletesLittleFromAStationarySeriesAndNothingFromATinyOne() {
        let stream = RandomStream(seed: 34)
        let series = (0..<2000).map { _ in Distribution.normal(mean: 5, sd: 1).sample(stream, truncatedAtZero: false) }
        #expect(Statistics.mser5WarmupLength(series) <= 1000)
        #expect(Statistics.mser5WarmupLength([1, 2, 3, 4, 5, 6, 7, 8, 9]) == 0)
        #expect(Statistics.mser5WarmupLength([]) == 0)
    }
}
