@testable import MessagingEngine
import SimKernel
import Testing
import TestSupport

private func at(_ nanoseconds: Int64) -> Instant { Instant(nanoseconds: nanoseconds) }
private let second: Int64 = 1_000_000_000

/// A sliding one-second window: never more than N admitted calls in any (t − 1 s, t].
@Suite struct TransactionRateLimiterTests {
    @Test func fifoAllowsThreeHundredTransactionsPerSecondPerAction() {
        var limiter = FifoThroughputLimiter(quota: .standard)
        // 300 sends spread over the first 0.9 s all pass.
        let first300 = (0..<300).filter { limiter.tryAcquire(.sendMessage, at: at(Int64($0) * 3_000_000)) }
        #expect(first300.count == 300)
        let calls: [(SQSAction, Instant)] = [
            // The 301st in the same second is refused, to its last nanosecond.
            (.sendMessage, at(second - 1)),
            // Another action has its own 300.
            (.receiveMessage, at(second - 1)),
            // One second after the first send, its place is free again; one more is not.
            (.sendMessage, at(second)),
            (.sendMessage, at(second)),
            (.sendMessage, at(second + 3_000_000)),
        ]
        #expect(calls.map { limiter.tryAcquire($0.0, at: $0.1) } == [false, true, true, false, true])
        #expect(limiter.admittedCount == 303)
        #expect(limiter.throttledCount == 2)
    }

    @Test func aSteadyStreamAtTheLimitIsNeverRefused() {
        // 300/s evenly: one call every 1/300 s, rounded up to whole nanoseconds.
        var limiter = TransactionRateLimiter(transactionsMax: 300)
        let refused = (0..<3_000).filter { !limiter.tryAcquire(at: at(Int64($0) * 3_333_334)) }
        #expect(refused.isEmpty)
        // One more call at the same instant as the last is the 301st of its window.
        let squeezedIn = limiter.tryAcquire(at: at(2_999 * 3_333_334))
        #expect(!squeezedIn)
    }

    @Test func refusedCallsTakeNoCapacity() {
        var limiter = TransactionRateLimiter(transactionsMax: 2)
        #expect([at(0), at(500_000_000)].map { limiter.tryAcquire(at: $0) } == [true, true])
        let retries = stride(from: Int64(600_000_000), to: second, by: 10_000_000).map { limiter.tryAcquire(at: at($0)) }
        #expect(retries == Array(repeating: false, count: 40))
        // The retries took nothing: the first admission's place is free one second after it.
        let afterOneSecond = limiter.tryAcquire(at: at(second))
        #expect(afterOneSecond)
        #expect(limiter.refusedCount == 40)
        #expect(limiter.earliestAdmission(from: at(second)) == at(second + 500_000_000))
    }

    @Test func theEarliestAdmissionIsTheOldestAdmissionInTheWindowPlusTheWindow() {
        var limiter = TransactionRateLimiter(transactionsMax: 3)
        #expect(limiter.earliestAdmission(from: at(5)) == at(5))
        #expect([10, 20, 30].map { limiter.tryAcquire(at: at($0)) } == [true, true, true])
        #expect(limiter.earliestAdmission(from: at(30)) == at(10 + second))
        #expect(limiter.earliestAdmission(from: at(10 + second + 7)) == at(10 + second + 7))
        #expect([10 + second - 1, 10 + second].map { limiter.tryAcquire(at: at($0)) } == [false, true])
    }

    @Test func noWindowEverHoldsMoreThanTheLimitAndNoCallIsRefusedWithRoomLeft() {
        for seed in UInt64(1)...40 {
            var random = SplitMix64(seed: seed)
            let limit = random.int(1...20)
            var limiter = TransactionRateLimiter(transactionsMax: limit)
            var admitted: [Int64] = []
            var now: Int64 = 0
            for _ in 0..<2_000 {
                now += Int64(random.int(0...(2 * Int(second) / limit)))
                let inWindow = admitted.reversed().prefix { $0 > now - second }.count
                let expected = inWindow < limit
                let got = limiter.tryAcquire(at: at(now))
                if got != expected {
                    Issue.record("seed \(seed): limit \(limit), \(inWindow) in the window at \(now) ns, admitted \(got)")
                    break
                }
                if got { admitted.append(now) }
            }
        }
    }

    @Test func purgeQueueOnlyOncePerSixtySeconds() {
        var gate = CooldownGate(cooldown: CooldownGate.purgeQueueCooldown)
        #expect(gate.tryPass(at: at(10 * second)) == .passed)
        #expect(gate.tryPass(at: at(40 * second)) == .refused(remaining: .seconds(30)))
        // A refused purge does not restart the cooldown.
        #expect(gate.tryPass(at: at(70 * second - 1)) == .refused(remaining: Span(nanoseconds: 1)))
        #expect(gate.tryPass(at: at(70 * second)) == .passed)
        #expect(gate.tryPass(at: at(70 * second)) == .refused(remaining: .seconds(60)))
        #expect(gate.refusedCount == 3)
        #expect(gate.lastPassed == at(70 * second))
    }
}

/// High-throughput mode: a window per message group under a larger queue-wide one.
@Suite struct FifoThroughputLimiterTests {
    @Test func highThroughputModeLimitsEachMessageGroupOnItsOwn() {
        let quota = FifoThroughputQuota(scope: .perMessageGroupId, queueTransactionsPerSecondMax: 500, groupTransactionsPerSecondMax: 300)
        var limiter = FifoThroughputLimiter(quota: quota)
        func send(_ count: Int, group: [String]) -> Int {
            (0..<count).filter { _ in limiter.tryAcquire(.sendMessage, messageGroupIds: group, at: at(0)) }.count
        }
        #expect(send(301, group: ["a"]) == 300)
        #expect(send(200, group: ["b"]) == 200)
        // The queue-wide 500 is reached now, whatever the group.
        #expect(send(1, group: ["c"]) == 0)
        #expect(send(1, group: []) == 0)
        #expect(limiter.throttledCount == 3)
    }

    @Test func aCallRefusedByOneOfItsGroupsTakesNoCapacityAnywhere() {
        let quota = FifoThroughputQuota(scope: .perMessageGroupId, queueTransactionsPerSecondMax: 10, groupTransactionsPerSecondMax: 2)
        var limiter = FifoThroughputLimiter(quota: quota)
        // After the first two, "a" is full: the batch naming "b" and "a" is refused and "b" keeps
        // its second place (a group named twice counts once).
        let groups = [["a", "b"], ["a"], ["b", "a"], ["b", "b"]]
        #expect(groups.map { limiter.tryAcquire(.sendMessage, messageGroupIds: $0, at: at(0)) } == [true, true, false, true])
        // The queue-wide window holds three admitted sends, so seven more fit.
        var queueWide = 0
        while limiter.tryAcquire(.sendMessage, messageGroupIds: ["g\(queueWide)"], at: at(0)) { queueWide += 1 }
        #expect(queueWide == 7)
    }

    @Test func perQueueModeIgnoresMessageGroups() {
        var limiter = FifoThroughputLimiter(quota: FifoThroughputQuota(scope: .perQueue, queueTransactionsPerSecondMax: 3))
        #expect(["a", "b", "c", "d"].map { limiter.tryAcquire(.sendMessage, messageGroupIds: [$0], at: at(0)) } == [true, true, true, false])
        #expect(limiter.heldGroupCount == 0)
    }

    @Test func idleMessageGroupsAreDroppedAndStartAfresh() {
        var limiter = FifoThroughputLimiter(quota: .highThroughput)
        let old = (0..<1_500).filter { limiter.tryAcquire(.sendMessage, messageGroupIds: ["old\($0)"], at: at(0)) }
        #expect(old.count == 1_500)
        // The sweep at 1,024 groups found none idle.
        #expect(limiter.heldGroupCount == 1_500)
        let new = (0..<548).filter { limiter.tryAcquire(.sendMessage, messageGroupIds: ["new\($0)"], at: at(2 * second)) }
        #expect(new.count == 548)
        // At 2,048 groups the sweep drops the 1,500 idle for two seconds.
        #expect(limiter.heldGroupCount == 548)
        // A dropped group starts afresh with its full 300.
        let again = (0..<301).filter { _ in limiter.tryAcquire(.sendMessage, messageGroupIds: ["old0"], at: at(2 * second)) }
        #expect(again.count == 300)
    }

    @Test func theDefaultQuotasAreThreeHundredPerQueueAndSeventyThousandInHighThroughputMode() {
        #expect(FifoThroughputQuota.standard.scope == .perQueue)
        #expect(FifoThroughputQuota.standard.queueTransactionsPerSecondMax == 300)
        #expect(FifoThroughputQuota.highThroughput.scope == .perMessageGroupId)
        #expect(FifoThroughputQuota.highThroughput.queueTransactionsPerSecondMax == 70_000)
        #expect(FifoThroughputQuota.highThroughput.groupTransactionsPerSecondMax == 300)
        #expect(FifoThroughputQuota.standard.problems().isEmpty)
        let broken = FifoThroughputQuota(scope: .perMessageGroupId, queueTransactionsPerSecondMax: 0, groupTransactionsPerSecondMax: 0)
        #expect(broken.problems().map(\.attribute) == ["queueTransactionsPerSecondMax", "groupTransactionsPerSecondMax"])
    }
}
