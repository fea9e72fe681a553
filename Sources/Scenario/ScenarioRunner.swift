import Reporting

/// Runs replications of a scenario and turns them into a report.
///
/// Each replication is independent (its own kernel, queues and random streams), so callers may run
/// them in any order or in parallel; `report` orders them by index.
public enum ScenarioRunner {
    /// One replication, start to end.
    public static func runReplication(_ model: ScenarioModel, index: Int) -> ReplicationObservations {
        World(model: model, replication: index).run()
    }

    /// Replications `0..<count` one after another, then the report. For tests and benchmarks;
    /// the command line runs replications in parallel.
    public static func run(_ model: ScenarioModel, replications: Int? = nil, replayCommand: @escaping @Sendable (Int) -> String = { "replication \($0)" }) -> Report {
        let count = replications ?? model.replications
        let observations = (0..<count).map { runReplication(model, index: $0) }
        return report(model, observations: observations, replayCommand: replayCommand)
    }

    public static func report(_ model: ScenarioModel, observations: [ReplicationObservations],
                              replayCommand: @escaping @Sendable (Int) -> String) -> Report {
        let run = RunDescription(scenario: model.name, description: model.description, seed: model.seed,
                                 duration: model.duration.seconds, drain: model.drain.seconds, warmup: model.warmup.seconds,
                                 sampleInterval: model.sampleInterval.seconds, replayCommand: replayCommand)
        return ReportBuilder.build(run, replications: observations)
    }
}
