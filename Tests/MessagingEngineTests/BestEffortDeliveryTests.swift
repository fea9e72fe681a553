import MessagingEngine
import SimKernel
import TestSupport
import Testing

/// Uniform draws from SplitMix64, recorded so a test can work out what the queue must have done
/// with each one.
final class RecordedRandomness: EngineRandomness {
    private var generator: SplitMix64
    private(set) var draws: [Double] = []

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    func uniform() -> Double {
        // The top 53 bits, so every value is a double in [0, 1).
        let draw = Double(generator.next() >> 11) * 0x1p-53
        draws.append(draw)
        return draw
    }
}

/// SEMANTICS.md, SQS standard: short polls sample partitions, delivery is at least once and order
/// best effort (knobs off by default), and each 64 KiB chunk of a payload is billed as one request.
@Suite struct BestEffortDeliveryTests {
    @Test func aShortPollOfFourPartitionsSamplingOneFindsALoneMessageInAboutAQuarterOfPolls() {
        let world = World {
            $0.partitions = 4
            $0.shortPollSampledPartitions = 1
        }
        let randomness = RecordedRandomness(seed: 7)
        world.queue.randomness = randomness
        world.send()
        let polls = 400
        var hits = 0
        for _ in 0..<polls {
            // A zero timeout puts the message back at once, so every poll faces the same queue.
            if !world.receive(max: 10, visibilityTimeout: .zero).isEmpty { hits += 1 }
            world.settle()
        }
        // Binomial(400, 1/4): mean 100, standard deviation √75 ≈ 8.7; four deviations either side.
        let p = 0.25
        let mean = Double(polls) * p
        let deviation = (Double(polls) * p * (1 - p)).squareRoot()
        #expect(abs(Double(hits) - mean) <= 4 * deviation, "\(hits) of \(polls) short polls found the message")
        // Each poll drew one partition; the message (number 0) lives in partition 0.
        #expect(randomness.draws.count == polls)
        #expect(hits == randomness.draws.count { Int($0 * 4) == 0 })
        #expect(world.queue.counters.emptyReceivesWithMessagesStored == polls - hits)
    }

    @Test func aLongPollAlwaysFindsALoneMessageWhateverThePartitions() {
        let world = World {
            $0.partitions = 4
            $0.shortPollSampledPartitions = 1
        }
        let randomness = RecordedRandomness(seed: 7)
        world.queue.randomness = randomness
        world.send()
        for poll in 0..<100 {
            let result = world.longPoll(max: 10, wait: .seconds(20), visibilityTimeout: .zero)
            #expect(result.messageNumbers == [0], "long poll \(poll) did not get the message at once")
            world.settle()
        }
        #expect(randomness.draws.isEmpty, "long polls look at every partition")
    }

    @Test func aSpuriousDuplicateLeavesTheMessageVisibleAndTheFirstHandleStale() throws {
        let world = World { $0.spuriousDuplicateProbability = 1 }
        world.queue.randomness = RecordedRandomness(seed: 1)
        world.send()
        let first = try world.receiveOne()
        #expect(world.counts == [1, 0, 0], "the message stayed visible")
        #expect(world.log.events == [.spuriousDuplicate(MessageID(0), at: .zero)])
        let second = try world.receiveOne()
        #expect(second.messageId == MessageID(0))
        #expect(second.receiveCount == 2)
        #expect(world.delete(first) == .acceptedStaleReceipt(MessageID(0)))
        #expect(world.queue.counters.staleReceiptDeletes == 1)
        #expect(world.queue.storedCount == 1)
        #expect(world.delete(second) == .deleted(MessageID(0)))
        #expect(world.queue.counters.spuriousDuplicates == 2)
    }

    @Test func messagesSentWithinTheReorderWindowCanComeOutOfOrder() {
        let window = Span.seconds(10)
        let world = World { $0.reorderWindow = window }
        let randomness = RecordedRandomness(seed: 3)
        world.queue.randomness = randomness
        var sentAt: [Instant] = []
        for _ in 0..<50 {
            sentAt.append(world.now)
            world.send()
            world.advance(by: .milliseconds(1))
        }
        world.advance(by: window)
        let received = (0..<5).flatMap { _ in numbers(world.receive(max: 10)) }
        #expect(received.count == 50)
        #expect(received != received.sorted(), "50 messages sent within 50 ms of a 10 s window kept their order")
        // Each message became visible after its own draw from the window.
        #expect(randomness.draws.count == 50)
        let visibleAt = (0..<50).map { sentAt[$0] + Span(seconds: window.seconds * randomness.draws[$0]) }
        #expect(received == (0..<50).sorted { visibleAt[$0] < visibleAt[$1] })
    }

    @Test func messagesSentFurtherApartThanTheReorderWindowKeepTheirOrder() {
        let world = World { $0.reorderWindow = .seconds(1) }
        world.queue.randomness = RecordedRandomness(seed: 3)
        for _ in 0..<20 {
            world.send()
            world.advance(by: .milliseconds(1_001))
        }
        world.advance(by: .seconds(1))
        let received = numbers(world.receive(max: 10)) + numbers(world.receive(max: 10))
        #expect(received == Array(0..<20))
    }

    @Test func withAReorderWindowOfZeroMessagesNeverComeOutOfOrder() {
        // No randomness is given: a draw would stop the test.
        let world = World()
        for index in 0..<50 {
            world.send(tag: UInt64(index))
            if index % 7 == 0 { world.advance(by: Span(nanoseconds: 1)) }
        }
        #expect(world.counts == [50, 0, 0], "nothing is held back")
        let received = (0..<5).flatMap { _ in numbers(world.receive(max: 10)) }
        #expect(received == Array(0..<50))
    }

    @Test func eachStarted64KiBOfAPayloadIsBilledAsOneRequest() {
        let world = World()
        world.send(bytes: 256 * kibibyte)
        #expect(world.queue.counters.billedRequests == 4)
        _ = world.receive(max: 1)
        #expect(world.queue.counters.billedRequests == 8, "receiving 256 KiB is billed as 4 requests too")

        let fresh = World()
        fresh.send(bytes: 64 * kibibyte)
        #expect(fresh.queue.counters.billedRequests == 1)
        fresh.send(bytes: 64 * kibibyte + 1)
        #expect(fresh.queue.counters.billedRequests == 3)
        let batch = (0..<3).map { _ in SendMessageRequest(bodyBytes: 30_000) }
        _ = fresh.queue.sendMessageBatch(batch)
        #expect(fresh.queue.counters.billedRequests == 5, "a batch is billed by its total payload, 90,000 B")
        _ = fresh.queue.sendMessageBatch((0..<10).map { _ in SendMessageRequest(bodyBytes: 100) })
        #expect(fresh.queue.counters.billedRequests == 6)
        #expect(fresh.queue.counters.sendRequests == 4)
        fresh.queue._checkInvariants()
    }
}
