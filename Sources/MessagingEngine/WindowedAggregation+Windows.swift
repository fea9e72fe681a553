import SimKernel

/// One window of one key while its state is live: its bounds and every value it holds.
struct Pane {
    var start: Instant
    var end: Instant
    var values: [Double]
    /// A result for this window, or for a session it absorbed, has been delivered.
    var hasDelivered = false
    /// The last result delivered includes every value held now.
    var isCurrent = false

    init(start: Instant, end: Instant, values: [Double]) {
        self.start = start
        self.end = end
        self.values = values
    }

    mutating func add(_ value: Double) {
        values.append(value)
        isCurrent = false
    }
}

/// A stagger record not yet in a fired window.
struct PendingValue {
    var at: Instant
    var value: Double
}

/// The live state of one key.
///
/// `panes` are sorted by start, and their ends are sorted too: tumbling and sliding windows all
/// have one size, and sessions and stagger windows of a key never overlap. So the windows due to
/// fire, and those due to be freed, are always a prefix.
struct KeyWindows {
    /// Live windows. For stagger, only windows that have fired; the rest are in `pending`.
    var panes: [Pane] = []
    /// Stagger only: records at or after the end of the key's last fired window, in event-time
    /// order. Their windows are the greedy chain over them, computed when the watermark fires one.
    var pending: [PendingValue] = []
    /// Sessions and stagger: the end of the key's latest window whose state was freed, while a
    /// record before it could still be accepted on its own bounds.
    var frontier: Instant?
    /// The earliest instant this key has in the deadline heap, if any.
    var scheduled: Instant?

    var isEmpty: Bool { panes.isEmpty && pending.isEmpty && frontier == nil }

    var heldValueCount: Int { panes.reduce(pending.count) { $0 + $1.values.count } }

    /// Adds `record` to its windows as they stand at `watermark`; returns false when it is too late
    /// for all of them.
    mutating func assign(_ record: AnalyticsRecord, window: WindowKind, watermark: Instant,
                         allowedLateness: Span) -> Bool {
        switch window {
        case .tumbling(let size):
            return assignFixed(record, size: size, slide: size, watermark: watermark, allowedLateness: allowedLateness)
        case .sliding(let size, let slide):
            return assignFixed(record, size: size, slide: slide, watermark: watermark, allowedLateness: allowedLateness)
        case .session(let gap):
            return assignSession(record, gap: gap, watermark: watermark, allowedLateness: allowedLateness)
        case .stagger(let size):
            return assignStagger(record, size: size, watermark: watermark, allowedLateness: allowedLateness)
        }
    }

    /// Tumbling and sliding: the record joins each window containing it whose state is live or
    /// can still be opened (its end plus the lateness is after the watermark).
    private mutating func assignFixed(_ record: AnalyticsRecord, size: Span, slide: Span, watermark: Instant,
                                      allowedLateness: Span) -> Bool {
        var accepted = false
        for start in WindowKind.fixedWindowStarts(containing: record.eventTime, size: size, slide: slide) {
            let index = panes.partitioningIndex { $0.start >= start }
            if index < panes.count && panes[index].start == start {
                panes[index].add(record.value)
                accepted = true
            } else if start + size + allowedLateness > watermark {
                panes.insert(Pane(start: start, end: start + size, values: [record.value]), at: index)
                accepted = true
            }
        }
        return accepted
    }

    /// Sessions: the record's window [t, t + gap) merges with every live session it overlaps. It is
    /// late when it would merge into a session already freed (it is before `frontier`), or when it
    /// overlaps none and its own window is past the lateness.
    private mutating func assignSession(_ record: AnalyticsRecord, gap: Span, watermark: Instant,
                                        allowedLateness: Span) -> Bool {
        let t = record.eventTime, end = t + gap
        if let frontier, t < frontier { return false }
        let first = panes.partitioningIndex { $0.end > t }
        var last = first
        while last < panes.count && panes[last].start < end { last += 1 }
        if first == last {
            guard end + allowedLateness > watermark else { return false }
            panes.insert(Pane(start: t, end: end, values: [record.value]), at: first)
            return true
        }
        var merged = panes[first]
        merged.start = Swift.min(merged.start, t)
        merged.end = Swift.max(panes[last - 1].end, end)
        for absorbed in panes[(first + 1)..<last] {
            merged.values += absorbed.values
            merged.hasDelivered = merged.hasDelivered || absorbed.hasDelivered
        }
        merged.add(record.value)
        panes.replaceSubrange(first..<last, with: [merged])
        return true
    }

    /// Stagger: a record before the end of the key's last fired window joins the fired window
    /// containing it, if that one is still live; otherwise it is late. A record at or after it
    /// joins the pending chain unless its own window [t, t + size) is already past the lateness.
    /// That can only happen when it would open the chain's first window: a record at or after the
    /// first pending start s has t + size ≥ s + size, and that window has not yet fired.
    private mutating func assignStagger(_ record: AnalyticsRecord, size: Span, watermark: Instant,
                                        allowedLateness: Span) -> Bool {
        let t = record.eventTime
        if let firedEnd = panes.last?.end ?? frontier, t < firedEnd {
            let index = panes.partitioningIndex { $0.end > t }
            guard index < panes.count, panes[index].start <= t else { return false }
            panes[index].add(record.value)
            return true
        }
        if t + size + allowedLateness <= watermark { return false }
        pending.insert(PendingValue(at: t, value: record.value), at: pending.partitioningIndex { $0.at > t })
        return true
    }

    /// Fires every window the watermark has reached whose latest values have not been delivered,
    /// then frees the windows past the lateness.
    mutating func fire(key: String, watermark: Instant, configuration: WindowedAggregationConfiguration,
                       into outbox: inout [WindowResult]) {
        if case .stagger(let size) = configuration.window { closeStaggerWindows(size: size, watermark: watermark) }
        for index in panes.indices {
            guard panes[index].end <= watermark else { break }
            guard !panes[index].isCurrent else { continue }
            outbox.append(configuration.result(of: panes[index], key: key))
            panes[index].isCurrent = true
            panes[index].hasDelivered = true
        }
        let freed = panes.prefix { $0.end + configuration.allowedLateness <= watermark }.count
        if freed > 0 {
            if configuration.window.keepsFrontier { frontier = Swift.max(frontier ?? panes[freed - 1].end, panes[freed - 1].end) }
            panes.removeFirst(freed)
        }
        if let frontier, panes.isEmpty, pending.isEmpty,
           frontier + configuration.window.extent + configuration.allowedLateness <= watermark {
            self.frontier = nil
        }
    }

    /// Cuts fired stagger windows off the front of the pending chain: while the chain's first
    /// window [s, s + size) has ended by the watermark, its records become a fired pane.
    private mutating func closeStaggerWindows(size: Span, watermark: Instant) {
        while let start = pending.first?.at, start + size <= watermark {
            let end = start + size
            let count = pending.partitioningIndex { $0.at >= end }
            panes.append(Pane(start: start, end: end, values: pending[..<count].map(\.value)))
            pending.removeFirst(count)
        }
    }

    /// The next instant something is due: a window to fire, a window to free, a stagger window to
    /// close, a frontier to forget; nil when the key holds nothing.
    func nextDeadline(configuration: WindowedAggregationConfiguration) -> Instant? {
        var due: [Instant] = []
        if let unfired = panes.first(where: { !$0.isCurrent }) { due.append(unfired.end) }
        if let oldest = panes.first { due.append(oldest.end + configuration.allowedLateness) }
        if case .stagger(let size) = configuration.window, let first = pending.first { due.append(first.at + size) }
        if panes.isEmpty, pending.isEmpty, let frontier {
            due.append(frontier + configuration.window.extent + configuration.allowedLateness)
        }
        return due.min()
    }
}

extension WindowKind {
    /// Whether a freed window's end must be remembered: sessions and stagger windows are placed by
    /// records, so a record could otherwise land in a freed one and be counted without its peers.
    var keepsFrontier: Bool {
        switch self {
        case .tumbling, .sliding: return false
        case .session, .stagger: return true
        }
    }
}

extension WindowedAggregationConfiguration {
    /// The result of `pane` for `key`: every aggregate over its values, the key's reference row.
    func result(of pane: Pane, key: String) -> WindowResult {
        let sorted = pane.values.sorted()
        let sum = sorted.reduce(0, +)
        return WindowResult(windowStart: pane.start, windowEnd: pane.end, key: key,
                            values: aggregates.map { $0.evaluate(sortedValues: sorted, sum: sum) },
                            isUpdate: pane.hasDelivered, attributes: referenceTable?.attributes(for: key))
    }
}

extension Array {
    /// The first index whose element satisfies `belongsToSecondPart`, for an array in which every
    /// element that does comes after every element that does not (binary search).
    func partitioningIndex(where belongsToSecondPart: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = low + (high - low) / 2
            if belongsToSecondPart(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

extension WindowedAggregation {
    /// Checks the state's consistency; tests call it after every operation.
    public func _checkInvariants() {
        let watermark = currentWatermark
        let window = configuration.window, lateness = configuration.allowedLateness
        precondition(counters.recordsProcessed == counters.recordsAccepted + counters.lateRecordsDropped,
                     "every record is accepted or counted late")
        precondition(outbox.isEmpty, "results are delivered before a call returns")
        for (key, state) in keys {
            precondition(!state.isEmpty, "key \(key) is tracked with nothing in it")
            for (index, pane) in state.panes.enumerated() {
                precondition(!pane.values.isEmpty, "key \(key): an empty window")
                precondition(pane.end + lateness > watermark, "key \(key): window ending \(pane.end) should have been freed")
                precondition(pane.end > watermark || pane.isCurrent, "key \(key): window ending \(pane.end) is due but not delivered")
                precondition(!pane.isCurrent || pane.hasDelivered, "key \(key): a current window was never delivered")
                if index > 0 {
                    let previous = state.panes[index - 1]
                    precondition(previous.start < pane.start && previous.end <= pane.end, "key \(key): windows out of order")
                    if window.keepsFrontier { precondition(previous.end <= pane.start, "key \(key): windows overlap") }
                }
                switch window {
                case .tumbling(let size), .sliding(size: let size, slide: _):
                    precondition(pane.end - pane.start == size, "key \(key): a fixed window of the wrong size")
                case .session(let gap):
                    precondition(pane.end - pane.start >= gap, "key \(key): a session shorter than the gap")
                case .stagger(let size):
                    precondition(pane.end - pane.start == size, "key \(key): a stagger window of the wrong size")
                    precondition(pane.hasDelivered, "key \(key): stagger panes are fired windows")
                }
            }
            if let frontier = state.frontier, let first = state.panes.first {
                precondition(frontier <= first.start, "key \(key): a freed window after a live one")
            }
            if case .stagger(let size) = window {
                precondition(zip(state.pending, state.pending.dropFirst()).allSatisfy { $0.at <= $1.at }, "key \(key): pending out of order")
                if let first = state.pending.first {
                    precondition(first.at + size > watermark, "key \(key): a stagger window is due but not fired")
                    if let firedEnd = state.panes.last?.end ?? state.frontier {
                        precondition(first.at >= firedEnd, "key \(key): a pending record before a fired window's end")
                    }
                }
            } else {
                precondition(state.pending.isEmpty, "key \(key): pending records outside stagger windows")
            }
            if !window.keepsFrontier { precondition(state.frontier == nil, "key \(key): fixed windows keep no frontier") }
            let due = state.nextDeadline(configuration: configuration)
            precondition(due != nil, "key \(key) has state but no deadline")
            guard let scheduled = state.scheduled, let due else {
                preconditionFailure("key \(key) has work due at \(String(describing: due)) but no deadline scheduled")
            }
            precondition(scheduled <= due, "key \(key) is scheduled at \(scheduled), after its deadline \(due)")
            precondition(deadlines.unordered.contains(KeyDeadline(at: scheduled, key: key)), "key \(key): its deadline is not in the heap")
        }
    }
}
