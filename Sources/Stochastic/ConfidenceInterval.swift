/// A mean with a 95% confidence interval `[low, high]` computed from `n` independent observations
/// (replications, or batch means of one long run).
public struct ConfidenceInterval: Equatable, Sendable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var n: Int

    public init(mean: Double, low: Double, high: Double, n: Int) {
        self.mean = mean
        self.low = low
        self.high = high
        self.n = n
    }

    /// Half the width of the interval: the "±" in "mean ± halfWidth".
    public var halfWidth: Double { (high - low) / 2 }
}
