import CGSL

/// Statistics over replications or batches, computed with GSL.
public enum Statistics {
    /// The arithmetic mean; NaN for an empty array, so that "no observations" is visible in a
    /// result instead of crashing a run whose scenario produced no messages.
    public static func mean(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        return xs.withUnsafeBufferPointer { gsl_stats_mean($0.baseAddress, 1, $0.count) }
    }

    /// The sample variance (dividing by n − 1); 0 when there are fewer than two observations.
    public static func variance(_ xs: [Double]) -> Double {
        guard xs.count >= 2 else { return 0 }
        return xs.withUnsafeBufferPointer { gsl_stats_variance($0.baseAddress, 1, $0.count) }
    }

    /// The Student-t 95% interval `mean ± t(0.975, n−1) · s/√n`.
    ///
    /// nil for no observations. With one observation no spread can be estimated, so
    /// `low == high == mean`: the interval is reported as degenerate rather than invented.
    public static func confidenceInterval95(_ xs: [Double]) -> ConfidenceInterval? {
        guard !xs.isEmpty else { return nil }
        let average = mean(xs)
        guard xs.count >= 2 else { return ConfidenceInterval(mean: average, low: average, high: average, n: 1) }
        let quantile = gsl_cdf_tdist_Pinv(0.975, Double(xs.count - 1))
        let halfWidth = quantile * (variance(xs) / Double(xs.count)).squareRoot()
        return ConfidenceInterval(mean: average, low: average - halfWidth, high: average + halfWidth, n: xs.count)
    }

    /// The interval over batch means of one long run.
    ///
    /// Deletes the first `warmup` observations, splits the rest into `batchCount` batches of
    /// equal size (dropping the remainder at the end, so every batch mean has the same variance),
    /// and returns `confidenceInterval95` of the batch means, whose `n` is `batchCount`.
    /// nil when fewer than `batchCount` observations remain.
    public static func batchMeans(_ series: [Double], batchCount: Int, warmup: Int) -> ConfidenceInterval? {
        precondition(batchCount > 0, "batchMeans needs batchCount > 0, got \(batchCount)")
        precondition(warmup >= 0, "batchMeans needs warmup >= 0, got \(warmup)")
        guard warmup < series.count else { return nil }
        let kept = series[warmup...]
        let batchSize = kept.count / batchCount
        guard batchSize > 0 else { return nil }
        let means = (0..<batchCount).map { batch in
            let start = kept.startIndex + batch * batchSize
            return mean(Array(kept[start..<start + batchSize]))
        }
        return confidenceInterval95(means)
    }

    /// The number of leading observations to delete as warm-up, by the MSER-5 rule.
    ///
    /// The series is averaged in batches of 5 (an incomplete last batch is ignored); for each
    /// truncation point d (in batches) with d ≤ b/2, MSER(d) = Σ_{j≥d} (Z_j − Z̄_d)² / (b − d)²,
    /// which is proportional to the squared standard error of the mean of what remains. The
    /// smallest d with the least MSER wins and 5·d observations are deleted. Limiting d to half
    /// the series follows the rule's usual guard against deleting a noisy tail; a minimum at
    /// b/2 hints that the run is too short to leave its transient. Fewer than two batches: 0.
    ///
    /// - Complexity: O(n), with Welford's update from the end so the sums stay accurate.
    public static func mser5WarmupLength(_ series: [Double]) -> Int {
        let batchSize = 5
        let batchCount = series.count / batchSize
        guard batchCount >= 2 else { return 0 }
        let batchAverages = (0..<batchCount).map { batch in
            mean(Array(series[batch * batchSize..<(batch + 1) * batchSize]))
        }
        // sumOfSquares[d] = Σ_{j≥d} (Z_j − Z̄_d)², built backwards one batch at a time.
        var sumOfSquares = [Double](repeating: 0, count: batchCount)
        var runningMean = 0.0
        var runningSquares = 0.0
        for index in stride(from: batchCount - 1, through: 0, by: -1) {
            let count = Double(batchCount - index)
            let delta = batchAverages[index] - runningMean
            runningMean += delta / count
            runningSquares += delta * (batchAverages[index] - runningMean)
            sumOfSquares[index] = runningSquares
        }
        var best = 0
        var bestScore = Double.infinity
        for truncation in 0...(batchCount / 2) {
            let remaining = Double(batchCount - truncation)
            let score = sumOfSquares[truncation] / (remaining * remaining)
            if score < bestScore {
                best = truncation
                bestScore = score
            }
        }
        return best * batchSize
    }
}
