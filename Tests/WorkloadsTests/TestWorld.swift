import MessagingEngine
import SimKernel
import Stochastic
import Workloads

/// One queue with its actors, wired by hand the way a scenario's world wires them: a scheduler,
/// a network, named random streams from one seed, and a recording observer.
final class TestWorld {
    let scheduler = Scheduler()
    let queue: Queue
    let network: Network
    let observer = RecordingObserver()
    let seed: UInt64
    private(set) var producers: [Producer] = []
    private(set) var fleets: [ConsumerFleet] = []

    init(queue configuration: QueueConfiguration = QueueConfiguration(name: "orders"),
         apiLatency: Distribution = .constant(0), retryPolicy: RetryPolicy = .standard, seed: UInt64 = 7) {
        queue = Queue(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        network = Network(apiLatency: apiLatency, retryPolicy: retryPolicy)
        self.seed = seed
    }

    func stream(_ name: String) -> RandomStream { RandomStream(scenarioSeed: seed, replication: 0, name: name) }

    @discardableResult
    func addProducer(_ specification: ProducerSpecification, stop: Instant) -> Producer {
        let producer = Producer(specification: specification, queue: queue, queueIndex: 0, network: network, scheduler: scheduler,
                                observer: observer, streams: stream, stop: stop)
        producers.append(producer)
        return producer
    }

    @discardableResult
    func addFleet(_ specification: ConsumerSpecification) -> ConsumerFleet {
        let fleet = ConsumerFleet(specification: specification, fleetIndex: fleets.count, queue: queue, queueIndex: 0,
                                  network: network, scheduler: scheduler, observer: observer, streams: stream)
        fleets.append(fleet)
        return fleet
    }

    /// Puts `count` messages in the queue now, bypassing any producer.
    func preload(_ count: Int) {
        for _ in 0..<count { _ = queue.sendMessage(SendMessageRequest(bodyBytes: 100)) }
    }

    func start() {
        for producer in producers { producer.start() }
        for fleet in fleets { fleet.start() }
    }

    /// Runs until `seconds`, with a budget that a runaway actor would exhaust.
    func run(until seconds: Double) {
        let outcome = scheduler.run(until: Instant(seconds: seconds), eventBudget: 5_000_000)
        precondition(outcome == .idle || outcome == .reachedLimit, "the run ended with \(outcome)")
    }
}

func at(_ seconds: Double) -> Instant { Instant(seconds: seconds) }
