import MessagingEngine
import SimKernel
import Testing

private func at(_ seconds: Double) -> Instant { Instant(seconds: seconds) }

/// A result as the tests write them: bounds in seconds.
private func result(_ start: Double, _ end: Double, _ key: String, _ values: [Double], update: Bool = false,
                    attributes: [String: String]? = nil) -> WindowResult {
    WindowResult(windowStart: at(start), windowEnd: at(end), key: key, values: values, isUpdate: update, attributes: attributes)
}

/// A result of key "a".
private func result(_ start: Double, _ end: Double, _ values: [Double], update: Bool = false) -> WindowResult {
    result(start, end, "a", values, update: update)
}

/// One windowed aggregation and the calls tests make, each followed by the engine's own
/// consistency check; every call returns the results it delivered.
private struct Harness {
    var engine: WindowedAggregation

    init(_ window: WindowKind, aggregates: [AggregateFunction] = [.count, .sum], outOfOrdernessMax: Span = .zero,
         allowedLateness: Span = .zero, referenceTable: ReferenceTable? = nil) {
        engine = WindowedAggregation(configuration: WindowedAggregationConfiguration(
            window: window, aggregates: aggregates, outOfOrdernessMax: outOfOrdernessMax,
            allowedLateness: allowedLateness, referenceTable: referenceTable))
    }

    @discardableResult
    mutating func send(_ seconds: Double, _ key: String = "a", _ value: Double = 1) -> [WindowResult] {
        var delivered: [WindowResult] = []
        engine.process(AnalyticsRecord(eventTime: at(seconds), key: key, value: value), into: &delivered)
        engine._checkInvariants()
        return delivered
    }

    @discardableResult
    mutating func flush() -> [WindowResult] {
        var delivered: [WindowResult] = []
        engine.flush(into: &delivered)
        engine._checkInvariants()
        return delivered
    }
}

/// The rules of SEMANTICS.md's Analytics section, each on records whose results are worked out by
/// hand. Values are [count, sum] unless a test names other aggregates.
@Suite struct WindowedAggregationTests {
    // MARK: Window membership

    @Test func tumblingWindowsIncludeTheirStartAndExcludeTheirEnd() {
        var h = Harness(.tumbling(size: .seconds(10)))
        #expect(h.send(0, "a", 1) == [])
        // One nanosecond before the end is still inside, and does not fire the window.
        #expect(h.send(9.999_999_999, "a", 2) == [])
        // At the end: the record opens the next window, and the watermark (bound 0) fires this one.
        #expect(h.send(10, "a", 4) == [result(0, 10, [2, 3])])
        #expect(h.flush() == [result(10, 20, [1, 4])])
    }

    @Test func aRecordExactlyOnABoundaryBelongsOnlyToTheWindowsStartingThere() {
        var tumbling = Harness(.tumbling(size: .seconds(10)), outOfOrdernessMax: .seconds(100))
        tumbling.send(20, "a", 5)
        #expect(tumbling.flush() == [result(20, 30, [1, 5])])

        // Size 10, slide 5: 10 is in [5, 15) and [10, 20), not in [0, 10).
        var sliding = Harness(.sliding(size: .seconds(10), slide: .seconds(5)), outOfOrdernessMax: .seconds(100))
        sliding.send(10, "a", 5)
        #expect(sliding.flush() == [result(5, 15, [1, 5]), result(10, 20, [1, 5])])
    }

    @Test func aSlidingWindowRecordBelongsToEveryWindowThatContainsIt() {
        // Size 30, slide 10: size / slide = 3 windows each.
        var h = Harness(.sliding(size: .seconds(30), slide: .seconds(10)))
        #expect(h.send(25, "a", 1) == [])
        #expect(h.engine.liveWindowCount == 3)
        // 31 is in [10, 40), [20, 50), [30, 60); the watermark at 31 fires [0, 30).
        #expect(h.send(31, "a", 10) == [result(0, 30, [1, 1])])
        #expect(h.flush() == [result(10, 40, [2, 11]), result(20, 50, [2, 11]), result(30, 60, [1, 10])])
    }

    @Test func aSessionClosesWhenNoRecordOfItsKeyArrivesWithinTheGap() {
        var h = Harness(.session(gap: .seconds(5)))
        h.send(0, "a", 1)
        h.send(3, "a", 2)
        h.send(7.5, "a", 3)
        // 12.5 is exactly the gap after 7.5: a new session, and the watermark closes the first.
        #expect(h.send(12.5, "a", 4) == [result(0, 12.5, [3, 6])])
        #expect(h.flush() == [result(12.5, 17.5, [1, 4])])
    }

    @Test func aRecordThatBridgesTwoSessionsMergesThem() {
        var h = Harness(.session(gap: .seconds(5)), outOfOrdernessMax: .seconds(20))
        h.send(0, "a", 1)
        h.send(8, "a", 2)
        #expect(h.engine.liveWindowCount == 2)
        // [4, 9) overlaps [0, 5) and [8, 13).
        h.send(4, "a", 4)
        #expect(h.engine.liveWindowCount == 1)
        #expect(h.flush() == [result(0, 13, [3, 7])])
    }

    @Test func staggerWindowsOpenPerKeyAtTheKeysFirstEvent() {
        var h = Harness(.stagger(size: .seconds(10)))
        h.send(3, "a", 1)
        h.send(7, "b", 2)
        h.send(12, "a", 4)
        // 13 is a's window's end: a's next window opens there, and the watermark fires [3, 13).
        #expect(h.send(13, "a", 16) == [result(3, 13, "a", [2, 5])])
        // b's window opened at 7, so 16 is still in it.
        #expect(h.send(16, "b", 8) == [])
        #expect(h.flush() == [result(7, 17, "b", [2, 10]), result(13, 23, "a", [1, 16])])
    }

    @Test func aStaggerWindowOpensAtTheNextEventAfterAQuietPeriod() {
        var h = Harness(.stagger(size: .seconds(10)))
        h.send(0, "a", 1)
        #expect(h.send(37, "a", 2) == [result(0, 10, [1, 1])])
        #expect(h.flush() == [result(37, 47, [1, 2])])
    }

    @Test func anOutOfOrderRecordMovesTheStartOfAStaggerWindowThatHasNotFired() {
        var h = Harness(.stagger(size: .seconds(10)), outOfOrdernessMax: .seconds(5))
        h.send(5, "a", 1)
        h.send(2, "a", 2)
        // The window now is [2, 12): 11 is in it, 12 opens the next.
        h.send(11, "a", 4)
        h.send(12, "a", 8)
        #expect(h.send(20, "a", 16) == [result(2, 12, [3, 7])])
        #expect(h.flush() == [result(12, 22, [2, 24])])
    }

    // MARK: Watermark and lateness

    @Test func theWatermarkTrailsTheLatestEventTimeByTheBoundAndFiresTheWindowsItReaches() {
        var h = Harness(.tumbling(size: .seconds(10)), outOfOrdernessMax: .seconds(2))
        #expect(h.engine.watermark == nil)
        h.send(5, "a", 1)
        #expect(h.engine.watermark == at(3))
        #expect(h.send(11, "a", 2) == [])
        #expect(h.engine.watermark == at(9))
        // Out of order but before the watermark reached the window's end: it joins.
        #expect(h.send(8, "a", 4) == [])
        #expect(h.engine.watermark == at(9))
        #expect(h.send(12, "a", 8) == [result(0, 10, [2, 5])])
        #expect(h.engine.watermark == at(10))
        #expect(h.engine.counters.lateRecordsDropped == 0)
    }

    @Test func aRecordWithinTheAllowedLatenessUpdatesItsWindowAndIsDeliveredAgain() {
        var h = Harness(.tumbling(size: .seconds(10)), allowedLateness: .seconds(5))
        h.send(1, "a", 1)
        #expect(h.send(10, "a", 100) == [result(0, 10, [1, 1])])
        #expect(h.send(3, "a", 2) == [result(0, 10, [2, 3], update: true)])
        h.send(14.9, "a", 100)
        #expect(h.send(4, "a", 4) == [result(0, 10, [3, 7], update: true)])
        // At 15 the watermark reaches end + lateness: the window's state is freed.
        h.send(15, "a", 100)
        #expect(h.send(5, "a", 8) == [])
        #expect(h.engine.counters.lateRecordsDropped == 1)
        #expect(h.engine.counters.updatesDelivered == 2)
        #expect(h.flush() == [result(10, 20, [3, 300])])
    }

    @Test func aRecordPastTheAllowedLatenessIsCountedAndDropped() {
        var h = Harness(.tumbling(size: .seconds(10)))
        h.send(1, "a", 1)
        #expect(h.send(10, "a", 2) == [result(0, 10, [1, 1])])
        #expect(h.send(9, "a", 4) == [])
        #expect(h.send(0, "b", 8) == [])
        let counters = h.engine.counters
        #expect([counters.recordsProcessed, counters.recordsAccepted, counters.lateRecordsDropped,
                 counters.resultsDelivered, counters.updatesDelivered] == [4, 2, 2, 1, 0])
        #expect(h.flush() == [result(10, 20, [1, 2])])
    }

    @Test func aWindowALateRecordOpensWithinTheLatenessIsDeliveredAtOnceAsAFirstResult() {
        var h = Harness(.tumbling(size: .seconds(10)), allowedLateness: .seconds(10))
        h.send(25, "a", 1)
        // b's window [10, 20) ended before the watermark (25) but is within the lateness.
        #expect(h.send(12, "b", 2) == [result(10, 20, "b", [1, 2])])
        #expect(h.send(13, "b", 4) == [result(10, 20, "b", [2, 6], update: true)])
    }

    @Test func aSlidingWindowRecordTooLateForSomeOfItsWindowsJoinsTheOthers() {
        var h = Harness(.sliding(size: .seconds(10), slide: .seconds(5)))
        h.send(20, "a", 1)
        // 16 is in [10, 20), which the watermark (20) has passed, and in [15, 25), which is open.
        #expect(h.send(16, "a", 2) == [])
        #expect(h.engine.counters.lateRecordsDropped == 0)
        #expect(h.flush() == [result(15, 25, [2, 3]), result(20, 30, [1, 1])])
    }

    @Test func aLateRecordThatBridgesFiredSessionsDeliversTheMergedSessionAsAnUpdate() {
        var h = Harness(.session(gap: .seconds(5)), allowedLateness: .seconds(20))
        h.send(0, "a", 1)
        #expect(h.send(8, "a", 2) == [result(0, 5, [1, 1])])
        #expect(h.send(14, "a", 4) == [result(8, 13, [1, 2])])
        // [4, 9) overlaps both fired sessions; the merged one ends at 13, before the watermark.
        #expect(h.send(4, "a", 8) == [result(0, 13, [3, 11], update: true)])
        #expect(h.flush() == [result(14, 19, [1, 4])])
    }

    @Test func aSessionExtendedAfterItFiredIsDeliveredAgainWhenTheWatermarkReachesItsNewEnd() {
        var h = Harness(.session(gap: .seconds(5)), allowedLateness: .seconds(20))
        h.send(0, "a", 1)
        #expect(h.send(6, "a", 2) == [result(0, 5, [1, 1])])
        // [4, 9) extends [0, 5) to [0, 9) and merges [6, 11): [0, 11) ends after the watermark (6).
        #expect(h.send(4, "a", 4) == [])
        #expect(h.send(11, "a", 8) == [result(0, 11, [3, 7], update: true)])
        #expect(h.flush() == [result(11, 16, [1, 8])])
    }

    @Test func aRecordThatWouldJoinAFreedSessionIsLate() {
        var h = Harness(.session(gap: .seconds(5)))
        h.send(0, "a", 1)
        #expect(h.send(7, "a", 2) == [result(0, 5, [1, 1])])
        // [3, 8) has not ended by the watermark (7), but it overlaps [0, 5), whose state is gone.
        #expect(h.send(3, "a", 4) == [])
        #expect(h.engine.counters.lateRecordsDropped == 1)
        #expect(h.flush() == [result(7, 12, [1, 2])])
    }

    @Test func aStaggerRecordBeforeTheEndOfAFiredWindowUpdatesTheWindowHoldingItOrIsLate() {
        var h = Harness(.stagger(size: .seconds(10)), allowedLateness: .seconds(30))
        h.send(0, "a", 1)
        #expect(h.send(15, "a", 2) == [result(0, 10, [1, 1])])
        #expect(h.send(30, "a", 4) == [result(15, 25, [1, 2])])
        // 12 falls between the fired windows [0, 10) and [15, 25): late, although [12, 22) would be
        // within the lateness, because the chain of fired windows is fixed.
        #expect(h.send(12, "a", 8) == [])
        #expect(h.engine.counters.lateRecordsDropped == 1)
        #expect(h.send(20, "a", 16) == [result(15, 25, [2, 18], update: true)])
        #expect(h.send(5, "a", 32) == [result(0, 10, [2, 33], update: true)])
        #expect(h.flush() == [result(30, 40, [1, 4])])
    }

    // MARK: Aggregates, order, enrichment

    @Test func percentilesAreTheNearestRankOfTheSortedValues() {
        var h = Harness(.tumbling(size: .seconds(10)),
                        aggregates: [.percentile(5), .percentile(30), .percentile(40), .percentile(50), .percentile(100),
                                     .min, .max, .mean, .count, .sum])
        for value in [20.0, 50, 15, 40, 35] { h.send(1, "a", value) }
        // Sorted 15, 20, 35, 40, 50: ranks ⌈0.25⌉ = 1, ⌈1.5⌉ = 2, ⌈2⌉ = 2, ⌈2.5⌉ = 3, ⌈5⌉ = 5.
        #expect(h.flush() == [result(0, 10, [15, 20, 20, 35, 50, 15, 50, 32, 5, 160])])
        #expect(AggregateFunction.nearestRank(percentile: 90, count: 10) == 9)
        #expect(AggregateFunction.nearestRank(percentile: 99.9, count: 1000) == 999)
        #expect(AggregateFunction.nearestRank(percentile: 0.1, count: 1000) == 1)
        #expect(AggregateFunction.nearestRank(percentile: 0.001, count: 3) == 1)
        #expect(AggregateFunction.nearestRank(percentile: 100, count: 7) == 7)
    }

    @Test func countSumMinMaxAndMeanCoverEveryValueOfTheWindowAndKey() {
        var h = Harness(.tumbling(size: .seconds(10)), aggregates: [.count, .sum, .min, .max, .mean])
        for value in [2.5, -4, 7.5, 10] { h.send(3, "a", value) }
        h.send(3, "b", 100)
        #expect(h.flush() == [result(0, 10, "a", [4, 16, -4, 10, 4]), result(0, 10, "b", [1, 100, 100, 100, 100])])
    }

    @Test func theSumDoesNotDependOnTheOrderRecordsArriveIn() {
        let values = [1e16, 1, -1e16, 3, 0.1, 1e-3]
        var forwards = Harness(.tumbling(size: .seconds(10)), aggregates: [.sum])
        var backwards = Harness(.tumbling(size: .seconds(10)), aggregates: [.sum])
        for value in values { forwards.send(1, "a", value) }
        for value in values.reversed() { backwards.send(1, "a", value) }
        let sum = values.sorted().reduce(0, +)
        #expect(forwards.flush() == [result(0, 10, [sum])])
        #expect(backwards.flush() == [result(0, 10, [sum])])
    }

    @Test func resultsAreDeliveredByWindowEndThenStartThenKeyInByteOrder() {
        var sliding = Harness(.sliding(size: .seconds(10), slide: .seconds(5)), aggregates: [.count])
        for key in ["b", "é", "a", "Z", "ab"] { sliding.send(7, key, 1) }
        // UTF-8 bytes: Z (5A) < a (61) < ab < b (62) < é (C3 A9).
        let order = ["Z", "a", "ab", "b", "é"]
        #expect(sliding.flush() == order.map { result(0, 10, $0, [1]) } + order.map { result(5, 15, $0, [1]) })

        var session = Harness(.session(gap: .seconds(5)), aggregates: [.count], outOfOrdernessMax: .seconds(10))
        session.send(1, "a", 1)
        session.send(1, "b", 1)
        session.send(0, "b", 1)
        session.send(2, "c", 1)
        // Same end, so the earlier start (b's) first; then c's later end.
        #expect(session.flush() == [result(0, 6, "b", [2]), result(1, 6, "a", [1]), result(2, 7, "c", [1])])
    }

    @Test func enrichmentJoinsTheKeysReferenceRowOntoEachResult() {
        let table = ReferenceTable(["a": ["region": "eu-west-1", "tier": "gold"]])
        var h = Harness(.tumbling(size: .seconds(10)), aggregates: [.count], referenceTable: table)
        h.send(1, "a", 1)
        h.send(1, "b", 1)
        #expect(h.flush() == [result(0, 10, "a", [1], attributes: ["region": "eu-west-1", "tier": "gold"]),
                              result(0, 10, "b", [1], attributes: nil)])

        var plain = Harness(.tumbling(size: .seconds(10)), aggregates: [.count])
        plain.send(1, "a", 1)
        #expect(plain.flush().map(\.attributes) == [nil])
    }

    // MARK: Flush and memory

    @Test func aFlushFiresEveryOpenWindowAndLaterRecordsAreLate() {
        var h = Harness(.session(gap: .seconds(5)), outOfOrdernessMax: .seconds(100))
        h.send(1, "a", 1)
        h.send(3, "b", 2)
        h.send(40, "a", 4)
        #expect(h.flush() == [result(1, 6, "a", [1, 1]), result(3, 8, "b", [1, 2]), result(40, 45, "a", [1, 4])])
        #expect(h.engine.watermark == .distantFuture)
        #expect(h.engine.trackedKeyCount == 0 && h.engine.heldValueCount == 0 && h.engine.liveWindowCount == 0)
        #expect(h.send(1_000, "a", 8) == [])
        #expect(h.engine.counters.lateRecordsDropped == 1)
        #expect(h.flush() == [])
    }

    @Test func aWindowsStateIsFreedOnceTheWatermarkPassesItsEndPlusTheLateness() {
        var h = Harness(.tumbling(size: .seconds(10)), allowedLateness: .seconds(5))
        h.send(1, "a", 1)
        h.send(2, "a", 1)
        #expect(h.engine.heldValueCount == 2)
        h.send(10, "a", 1)
        h.send(14.9, "a", 1)
        // [0, 10) has fired but is kept for late records until the watermark reaches 15.
        #expect(h.engine.heldValueCount == 4 && h.engine.liveWindowCount == 2)
        h.send(15, "a", 1)
        #expect(h.engine.heldValueCount == 3 && h.engine.liveWindowCount == 1)

        // A session key is forgotten once no record could reach its freed session: here at once,
        // since the watermark (20) is past the freed end (5) by more than gap + lateness.
        var sessions = Harness(.session(gap: .seconds(5)))
        sessions.send(0, "a", 1)
        sessions.send(20, "b", 1)
        #expect(sessions.engine.trackedKeyCount == 1 && sessions.engine.heldValueCount == 1)
        // It is remembered while a record could still merge into the freed session: [0, 5) was freed
        // at 7, and a record before 5 is late on its own bounds only once the watermark reaches 10.
        var recent = Harness(.session(gap: .seconds(5)))
        recent.send(0, "a", 1)
        recent.send(7, "b", 1)
        #expect(recent.engine.trackedKeyCount == 2 && recent.engine.heldValueCount == 1)
        recent.send(10, "b", 1)
        #expect(recent.engine.trackedKeyCount == 1)
    }

    // MARK: Configuration

    @Test func aConfigurationNamesEachInvalidField() {
        func fields(_ window: WindowKind, _ aggregates: [AggregateFunction] = [.count],
                    bound: Span = .zero, lateness: Span = .zero) -> [String] {
            WindowedAggregationConfiguration(window: window, aggregates: aggregates, outOfOrdernessMax: bound,
                                             allowedLateness: lateness).problems().map(\.field)
        }
        #expect(fields(.tumbling(size: .seconds(1)), [.percentile(100), .percentile(0.001)]) == [])
        #expect(fields(.tumbling(size: .zero)) == ["window.size"])
        #expect(fields(.sliding(size: .seconds(10), slide: .seconds(11))) == ["window.slide"])
        #expect(fields(.sliding(size: .seconds(10), slide: .zero)) == ["window.slide"])
        #expect(fields(.session(gap: .zero)) == ["window.gap"])
        #expect(fields(.stagger(size: Span(nanoseconds: -1))) == ["window.size"])
        #expect(fields(.tumbling(size: .seconds(1)), []) == ["aggregates"])
        #expect(fields(.tumbling(size: .seconds(1)), [.count, .percentile(0), .percentile(100.5)])
                == ["aggregates[1]", "aggregates[2]"])
        #expect(fields(.tumbling(size: .seconds(1)), bound: Span(nanoseconds: -1), lateness: Span(nanoseconds: -1))
                == ["outOfOrdernessMax", "allowedLateness"])
        #expect([AggregateFunction.count, .mean, .percentile(99), .percentile(99.9)].map(\.description)
                == ["count", "mean", "p99", "p99.9"])
    }
}
