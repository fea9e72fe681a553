import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: visibility timeout 0 – 12 h, default 30 s; a received message is
/// invisible until deleted or until the timeout lapses, then visible again with receive count + 1;
/// ChangeMessageVisibility restarts the timeout from the call and cannot pass 12 h from the first receive.
@Suite struct QueueVisibilityTests {
    @Test func visibilityTimeoutDefaultsToThirtySeconds() throws {
        let world = World()
        #expect(world.queue.configuration.visibilityTimeout == .seconds(30))
        world.send()
        world.advance(by: .seconds(5))
        let message = try world.receiveOne()
        #expect(message.receiveCount == 1)
        #expect(message.firstReceivedAt == Instant(seconds: 5))
        #expect(message.sentAt == .zero)

        world.advance(by: .seconds(30) - Span(nanoseconds: 1))
        #expect(world.counts == [0, 1, 0])
        #expect(world.receive().isEmpty, "an in-flight message is not handed out again")
        world.advance(by: Span(nanoseconds: 1))
        #expect(world.counts == [1, 0, 0])
    }

    @Test func aLapsedMessageIsVisibleAgainWithReceiveCountPlusOne() throws {
        let world = World()
        world.send(tag: 42)
        let first = try world.receiveOne()
        world.advance(by: .seconds(30))
        #expect(world.log.events == [.visibilityLapsed(first.messageId, receiveCount: 1, at: Instant(seconds: 30))])
        #expect(world.queue.counters.visibilityLapses == 1)

        world.advance(by: .seconds(4))
        let second = try world.receiveOne()
        #expect(second.messageId == first.messageId)
        #expect(second.receiveCount == 2)
        #expect(second.firstReceivedAt == .zero, "the first receive's time is kept")
        #expect(second.sentAt == first.sentAt)
        #expect(second.tag == 42)
        #expect(second.receiptHandle != first.receiptHandle, "each receive issues a new handle")
        #expect(world.queue.counters.messagesReceived == 2)
    }

    @Test func aReceiveCanNameItsOwnVisibilityTimeout() throws {
        let world = World()
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(90))
        world.advance(by: .seconds(89))
        #expect(world.counts == [0, 1, 0])
        world.advance(by: .seconds(1))
        #expect(world.counts == [1, 0, 0])

        let next = try world.receiveOne()
        world.advance(by: .seconds(30))
        #expect(world.counts == [1, 0, 0], "the next receive takes the queue's timeout again")
        #expect(next.receiveCount == 2)
    }

    @Test func aReceiveVisibilityTimeoutOutsideZeroToTwelveHoursIsRejected() {
        let world = World()
        world.send()
        for timeout in [Span(nanoseconds: -1), .hours(12) + Span(nanoseconds: 1)] {
            let result = world.queue.receiveMessage(ReceiveMessageRequest(visibilityTimeout: timeout), requester: nil)
            guard case .rejected(.invalidParameterValue) = result else {
                Issue.record("a visibility timeout of \(timeout) gave \(result)")
                continue
            }
        }
        #expect(world.counts == [1, 0, 0])
        #expect(world.receive(visibilityTimeout: .hours(12)).count == 1)
    }

    @Test func changeMessageVisibilityRestartsTheTimeoutFromTheCall() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        world.advance(by: .seconds(20))
        #expect(world.changeVisibility(message, to: .seconds(15)) == .changed)

        world.advance(by: .seconds(14))
        #expect(world.counts == [0, 1, 0], "the original deadline at 30 s no longer applies")
        world.advance(by: .seconds(1))
        #expect(world.counts == [1, 0, 0])
        #expect(world.log.events == [.visibilityLapsed(message.messageId, receiveCount: 1, at: Instant(seconds: 35))])
        #expect(world.queue.counters.changeVisibilityRequests == 1)
    }

    @Test func changeMessageVisibilityCanShortenTheTimeout() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne(visibilityTimeout: .seconds(600))
        world.advance(by: .seconds(10))
        #expect(world.changeVisibility(message, to: .seconds(5)) == .changed)
        world.advance(by: .seconds(5))
        #expect(world.counts == [1, 0, 0])
        world.advance(by: .seconds(600))
        #expect(world.queue.counters.visibilityLapses == 1, "the replaced deadline does not lapse a second time")
    }

    @Test func changeMessageVisibilityCannotPassTwelveHoursAfterTheFirstReceive() throws {
        let world = World()
        world.send()
        world.advance(by: .seconds(100))
        let message = try world.receiveOne(visibilityTimeout: .hours(2))
        world.advance(by: .hours(1))
        #expect(world.changeVisibility(message, to: .hours(11)) == .changed, "exactly 12 h after the first receive")
        world.advance(by: .hours(10))

        let result = world.changeVisibility(message, to: .hours(1) + Span(nanoseconds: 1))
        guard case .rejected(.invalidParameterValue) = result else {
            Issue.record("a deadline past 12 h after the first receive gave \(result)")
            return
        }
        #expect(world.changeVisibility(message, to: .hours(1)) == .changed)
        world.advance(by: .hours(1))
        #expect(world.counts == [1, 0, 0])
        #expect(world.log.events == [.visibilityLapsed(message.messageId, receiveCount: 1, at: Instant(seconds: 100) + .hours(12))])
    }

    @Test func aVisibilityTimeoutOfZeroIsAcceptedEvenPastTwelveHoursAfterTheFirstReceive() throws {
        let world = World()
        world.send()
        let first = try world.receiveOne(visibilityTimeout: .hours(12))
        world.advance(by: .hours(12) - Span(nanoseconds: 1))
        #expect(world.changeVisibility(first, to: .hours(12)) != .changed, "an extension past the limit is refused")
        world.advance(by: Span(nanoseconds: 1))
        let second = try world.receiveOne(visibilityTimeout: .seconds(30))
        world.advance(by: .seconds(10))
        // The second receive is now more than 12 h after the first; making it visible at once is allowed.
        #expect(world.changeVisibility(second, to: .zero) == .changed)
        world.settle()
        #expect(world.counts == [1, 0, 0])
    }

    @Test func changeMessageVisibilityOutsideZeroToTwelveHoursIsRejected() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        for timeout in [Span(nanoseconds: -1), .hours(12) + Span(nanoseconds: 1)] {
            guard case .rejected(.invalidParameterValue) = world.changeVisibility(message, to: timeout) else {
                Issue.record("a timeout of \(timeout) was not rejected")
                continue
            }
        }
        world.advance(by: .seconds(30))
        #expect(world.counts == [1, 0, 0], "rejected changes leave the original deadline")
    }

    @Test func aVisibilityTimeoutOfZeroMakesTheMessageVisibleNow() throws {
        let world = World()
        world.send()
        world.advance(by: .seconds(3))
        let message = try world.receiveOne()
        #expect(world.changeVisibility(message, to: .zero) == .changed)
        world.settle()
        #expect(world.now == Instant(seconds: 3))
        #expect(world.counts == [1, 0, 0])
        #expect(world.log.events == [.visibilityLapsed(message.messageId, receiveCount: 1, at: Instant(seconds: 3))])
        #expect(try world.receiveOne().receiveCount == 2)
    }

    @Test func aReceiveWithVisibilityTimeoutZeroLeavesTheMessageVisibleAtTheSameInstant() throws {
        let world = World()
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .zero)
        world.settle()
        #expect(world.counts == [1, 0, 0])
        #expect(world.queue.counters.visibilityLapses == 1)
    }

    @Test func aVisibilityTimeoutOfZeroHandsTheMessageToAWaitingLongPoll() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        let poll = try #require(world.waitingLongPoll())
        #expect(world.changeVisibility(message, to: .zero) == .changed)
        world.settle()
        let delivered = try #require(world.requester.messages(of: poll))
        #expect(numbers(delivered) == [0])
        #expect(delivered.first?.receiveCount == 2)
        #expect(world.counts == [0, 1, 0])
    }

    @Test func changingTheVisibilityOfAMessageNotInFlightIsRejected() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        world.advance(by: .seconds(30))
        #expect(world.changeVisibility(message, to: .seconds(10)) == .rejected(.messageNotInflight),
                "the message is visible again")

        let again = try world.receiveOne()
        guard case .rejected(.receiptHandleIsInvalid) = world.changeVisibility(message, to: .seconds(10)) else {
            Issue.record("a handle of an earlier receive changed the visibility of the current one")
            return
        }
        #expect(world.delete(again) == .deleted(again.messageId))
        #expect(world.changeVisibility(again, to: .seconds(10)) == .rejected(.messageNotInflight), "the message is deleted")
    }

    @Test func aHandleFromAnotherQueueCannotChangeVisibility() throws {
        let world = World(token: 1)
        let other = World(token: 2)
        world.send()
        other.send()
        _ = try world.receiveOne()
        let foreign = try other.receiveOne()
        guard case .rejected(.receiptHandleIsInvalid) = world.changeVisibility(foreign, to: .seconds(1)) else {
            Issue.record("a handle of another queue was accepted")
            return
        }
    }

    /// Slots are reused; a timer or handle of a slot's earlier message must never act on its new one.
    @Test func aVisibilityTimerOfADeletedMessageDoesNotLapseTheMessageThatReusesItsSlot() throws {
        let world = World()
        world.send()
        let old = try world.receiveOne(visibilityTimeout: .seconds(10))
        #expect(world.delete(old) == .deleted(old.messageId))

        world.send()
        let new = try world.receiveOne(visibilityTimeout: .seconds(60))
        world.advance(by: .seconds(10))
        #expect(world.counts == [0, 1, 0], "the deleted message's timer at 10 s must not lapse the new one")
        #expect(world.log.events.isEmpty)
        world.advance(by: .seconds(50))
        #expect(world.log.events == [.visibilityLapsed(new.messageId, receiveCount: 1, at: Instant(seconds: 60))])
    }

    @Test func aChangedVisibilityTimerDoesNotLapseTheMessageThatReusesItsSlot() throws {
        let world = World()
        world.send()
        let old = try world.receiveOne(visibilityTimeout: .seconds(10))
        #expect(world.changeVisibility(old, to: .seconds(20)) == .changed)
        #expect(world.delete(old) == .deleted(old.messageId))

        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(60))
        world.advance(by: .seconds(59))
        #expect(world.counts == [0, 1, 0], "neither of the old message's timers, at 10 s and 20 s, applies")
        world.advance(by: .seconds(1))
        #expect(world.counts == [1, 0, 0])
    }

    @Test func aVisibilityTimerOfADeletedMessageDoesNotTouchADelayedMessageInItsSlot() throws {
        let world = World()
        world.send()
        let old = try world.receiveOne(visibilityTimeout: .seconds(10))
        #expect(world.delete(old) == .deleted(old.messageId))
        world.send(delay: .seconds(15))
        world.advance(by: .seconds(10))
        #expect(world.counts == [0, 0, 1])
        world.advance(by: .seconds(5))
        #expect(world.counts == [1, 0, 0])
        let new = try world.receiveOne(visibilityTimeout: .seconds(30))
        world.advance(by: .seconds(29))
        #expect(world.counts == [0, 1, 0])
        #expect(new.receiveCount == 1)
    }
}
