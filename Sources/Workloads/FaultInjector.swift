import SimKernel
import Stochastic

/// A fault from the scenario's schedule.
public enum Fault: Sendable {
    /// Crash `count` consumers of a fleet at `at`; restart them after `restartAfter`, if given.
    case crash(fleet: Int, count: Int, at: Instant, restartAfter: Span?)
    /// Pause `count` consumers of a fleet (all when nil) from `from` to `to`.
    case pause(fleet: Int, count: Int?, from: Instant, to: Instant)
    /// API latency follows another distribution from `from` to `to`.
    case apiLatency(Distribution, from: Instant, to: Instant)
    /// A fraction of API calls fail, before taking effect, from `from` to `to`.
    case apiErrors(fraction: Double, from: Instant, to: Instant)
}

/// What happened when a fault ran, for the report.
public struct FaultRecord: Sendable, Equatable {
    public var kind: String
    public var target: String
    public var from: Instant
    /// When the fault ended; nil when it never did within the run.
    public var to: Instant?
    public var detail: String
}

/// Applies a fault schedule to the fleets and the network, and keeps a log of what it did.
public final class FaultInjector {
    let faults: [Fault]
    let fleets: [ConsumerFleet]
    let network: Network
    let scheduler: Scheduler
    public private(set) var log: [FaultRecord] = []

    public init(faults: [Fault], fleets: [ConsumerFleet], network: Network, scheduler: Scheduler) {
        self.faults = faults
        self.fleets = fleets
        self.network = network
        self.scheduler = scheduler
    }

    /// Installs the network windows and schedules the fleet faults.
    public func start() {
        for fault in faults {
            switch fault {
            case .crash(let fleetIndex, let count, let at, let restartAfter):
                scheduler.schedule(at: at) { [self] in
                    let fleet = fleets[fleetIndex]
                    let victims = fleet.crash(count: count)
                    let entry = log.count
                    log.append(FaultRecord(kind: "crash", target: "consumers/\(fleet.specification.name)", from: at, to: nil,
                                           detail: "crashed \(victims.count) of \(fleet.specification.count) consumers \(victims)"))
                    if let restartAfter {
                        scheduler.schedule(at: at + restartAfter) { [self] in
                            fleet.restart(victims)
                            log[entry].to = scheduler.now
                        }
                    }
                }
            case .pause(let fleetIndex, let count, let from, let to):
                scheduler.schedule(at: from) { [self] in
                    let fleet = fleets[fleetIndex]
                    let indices = Array(fleet.consumers.map(\.index).prefix(count ?? fleet.consumers.count))
                    fleet.pause(indices)
                    let entry = log.count
                    log.append(FaultRecord(kind: "pause", target: "consumers/\(fleet.specification.name)", from: from, to: nil,
                                           detail: "paused \(indices.count) of \(fleet.specification.count) consumers"))
                    scheduler.schedule(at: to) { [self] in
                        fleet.resume(indices)
                        log[entry].to = scheduler.now
                    }
                }
            case .apiLatency(let latency, let from, let to):
                network.latencyOverrides.append(Network.LatencyOverride(from: from, to: to, latency: latency))
                log.append(FaultRecord(kind: "apiLatency", target: "network", from: from, to: to, detail: latency.text(kind: .duration)))
            case .apiErrors(let fraction, let from, let to):
                network.errorWindows.append(Network.ErrorWindow(from: from, to: to, fraction: fraction))
                log.append(FaultRecord(kind: "apiErrors", target: "network", from: from, to: to,
                                       detail: "\(fraction) of API calls fail"))
            }
        }
    }

    /// The log in the order faults started (network windows are logged when installed).
    public var orderedLog: [FaultRecord] {
        log.enumerated().sorted { ($0.element.from, $0.offset) < ($1.element.from, $1.offset) }.map(\.element)
    }
}
