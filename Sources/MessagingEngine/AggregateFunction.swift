/// One aggregate a windowed aggregation computes per window and key (SEMANTICS.md, Analytics):
/// COUNT, SUM, MIN, MAX, AVG and a percentile, as Kinesis Data Analytics SQL and Flink offer them.
///
/// Every aggregate is computed from the window's values in ascending order, so a result depends
/// only on which values the window holds, never on the order they arrived in: the sum adds them
/// smallest first, so two runs that deliver the same records in a different order give the same
/// bits. A window holds at least one value (windows are opened by records), so min, max, mean and
/// percentiles are always defined.
public enum AggregateFunction: Hashable, Sendable, CustomStringConvertible {
    /// The number of records in the window.
    case count
    /// The sum of the values, added in ascending order.
    case sum
    case min
    case max
    /// The sum divided by the count.
    case mean
    /// The p-th percentile by nearest rank, p in (0, 100].
    ///
    /// Nearest rank: with the window's n values sorted ascending as v[1] … v[n], the p-th
    /// percentile is v[⌈p·n / 100⌉]: the smallest value with at least p percent of the values at
    /// or below it. It is always one of the values (no interpolation), p = 100 is the maximum, and
    /// any p ≤ 100 / n is the minimum. Example: of 15, 20, 35, 40, 50 the 30th percentile is the
    /// 2nd value (⌈1.5⌉ = 2), 20, and the 50th is the 3rd, 35. The rank is computed as p·n / 100
    /// rather than p / 100 · n so that a whole-number rank such as 90·10 / 100 is exact and not
    /// rounded up past itself.
    case percentile(Double)

    /// The valid percentiles: greater than 0, at most 100.
    public static func isValidPercentile(_ p: Double) -> Bool { p > 0 && p <= 100 }

    /// The 1-based nearest rank of the p-th percentile among `count` values.
    public static func nearestRank(percentile p: Double, count: Int) -> Int {
        precondition(isValidPercentile(p) && count > 0, "percentile \(p) of \(count) values")
        let rank = (p * Double(count) / 100).rounded(.up)
        return Swift.min(Swift.max(Int(rank), 1), count)
    }

    /// The aggregate over `values`, which must be sorted ascending and not empty; `sum` is their
    /// sum in that order (computed once for every aggregate of a window).
    func evaluate(sortedValues values: [Double], sum: Double) -> Double {
        precondition(!values.isEmpty, "a window holds at least one value")
        switch self {
        case .count: return Double(values.count)
        case .sum: return sum
        case .min: return values[0]
        case .max: return values[values.count - 1]
        case .mean: return sum / Double(values.count)
        case .percentile(let p): return values[Self.nearestRank(percentile: p, count: values.count) - 1]
        }
    }

    /// A column name: `count`, `sum`, `min`, `max`, `mean`, `p99`, `p99.9`.
    public var description: String {
        switch self {
        case .count: return "count"
        case .sum: return "sum"
        case .min: return "min"
        case .max: return "max"
        case .mean: return "mean"
        case .percentile(let p):
            return p == p.rounded() && Swift.abs(p) < 1e15 ? "p\(Int(p))" : "p\(p)"
        }
    }
}
