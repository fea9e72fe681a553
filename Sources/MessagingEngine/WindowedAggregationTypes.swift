import SimKernel

/// One record a windowed aggregation reads: when the event happened, whose it is, and the number
/// aggregated. Records arrive in processing order, which need not be event-time order.
public struct AnalyticsRecord: Sendable, Equatable {
    public var eventTime: Instant
    public var key: String
    public var value: Double

    public init(eventTime: Instant, key: String, value: Double) {
        self.eventTime = eventTime
        self.key = key
        self.value = value
    }
}

/// The aggregates of one key over one window, as delivered to a `WindowResultSink`.
public struct WindowResult: Sendable, Equatable {
    public var windowStart: Instant
    /// Exclusive: the window holds event times before this instant.
    public var windowEnd: Instant
    public var key: String
    /// One value per configured aggregate, in the configuration's order.
    public var values: [Double]
    /// True when this result replaces one delivered earlier: the same window of the same key
    /// updated by a record within the allowed lateness, or, for sessions, a session that has
    /// absorbed one whose result was delivered (it then carries the merged bounds, which contain
    /// the earlier result's).
    public var isUpdate: Bool
    /// The reference table's row for the key; nil when there is no table or the key has no row.
    ///
    /// A dictionary has no order of its own: whoever writes it out sorts its names first.
    public var attributes: [String: String]?

    public init(windowStart: Instant, windowEnd: Instant, key: String, values: [Double], isUpdate: Bool,
                attributes: [String: String]? = nil) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.key = key
        self.values = values
        self.isUpdate = isUpdate
        self.attributes = attributes
    }

    /// The order results of one call are delivered in: by window end, then window start, then
    /// key in byte order (UTF-8, so it depends neither on Unicode normalisation nor on locale).
    static func deliveredBefore(_ a: WindowResult, _ b: WindowResult) -> Bool {
        if a.windowEnd != b.windowEnd { return a.windowEnd < b.windowEnd }
        if a.windowStart != b.windowStart { return a.windowStart < b.windowStart }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }
}

/// Where a windowed aggregation delivers its results: later a stream or a delivery stream; in
/// tests an array.
public protocol WindowResultSink {
    mutating func deliver(_ result: WindowResult)
}

extension Array: WindowResultSink where Element == WindowResult {
    public mutating func deliver(_ result: WindowResult) { append(result) }
}

/// A reference table for enrichment (KDA's reference data source): attributes by key, joined
/// onto every result of that key. A key without a row gets nil, as a left outer join would.
public struct ReferenceTable: Sendable, Equatable {
    public var rows: [String: [String: String]]

    public init(_ rows: [String: [String: String]]) { self.rows = rows }

    public func attributes(for key: String) -> [String: String]? { rows[key] }
}
