import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Every actor draws from its own named stream, so changing one part of a world leaves the other
/// actors' draws alone: comparing fleets of different sizes sees the same arrivals.
@Suite struct CommonRandomNumbersTests {
    func world(consumers: Int, seed: UInt64 = 2024) -> TestWorld {
        let world = TestWorld(apiLatency: .lognormal(mean: 0.008, sd: 0.003), seed: seed)
        world.addProducer(ProducerSpecification(name: "web", arrivals: .poisson(ratePerSecond: 8),
                                                messageSize: .lognormal(mean: 2048, sd: 1024), batchSize: 4,
                                                batchLinger: .milliseconds(50)),
                          stop: at(120))
        world.addFleet(ConsumerSpecification(name: "workers", count: consumers, maxMessages: 10, waitTime: .seconds(20),
                                             processing: .exponential(mean: 0.2), failureProbability: 0.05))
        world.start()
        world.run(until: 150)
        return world
    }

    @Test func theProducersSendsAreTheSameWhetherTheFleetHasTwoOrFiveConsumers() {
        let small = world(consumers: 2)
        let large = world(consumers: 5)
        #expect(small.observer.sends.count > 800)
        #expect(small.observer.sends == large.observer.sends)
        #expect(small.queue.counters.sendRequests == large.queue.counters.sendRequests)
        // The worlds did differ downstream: the larger fleet takes messages sooner.
        #expect(small.observer.receipts != large.observer.receipts)
        let firstReceiveCount = { (world: TestWorld) in world.observer.receipts.filter { $0.receiveCount == 1 }.count }
        #expect(firstReceiveCount(small) == small.observer.sends.count)
        #expect(firstReceiveCount(large) == large.observer.sends.count)
    }

    @Test func anotherSeedGivesOtherSends() {
        #expect(world(consumers: 2, seed: 1).observer.sends != world(consumers: 2, seed: 2).observer.sends)
    }
}
