import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

@Suite struct ProducerTests {
    func world(batchSize: Int = 1, batchLinger: Span = .zero, rate: Double = 10, stop: Double,
               apiLatency: Distribution = .constant(0)) -> (TestWorld, Producer) {
        let world = TestWorld(apiLatency: apiLatency)
        let producer = world.addProducer(
            ProducerSpecification(name: "web", arrivals: .constant(ratePerSecond: rate), messageSize: .constant(100),
                                  batchSize: batchSize, batchLinger: batchLinger),
            stop: at(stop))
        world.start()
        return (world, producer)
    }

    /// The sends grouped by the instant they were accepted: one group per API call here.
    func batches(_ world: TestWorld) -> [[RecordingObserver.Send]] {
        var groups: [[RecordingObserver.Send]] = []
        for send in world.observer.sends {
            if let last = groups.last?.last, last.at == send.at { groups[groups.count - 1].append(send) } else { groups.append([send]) }
        }
        return groups
    }

    @Test func unbatchedMessagesGoOneSendMessageCallEach() {
        let (world, producer) = world(stop: 2.05)
        world.run(until: 5)
        #expect(world.queue.counters.sendRequests == 20)
        #expect(world.queue.counters.messagesSent == 20)
        #expect(producer.messagesProduced == 20)
        #expect(world.observer.sends.map(\.messageId) == (0..<20).map(MessageID.init))
    }

    @Test func fullBatchesGoAsOneSendMessageBatchCallEach() {
        // 100 messages at 10/s, 5 to a batch: 20 calls, each sent when its fifth message arrives.
        let (world, _) = world(batchSize: 5, batchLinger: .seconds(1), stop: 10.05)
        world.run(until: 15)
        #expect(world.queue.counters.sendRequests == 20)
        #expect(world.queue.counters.messagesSent == 100)
        let groups = batches(world)
        #expect(groups.count == 20)
        #expect(groups.allSatisfy { $0.count == 5 && $0.last!.producedAt == $0.last!.at })
    }

    @Test func aPartialBatchIsSentWhenItsLingerEnds() {
        // Linger 0.25 s at 10/s: the batch opened by the message at 0.1 s leaves at 0.35 s with
        // three messages, and so on; the last, opened at 1.9 s, leaves when the producer stops.
        let (world, _) = world(batchSize: 10, batchLinger: .milliseconds(250), stop: 2.05)
        world.run(until: 5)
        let groups = batches(world)
        #expect(groups.map(\.count) == [3, 3, 3, 3, 3, 3, 2])
        #expect(groups.map(\.first!.at) == [0.35, 0.65, 0.95, 1.25, 1.55, 1.85, 2.0].map(at))
        #expect(world.queue.counters.sendRequests == 7)
    }

    @Test func aPartialBatchWaitsTheFullLingerFromItsFirstMessage() {
        // Batches of 3 at 10/s fill in 0.2 s, well inside a 1 s linger, so every batch is full. A
        // linger timer left over from an earlier batch must not send a later one early.
        let (world, _) = world(batchSize: 3, batchLinger: .seconds(1), stop: 3.05)
        world.run(until: 10)
        let groups = batches(world)
        #expect(groups.map(\.count) == Array(repeating: 3, count: 10))
        #expect(world.queue.counters.sendRequests == 10)
    }

    @Test func aProducerMakesNothingFromItsStopInstantOn() {
        let world = TestWorld()
        let producer = world.addProducer(ProducerSpecification(name: "web", arrivals: .poisson(ratePerSecond: 100),
                                                               messageSize: .constant(100)),
                                         stop: at(5))
        world.start()
        world.run(until: 5)
        let produced = producer.messagesProduced
        #expect(produced > 300)
        #expect(producer.finished)
        #expect(producer.isIdle)
        world.run(until: 100)
        #expect(producer.messagesProduced == produced)
        #expect(world.observer.sends.count == produced)
        #expect(world.observer.sends.allSatisfy { $0.producedAt < at(5) })
    }

    @Test func aSendIsAcceptedHalfARoundTripAfterItLeavesAndAnsweredAfterAWholeOne() {
        let (world, producer) = world(rate: 1, stop: 1.5, apiLatency: .constant(0.04))
        world.run(until: 1.03)
        #expect(world.observer.sends == [RecordingObserver.Send(messageId: MessageID(0), producedAt: at(1), at: at(1.02))])
        #expect(producer.callsOutstanding == 1)
        #expect(!producer.isIdle)
        world.run(until: 1.04)
        #expect(producer.callsOutstanding == 0)
        #expect(producer.isIdle)
    }

    @Test func aSendThatFailsEveryAttemptIsAbandonedAfterMaxAttempts() throws {
        let (world, producer) = world(rate: 1, stop: 1.5)
        world.network.errorWindows.append(Network.ErrorWindow(from: at(0), to: at(100), fraction: 1))
        world.run(until: 10)
        #expect(world.observer.sends.isEmpty)
        #expect(world.queue.counters.sendRequests == 0)
        #expect(world.observer.callFailures.map(\.willRetry) == [true, true, false])
        #expect(world.observer.callFailures.allSatisfy { $0.actor == "producer/web" && $0.operation == "SendMessage" })
        let abandoned = try #require(world.observer.abandonedSends.first)
        #expect(world.observer.abandonedSends.count == 1)
        #expect(abandoned.producedAt == at(1))
        #expect(abandoned.reason == "ServiceUnavailable after 3 attempts")
        // Backoffs of at most 0.1 s and then 0.2 s separate the three attempts.
        let times = world.observer.callFailures.map(\.at)
        #expect(times[0] == at(1))
        #expect(times[1] - times[0] <= .milliseconds(100))
        #expect(times[2] - times[1] <= .milliseconds(200))
        #expect(producer.isIdle)
    }

    @Test func aSendRetriedAfterItsErrorWindowClosesIsAccepted() {
        let (world, _) = world(rate: 1, stop: 1.5)
        world.network.errorWindows.append(Network.ErrorWindow(from: at(0), to: Instant(nanoseconds: 1_000_000_001), fraction: 1))
        world.run(until: 10)
        #expect(world.observer.callFailures.map(\.willRetry) == [true])
        #expect(world.observer.sends.count == 1)
        #expect(world.observer.sends.first!.producedAt == at(1))
        #expect(world.observer.sends.first!.at > at(1))
        #expect(world.observer.abandonedSends.isEmpty)
    }

    @Test func aMessageTooLargeForTheQueueIsAbandonedWithTheQueuesReason() throws {
        let world = TestWorld()
        world.addProducer(ProducerSpecification(name: "web", arrivals: .constant(ratePerSecond: 1), messageSize: .constant(2_000_000)),
                          stop: at(1.5))
        world.start()
        world.run(until: 5)
        let abandoned = try #require(world.observer.abandonedSends.first)
        #expect(abandoned.reason.hasPrefix("InvalidParameterValue"))
        #expect(world.observer.sends.isEmpty)
    }
}
