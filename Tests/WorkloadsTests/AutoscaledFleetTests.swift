import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Autoscaled fleets against a real queue. Most tests keep consumers stuck on their first batch
/// (processing takes hours, the visibility timeout is 12 h), so the visible count at each
/// evaluation is what was sent less 10 per consumer that has polled.
@Suite struct AutoscaledFleetTests {
    func world(visibilityTimeout: Span = .seconds(12 * 3600)) -> TestWorld {
        var configuration = QueueConfiguration(name: "orders")
        configuration.visibilityTimeout = visibilityTimeout
        return TestWorld(queue: configuration)
    }

    func policy(min: Int = 1, max: Int = 50, target: Double = 100, scaleOutCooldown: Span = .seconds(300),
                scaleInCooldown: Span = .seconds(300), warmup: Span = .zero) -> AutoscalingPolicy {
        AutoscalingPolicy(instanceCountMin: min, instanceCountMax: max, targetBacklogPerInstance: target,
                          scaleOutCooldown: scaleOutCooldown, scaleInCooldown: scaleInCooldown, warmup: warmup)
    }

    func fleet(_ policy: AutoscalingPolicy, processing: Double = 36_000, in world: TestWorld) -> AutoscaledFleet {
        AutoscaledFleet(consumer: ConsumerSpecification(name: "workers", count: 0, maxMessages: 10, processing: .constant(processing)),
                        policy: policy, fleetIndex: 0, queue: world.queue, queueIndex: 0, network: world.network,
                        scheduler: world.scheduler, observer: world.observer, streams: world.stream)
    }

    /// Actions as (seconds, from, to).
    func steps(_ fleet: AutoscaledFleet) -> [[Double]] { fleet.actions.map { [$0.at.seconds, Double($0.from), Double($0.to)] } }

    func samples(_ series: CountSeries) -> [[Double]] { series.samples.map { [$0.seconds, Double($0.count)] } }

    @Test func theDesiredCountIsTheCeilingOfTheBacklogOverTheTarget() {
        let world = world()
        world.preload(1050)
        let fleet = fleet(policy(max: 20), in: world)
        fleet.start()
        world.run(until: 61)
        // One consumer holds 10: 1,040 visible at 60 s, ceil(1040 / 100) = 11.
        #expect(steps(fleet) == [[60, 1, 11]])
        #expect(fleet.actions.first?.reason == "1040 visible over 1 in service, target 100.0 per instance")
        #expect(world.queue.inFlightCount == 110)
        #expect(fleet.desiredCount(visible: 0) == 1)
        #expect(fleet.desiredCount(visible: 100) == 1)
        #expect(fleet.desiredCount(visible: 101) == 2)
        #expect(fleet.desiredCount(visible: 5000) == 20)
    }

    @Test func noScaleOutFollowsAnotherWithinTheScaleOutCooldown() {
        // 540 visible at 60 s: out to 6, which take 50 more. 3,000 more at 100 s make 3,490 visible,
        // worth 35 instances, but the next scale-out waits for 360 s.
        let world = world()
        world.preload(550)
        world.scheduler.schedule(at: at(100)) { world.preload(3000) }
        let fleet = fleet(policy(), in: world)
        fleet.start()
        world.run(until: 400)
        #expect(steps(fleet) == [[60, 1, 6], [360, 6, 35]])
        #expect(samples(fleet.instanceSeries) == [[0, 1], [60, 6], [360, 35]])
    }

    @Test func aNewInstancePollsOnlyAfterItsWarmup() {
        let world = world()
        world.preload(550)
        let fleet = fleet(policy(warmup: .seconds(90)), in: world)
        fleet.start()
        world.run(until: 149.9)
        // Launched at 60 s, the 5 new instances count as capacity (no second scale-out at 120 s)
        // but hold nothing until they poll at 150 s.
        #expect(steps(fleet) == [[60, 1, 6]])
        #expect(world.queue.inFlightCount == 10)
        #expect(fleet.instanceCount == 6)
        #expect(fleet.inServiceCount == 1)
        world.run(until: 150)
        #expect(world.queue.inFlightCount == 60)
        #expect(samples(fleet.instanceSeries) == [[0, 1], [60, 6]])
        #expect(samples(fleet.inServiceSeries) == [[0, 1], [150, 6]])
    }

    @Test func theFleetNeverGrowsPastItsMaximum() {
        let world = world()
        world.preload(10_000)
        let fleet = fleet(policy(max: 4), in: world)
        fleet.start()
        world.run(until: 1000)
        #expect(steps(fleet) == [[60, 1, 4]])
        #expect(fleet.instanceSeries.peak == 4)
        #expect(world.queue.inFlightCount == 40)
    }

    @Test func theFleetNeverShrinksBelowItsMinimum() {
        let world = world()
        let fleet = fleet(policy(min: 2), in: world)
        fleet.start()
        world.run(until: 1000)
        #expect(fleet.actions.isEmpty)
        #expect(samples(fleet.inServiceSeries) == [[0, 2]])
        #expect(world.queue.waitingReceiveCount == 2)
    }

    @Test func aBurstIsDrainedAndTheFleetReturnsToItsMinimum() {
        // One consumer takes 10 messages a second: about 1,390 visible at 60 s, out to the maximum
        // of 10, in service at 90 s. Ten drain the rest by about 101 s. Scale-in waits for the
        // 120 s cooldown after the scale-out: back to 1 at 180 s.
        let world = world(visibilityTimeout: .seconds(30))
        world.preload(2000)
        let fleet = fleet(policy(max: 10, target: 10, scaleOutCooldown: .seconds(60), scaleInCooldown: .seconds(120),
                                 warmup: .seconds(30)), processing: 0.1, in: world)
        fleet.start()
        world.run(until: 300)
        #expect(steps(fleet) == [[60, 1, 10], [180, 10, 1]])
        #expect(samples(fleet.inServiceSeries) == [[0, 1], [90, 10], [180, 1]])
        #expect(world.queue.storedCount == 0)
        #expect(world.observer.deletedIDs.sorted() == (0..<2000).map(MessageID.init))
        #expect(world.observer.receipts.count == 2000)
        // The stopped instances' last long polls ended empty by 200 s; only one instance polls now.
        #expect(fleet.stoppingCount == 0)
        #expect(world.queue.waitingReceiveCount == 1)
    }

    @Test func invalidPoliciesAreRejectedNamingTheField() {
        #expect(policy(min: -1).problems().map(\.field) == ["instanceCountMin"])
        #expect(policy(min: 5, max: 4).problems().map(\.field) == ["instanceCountMax"])
        #expect(policy(min: 0, max: 0).problems().map(\.field) == ["instanceCountMax"])
        #expect(policy(target: 0).problems().map(\.field) == ["targetBacklogPerInstance"])
        #expect(policy(warmup: .seconds(-1)).problems().map(\.field) == ["warmup"])
        #expect(policy(min: 0, max: 1).problems().isEmpty)
    }
}
