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
///
/// In an autoscaled fleet a fault picks among the instances the policy has in service (lowest
/// index first); instances never launched, stopped or still warming hold nothing to crash or
/// pause. The policy still counts a crashed instance as in service, and one it stops meanwhile
/// stays stopped: a restart or the end of a pause brings back only instances the policy still
/// has in service.
public final class FaultInjector {
    let faults: [Fault]
    let fleets: [ConsumerFleet]
    /// The autoscaled fleet behind each of `fleets`, nil for a fleet of fixed size; empty when none is.
    let autoscaled: [AutoscaledFleet?]
    let network: Network
    let scheduler: Scheduler
    public private(set) var log: [FaultRecord] = []

    public init(faults: [Fault], fleets: [ConsumerFleet], autoscaled: [AutoscaledFleet?] = [], network: Network, scheduler: Scheduler) {
        precondition(autoscaled.isEmpty || autoscaled.count == fleets.count, "one entry of autoscaled per fleet")
        self.faults = faults
        self.fleets = fleets
        self.autoscaled = autoscaled
        self.network = network
        self.scheduler = scheduler
    }

    func autoscaledFleet(_ index: Int) -> AutoscaledFleet? { autoscaled.isEmpty ? nil : autoscaled[index] }

    /// Consumers of an autoscaled fleet the policy has in service, lowest index first.
    func inService(_ scaled: AutoscaledFleet) -> [Int] {
        scaled.fleet.consumers.indices.filter { scaled.isInService($0) }
    }

    /// Installs the network windows and schedules the fleet faults.
    public func start() {
        for fault in faults {
            switch fault {
            case .crash(let fleetIndex, let count, let at, let restartAfter):
                scheduler.schedule(at: at) { [self] in
                    let fleet = fleets[fleetIndex]
                    let victims: [Int]
                    let detail: String
                    if let scaled = autoscaledFleet(fleetIndex) {
                        let candidates = inService(scaled).filter { fleet.consumers[$0].isUp }
                        victims = Array(candidates.prefix(count))
                        for index in victims { fleet.consumers[index].crash() }
                        detail = "crashed \(victims.count) of \(candidates.count) consumers up and in service \(victims)"
                    } else {
                        victims = fleet.crash(count: count)
                        detail = "crashed \(victims.count) of \(fleet.specification.count) consumers \(victims)"
                    }
                    let entry = log.count
                    log.append(FaultRecord(kind: "crash", target: "consumers/\(fleet.specification.name)", from: at, to: nil,
                                           detail: detail))
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
                    let scaled = autoscaledFleet(fleetIndex)
                    let candidates = scaled.map(inService) ?? fleet.consumers.map(\.index)
                    let indices = Array(candidates.prefix(count ?? candidates.count))
                    fleet.pause(indices)
                    let entry = log.count
                    let detail = scaled == nil ? "paused \(indices.count) of \(fleet.specification.count) consumers"
                        : "paused \(indices.count) of \(candidates.count) consumers in service"
                    log.append(FaultRecord(kind: "pause", target: "consumers/\(fleet.specification.name)", from: from, to: nil,
                                           detail: detail))
                    scheduler.schedule(at: to) { [self] in
                        fleet.resume(scaled.map { scaled in indices.filter(scaled.isInService) } ?? indices)
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
