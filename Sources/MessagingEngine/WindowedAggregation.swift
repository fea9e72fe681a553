import HeapModule
import SimKernel

/// Windowed aggregation over a stream of keyed records on event time, as Kinesis Data Analytics
/// (and the Flink behind its successor) runs it (SEMANTICS.md, Analytics): tumbling, sliding,
/// session and stagger windows, a watermark with a bound on out-of-orderness, allowed lateness,
/// late records counted, aggregates per window and key, enrichment from a reference table.
///
/// A passive state machine: `process(_:into:)` takes one record, `flush(into:)` ends the input;
/// each call delivers the results it produced to a sink and returns. It reads no clock and draws
/// no random numbers; the same records in the same order give the same results in the same order.
///
/// **Watermark.** The watermark is the largest event time seen so far minus
/// `outOfOrdernessMax` (Flink's bounded-out-of-orderness strategy), advanced after each record;
/// it never goes back. Before the first record there is none and nothing is late. It says "every
/// record with an earlier event time should have arrived": a window [start, end) fires — its
/// result is delivered — once the watermark is at or past its end. With a bound of zero, a record
/// at exactly `end` fires the window that ends there.
///
/// **Lateness.** A record is judged against the watermark as it was when the record arrived
/// (before the record moves it). For each window it belongs to:
/// - the window has not fired: the record joins it;
/// - the window has fired but the watermark is still before end + `allowedLateness`: the record
///   joins it and the result is delivered again at once, flagged `isUpdate`;
/// - the watermark is at or past end + `allowedLateness`: the window's state is gone and the
///   record is dropped from it.
/// A record that joins no window at all is counted in `counters.lateRecordsDropped`; a sliding
/// window record that is too late for some of its windows but joins others counts as accepted,
/// as in Flink. A window that a late record opens after the watermark passed its end (but within
/// the lateness) is delivered at once, not flagged: it is its first result.
///
/// Sessions and stagger windows move their bounds as records arrive, so for them "belongs to" is
/// read as follows. A record that would merge into a session whose state is already gone is late
/// (the session's records can no longer be counted with it); a record whose own window
/// [t, t + gap) is already past the lateness is late. A session that absorbs a record or another
/// session after it fired is delivered again — at once if the watermark is past its new end,
/// otherwise when the watermark gets there — with its merged bounds and `isUpdate`. A stagger
/// window's bounds are fixed when it fires: a record earlier than the end of its key's last fired
/// window joins the fired window that contains it while that window is within the lateness, and
/// is late otherwise — even when it falls in a gap between fired windows, because opening a window
/// there could reach into the next fired one. A record at or after that end joins the key's
/// pending chain, which may move the start of the first pending window; it is late only if its own
/// window [t, t + size) is already past the lateness.
///
/// **Flush.** `flush(into:)` is the end of input: the watermark moves to the end of time, every
/// window that holds a result not yet delivered fires, and all state is freed. Records processed
/// after a flush are late.
///
/// **Output order.** Results of one call are delivered sorted by window end, then start, then key
/// bytewise. Every result counts once in `counters.resultsDelivered`.
///
/// **Memory.** The engine keeps a window's values (percentiles need them all) until the watermark
/// passes end + `allowedLateness`; then it frees them. A sliding window record is held once per
/// window it belongs to. Session and stagger keys also remember one
/// instant (the end of their last window freed) until no record could merge into that window
/// without being late by its own bounds, that is until the watermark passes it by
/// extent + lateness; then the key is forgotten entirely.
///
/// - Complexity: memory O(V + K + D): V values in live windows, K keys with live state, D pending
///   deadlines (at most one per record or window fired, each removed once the watermark passes
///   it). `process` costs O(w·(log L + L) + log D + R) where w is the number of windows the record
///   belongs to (⌈size / slide⌉ for sliding, else 1), L the key's live windows (or, for stagger,
///   its pending records: an insertion into a sorted array) and R the cost of the results it
///   delivers; a result costs O(n log n) for its window's n values, which are sorted to compute
///   the aggregates.
public struct WindowedAggregation {
    public let configuration: WindowedAggregationConfiguration

    /// The largest event time seen, or nil before the first record.
    public private(set) var eventTimeMax: Instant?
    /// Whether `flush` has ended the input.
    public private(set) var isFlushed = false
    public private(set) var counters = WindowedAggregationCounters()

    /// Live state per key. Never iterated where order could reach output: the deadline heap says
    /// which keys to visit, and results are sorted before delivery.
    var keys: [String: KeyWindows] = [:]
    /// When each key next needs a visit (a window to fire, state to free), earliest first. Entries
    /// that no longer match their key's `scheduled` instant are skipped when they come up.
    var deadlines = Heap<KeyDeadline>()
    /// Results of the current call, sorted and delivered at its end.
    var outbox: [WindowResult] = []

    public init(configuration: WindowedAggregationConfiguration) {
        let problems = configuration.problems()
        precondition(problems.isEmpty, "invalid windowed aggregation: \(problems)")
        self.configuration = configuration
    }

    /// The current watermark: `eventTimeMax - outOfOrdernessMax`, the end of time after a flush,
    /// nil before the first record.
    public var watermark: Instant? {
        if isFlushed { return .distantFuture }
        guard let eventTimeMax else { return nil }
        return eventTimeMax + Span(nanoseconds: -configuration.outOfOrdernessMax.nanoseconds)
    }

    /// The watermark, with "none yet" as the earliest instant (before which nothing is late).
    var currentWatermark: Instant { watermark ?? Instant(nanoseconds: .min) }

    /// Takes one record: adds it to its windows (or counts it late), moves the watermark, and
    /// delivers the results that fired, in delivery order. The value must not be NaN (it would have
    /// no place among the sorted values); infinities are allowed.
    public mutating func process(_ record: AnalyticsRecord, into sink: inout some WindowResultSink) {
        precondition(!record.value.isNaN, "a record's value cannot be NaN (key \(record.key) at \(record.eventTime))")
        counters.recordsProcessed += 1
        let arrivalWatermark = currentWatermark
        var state = keys.removeValue(forKey: record.key) ?? KeyWindows()
        let accepted = state.assign(record, window: configuration.window, watermark: arrivalWatermark,
                                    allowedLateness: configuration.allowedLateness)
        if accepted { counters.recordsAccepted += 1 } else { counters.lateRecordsDropped += 1 }
        eventTimeMax = Swift.max(eventTimeMax ?? record.eventTime, record.eventTime)
        let watermark = currentWatermark
        if !state.isEmpty {
            keys[record.key] = state
            visit(record.key, watermark: watermark)
        }
        fireDeadlines(through: watermark)
        deliver(into: &sink)
    }

    /// Ends the input: fires every window holding results not yet delivered, delivers them in
    /// delivery order and frees all state. Later records are late.
    public mutating func flush(into sink: inout some WindowResultSink) {
        isFlushed = true
        fireDeadlines(through: currentWatermark)
        precondition(keys.isEmpty && deadlines.isEmpty, "a flush leaves no state behind")
        deliver(into: &sink)
    }

    /// Windows (sessions, stagger windows, sliding panes) currently holding values.
    public var liveWindowCount: Int { keys.values.reduce(0) { $0 + $1.panes.count } }
    /// Values currently held, in live windows and (stagger) not yet in a fired window.
    public var heldValueCount: Int { keys.values.reduce(0) { $0 + $1.heldValueCount } }
    /// Keys with any state: live windows, pending records, or a recently freed window's end.
    public var trackedKeyCount: Int { keys.count }

    /// Visits every key whose deadline the watermark has reached.
    mutating func fireDeadlines(through watermark: Instant) {
        while let next = deadlines.min, next.at <= watermark {
            deadlines.removeMin()
            guard keys[next.key]?.scheduled == next.at else { continue }
            keys[next.key]!.scheduled = nil
            visit(next.key, watermark: watermark)
        }
    }

    /// Fires and frees what is due for `key` at `watermark`, forgets the key when nothing is left,
    /// and otherwise makes sure its next deadline is in the heap.
    mutating func visit(_ key: String, watermark: Instant) {
        keys[key]!.fire(key: key, watermark: watermark, configuration: configuration, into: &outbox)
        guard let due = keys[key]!.nextDeadline(configuration: configuration) else {
            keys[key] = nil
            return
        }
        precondition(due > watermark, "key \(key) still has work due at \(due), watermark \(watermark)")
        if let scheduled = keys[key]!.scheduled, scheduled <= due { return }
        keys[key]!.scheduled = due
        deadlines.insert(KeyDeadline(at: due, key: key))
    }

    /// Delivers this call's results in delivery order.
    mutating func deliver(into sink: inout some WindowResultSink) {
        outbox.sort(by: WindowResult.deliveredBefore)
        for result in outbox {
            counters.resultsDelivered += 1
            if result.isUpdate { counters.updatesDelivered += 1 }
            sink.deliver(result)
        }
        outbox.removeAll(keepingCapacity: true)
    }
}

/// Running totals of one windowed aggregation.
public struct WindowedAggregationCounters: Sendable, Equatable {
    public var recordsProcessed = 0
    /// Records that joined at least one window.
    public var recordsAccepted = 0
    /// Records that arrived too late for every window they belong to, and were dropped.
    public var lateRecordsDropped = 0
    /// Results delivered, updates included.
    public var resultsDelivered = 0
    /// Results delivered with `isUpdate`.
    public var updatesDelivered = 0
}

/// A key's next visit in the deadline heap; ties broken by key so the order is total.
struct KeyDeadline: Comparable {
    var at: Instant
    var key: String

    static func < (a: KeyDeadline, b: KeyDeadline) -> Bool {
        if a.at != b.at { return a.at < b.at }
        return a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }
}
