import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: retention 60 s – 14 d, default 4 d. An expired message is gone: it is
/// *expired*, not *lost*.
@Suite struct QueueRetentionTests {
    @Test func retentionDefaultsToFourDays() {
        let world = World()
        #expect(world.queue.configuration.retention == .days(4))
        world.send(tag: 5)
        world.advance(by: .days(4) - Span(nanoseconds: 1))
        #expect(world.queue.storedCount == 1)
        world.advance(by: Span(nanoseconds: 1))
        #expect(world.queue.storedCount == 0)
        #expect(world.log.events == [.expired(MessageID(0), tag: 5, at: Instant.zero + .days(4))])
    }

    @Test func aMessagePastItsRetentionIsExpiredNotLost() {
        let world = World { $0.retention = .seconds(60) }
        world.send(tag: 11)
        world.advance(by: .seconds(10))
        world.send(tag: 12)
        world.advance(by: .seconds(49))
        #expect(world.queue.storedMessageIDs() == [MessageID(0), MessageID(1)])

        world.advance(by: .seconds(1))
        #expect(world.queue.storedMessageIDs() == [MessageID(1)])
        #expect(world.log.events == [.expired(MessageID(0), tag: 11, at: Instant(seconds: 60))])

        world.advance(by: .seconds(10))
        #expect(world.queue.storedMessageIDs().isEmpty)
        #expect(world.log.events.count == 2)
        #expect(world.log.events.last == .expired(MessageID(1), tag: 12, at: Instant(seconds: 70)))

        let counters = world.queue.counters
        #expect(counters.messagesExpired == 2)
        #expect(counters.messagesDeleted == 0, "an expired message was not deleted")
        #expect(counters.messagesSent == counters.messagesDeleted + counters.messagesExpired + world.queue.storedCount)
        #expect(world.counts == [0, 0, 0])
    }

    @Test func anInFlightMessageExpiresAndItsHandleThenFindsItGone() throws {
        let world = World { $0.retention = .seconds(60) }
        world.send()
        world.advance(by: .seconds(50))
        let message = try world.receiveOne(visibilityTimeout: .seconds(30))
        #expect(world.counts == [0, 1, 0])

        world.advance(by: .seconds(10))
        #expect(world.counts == [0, 0, 0])
        #expect(world.log.events == [.expired(message.messageId, tag: 0, at: Instant(seconds: 60))])

        world.advance(by: .seconds(30))
        #expect(world.log.events.count == 1, "the visibility timer of an expired message does nothing")
        #expect(world.queue.counters.visibilityLapses == 0)
        #expect(world.delete(message) == .acceptedAlreadyGone)
        #expect(world.changeVisibility(message, to: .seconds(5)) == .rejected(.messageNotInflight))
    }

    @Test func aDelayedMessageCanExpireBeforeItsDelayEnds() {
        let world = World { $0.retention = .seconds(60) }
        world.send(delay: .seconds(900), tag: 3)
        world.advance(by: .seconds(60))
        #expect(world.counts == [0, 0, 0])
        #expect(world.log.events == [.expired(MessageID(0), tag: 3, at: Instant(seconds: 60))])

        // A new message takes the expired one's place before the old delay timer fires at 900 s;
        // that timer must not make the new message visible.
        world.advance(by: .seconds(790))
        world.send(delay: .seconds(900), tag: 4)
        world.advance(by: .seconds(51))
        #expect(world.now == Instant(seconds: 901))
        #expect(world.counts == [0, 0, 1])
        world.advance(by: .seconds(9))
        #expect(world.counts == [0, 0, 0])
        #expect(world.log.events.last == .expired(MessageID(1), tag: 4, at: Instant(seconds: 910)))
    }

    @Test func expiryKeepsGoingAfterTheOldestMessageIsDeleted() throws {
        let world = World { $0.retention = .seconds(100) }
        world.send()
        world.advance(by: .seconds(20))
        world.send()
        let first = try world.receiveOne()
        #expect(first.messageId == MessageID(0))
        #expect(world.delete(first) == .deleted(MessageID(0)))

        world.advance(by: .seconds(99))
        #expect(world.queue.storedMessageIDs() == [MessageID(1)])
        world.advance(by: .seconds(1))
        #expect(world.queue.storedMessageIDs().isEmpty)
        #expect(world.log.events == [.expired(MessageID(1), tag: 0, at: Instant(seconds: 120))])
    }

    @Test func messagesSentAfterTheQueueEmptiedStillExpire() {
        let world = World { $0.retention = .seconds(60) }
        world.send()
        world.advance(by: .seconds(100))
        #expect(world.queue.counters.messagesExpired == 1)
        world.send()
        world.advance(by: .seconds(59))
        #expect(world.queue.storedCount == 1)
        world.advance(by: .seconds(1))
        #expect(world.queue.storedCount == 0)
        #expect(world.queue.counters.messagesExpired == 2)
    }
}
