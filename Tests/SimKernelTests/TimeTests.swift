import SimKernel
import Testing

@Suite struct TimeTests {
    @Test func spansAreBuiltFromWholeUnitsInNanoseconds() {
        #expect(Span.milliseconds(250).nanoseconds == 250_000_000)
        #expect(Span.seconds(30).nanoseconds == 30_000_000_000)
        #expect(Span.seconds(14 * 86_400).nanoseconds == 1_209_600_000_000_000)
        #expect(Span.zero.nanoseconds == 0)
        #expect(Span.seconds(3).seconds == 3)
        #expect(Span.milliseconds(1_500).seconds == 1.5)
    }

    @Test func spanArithmeticAddsSubtractsAndScales() {
        #expect(Span.seconds(2) + .milliseconds(500) == .milliseconds(2_500))
        #expect(Span.seconds(2) - .milliseconds(500) == .milliseconds(1_500))
        #expect(Span.seconds(1) - .seconds(3) == .seconds(-2))
        #expect(Span.milliseconds(250) * 4 == .seconds(1))
        #expect(Span.milliseconds(1) < Span.milliseconds(2))
        #expect(Span.seconds(-1) < .zero)
    }

    @Test func spanFromSecondsRoundsToTheNearestNanosecond() {
        #expect(Span(seconds: 1.5).nanoseconds == 1_500_000_000)
        #expect(Span(seconds: 1.4e-9).nanoseconds == 1)
        #expect(Span(seconds: 1.6e-9).nanoseconds == 2)
        #expect(Span(seconds: -1.6e-9).nanoseconds == -2)
        #expect(Span(seconds: 0.25).nanoseconds == 250_000_000)
        #expect(Span(seconds: 0).nanoseconds == 0)
    }

    @Test func spanFromSecondsSaturatesInsteadOfOverflowing() {
        #expect(Span(seconds: 1e300).nanoseconds == .max)
        #expect(Span(seconds: .infinity).nanoseconds == .max)
        #expect(Span(seconds: -1e300).nanoseconds == .min)
        #expect(Span(seconds: -.infinity).nanoseconds == .min)
        // About 292 years is the longest span that fits; a little less still converts exactly.
        #expect(Span(seconds: 9e9).nanoseconds == 9_000_000_000_000_000_000)
    }

    @Test func instantsMoveBySpansAndDifferAsSpans() {
        let start = Instant(nanoseconds: 1_000)
        #expect(start + .milliseconds(1) == Instant(nanoseconds: 1_001_000))
        #expect(start + Span(nanoseconds: -400) == Instant(nanoseconds: 600))
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start - (start + .seconds(2)) == .seconds(-2))
        #expect(Instant.zero < start)
        #expect(start < .distantFuture)
    }

    @Test func instantFromSecondsRoundsToTheNearestNanosecond() {
        #expect(Instant(seconds: 2.5) == Instant(nanoseconds: 2_500_000_000))
        #expect(Instant(seconds: 1.6e-9) == Instant(nanoseconds: 2))
        #expect(Instant(nanoseconds: 2_500_000_000).seconds == 2.5)
        #expect(Instant(seconds: 1e300) == .distantFuture)
    }

    @Test func instantPlusSpanSaturatesAtTheEndsOfTime() {
        #expect(Instant.distantFuture + .seconds(1) == .distantFuture)
        #expect(Instant(nanoseconds: .max - 5) + Span(nanoseconds: 10) == .distantFuture)
        #expect(Instant(seconds: 100) + Span(nanoseconds: .max) == .distantFuture)
        #expect(Instant.zero + Span(nanoseconds: .max) == .distantFuture, "exactly the largest instant, no overflow")
        #expect(Instant(nanoseconds: .min + 5) + Span(nanoseconds: -10) == Instant(nanoseconds: .min))
        #expect(Instant.distantFuture + Span(nanoseconds: -1) == Instant(nanoseconds: .max - 1),
                "moving back from the end of time is ordinary arithmetic")
    }

    @Test func instantsAndSpansDescribeThemselvesInSeconds() {
        #expect(Instant(seconds: 1.5).description == "1.5s")
        #expect(Span.milliseconds(250).description == "0.25s")
    }
}
