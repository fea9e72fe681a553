import MessagingEngine
import SimKernel
import Stochastic

/// A group of identical consumers reading one queue.
public final class ConsumerFleet {
    public let specification: ConsumerSpecification
    public let fleetIndex: Int
    let queue: Queue
    let queueIndex: Int
    let network: Network
    let services: ClientServices
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the fleet is its observer and outlives it.
    unowned(unsafe) let observer: WorkloadObserver
    public private(set) var consumers: [Consumer] = []

    public init(specification: ConsumerSpecification, fleetIndex: Int, queue: Queue, queueIndex: Int, network: Network,
                scheduler: Scheduler, observer: WorkloadObserver, streams: (String) -> RandomStream,
                services: ClientServices = ClientServices()) {
        self.services = services
        self.specification = specification
        self.fleetIndex = fleetIndex
        self.queue = queue
        self.queueIndex = queueIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        consumers = (0..<specification.count).map { Consumer(index: $0, fleet: self, streams: streams) }
    }

    /// Every consumer starts polling now.
    public func start() {
        for consumer in consumers { consumer.poll() }
    }

    public var upCount: Int { consumers.filter(\.isUp).count }

    /// Crashes the first `count` consumers that are up (lowest index first, so a run is reproducible);
    /// returns their indices.
    @discardableResult
    public func crash(count: Int) -> [Int] {
        let victims = consumers.filter(\.isUp).prefix(count)
        for consumer in victims { consumer.crash() }
        return victims.map(\.index)
    }

    public func restart(_ indices: [Int]) {
        for index in indices { consumers[index].restart() }
    }

    public func pause(_ indices: [Int]) {
        for index in indices { consumers[index].pause() }
    }

    public func resume(_ indices: [Int]) {
        for index in indices { consumers[index].resume() }
    }

    /// Sum of busy time over the fleet's consumers up to `now`.
    public func busyTime(at now: Instant) -> Span {
        consumers.reduce(Span.zero) { $0 + $1.busyTime(at: now) }
    }
}
