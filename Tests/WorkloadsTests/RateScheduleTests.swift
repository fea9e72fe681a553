import SimKernel
import Testing
import Workloads

/// `RateSchedule.instant(after:area:)` against integrals computed by hand.
@Suite struct RateScheduleTests {
    /// 2/s on [0, 10), nothing on [10, 20), 5/s from 20 s on.
    let gapped = RateSchedule(steps: [
        .init(from: at(0), ratePerSecond: 2),
        .init(from: at(10), ratePerSecond: 0),
        .init(from: at(20), ratePerSecond: 5),
    ])

    @Test func anAreaWithinTheFirstStepIsReachedAtAreaOverRate() {
        #expect(gapped.instant(after: at(0), area: 4) == at(2))
        #expect(gapped.instant(after: at(3), area: 1) == at(3.5))
    }

    @Test func theIntegralSkipsAZeroRateGap() {
        // From 9 s: 2 of the area by 10 s, nothing until 20 s, the remaining 2 at 5/s takes 0.4 s.
        #expect(gapped.instant(after: at(9), area: 4) == at(20.4))
        // 20 by 10 s, then 5 more at 5/s.
        #expect(gapped.instant(after: at(0), area: 25) == at(21))
    }

    @Test func aStartInsideAZeroRateGapWaitsForTheNextPositiveStep() {
        #expect(gapped.instant(after: at(15), area: 1) == at(20.2))
        #expect(gapped.instant(after: at(10), area: 0.5) == at(20.1))
    }

    @Test func aStartExactlyOnAStepBoundaryUsesTheStepThatBeginsThere() {
        #expect(gapped.instant(after: at(20), area: 1) == at(20.2))
    }

    @Test func theRateBeforeTheFirstStepIsZero() {
        let late = RateSchedule(steps: [.init(from: at(5), ratePerSecond: 1)])
        #expect(late.instant(after: at(0), area: 2) == at(7))
    }

    @Test func anAreaFilledExactlyAtAStepBoundaryIsReachedThereNotAfterTheGap() {
        // The integral from 0 reaches 20 at 10 s and stays there through the gap.
        #expect(gapped.instant(after: at(0), area: 20) == at(10))
        #expect(gapped.instant(after: at(9.5), area: 1) == at(10))
    }

    @Test func thereIsNoInstantAfterTheLastStepWhenItsRateIsZero() {
        let ending = RateSchedule(steps: [.init(from: at(0), ratePerSecond: 1), .init(from: at(10), ratePerSecond: 0)])
        #expect(ending.instant(after: at(5), area: 10) == nil)
        #expect(ending.instant(after: at(10), area: 0.001) == nil)
        #expect(ending.instant(after: at(500), area: 1) == nil)
        #expect(ending.instant(after: at(5), area: 4.5) == at(9.5))
    }

    @Test func aConstantScheduleIsUniformFromAnyStart() {
        let constant = RateSchedule(constant: 8)
        #expect(constant.instant(after: at(0), area: 1) == at(0.125))
        #expect(constant.instant(after: at(1000), area: 3) == at(1000.375))
        #expect(RateSchedule(constant: 0).instant(after: at(0), area: 1) == nil)
    }

    @Test func manyShortStepsAddUpExactly() {
        // Ten 1-second steps with rates 1, 2, …, 10: the integral to 10 s is 55.
        let steps = (0..<10).map { RateSchedule.Step(from: at(Double($0)), ratePerSecond: Double($0 + 1)) }
        let schedule = RateSchedule(steps: steps)
        #expect(schedule.instant(after: at(0), area: 54) == at(9.9))
        #expect(schedule.instant(after: at(0), area: 65) == at(11))
        #expect(schedule.instant(after: at(2.5), area: 1.5) == at(3))
    }
}
