import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: dead-letter redrive (RedrivePolicy, RedriveAllowPolicy), message
/// move tasks and PurgeQueue.
@Suite struct DeadLetterQueueTests {
    /// A source queue (the world's, token 1) whose redrive policy names a dead-letter queue (token 2)
    /// on the same kernel. The log of the dead-letter queue is kept here, since observers are unowned.
    final class Redrive {
        let world: World
        let deadLetterQueue: Queue
        let deadLetterLog = EventLog()

        init(fifo: Bool = false, maxReceiveCount: Int, retention: Span = .days(4),
             _ configure: (inout QueueConfiguration) -> Void = { _ in }) {
            let suffix = fifo ? ".fifo" : ""
            world = World { configuration in
                configuration.name = "orders" + suffix
                configuration.isFifo = fifo
                configuration.retention = retention
                configuration.redrivePolicy = RedrivePolicy(deadLetterQueue: "orders-dlq" + suffix, maxReceiveCount: maxReceiveCount)
                configure(&configuration)
            }
            var target = QueueConfiguration(name: "orders-dlq" + suffix)
            target.isFifo = fifo
            target.retention = retention
            deadLetterQueue = Queue(configuration: target, token: 2, clock: world.scheduler, timers: world.scheduler)
            deadLetterQueue.observer = deadLetterLog
            let refusal = world.queue.setDeadLetterQueue(deadLetterQueue)
            precondition(refusal == nil, "the dead-letter queue was refused: \(refusal!)")
        }

        var source: Queue { world.queue }

        func check() {
            source._checkInvariants()
            deadLetterQueue._checkInvariants()
        }

        /// A short poll of the dead-letter queue.
        func receiveDeadLetters(max: Int = 10) -> [ReceivedMessage] {
            let result = deadLetterQueue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: max, waitTime: .zero), requester: nil)
            check()
            guard case .messages(let messages) = result else {
                Issue.record("the dead-letter receive did not return at once: \(result)")
                return []
            }
            return messages
        }

        /// Sends `count` messages to the source and dead-letters all of them (maxReceiveCount 1):
        /// each is received once with a zero timeout, then the next receive moves it.
        func deadLetter(count: Int) {
            for _ in 0..<count { world.send() }
            var received = 0
            while received < count {
                let messages = world.receive(max: 10, visibilityTimeout: .zero)
                if messages.isEmpty { break }
                received += messages.count
            }
            world.settle()
            #expect(world.receive(max: 10).isEmpty, "every message was dead-lettered on its second receive")
            check()
        }
    }

    // MARK: Redrive

    @Test func aMessageReceivedMaxReceiveCountTimesMovesToTheDeadLetterQueueAtTheNextReceive() throws {
        let redrive = Redrive(maxReceiveCount: 3)
        let world = redrive.world
        world.send(tag: 42)
        for receive in 1...3 {
            let message = try world.receiveOne(visibilityTimeout: .seconds(10))
            #expect(message.receiveCount == receive)
            world.advance(by: .seconds(10))
        }
        #expect(world.receive().isEmpty, "the fourth receive moves the message instead of delivering it")
        #expect(world.queue.storedCount == 0)
        #expect(world.log.events.last == .deadLettered(MessageID(0), receiveCount: 3, to: 2, newId: MessageID(0), at: world.now))
        #expect(world.queue.counters.messagesDeadLettered == 1)
        #expect(world.queue.counters.messagesReceived == 3)
        #expect(redrive.deadLetterQueue.counters.messagesMovedIn == 1)
        #expect(redrive.deadLetterQueue.counters.messagesSent == 1)
        let moved = try #require(redrive.receiveDeadLetters().first)
        #expect(moved.tag == 42)
        #expect(moved.receiveCount == 1, "the receive count starts again in the dead-letter queue")
    }

    @Test func aStandardDeadLetterQueueKeepsTheOriginalEnqueueTime() throws {
        let redrive = Redrive(maxReceiveCount: 1, retention: .seconds(600))
        let world = redrive.world
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(500))
        world.advance(by: .seconds(500))
        #expect(world.receive().isEmpty)
        #expect(redrive.deadLetterQueue.storedCount == 1)
        let moved = try #require(redrive.receiveDeadLetters().first)
        #expect(moved.sentAt == .zero)
        world.advance(by: .seconds(100) - Span(nanoseconds: 1))
        #expect(redrive.deadLetterQueue.storedCount == 1)
        world.advance(by: Span(nanoseconds: 1))
        #expect(redrive.deadLetterQueue.storedCount == 0, "retention counts from the send to the source, 600 s")
        #expect(redrive.deadLetterLog.events.last == .expired(MessageID(0), tag: 0, at: Instant(nanoseconds: 600_000_000_000)))
    }

    @Test func aFifoDeadLetterQueueRestartsTheEnqueueTime() throws {
        let redrive = Redrive(fifo: true, maxReceiveCount: 1, retention: .seconds(600))
        let world = redrive.world
        let sent = world.queue.sendMessage(SendMessageRequest(bodyBytes: 100, messageGroupId: "A", deduplicationId: "d0"))
        #expect(sent == .sent(MessageID(0)))
        _ = try world.receiveOne(visibilityTimeout: .seconds(500))
        world.advance(by: .seconds(500))
        #expect(world.receive().isEmpty)
        let moved = try #require(redrive.receiveDeadLetters(max: 1).first)
        #expect(moved.sentAt == Instant(nanoseconds: 500_000_000_000))
        #expect(moved.messageGroupId == "A")
        world.advance(by: .seconds(600) - Span(nanoseconds: 1))
        #expect(redrive.deadLetterQueue.storedCount == 1, "retention restarted at the move")
        world.advance(by: Span(nanoseconds: 1))
        #expect(redrive.deadLetterQueue.storedCount == 0)
        redrive.check()
    }

    @Test func setDeadLetterQueueRefusesAQueueOfTheOtherType() {
        let scheduler = Scheduler()
        var standardConfiguration = QueueConfiguration(name: "orders")
        standardConfiguration.redrivePolicy = RedrivePolicy(deadLetterQueue: "dlq.fifo", maxReceiveCount: 3)
        let standard = Queue(configuration: standardConfiguration, token: 1, clock: scheduler, timers: scheduler)
        var fifoConfiguration = QueueConfiguration(name: "dlq.fifo")
        fifoConfiguration.isFifo = true
        let fifo = Queue(configuration: fifoConfiguration, token: 2, clock: scheduler, timers: scheduler)

        #expect(standard.setDeadLetterQueue(fifo) != nil)
        #expect(standard.deadLetterQueue == nil)
        #expect(fifo.deadLetterSources.isEmpty)
        #expect(fifo.setDeadLetterQueue(standard) != nil)
        #expect(fifo.deadLetterQueue == nil)
        #expect(standard.setDeadLetterQueue(standard) != nil, "a queue is not its own dead-letter queue")
    }

    @Test func setDeadLetterQueueRefusesASourceTheRedriveAllowPolicyExcludes() {
        let scheduler = Scheduler()
        let source = Queue(configuration: QueueConfiguration(name: "orders"), token: 1, clock: scheduler, timers: scheduler)
        func target(_ policy: RedriveAllowPolicy, token: Int) -> Queue {
            var configuration = QueueConfiguration(name: "dlq-\(token)")
            configuration.redriveAllowPolicy = policy
            return Queue(configuration: configuration, token: token, clock: scheduler, timers: scheduler)
        }
        let denyAll = target(.denyAll, token: 2)
        let others = target(.byQueue(["payments", "refunds"]), token: 3)
        let ours = target(.byQueue(["payments", "orders"]), token: 4)
        #expect(source.setDeadLetterQueue(denyAll) != nil)
        #expect(source.setDeadLetterQueue(others) != nil)
        #expect(source.deadLetterQueue == nil)
        #expect(source.setDeadLetterQueue(ours) == nil)
        #expect(source.deadLetterQueue === ours)
        #expect(ours.deadLetterSources[1] === source)
    }

    // MARK: Message move tasks

    @Test func aMessageMoveTaskMovesMessagesBackToTheirSourceAtTheGivenRate() {
        let redrive = Redrive(maxReceiveCount: 1)
        let world = redrive.world
        redrive.deadLetter(count: 20)
        #expect(redrive.deadLetterQueue.storedCount == 20)
        let start = world.now
        #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: 10) == nil)
        world.advance(by: .milliseconds(950))
        #expect(world.queue.storedCount == 10, "moves at 0, 0.1, …, 0.9 s")
        world.advance(by: .milliseconds(1_000))
        #expect(world.queue.storedCount == 20)
        #expect(redrive.deadLetterQueue.storedCount == 0)
        let status = redrive.deadLetterQueue.moveTaskStatus
        #expect(status?.running == true && status?.moved == 20 && status?.remaining == 0)
        world.advance(by: .milliseconds(50))
        #expect(redrive.deadLetterQueue.moveTaskStatus == nil, "the task ends at 2 s, when nothing is left")

        let moves = redrive.deadLetterLog.events.compactMap { event -> (to: Int, at: Instant)? in
            if case .movedOut(_, let to, _, let at) = event { return (to, at) }
            return nil
        }
        #expect(moves.map(\.to) == Array(repeating: 1, count: 20))
        #expect(moves.map { ($0.at - start).nanoseconds } == (0..<20).map { Int64($0) * 100_000_000 })
        #expect(redrive.deadLetterQueue.counters.messagesMovedOut == 20)
        #expect(world.queue.counters.messagesMovedIn == 20)
        #expect(world.receive(max: 10).allSatisfy { $0.receiveCount == 1 })
        redrive.check()
    }

    @Test func onlyOneMessageMoveTaskRunsPerQueue() {
        let redrive = Redrive(maxReceiveCount: 1)
        redrive.deadLetter(count: 5)
        #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: 1) == nil)
        #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: 1)?.code
                == "AWS.SimpleQueueService.UnsupportedOperation")
        redrive.world.advance(by: .seconds(6))
        #expect(redrive.deadLetterQueue.moveTaskStatus == nil)
        #expect(redrive.source.storedCount == 5)
    }

    @Test func aMessageMoveTaskNeedsADeadLetterQueue() {
        let world = World()
        world.send()
        #expect(world.queue.startMessageMoveTask(destination: nil, maxPerSecond: 10)?.code == "AWS.SimpleQueueService.UnsupportedOperation")
        #expect(world.queue.moveTaskStatus == nil)
    }

    @Test func maxNumberOfMessagesPerSecondIsOneTo500() {
        let redrive = Redrive(maxReceiveCount: 1)
        redrive.deadLetter(count: 2)
        for rate in [0, -1, 501] {
            #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: rate)?.code == "InvalidParameterValue")
        }
        #expect(redrive.deadLetterQueue.moveTaskStatus == nil)
        #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: 500) == nil)
        redrive.world.advance(by: .milliseconds(2))
        #expect(redrive.source.storedCount == 2, "at 500 per second, one message every 2 ms")
        redrive.world.advance(by: .seconds(1))
        redrive.deadLetter(count: 1)
        #expect(redrive.deadLetterQueue.startMessageMoveTask(destination: nil, maxPerSecond: 1) == nil)
    }

    // MARK: PurgeQueue

    @Test func purgeQueueRemovesEveryMessageAndASecondPurgeWithin60SecondsIsRefused() {
        let world = World()
        for _ in 0..<5 { world.send() }
        let held = world.receive(max: 2)
        #expect(world.queue.purgeQueue() == nil)
        world.queue._checkInvariants()
        #expect(world.counts == [0, 0, 0])
        #expect(world.queue.counters.messagesPurged == 5)
        #expect(world.log.events == (0..<5).map { QueueEvent.purged(MessageID($0), at: .zero) })
        #expect(world.delete(held[0]) == .acceptedAlreadyGone)

        world.send()
        world.advance(by: .seconds(59))
        #expect(world.queue.purgeQueue() == .purgeQueueInProgress(.seconds(1)))
        #expect(world.queue.storedCount == 1, "a refused purge removes nothing")
        world.advance(by: .seconds(1))
        #expect(world.queue.purgeQueue() == nil)
        #expect(world.queue.storedCount == 0)
        #expect(world.queue.counters.purgeRequests == 3)
    }

    // MARK: Long polls

    @Test func aLongPollOnTheSourceKeepsWaitingWhenTheOnlyCandidateIsDeadLettered() throws {
        let redrive = Redrive(maxReceiveCount: 1)
        let world = redrive.world
        world.send()
        _ = try world.receiveOne(visibilityTimeout: .seconds(5))
        let poll = world.waitingLongPoll(wait: .seconds(20), visibilityTimeout: .seconds(30))
        world.advance(by: .seconds(5))
        #expect(redrive.deadLetterQueue.storedCount == 1, "the lapsed message went to the dead-letter queue")
        #expect(world.queue.waitingReceiveCount == 1)
        #expect(world.requester.completions.isEmpty)

        // A new long poll meeting a visible candidate that is dead-lettered waits too.
        world.send()
        world.advance(by: .seconds(1))
        let held = world.requester.messages(of: poll!)
        #expect(held.map(numbers) == [1], "the first poll got the next message")
        world.advance(by: .seconds(30))
        let second = world.waitingLongPoll(wait: .seconds(10), visibilityTimeout: .seconds(30))
        #expect(second != nil)
        #expect(redrive.deadLetterQueue.storedCount == 2)
        world.advance(by: .seconds(10))
        #expect(world.requester.messages(of: second!)?.isEmpty == true, "the second poll ends empty")
        redrive.check()
    }
}
