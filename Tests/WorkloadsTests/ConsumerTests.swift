import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Consumer fleets against a real queue. Most tests use zero API latency and constant processing
/// so that every instant can be worked out by hand: one consumer taking 10 preloaded messages at
/// 0 s processes m0 until 1 s, m1 until 2 s, and so on, deleting each as it finishes.
@Suite struct ConsumerTests {
    func world(visibilityTimeout: Span = .seconds(30), apiLatency: Distribution = .constant(0)) -> TestWorld {
        var configuration = QueueConfiguration(name: "orders")
        configuration.visibilityTimeout = visibilityTimeout
        return TestWorld(queue: configuration, apiLatency: apiLatency)
    }

    func workers(count: Int = 1, maxMessages: Int = 10, processing: Distribution = .constant(1),
                 failureProbability: Double = 0) -> ConsumerSpecification {
        ConsumerSpecification(name: "workers", count: count, maxMessages: maxMessages, waitTime: .seconds(20),
                              processing: processing, failureProbability: failureProbability)
    }

    func describe(_ record: FaultRecord) -> String {
        "\(record.kind) \(record.target) \(record.from)–\(record.to.map(\.description) ?? "open"): \(record.detail)"
    }

    @Test func aFleetDrainsAQueueDeletingEveryMessageExactlyOnce() {
        let world = world(apiLatency: .lognormal(mean: 0.008, sd: 0.003))
        world.preload(200)
        let fleet = world.addFleet(workers(count: 4, processing: .exponential(mean: 0.05)))
        world.start()
        world.run(until: 60)
        #expect(world.queue.storedCount == 0)
        #expect(world.queue.counters.messagesDeleted == 200)
        #expect(world.observer.deletedIDs.sorted() == (0..<200).map(MessageID.init))
        #expect(world.observer.processings.count == 200)
        #expect(world.observer.receipts.allSatisfy { $0.receiveCount == 1 })
        #expect(world.observer.abandonments.isEmpty)
        // 200 exponential processing times of mean 50 ms: about 10 s of work, sd 50 ms·√200 ≈ 0.7 s.
        let busy = fleet.busyTime(at: world.scheduler.now).seconds
        #expect(abs(busy - 10) < 4 * 0.05 * 200.0.squareRoot())
    }

    @Test func aConsumerWithInstantProcessingDrainsALargeBacklogAtOneInstant() {
        // Zero latency and zero processing: every step is due at 0 s. Taking each at once, without
        // the event list, recursed once per message and overflowed the stack at about 20,000.
        let world = world()
        world.preload(20_000)
        world.addFleet(workers(processing: .constant(0)))
        world.start()
        world.run(until: 0)
        #expect(world.queue.storedCount == 0)
        #expect(world.observer.deletedIDs.count == 20_000)
        #expect(world.observer.deletes.allSatisfy { $0.at == .zero })
    }

    @Test func aLongPollingFleetPicksUpMessagesThatArriveLater() {
        let world = world()
        world.addFleet(workers(count: 2, processing: .constant(0.1)))
        world.addProducer(ProducerSpecification(name: "web", arrivals: .constant(ratePerSecond: 2), messageSize: .constant(100)),
                          stop: at(30))
        world.start()
        world.run(until: 40)
        #expect(world.observer.sends.count == 59)
        #expect(world.observer.deletedIDs.count == 59)
        // Waiting long polls take each message the instant it is sent.
        #expect(world.observer.receipts.map(\.at) == world.observer.sends.map(\.at))
    }

    @Test func aCrashAbandonsTheBatchInHandAndItReappearsAfterTheVisibilityTimeout() {
        let world = world()
        world.preload(10)
        let fleet = world.addFleet(workers())
        world.start()
        world.scheduler.schedule(at: at(2.5)) { #expect(fleet.crash(count: 1) == [0]) }
        world.run(until: 29.9)
        // m0 and m1 were finished and deleted; m2 was being processed and m3–m9 were waiting.
        #expect(world.observer.deletedIDs == [MessageID(0), MessageID(1)])
        #expect(world.observer.abandonments == (2..<10).map {
            RecordingObserver.AbandonedMessage(messageId: MessageID($0), why: .consumerCrashed, at: at(2.5))
        })
        #expect(!world.observer.processings.contains { $0.messageId == MessageID(2) })
        #expect(fleet.upCount == 0)
        #expect(world.queue.inFlightCount == 8)
        #expect(world.queue.visibleCount == 0)
        world.run(until: 30)
        #expect(world.queue.inFlightCount == 0)
        #expect(world.queue.visibleCount == 8)
        #expect(world.observer.receipts.count == 10)
    }

    @Test func aRestartedConsumerResumesAndFinishesTheAbandonedMessages() {
        let world = world()
        world.preload(10)
        let fleet = world.addFleet(workers())
        world.start()
        world.scheduler.schedule(at: at(2.5)) { fleet.crash(count: 1) }
        world.scheduler.schedule(at: at(40)) { fleet.restart([0]) }
        world.run(until: 60)
        let again = world.observer.receipts.filter { $0.at == at(40) }
        #expect(again.map(\.messageId) == (2..<10).map(MessageID.init))
        #expect(again.allSatisfy { $0.receiveCount == 2 })
        #expect(world.observer.deletedIDs == (0..<10).map(MessageID.init))
        #expect(world.observer.deletes.last?.at == at(48))
        #expect(world.queue.storedCount == 0)
    }

    @Test func aCrashAfterADeleteTookEffectAbandonsOnlyTheMessagesStillHeld() {
        // Round trips of 40 ms: the batch reaches the consumer at 0.04 s, m0 is processed by
        // 1.04 s, its delete takes effect at 1.06 s and is answered at 1.08 s. A crash at 1.07 s
        // holds m1 only: m0 is gone from the queue and must not be reported as abandoned.
        let world = world(apiLatency: .constant(0.04))
        world.preload(2)
        let fleet = world.addFleet(workers())
        world.start()
        world.scheduler.schedule(at: at(1.07)) { fleet.crash(count: 1) }
        world.run(until: 10)
        #expect(world.observer.deletes == [RecordingObserver.Delete(messageId: MessageID(0), result: .deleted(MessageID(0)), at: at(1.06))])
        #expect(world.observer.abandonments == [RecordingObserver.AbandonedMessage(messageId: MessageID(1), why: .consumerCrashed,
                                                                                   at: at(1.07))])
    }

    @Test func aCrashedConsumersWaitingLongPollIsWithdrawn() {
        let world = world()
        let fleet = world.addFleet(workers())
        world.start()
        world.scheduler.schedule(at: at(1)) { fleet.crash(count: 1) }
        world.scheduler.schedule(at: at(2)) { world.preload(1) }
        world.run(until: 10)
        #expect(world.observer.receipts.isEmpty)
        #expect(world.queue.waitingReceiveCount == 0)
        #expect(world.queue.visibleCount == 1)
    }

    @Test func aPausedConsumerFinishesItsMessageThenReceivesNothingUntilResumed() {
        let world = world()
        world.preload(10)
        world.addFleet(workers(maxMessages: 1))
        let injector = FaultInjector(faults: [.pause(fleet: 0, count: nil, from: at(2.5), to: at(10))], fleets: world.fleets,
                                     network: world.network, scheduler: world.scheduler)
        injector.start()
        world.start()
        world.run(until: 9.9)
        #expect(world.observer.deletedIDs == (0..<3).map(MessageID.init))
        #expect(world.observer.deletes.last?.at == at(3))
        #expect(world.observer.receipts.count == 3)
        #expect(world.queue.visibleCount == 7)
        world.run(until: 30)
        #expect(world.observer.receipts.dropFirst(3).first?.at == at(10))
        #expect(world.observer.deletedIDs == (0..<10).map(MessageID.init))
        #expect(world.observer.deletes.last?.at == at(17))
        #expect(injector.log.map(describe) == ["pause consumers/workers 2.5s–10.0s: paused 1 of 1 consumers"])
    }

    @Test func aFailedProcessingLeavesTheMessageUndeletedUntilItsTimeoutLapses() {
        let world = world(visibilityTimeout: .seconds(10))
        world.preload(3)
        world.addFleet(workers(processing: .constant(0.5), failureProbability: 1))
        world.start()
        world.run(until: 9.9)
        #expect(world.observer.abandonments.map(\.why) == [.processingFailed, .processingFailed, .processingFailed])
        #expect(world.observer.abandonments.map(\.at) == [at(0.5), at(1), at(1.5)])
        #expect(world.observer.processings.isEmpty)
        #expect(world.observer.deletes.isEmpty)
        #expect(world.queue.counters.messagesDeleted == 0)
        #expect(world.queue.inFlightCount == 3)
        world.run(until: 10.9)
        // The consumer's waiting long poll takes m0 back the instant it is visible again; m1 and m2
        // come with the next receive, after m0 has failed once more at 10.5 s.
        let again = Array(world.observer.receipts.dropFirst(3))
        #expect(again.map(\.messageId) == (0..<3).map(MessageID.init))
        #expect(again.map(\.receiveCount) == [2, 2, 2])
        #expect(again.map(\.at) == [at(10), at(10.5), at(10.5)])
    }

    @Test func aCrashFaultRestartsItsVictimsAndLogsBothEnds() {
        let world = world()
        world.preload(10)
        world.addFleet(workers(count: 3))
        let injector = FaultInjector(faults: [.crash(fleet: 0, count: 2, at: at(0.5), restartAfter: .seconds(4))],
                                     fleets: world.fleets, network: world.network, scheduler: world.scheduler)
        injector.start()
        world.start()
        world.run(until: 1)
        #expect(world.fleets[0].upCount == 1)
        world.run(until: 100)
        #expect(world.fleets[0].upCount == 3)
        #expect(injector.log.map(describe) == ["crash consumers/workers 0.5s–4.5s: crashed 2 of 3 consumers [0, 1]"])
        #expect(world.queue.storedCount == 0)
    }

    @Test func networkFaultsAreInstalledAtStartAndLoggedInStartOrder() {
        let world = world()
        world.addFleet(workers())
        let injector = FaultInjector(faults: [
            .apiErrors(fraction: 0.5, from: at(20), to: at(30)),
            .apiLatency(.constant(0.5), from: at(10), to: at(11)),
        ], fleets: world.fleets, network: world.network, scheduler: world.scheduler)
        injector.start()
        #expect(world.network.errorWindows.count == 1)
        #expect(world.network.latencyOverrides.count == 1)
        #expect(injector.orderedLog.map(\.kind) == ["apiLatency", "apiErrors"])
        #expect(injector.orderedLog.map(\.from) == [at(10), at(20)])
    }

    @Test func aFailedDeleteIsRetriedAndAbandonedWhenEveryAttemptFails() {
        let world = world()
        world.preload(1)
        world.addFleet(workers(processing: .constant(1)))
        world.network.errorWindows.append(Network.ErrorWindow(from: at(0.9), to: at(5), fraction: 1))
        world.start()
        world.run(until: 10)
        #expect(world.observer.processings.map(\.messageId) == [MessageID(0)])
        #expect(world.observer.callFailures.filter { $0.operation == "DeleteMessage" }.map(\.willRetry) == [true, true, false])
        #expect(world.observer.abandonments.map(\.why) == [.deleteFailed])
        #expect(world.queue.inFlightCount == 1)
    }
}
