import SimKernel

/// A count that changes at instants (concurrent invocations, instances in service), kept as the
/// value it took from each instant at which it changed.
///
/// Several changes at one instant collapse into one sample holding the last value, and a sample
/// equal to the one before is left out, so consecutive samples always differ. The peak, though,
/// counts every value recorded, even one that lasted no time.
public struct CountSeries: Sendable, Equatable {
    public struct Sample: Sendable, Equatable {
        public var at: Instant
        public var count: Int

        public init(at: Instant, count: Int) {
            self.at = at
            self.count = count
        }

        /// `at` in seconds since the start of the run.
        public var seconds: Double { at.seconds }
    }

    public private(set) var samples: [Sample] = []
    /// The largest count ever recorded.
    public private(set) var peak = 0

    public init() {}

    /// Records that the count is `count` from `instant` on. Instants never decrease.
    mutating func record(_ count: Int, at instant: Instant) {
        peak = max(peak, count)
        if let last = samples.last {
            precondition(last.at <= instant, "a count series is recorded in time order")
            if last.at == instant { samples.removeLast() }
        }
        if samples.last?.count == count { return }
        samples.append(Sample(at: instant, count: count))
    }

    /// The count in force at `instant`: the last sample at or before it, or 0 before the first.
    ///
    /// - Complexity: O(log *n*) in the number of samples.
    public func count(at instant: Instant) -> Int {
        var low = 0, high = samples.count
        while low < high {
            let middle = (low + high) / 2
            if samples[middle].at <= instant { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : samples[low - 1].count
    }
}
