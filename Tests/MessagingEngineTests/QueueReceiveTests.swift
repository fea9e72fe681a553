import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: ReceiveMessage returns 1 – 10 messages; long polling (WaitTimeSeconds
/// 1 – 20 s) returns as soon as a message is available and otherwise at the end of the wait; waiting
/// receivers are served in the order they started waiting.
@Suite struct QueueReceiveTests {
    func isInvalidParameter(_ result: ReceiveMessageResult) -> Bool {
        if case .rejected(.invalidParameterValue) = result { return true }
        return false
    }

    @Test func maxNumberOfMessagesMustBeOneToTen() {
        let world = World()
        for _ in 0..<12 { world.send() }
        for count in [0, -1, 11] {
            #expect(isInvalidParameter(world.queue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: count), requester: nil)))
            #expect(isInvalidParameter(world.longPoll(max: count)))
        }
        #expect(world.counts == [12, 0, 0])
        #expect(world.receive(max: 10).count == 10)
        #expect(world.receive(max: 1).count == 1)
        #expect(world.queue.counters.receiveRequests == 8)
    }

    @Test func waitTimeMustBeZeroToTwentySeconds() {
        let world = World()
        for wait in [Span(nanoseconds: -1), .seconds(20) + Span(nanoseconds: 1)] {
            #expect(isInvalidParameter(world.longPoll(wait: wait)))
        }
        #expect(world.queue.waitingReceiveCount == 0)
        #expect(world.waitingLongPoll(wait: .seconds(20)) != nil)
        #expect(world.queue.waitingReceiveCount == 1)
    }

    @Test func aReceiveReturnsAtMostItsMaximumInTheOrderMessagesBecameVisible() throws {
        let world = World()
        for _ in 0..<12 { world.send() }
        let first = try world.receiveOne(visibilityTimeout: .seconds(1))
        #expect(first.messageId == MessageID(0))
        world.advance(by: .seconds(1))
        #expect(numbers(world.receive(max: 10)) == Array(1...10))
        #expect(numbers(world.receive(max: 10)) == [11, 0], "the lapsed message is visible again behind the others")
        #expect(world.counts == [0, 12, 0])
    }

    @Test func aShortPollOfAnEmptyQueueReturnsNothingAndCountsAsEmpty() {
        let world = World()
        #expect(world.receive().isEmpty)
        #expect(world.queue.counters.emptyReceives == 1)
        #expect(world.queue.counters.receiveRequests == 1)
    }

    @Test func aLongPollReturnsAtOnceWhenMessagesAreVisible() {
        let world = World()
        world.send()
        world.send()
        guard case .messages(let messages) = world.longPoll(max: 5) else {
            Issue.record("the long poll waited although messages were visible")
            return
        }
        #expect(numbers(messages) == [0, 1])
        world.advance(by: .seconds(20))
        #expect(world.requester.completions.isEmpty, "a poll that returned at once is not completed again")
        #expect(world.queue.counters.emptyReceives == 0)
    }

    @Test func aLongPollCompletesAsSoonAsAMessageArrives() throws {
        let world = World()
        world.advance(by: .seconds(1))
        let poll = try #require(world.waitingLongPoll(max: 10))
        world.advance(by: .milliseconds(2_500))
        #expect(world.requester.completions.isEmpty)

        let id = world.send(tag: 77)
        // The sender has its answer before any receiver hears of the message.
        #expect(world.requester.completions.isEmpty)
        #expect(world.counts == [0, 1, 0], "the waiting poll took the message during the send")
        world.settle()

        let completion = try #require(world.requester.completions.first)
        #expect(completion.request == poll)
        #expect(completion.at == Instant(seconds: 3.5))
        #expect(completion.messages.map(\.messageId) == [id])
        #expect(completion.messages.first?.tag == 77)
        #expect(completion.messages.first?.firstReceivedAt == Instant(seconds: 3.5))
        #expect(world.queue.waitingReceiveCount == 0)

        world.advance(by: .seconds(30))
        #expect(world.requester.completions.count == 1, "a served poll is not completed again when its wait ends")
        #expect(world.queue.counters.emptyReceives == 0)
    }

    @Test func aLongPollCompletesEmptyAtTheEndOfItsWait() throws {
        let world = World()
        let poll = try #require(world.waitingLongPoll(wait: .seconds(20)))
        world.advance(by: .seconds(20) - Span(nanoseconds: 1))
        #expect(world.requester.completions.isEmpty)
        world.advance(by: Span(nanoseconds: 1))

        let completion = try #require(world.requester.completions.first)
        #expect(completion.request == poll)
        #expect(completion.messages.isEmpty)
        #expect(completion.at == Instant(seconds: 20))
        #expect(world.queue.waitingReceiveCount == 0)
        #expect(world.queue.counters.emptyReceives == 1)

        world.send()
        world.settle()
        #expect(world.requester.completions.count == 1)
        #expect(world.counts == [1, 0, 0], "a poll that ended takes nothing")
    }

    @Test func theQueueReceiveWaitTimeMakesAReceiveWithoutOneALongPoll() throws {
        let world = World { $0.receiveWaitTime = .seconds(5) }
        let result = world.queue.receiveMessage(ReceiveMessageRequest(), requester: world.requester)
        guard case .waiting(let poll) = result else {
            Issue.record("the receive did not wait: \(result)")
            return
        }
        world.advance(by: .seconds(5))
        #expect(world.requester.completions.map(\.request) == [poll])
        #expect(world.requester.completions.first?.at == Instant(seconds: 5))

        guard case .messages(let none) = world.queue.receiveMessage(ReceiveMessageRequest(waitTime: .zero), requester: nil) else {
            Issue.record("a receive asking for no wait did not return at once")
            return
        }
        #expect(none.isEmpty)
    }

    @Test func waitingReceiversAreServedInTheOrderTheyStartedWaiting() throws {
        let world = World()
        var polls: [ReceiveRequestID] = []
        for _ in 0..<3 {
            polls.append(try #require(world.waitingLongPoll(max: 1)))
            world.advance(by: .seconds(1))
        }
        for _ in 0..<3 {
            world.send()
            world.settle()
        }
        #expect(world.requester.completions.map(\.request) == polls)
        #expect(world.requester.completions.map { numbers($0.messages) } == [[0], [1], [2]])
    }

    @Test func oneSendBatchServesWaitingReceiversInTurn() throws {
        let world = World()
        let first = try #require(world.waitingLongPoll(max: 2))
        let second = try #require(world.waitingLongPoll(max: 5))
        let third = try #require(world.waitingLongPoll(max: 5))
        let batch = Array(repeating: SendMessageRequest(bodyBytes: 10), count: 3)
        guard case .entries = world.queue.sendMessageBatch(batch) else {
            Issue.record("the batch was rejected")
            return
        }
        world.settle()
        #expect(world.requester.completions.map(\.request) == [first, second])
        #expect(world.requester.completions.map { numbers($0.messages) } == [[0, 1], [2]])
        #expect(world.queue.waitingReceiveCount == 1)

        world.advance(by: .seconds(20))
        #expect(world.requester.completions.map(\.request) == [first, second, third])
        #expect(world.requester.completions.last?.messages.isEmpty == true)
    }

    @Test func aCancelledLongPollIsNeitherServedNorCompleted() throws {
        let world = World()
        let cancelled = try #require(world.waitingLongPoll())
        let other = Requester(world.scheduler)
        let kept = try #require(world.waitingLongPoll(by: other))
        world.queue.cancelReceive(cancelled)
        #expect(world.queue.waitingReceiveCount == 1)

        world.send()
        world.settle()
        #expect(world.requester.completions.isEmpty)
        #expect(other.completions.map(\.request) == [kept])
        world.advance(by: .seconds(20))
        #expect(world.requester.completions.isEmpty, "not even empty at the end of its wait")
        #expect(world.queue.counters.emptyReceives == 0)
    }

    @Test func aLongPollCancelledAfterBeingServedBeforeItsRequesterWasToldGetsNothing() throws {
        let world = World()
        let poll = try #require(world.waitingLongPoll())
        world.send()
        // The poll took the message; its requester would be told later at this instant. The caller goes away.
        world.queue.cancelReceive(poll)
        world.queue._checkInvariants()
        world.settle()
        #expect(world.requester.completions.isEmpty)
        #expect(world.counts == [0, 1, 0], "the message stays in flight, like one whose response was lost")
        world.advance(by: .seconds(30))
        #expect(world.counts == [1, 0, 0])
        #expect(world.log.events == [.visibilityLapsed(MessageID(0), receiveCount: 1, at: Instant(seconds: 30))])
    }

    @Test func cancellingALongPollThatAlreadyCompletedOrNeverExistedDoesNothing() throws {
        let world = World()
        let poll = try #require(world.waitingLongPoll())
        world.send()
        world.settle()
        world.queue.cancelReceive(poll)
        let waiting = try #require(world.waitingLongPoll())
        world.queue.cancelReceive(poll)
        #expect(world.queue.waitingReceiveCount == 1)
        world.send()
        world.settle()
        #expect(world.requester.completions.map(\.request) == [poll, waiting])
    }
}

/// SEMANTICS.md, SQS standard: in-flight (received, not deleted) limit about 120,000; past it a short
/// poll gets OverLimit, a long poll just returns nothing.
@Suite struct QueueInFlightLimitTests {
    @Test func theInFlightLimitDefaultsTo120000() {
        #expect(QueueConfiguration(name: "q").inFlightMax == 120_000)
    }

    @Test func aShortPollPastTheInFlightLimitGetsOverLimit() {
        let world = World { $0.inFlightMax = 2 }
        for _ in 0..<3 { world.send() }
        #expect(world.receive(max: 2).count == 2)
        let result = world.queue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero), requester: nil)
        guard case .rejected(let error) = result else {
            Issue.record("a short poll past the limit gave \(result)")
            return
        }
        #expect(error.code == "OverLimit")
        #expect(world.counts == [1, 2, 0])
    }

    @Test func aReceiveTakesNoMoreThanTheRoomLeftInFlight() {
        let world = World { $0.inFlightMax = 3 }
        for _ in 0..<10 { world.send() }
        #expect(world.receive(max: 2).count == 2)
        #expect(numbers(world.receive(max: 10)) == [2])
        #expect(world.counts == [7, 3, 0])
    }

    @Test func aLongPollPastTheInFlightLimitWaitsUntilMessagesLeaveFlight() throws {
        let world = World { $0.inFlightMax = 1 }
        world.send()
        world.send()
        let held = try world.receiveOne()
        let poll = try #require(world.waitingLongPoll(), "a long poll waits instead of getting OverLimit")
        world.advance(by: .seconds(2))
        #expect(world.requester.completions.isEmpty, "a visible message is not handed out past the limit")
        #expect(world.counts == [1, 1, 0])

        #expect(world.delete(held) == .deleted(held.messageId))
        world.settle()
        #expect(world.requester.completions.map(\.request) == [poll])
        #expect(world.requester.completions.first.map { numbers($0.messages) } == [1])
        #expect(world.requester.completions.first?.at == Instant(seconds: 2))
    }

    @Test func aLongPollBlockedByTheInFlightLimitIsServedWhenAMessageLapses() throws {
        let world = World { $0.inFlightMax = 1 }
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(5))
        let poll = try #require(world.waitingLongPoll())
        world.advance(by: .seconds(5))
        #expect(world.requester.completions.map(\.request) == [poll])
        #expect(world.requester.completions.first?.messages.first?.receiveCount == 2)
    }

    @Test func aLongPollBlockedByTheInFlightLimitReturnsNothingAtTheEndOfItsWait() throws {
        let world = World { $0.inFlightMax = 1 }
        world.send()
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(60))
        let poll = try #require(world.waitingLongPoll(wait: .seconds(10)))
        world.advance(by: .seconds(10))
        #expect(world.requester.completions.map(\.request) == [poll])
        #expect(world.requester.completions.first?.messages.isEmpty == true)
        #expect(world.counts == [1, 1, 0])
    }

    /// An observer told of an expiry calls in while the queue is between states: room has opened in
    /// flight, a message is visible, and an earlier poll still waits. The newcomer must not take it.
    @Test func aLongPollMadeWhileTheQueueReportsAnExpiryWaitsBehindEarlierPolls() throws {
        final class PollOnExpiry: QueueObserver {
            let requester: Requester
            var result: ReceiveMessageResult?
            init(_ requester: Requester) { self.requester = requester }
            func queue(_ queue: Queue, didObserve event: QueueEvent) {
                guard case .expired = event, result == nil else { return }
                result = queue.receiveMessage(ReceiveMessageRequest(waitTime: .seconds(20)), requester: requester)
            }
        }
        let world = World {
            $0.inFlightMax = 1
            $0.retention = .seconds(60)
        }
        let late = Requester(world.scheduler)
        let observer = PollOnExpiry(late)
        world.queue.observer = observer
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .hours(1))
        world.advance(by: .seconds(10))
        world.send()
        world.advance(by: .seconds(45))
        let early = try #require(world.waitingLongPoll(), "the in-flight limit holds the first poll back")

        world.advance(by: .seconds(5))
        guard case .waiting = observer.result else {
            Issue.record("the poll made during the expiry did not wait: \(String(describing: observer.result))")
            return
        }
        #expect(world.requester.completions.map(\.request) == [early])
        #expect(world.requester.completions.first.map { numbers($0.messages) } == [1])
        #expect(late.completions.isEmpty)
    }

    @Test func aNewLongPollQueuesBehindReceiversAlreadyWaitingAtTheLimit() throws {
        let world = World { $0.inFlightMax = 2 }
        for _ in 0..<3 { world.send() }
        let held = world.receive(max: 2)
        let first = try #require(world.waitingLongPoll(max: 1))
        let second = try #require(world.waitingLongPoll(max: 1), "a visible message does not let a newcomer jump the queue")
        #expect(world.delete(held[0]) == .deleted(held[0].messageId))
        world.settle()
        #expect(world.requester.completions.map(\.request) == [first])
        #expect(world.queue.waitingReceiveCount == 1)
        world.send()
        #expect(world.delete(held[1]) == .deleted(held[1].messageId))
        world.settle()
        #expect(world.requester.completions.map(\.request) == [first, second])
        #expect(world.requester.completions.map { numbers($0.messages) } == [[2], [3]])
    }
}
