import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: delay 0 – 900 s, per queue or per message.
@Suite struct QueueDelayTests {
    @Test func aQueueDelayHoldsEveryMessageBackForThatLong() {
        let world = World { $0.delay = .seconds(10) }
        world.send()
        world.advance(by: .seconds(4))
        world.send()
        #expect(world.counts == [0, 0, 2])
        #expect(world.receive().isEmpty)
        #expect(world.queue.storedMessageIDs() == [MessageID(0), MessageID(1)], "delayed messages are stored")

        world.advance(by: .seconds(6))
        #expect(world.counts == [1, 0, 1])
        world.advance(by: .seconds(4))
        #expect(world.counts == [2, 0, 0])
        #expect(numbers(world.receive()) == [0, 1])
    }

    @Test func aPerMessageDelayOverridesTheQueueDelay() {
        let world = World { $0.delay = .seconds(10) }
        world.send(delay: .zero)
        world.send(delay: .seconds(3))
        world.send()
        #expect(world.counts == [1, 0, 2])
        world.advance(by: .seconds(3))
        #expect(world.counts == [2, 0, 1])
        world.advance(by: .seconds(7))
        #expect(world.counts == [3, 0, 0])
    }

    @Test func aPerMessageDelayMustBeZeroTo900Seconds() {
        let world = World()
        for delay in [Span(nanoseconds: -1), .seconds(900) + Span(nanoseconds: 1)] {
            guard case .rejected(.invalidParameterValue) = world.queue.sendMessage(SendMessageRequest(bodyBytes: 1, delay: delay)) else {
                Issue.record("a delay of \(delay) was accepted")
                continue
            }
        }
        world.send(delay: .seconds(900))
        #expect(world.counts == [0, 0, 1])
        world.advance(by: .seconds(900))
        #expect(world.counts == [1, 0, 0])
    }

    @Test func delayedMessagesBecomeVisibleInTheOrderTheirDelaysEnd() {
        let world = World()
        world.send(delay: .seconds(5))
        world.send(delay: .seconds(2))
        world.send(delay: .seconds(5))
        world.send()
        world.advance(by: .seconds(5))
        #expect(numbers(world.receive()) == [3, 1, 0, 2])
    }

    @Test func aMessageWhoseDelayEndsIsHandedToAWaitingLongPoll() throws {
        let world = World()
        let poll = try #require(world.waitingLongPoll())
        world.send(delay: .seconds(7))
        world.settle()
        #expect(world.requester.completions.isEmpty)
        world.advance(by: .seconds(7))
        #expect(world.requester.completions.count == 1)
        #expect(world.requester.completions.first?.request == poll)
        #expect(world.requester.completions.first?.at == Instant(seconds: 7))
        #expect(world.counts == [0, 1, 0])
    }
}
