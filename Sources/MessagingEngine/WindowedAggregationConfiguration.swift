import SimKernel

/// What one windowed aggregation computes: its windows, its aggregates, how long it waits for
/// records out of order, and the reference table it joins onto results (SEMANTICS.md, Analytics).
public struct WindowedAggregationConfiguration: Sendable, Equatable {
    public var window: WindowKind

    /// The aggregates of each result, in this order (`WindowResult.values` follows it).
    public var aggregates: [AggregateFunction]

    /// The bound on out-of-orderness: the watermark trails the largest event time seen by this
    /// much, so a record up to this much older than the newest one still lands before its window
    /// fires. Flink's `forBoundedOutOfOrderness`; zero means records are expected in event-time
    /// order.
    public var outOfOrdernessMax: Span = .zero

    /// How long after the watermark has passed a window's end its state is kept: a record for the
    /// window that arrives in that time updates it and re-emits the result, flagged as an update.
    /// Zero drops every record that arrives after its window fired. Flink's `allowedLateness`.
    public var allowedLateness: Span = .zero

    /// Attributes joined onto each result by its key, or nil for no enrichment.
    public var referenceTable: ReferenceTable?

    public init(window: WindowKind, aggregates: [AggregateFunction], outOfOrdernessMax: Span = .zero,
                allowedLateness: Span = .zero, referenceTable: ReferenceTable? = nil) {
        self.window = window
        self.aggregates = aggregates
        self.outOfOrdernessMax = outOfOrdernessMax
        self.allowedLateness = allowedLateness
        self.referenceTable = referenceTable
    }

    /// Problems with the configuration, each naming the field and what would be valid; empty when
    /// valid.
    public func problems() -> [(field: String, message: String)] {
        var found = window.problems()
        if aggregates.isEmpty { found.append(("aggregates", "name at least one aggregate")) }
        for (index, aggregate) in aggregates.enumerated() {
            if case .percentile(let p) = aggregate, !AggregateFunction.isValidPercentile(p) {
                found.append(("aggregates[\(index)]", "a percentile must be greater than 0 and at most 100, not \(p)"))
            }
        }
        if outOfOrdernessMax < .zero { found.append(("outOfOrdernessMax", "must not be negative")) }
        if allowedLateness < .zero { found.append(("allowedLateness", "must not be negative")) }
        return found
    }
}
