import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// A topic with one HTTPS subscription to a `RemoteEndpoint`, recording what the topic reports.
final class EndpointWorld: TopicObserver {
    let scheduler = Scheduler()
    let topic: Topic
    private(set) var events: [TopicEvent] = []

    init(_ specification: EndpointSpecification, policy: DeliveryRetryPolicy = DeliveryRetryPolicy(numRetries: 0, minDelayTarget: .seconds(1),
                                                                                                    maxDelayTarget: .seconds(1))) {
        topic = Topic(configuration: TopicConfiguration(name: "events"), token: 0, clock: scheduler, timers: scheduler)
        topic.observer = self
        let endpoint = RemoteEndpoint(specification: specification, scheduler: scheduler,
                                      stream: RandomStream(scenarioSeed: 1, replication: 0, name: "endpoint"))
        let configuration = SubscriptionConfiguration(name: "hook", protocolName: .https, endpointName: "https://hook.example",
                                                      deliveryPolicy: policy)
        guard case .success = topic.subscribe(configuration, endpoint: endpoint) else { preconditionFailure("refused") }
    }

    func topic(_ topic: Topic, didObserve event: TopicEvent) { events.append(event) }

    func publish(_ count: Int, at seconds: Double) {
        _ = scheduler.run(until: Instant(nanoseconds: Int64(seconds * 1e9)), eventBudget: 1_000)
        for _ in 0..<count { _ = topic.publish(PublishRequest(bodyBytes: 10)) }
    }

    func finish() -> SubscriptionCounters {
        _ = scheduler.run(until: Instant(nanoseconds: 3_600_000_000_000), eventBudget: 100_000)
        topic.checkInvariants()
        return topic.subscriptions[0].counters
    }

    /// The reasons of the drops, in order.
    var dropReasons: [String] {
        events.compactMap { if case .dropped(_, _, let reason, _) = $0 { reason } else { nil } }
    }
}

/// How a modelled endpoint answers: latency, capacity, rate, outages and failures.
@Suite struct SubscriptionEndpointTests {
    @Test func anEndpointAtItsConcurrencyRefusesMoreWith503() {
        let world = EndpointWorld(EndpointSpecification(latency: .constant(1), concurrencyMax: 2))
        world.publish(3, at: 0)
        let counters = world.finish()
        #expect(counters.delivered == 2 && counters.dropped == 1)
        #expect(world.dropReasons.count == 1 && world.dropReasons[0].contains("503"))
    }

    @Test func anEndpointOverItsRateRefusesMoreWith429UntilTheSecondHasPassed() {
        let world = EndpointWorld(EndpointSpecification(latency: .constant(0.01), rateLimit: 2))
        world.publish(3, at: 0)
        world.publish(2, at: 1)
        let counters = world.finish()
        #expect(counters.delivered == 4 && counters.dropped == 1)
        #expect(world.dropReasons.first?.contains("429") == true)
    }

    @Test func everyAttemptDuringAnOutageFailsAndAttemptsAfterItSucceed() {
        let outage = (from: Instant(nanoseconds: 10_000_000_000), to: Instant(nanoseconds: 20_000_000_000))
        let retrying = DeliveryRetryPolicy(numRetries: 3, minDelayTarget: .seconds(5), maxDelayTarget: .seconds(5))
        let world = EndpointWorld(EndpointSpecification(latency: .constant(0.1), outages: [outage]), policy: retrying)
        world.publish(1, at: 5)   // before: delivered at once
        world.publish(1, at: 10)  // at 10, 15 fail; 20 is after the outage
        world.publish(1, at: 12)  // at 12, 17 fail; 22 succeeds
        let counters = world.finish()
        #expect(counters.delivered == 3 && counters.retries == 4 && counters.dropped == 0)
    }

    @Test func aClientErrorIsNotRetried() {
        let retrying = DeliveryRetryPolicy(numRetries: 3, minDelayTarget: .seconds(5), maxDelayTarget: .seconds(5))
        let world = EndpointWorld(EndpointSpecification(latency: .constant(0.1), clientErrorProbability: 1), policy: retrying)
        world.publish(2, at: 0)
        let counters = world.finish()
        #expect(counters.attempts == 2 && counters.dropped == 2)
        #expect(world.dropReasons.allSatisfy { $0.contains("400") && $0.contains("not retried") })
    }

    @Test func theFailureProbabilityFailsAboutThatShareOfAttempts() {
        // 2,000 first attempts at p = 0.2: the count of failures is binomial, sd = √(2000·0.2·0.8) ≈ 17.9;
        // 4 sd either side of 400.
        let world = EndpointWorld(EndpointSpecification(latency: .constant(0.001), failureProbability: 0.2))
        world.publish(2_000, at: 0)
        let counters = world.finish()
        #expect(abs(counters.dropped - 400) <= 72, "\(counters.dropped) failed")
        #expect(counters.delivered + counters.dropped == 2_000)
    }
}
