import MessagingEngine
import SimKernel
import Stochastic

/// Target tracking on backlog per instance, as a CloudWatch metric and a scaling policy do it.
public struct AutoscalingPolicy: Sendable {
    /// Instances in service at least (and at start).
    public var instanceCountMin: Int
    /// Instances at most; the fleet has this many consumers.
    public var instanceCountMax: Int
    /// Visible messages per in-service instance the policy aims at.
    public var targetBacklogPerInstance: Double
    /// How often the metric is sampled and the policy evaluated.
    public var metricPeriod: Span
    /// After a scale-out, no further scale-out until this has passed.
    public var scaleOutCooldown: Span
    /// After any scaling action, no scale-in until this has passed.
    public var scaleInCooldown: Span
    /// From launching an instance to its first poll.
    public var warmup: Span

    public init(instanceCountMin: Int, instanceCountMax: Int, targetBacklogPerInstance: Double, metricPeriod: Span = .seconds(60),
                scaleOutCooldown: Span = .seconds(300), scaleInCooldown: Span = .seconds(300), warmup: Span = .zero) {
        self.instanceCountMin = instanceCountMin
        self.instanceCountMax = instanceCountMax
        self.targetBacklogPerInstance = targetBacklogPerInstance
        self.metricPeriod = metricPeriod
        self.scaleOutCooldown = scaleOutCooldown
        self.scaleInCooldown = scaleInCooldown
        self.warmup = warmup
    }

    /// Problems with the policy, each naming the field and the valid range; empty when valid.
    public func problems() -> [(field: String, message: String)] {
        var found: [(String, String)] = []
        if instanceCountMin < 0 {
            found.append(("instanceCountMin", "must be at least 0, not \(instanceCountMin)"))
        }
        if instanceCountMax < max(1, instanceCountMin) {
            found.append(("instanceCountMax", "must be at least 1 and at least instanceCountMin, not \(instanceCountMax)"))
        }
        if !(targetBacklogPerInstance > 0 && targetBacklogPerInstance.isFinite) {
            found.append(("targetBacklogPerInstance", "must be a number above 0"))
        }
        if metricPeriod <= .zero {
            found.append(("metricPeriod", "must be above 0s"))
        }
        if scaleOutCooldown < .zero {
            found.append(("scaleOutCooldown", "must be at least 0s"))
        }
        if scaleInCooldown < .zero {
            found.append(("scaleInCooldown", "must be at least 0s"))
        }
        if warmup < .zero {
            found.append(("warmup", "must be at least 0s"))
        }
        return found
    }
}

/// A change of an autoscaled fleet's capacity, and why.
public struct ScalingAction: Sendable, Equatable {
    public var at: Instant
    /// Instances launched and not told to stop, before and after.
    public var from: Int
    public var to: Int
    public var reason: String
}

/// A fleet of `Consumer`s whose size follows the queue's backlog.
///
/// Every `metricPeriod` the fleet samples the queue's visible count (ApproximateNumberOfMessagesVisible;
/// the engine's count is exact) and wants ceil(visible / targetBacklogPerInstance) instances,
/// clamped to [min, max] — what target tracking on visible ÷ in-service instances reaches. It
/// scales out when it wants more than it has launched and the scale-out cooldown since the last
/// scale-out has passed, and in when it wants fewer and the scale-in cooldown since the last action
/// of either kind has passed. Capacity counts instances still warming up, so a scale-out is not
/// repeated while its instances start.
///
/// A launched instance polls after `warmup`. A stopped instance finishes what it holds — the batch
/// in hand, and a long poll already waiting — and then receives nothing (`Consumer.pause()`). Scale-out
/// launches instances that are fully stopped first, lowest index first, then instances still
/// finishing; scale-in stops instances still warming first, then in-service ones, highest index first.
///
/// The consumers are those of a `ConsumerFleet` of `instanceCountMax`, made at once. Its `start()`
/// must not be called (it would start every consumer): each consumer is started by resuming it.
/// Faults that crash or pause consumers act on them behind the policy's back: a crashed instance
/// still counts as in service. `FaultInjector` picks only instances in service, and brings back
/// only those the policy still has in service.
public final class AutoscaledFleet: TimerTarget {
    /// Where one consumer of the fleet stands.
    enum InstanceState: Equatable {
        /// Never launched, or told to stop (it may still be finishing what it held).
        case stopped
        /// Launched; polls from `readyAt` on.
        case warming(readyAt: Instant)
        case inService
    }

    enum Code: Int { case evaluate, warmupEnded }

    public let policy: AutoscalingPolicy
    /// The consumers; a world hands it to whatever reads fleets (busy time, faults).
    public let fleet: ConsumerFleet
    let queue: Queue
    let scheduler: Scheduler
    var states: [InstanceState]
    var lastScaleOut: Instant?
    var lastAction: Instant?
    private var isStarted = false

    /// Instances launched and not told to stop (warming or in service) over time: the capacity.
    public private(set) var instanceSeries = CountSeries()
    /// Instances in service (polling) over time.
    public private(set) var inServiceSeries = CountSeries()
    public private(set) var actions: [ScalingAction] = []

    /// `consumer.count` is replaced by `policy.instanceCountMax`.
    public init(consumer: ConsumerSpecification, policy: AutoscalingPolicy, fleetIndex: Int, queue: Queue, queueIndex: Int,
                network: Network, scheduler: Scheduler, observer: WorkloadObserver, streams: (String) -> RandomStream,
                services: ClientServices = ClientServices()) {
        precondition(policy.problems().isEmpty, "invalid autoscaling policy: \(policy.problems())")
        var specification = consumer
        specification.count = policy.instanceCountMax
        self.policy = policy
        fleet = ConsumerFleet(specification: specification, fleetIndex: fleetIndex, queue: queue, queueIndex: queueIndex,
                              network: network, scheduler: scheduler, observer: observer, streams: streams, services: services)
        self.queue = queue
        self.scheduler = scheduler
        states = Array(repeating: .stopped, count: policy.instanceCountMax)
    }

    public var instanceCount: Int { states.filter { $0 != .stopped }.count }
    public var inServiceCount: Int { states.filter { $0 == .inService }.count }
    /// Instances told to stop that still hold a batch or wait on a long poll.
    public var stoppingCount: Int {
        states.indices.filter { states[$0] == .stopped && !isIdle(fleet.consumers[$0]) }.count
    }

    /// Whether the policy has consumer `index` in service (launched and past its warm-up).
    public func isInService(_ index: Int) -> Bool { states[index] == .inService }

    func isIdle(_ consumer: Consumer) -> Bool { !consumer.isUp || (!consumer.isPolling && consumer.batch.isEmpty) }

    /// Puts `instanceCountMin` instances in service now, with no warm-up (they were running before
    /// the run), and sets the first evaluation one metric period later.
    public func start() {
        precondition(!isStarted, "an autoscaled fleet starts once")
        isStarted = true
        let now = scheduler.now
        for index in 0..<policy.instanceCountMin { states[index] = .inService }
        record(at: now)
        fleet.resume(Array(0..<policy.instanceCountMin))
        scheduler.schedule(at: now + policy.metricPeriod, target: self, code: Code.evaluate.rawValue, payload: 0)
    }

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .evaluate:
            evaluate()
            scheduler.schedule(at: scheduler.now + policy.metricPeriod, target: self, code: Code.evaluate.rawValue, payload: 0)
        case .warmupEnded:
            // An instance stopped while warming, or stopped and launched again since, is not due now.
            guard states[payload] == .warming(readyAt: scheduler.now) else { return }
            enterService(payload)
        }
    }

    /// The instances the policy wants for `visible` messages.
    public func desiredCount(visible: Int) -> Int {
        let wanted = (Double(visible) / policy.targetBacklogPerInstance).rounded(.up)
        return Int(min(Double(policy.instanceCountMax), max(Double(policy.instanceCountMin), wanted)))
    }

    func evaluate() {
        let now = scheduler.now
        let visible = queue.visibleCount
        let capacity = instanceCount
        let desired = desiredCount(visible: visible)
        let reason = "\(visible) visible over \(inServiceCount) in service, target \(policy.targetBacklogPerInstance) per instance"
        if desired > capacity {
            guard lastScaleOut.map({ now - $0 >= policy.scaleOutCooldown }) ?? true else { return }
            lastScaleOut = now
            scaleOut(by: desired - capacity)
        } else if desired < capacity {
            guard lastAction.map({ now - $0 >= policy.scaleInCooldown }) ?? true else { return }
            scaleIn(by: capacity - desired)
        } else {
            return
        }
        lastAction = now
        actions.append(ScalingAction(at: now, from: capacity, to: desired, reason: reason))
        record(at: now)
    }

    func scaleOut(by count: Int) {
        let stopped = states.indices.filter { states[$0] == .stopped }
        let idle = stopped.filter { isIdle(fleet.consumers[$0]) }
        let finishing = stopped.filter { !isIdle(fleet.consumers[$0]) }
        let launched = (idle + finishing).prefix(count)
        precondition(launched.count == count, "scale-out past instanceCountMax")
        let readyAt = scheduler.now + policy.warmup
        for index in launched {
            states[index] = .warming(readyAt: readyAt)
            if policy.warmup == .zero {
                enterService(index)
            } else {
                scheduler.schedule(at: readyAt, target: self, code: Code.warmupEnded.rawValue, payload: index)
            }
        }
    }

    func scaleIn(by count: Int) {
        let warming = states.indices.reversed().filter { if case .warming = states[$0] { true } else { false } }
        let inService = states.indices.reversed().filter { states[$0] == .inService }
        let stopped = Array((warming + inService).prefix(count))
        precondition(stopped.count == count, "scale-in below zero instances")
        for index in stopped { states[index] = .stopped }
        fleet.pause(stopped)
    }

    func enterService(_ index: Int) {
        states[index] = .inService
        fleet.resume([index])
        record(at: scheduler.now)
    }

    func record(at now: Instant) {
        instanceSeries.record(instanceCount, at: now)
        inServiceSeries.record(inServiceCount, at: now)
    }
}
