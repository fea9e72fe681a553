import MessagingEngine
import SimKernel
import TestSupport
import Testing

/// Random keyed records with bounded disorder — some within the out-of-orderness bound, some
/// within the allowed lateness, some past it — run through `WindowedAggregation` with every window
/// kind, and compared with `WindowBruteForce`, which groups the same records into windows directly.
///
/// Checked for every seed: each call's results are in delivery order (window end, start, key
/// bytes); a result is flagged as an update exactly when it replaces an earlier result of its key
/// (same window, or for sessions a window it contains). After every call, every window of the
/// records so far that the watermark has passed has a standing result (one no later result
/// replaced) with the brute force's aggregates and reference attributes, and every other standing
/// result is awaiting a window that contains it and has not yet ended; after the flush the
/// standing results are exactly the brute force's windows. The late records counted are the ones
/// the brute force finds late, and after the flush nothing is held.
///
/// The parameters are drawn from the seed and printed with a failure. `SLUICE_SEED=n swift test
/// --filter WindowedAggregationRandomizedTests` replays seed n alone; `SLUICE_TRACE=1` prints each
/// seed to stderr as it starts, so a failed precondition names its seed.
@Suite struct WindowedAggregationRandomizedTests {
    static let seedCount: UInt64 = 200

    static var seeds: Range<UInt64> { RandomizedRuns.seeds(count: seedCount) }

    @Test func finalResultsAgreeWithABruteForceGroupingOfTheSameRecords() {
        var coverage: [String: Int] = [:]
        for seed in Self.seeds {
            RandomizedRuns.trace("WindowedAggregationRandomizedTests", seed: seed)
            let run = WindowRandomRun(seed: seed)
            let outcome = run.check()
            if let failure = outcome.failure {
                Issue.record("seed \(seed) (replay with SLUICE_SEED=\(seed)): \(run.parameters)\n\(failure)")
                return
            }
            coverage.merge(outcome.coverage, uniquingKeysWith: +)
        }
        // A comparison that never meets a case proves nothing about it.
        guard Self.seeds.count == Self.seedCount else { return }
        for situation in WindowBruteForce.situations {
            #expect(coverage[situation, default: 0] >= 10, "the random runs met \"\(situation)\" only \(coverage[situation, default: 0]) times")
        }
    }
}

/// One seed's configuration and records.
struct WindowRandomRun {
    static let keyPool = ["a", "b", "Z", "é", "ab"]
    static let percentilePool: [Double] = [0.5, 1, 12.5, 25, 50, 75, 90, 99, 99.5, 100]

    let configuration: WindowedAggregationConfiguration
    let records: [AnalyticsRecord]
    let parameters: String

    init(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func milliseconds(_ range: ClosedRange<Int>) -> Span { .milliseconds(Int64(random.int(range))) }
        let window: WindowKind
        switch seed % 4 {
        case 0: window = .tumbling(size: milliseconds(1...40))
        case 1:
            let size = random.int(2...40)
            window = .sliding(size: .milliseconds(Int64(size)), slide: milliseconds(1...size))
        case 2: window = .session(gap: milliseconds(1...30))
        default: window = .stagger(size: milliseconds(1...40))
        }
        let bound = random.chance(25) ? .zero : milliseconds(1...20)
        let lateness = random.chance(30) ? .zero : milliseconds(1...30)
        let keys = Array(Self.keyPool.prefix(random.int(1...Self.keyPool.count)))
        let percentiles = [Self.percentilePool[random.int(0...Self.percentilePool.count - 1)],
                           Self.percentilePool[random.int(0...Self.percentilePool.count - 1)]]
        let table: ReferenceTable? = random.chance(50)
            ? ReferenceTable(Dictionary(uniqueKeysWithValues: keys.filter { _ in random.chance(60) }.map { ($0, ["owner": "team-\($0)"]) }))
            : nil
        configuration = WindowedAggregationConfiguration(
            window: window, aggregates: [.count, .sum, .min, .max, .mean] + percentiles.map { .percentile($0) },
            outOfOrdernessMax: bound, allowedLateness: lateness, referenceTable: table)

        // Event times follow a clock that moves 0 – stepMax ms per record; a share of records are
        // delayed by up to the bound plus the lateness plus some more, so every fate occurs.
        let recordCount = random.int(20...250)
        let stepMax = random.int(0...8)
        let inOrderPercent = random.int(30...90)
        let disorderMax = Int((bound + lateness).nanoseconds / 1_000_000) + random.int(0...40)
        var clock: Int64 = 1_000
        var records: [AnalyticsRecord] = []
        for _ in 0..<recordCount {
            clock += Int64(random.int(0...stepMax))
            let delay = random.chance(inOrderPercent) ? 0 : Int64(random.int(0...disorderMax))
            records.append(AnalyticsRecord(eventTime: Instant(nanoseconds: (clock - delay) * 1_000_000),
                                           key: keys[random.int(0...keys.count - 1)], value: Double(random.int(-20...20))))
        }
        self.records = records
        parameters = "window \(window), outOfOrdernessMax \(bound), allowedLateness \(lateness), keys \(keys), "
            + "percentiles \(percentiles), reference rows \(table.map { $0.rows.keys.sorted() } ?? []), "
            + "\(recordCount) records, step ≤ \(stepMax) ms, \(inOrderPercent)% in order, delay ≤ \(disorderMax) ms"
    }

    /// Runs the engine and compares it with the brute force after every call; the first difference
    /// found, and how often each situation came up.
    func check() -> (failure: String?, coverage: [String: Int]) {
        typealias WindowKey = WindowBruteForce.WindowKey
        let reference = WindowBruteForce(configuration: configuration, records: records)
        let decisions = reference.decide()
        var coverage = decisions.coverage
        var engine = WindowedAggregation(configuration: configuration)
        var table = WindowBruteForce.WindowTable()
        // The results no later result replaced, by key and window.
        var standing: [String: [WindowKey: WindowResult]] = [:]
        // The brute force's aggregates of each window checked, with the members they were computed over.
        var aggregated: [WindowKey: (members: [Double], values: [Double])] = [:]
        var latest: Instant?
        var watermarkBefore = Instant(nanoseconds: .min)
        var delivered = 0, updates = 0

        /// Why `result` is not the brute force's result for `window`, or nil.
        func disagreement(_ result: WindowResult, _ window: WindowKey) -> String? {
            guard let members = table.members[window] else { return "\(result) is for no window of the brute force's" }
            if aggregated[window]?.members != members { aggregated[window] = (members, reference.aggregate(members)) }
            let expected = aggregated[window]!.values
            if result.values != expected {
                return "\(window): the engine says \(result.values), the brute force \(expected) over \(members)"
            }
            if result.attributes != configuration.referenceTable?.rows[window.key] {
                return "\(window): attributes \(String(describing: result.attributes))"
            }
            return nil
        }

        for index in 0...records.count {
            var call: [WindowResult] = []
            let watermark: Instant
            let step: String
            if index < records.count {
                engine.process(records[index], into: &call)
                table.add(records[index], decisions.accepted[index], reference)
                latest = Swift.max(latest ?? records[index].eventTime, records[index].eventTime)
                watermark = latest! + Span(nanoseconds: -configuration.outOfOrdernessMax.nanoseconds)
                step = "record \(index) \(records[index])"
            } else {
                engine.flush(into: &call)
                table.changed = []
                watermark = .distantFuture
                step = "flush"
            }
            engine._checkInvariants()
            if let problem = Self.orderProblem(call) { return ("\(step): \(problem)", coverage) }
            delivered += call.count
            updates += call.filter(\.isUpdate).count
            coverage["update delivered (\(WindowBruteForce.kindName(configuration.window)))", default: 0] += call.filter(\.isUpdate).count

            // Each result delivered is a window of the records so far, with its aggregates. It
            // replaces every standing result of its key whose window it contains (for windows of
            // one size, the same window), and is an update exactly when there was one.
            for result in call {
                let window = WindowKey(key: result.key, start: result.windowStart, end: result.windowEnd)
                if let problem = disagreement(result, window) { return ("\(step): \(problem)", coverage) }
                let replaced = standing[result.key, default: [:]].keys.filter { $0.start >= window.start && $0.end <= window.end }
                if result.isUpdate == replaced.isEmpty {
                    return ("\(step): \(result) is \(result.isUpdate ? "" : "not ")an update, yet it replaces \(replaced)", coverage)
                }
                for earlier in replaced { standing[result.key]![earlier] = nil }
                standing[result.key, default: [:]][window] = result
            }

            // Every window the watermark has now passed, or that changed after it was passed, has
            // its standing result.
            let due = table.members.keys.filter { $0.end <= watermark && ($0.end > watermarkBefore || table.changed.contains($0)) }
            for window in due.sorted(by: { ($0.end, $0.start, $0.key) < ($1.end, $1.start, $1.key) }) {
                guard let result = standing[window.key]?[window] else {
                    return ("\(step), watermark \(watermark): no result for \(window) over \(table.members[window]!)", coverage)
                }
                if let problem = disagreement(result, window) { return ("\(step), watermark \(watermark): \(problem)", coverage) }
            }
            watermarkBefore = watermark
        }

        let standingWindows = standing.values.flatMap(\.keys)
        if standingWindows.count != table.members.count || !standingWindows.allSatisfy({ table.members[$0] != nil }) {
            return ("after the flush \(standingWindows.count) results stand for the brute force's \(table.members.count) windows", coverage)
        }
        if engine.counters.lateRecordsDropped != decisions.lateCount || engine.counters.recordsProcessed != records.count {
            return ("the engine counted \(engine.counters.lateRecordsDropped) late records of \(engine.counters.recordsProcessed), "
                    + "the brute force \(decisions.lateCount) of \(records.count)", coverage)
        }
        if engine.counters.resultsDelivered != delivered || engine.counters.updatesDelivered != updates {
            return ("the engine counted \(engine.counters.resultsDelivered) results and \(engine.counters.updatesDelivered) updates, "
                    + "the sink got \(delivered) and \(updates)", coverage)
        }
        if engine.heldValueCount != 0 || engine.trackedKeyCount != 0 {
            return ("after the flush \(engine.heldValueCount) values and \(engine.trackedKeyCount) keys are held", coverage)
        }
        return (nil, coverage)
    }

    /// Why one call's results are not in delivery order (end, start, key bytes), or nil.
    static func orderProblem(_ results: [WindowResult]) -> String? {
        for (a, b) in zip(results, results.dropFirst()) {
            let aKey = [a.windowEnd.nanoseconds, a.windowStart.nanoseconds], bKey = [b.windowEnd.nanoseconds, b.windowStart.nanoseconds]
            let inOrder = aKey != bKey ? aKey.lexicographicallyPrecedes(bKey) : Array(a.key.utf8).lexicographicallyPrecedes(Array(b.key.utf8))
            if !inOrder { return "\(a) is delivered before \(b)" }
        }
        return nil
    }
}

/// Windows computed the plain way. The watermark a record meets is worked out from the records
/// before it; which records are late follows the rules of `WindowedAggregation`'s documentation,
/// each stated over the accepted records as a whole (sessions and stagger chains recomputed from
/// scratch for every record); each window's members are then collected directly from the accepted
/// records and aggregated without sorting tricks.
struct WindowBruteForce {
    struct WindowKey: Hashable, CustomStringConvertible {
        var key: String
        var start: Instant
        var end: Instant
        var description: String { "\(key) [\(start.nanoseconds / 1_000_000), \(end.nanoseconds / 1_000_000)) ms" }
    }

    struct Expected {
        var members: [Double]
        var values: [Double]
    }

    /// What happened to one record: for tumbling and sliding windows, the windows it joined; for
    /// sessions and stagger windows, whether it was accepted (its window follows from the others).
    enum Decision {
        case joined([WindowKey])
        case accepted
        case late
    }

    static let kindNames = ["tumbling", "sliding", "session", "stagger"]
    static let situations = kindNames.flatMap { ["late record (\($0))", "update delivered (\($0))"] }
        + ["record late for some of its sliding windows", "record bridging sessions", "record moving a pending stagger window",
           "record behind the watermark accepted"]

    static func kindName(_ window: WindowKind) -> String {
        switch window {
        case .tumbling: return "tumbling"
        case .sliding: return "sliding"
        case .session: return "session"
        case .stagger: return "stagger"
        }
    }

    let configuration: WindowedAggregationConfiguration
    let records: [AnalyticsRecord]

    var lateness: Span { configuration.allowedLateness }

    /// Each record's fate, the number of late records, and how often each situation occurred.
    func decide() -> (accepted: [Decision], lateCount: Int, coverage: [String: Int]) {
        var coverage: [String: Int] = [:]
        var decisions: [Decision] = []
        var acceptedByKey: [String: [AnalyticsRecord]] = [:]
        var latest: Instant?
        for record in records {
            let watermark = latest.map { $0 + Span(nanoseconds: -configuration.outOfOrdernessMax.nanoseconds) }
            func isPast(_ end: Instant) -> Bool { watermark.map { end + lateness <= $0 } ?? false }
            let t = record.eventTime
            let accepted = acceptedByKey[record.key, default: []]
            var decision = Decision.accepted
            switch configuration.window {
            case .tumbling(let size), .sliding(let size, _):
                let slide: Span
                if case .sliding(_, let s) = configuration.window { slide = s } else { slide = size }
                let windows = Self.fixedWindows(containing: t, size: size, slide: slide)
                let open = windows.filter { !isPast($0.end) }
                decision = open.isEmpty ? .late : .joined(open.map { WindowKey(key: record.key, start: $0.start, end: $0.end) })
                if !open.isEmpty && open.count < windows.count { coverage["record late for some of its sliding windows", default: 0] += 1 }
            case .session(let gap):
                let overlapped = Self.sessions(of: accepted, gap: gap).filter { $0.start < t + gap && $0.end > t }
                if overlapped.contains(where: { isPast($0.end) }) || (overlapped.isEmpty && isPast(t + gap)) {
                    decision = .late
                } else if overlapped.count >= 2 {
                    coverage["record bridging sessions", default: 0] += 1
                }
            case .stagger(let size):
                let chain = Self.staggerChain(of: accepted, size: size)
                let fired = chain.filter { window in watermark.map { window.end <= $0 } ?? false }
                if let firedEnd = fired.last?.end, t < firedEnd {
                    if !fired.contains(where: { $0.start <= t && t < $0.end && !isPast($0.end) }) { decision = .late }
                } else {
                    let holding = Self.staggerChain(of: accepted + [record], size: size).first { $0.start <= t && t < $0.end }!
                    if isPast(holding.end) {
                        decision = .late
                    } else if let pendingStart = chain.dropFirst(fired.count).first?.start, t < pendingStart {
                        coverage["record moving a pending stagger window", default: 0] += 1
                    }
                }
            }
            if case .late = decision {
                coverage["late record (\(Self.kindName(configuration.window)))", default: 0] += 1
            } else {
                acceptedByKey[record.key, default: []].append(record)
                if let watermark, t < watermark { coverage["record behind the watermark accepted", default: 0] += 1 }
            }
            decisions.append(decision)
            latest = Swift.max(latest ?? t, t)
        }
        let lateCount = decisions.filter { if case .late = $0 { return true } else { return false } }.count
        return (decisions, lateCount, coverage)
    }

    /// The brute force's windows of the accepted records so far, with their members in arrival
    /// order, brought up to date record by record.
    struct WindowTable {
        var members: [WindowKey: [Double]] = [:]
        /// The windows whose members the last record changed.
        var changed: Set<WindowKey> = []
        var acceptedByKey: [String: [AnalyticsRecord]] = [:]
        var windowsByKey: [String: [WindowKey]] = [:]

        mutating func add(_ record: AnalyticsRecord, _ decision: Decision, _ reference: WindowBruteForce) {
            changed = []
            switch decision {
            case .late: return
            case .joined(let windows):
                for window in windows { members[window, default: []].append(record.value) }
                changed = Set(windows)
            case .accepted:
                acceptedByKey[record.key, default: []].append(record)
                let keyRecords = acceptedByKey[record.key]!
                let windows: [(start: Instant, end: Instant)]
                switch reference.configuration.window {
                case .tumbling, .sliding: preconditionFailure("fixed windows are joined record by record")
                case .session(let gap): windows = WindowBruteForce.sessions(of: keyRecords, gap: gap)
                case .stagger(let size): windows = WindowBruteForce.staggerChain(of: keyRecords, size: size)
                }
                var previous: [WindowKey: [Double]] = [:]
                for window in windowsByKey[record.key, default: []] { previous[window] = members.removeValue(forKey: window) }
                windowsByKey[record.key] = windows.map { WindowKey(key: record.key, start: $0.start, end: $0.end) }
                for window in windowsByKey[record.key]! {
                    let inside = keyRecords.filter { $0.eventTime >= window.start && $0.eventTime < window.end }.map(\.value)
                    members[window] = inside
                    if previous[window] != inside { changed.insert(window) }
                }
                precondition(windowsByKey[record.key]!.reduce(0) { $0 + members[$1]!.count } == keyRecords.count,
                             "the windows of a key hold each of its records once")
            }
        }
    }

    /// The aggregates, each computed on its own: the sum in arrival order (the values are whole
    /// numbers, so it is exact in any order), the percentile as the smallest value with at least p
    /// percent of the values at or below it.
    func aggregate(_ values: [Double]) -> [Double] {
        configuration.aggregates.map { function in
            switch function {
            case .count: return Double(values.count)
            case .sum: return values.reduce(0, +)
            case .min: return values.min()!
            case .max: return values.max()!
            case .mean: return values.reduce(0, +) / Double(values.count)
            case .percentile(let p):
                return values.sorted().first { v in Double(values.filter { $0 <= v }.count) * 100 >= p * Double(values.count) }!
            }
        }
    }

    /// Every window k·slide + [0, size) holding t, found by trying the k around t / slide.
    static func fixedWindows(containing t: Instant, size: Span, slide: Span) -> [(start: Instant, end: Instant)] {
        let center = t.nanoseconds / slide.nanoseconds
        let reach = size.nanoseconds / slide.nanoseconds + 2
        return ((center - reach)...(center + reach)).compactMap { k in
            let start = Instant(nanoseconds: k * slide.nanoseconds)
            return start <= t && t < start + size ? (start, start + size) : nil
        }
    }

    /// Sessions: sort the event times, cut wherever two neighbours are at least the gap apart.
    static func sessions(of records: [AnalyticsRecord], gap: Span) -> [(start: Instant, end: Instant)] {
        let times = records.map(\.eventTime).sorted()
        var sessions: [(start: Instant, end: Instant)] = []
        for t in times {
            if let last = sessions.last, t < last.end {
                sessions[sessions.count - 1].end = t + gap
            } else {
                sessions.append((t, t + gap))
            }
        }
        return sessions
    }

    /// Stagger windows: the earliest event time opens a window of `size`; the earliest at or after
    /// its end opens the next.
    static func staggerChain(of records: [AnalyticsRecord], size: Span) -> [(start: Instant, end: Instant)] {
        var chain: [(start: Instant, end: Instant)] = []
        for t in records.map(\.eventTime).sorted() where chain.last.map({ t >= $0.end }) ?? true {
            chain.append((t, t + size))
        }
        return chain
    }
}
