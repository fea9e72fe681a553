import ArgumentParser
import Dispatch
import Foundation
import Reporting
import Scenario

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario and write its report.",
        discussion: """
            Writes report.json, report.md, summary.csv, depth.csv and concurrency.csv to the output folder. The report \
            depends only on the scenario file, the seed, the replications and the version of sluice, \
            never on --jobs or the machine. Run time and memory go to standard error.
            """)

    @Argument(help: "The scenario file (YAML).")
    var scenario: String

    @Option(help: "Seed for every random stream (default: the scenario's seed).")
    var seed: UInt64?

    @Option(help: "Number of independent replications (default: the scenario's).")
    var replications: Int?

    @Option(help: "Run only this replication index (0-based), e.g. to replay a violation.")
    var replication: Int?

    @Option(help: "Replications run at once (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Output folder (default: reports/<scenario file name>).")
    var out: String?

    @Flag(help: "Nothing on standard error but errors: no progress line, no summary.")
    var quiet = false

    @Flag(help: "Exit with status 2 when a checker finds a delivery-guarantee violation (for streams: a record handled out of its partition key's order).")
    var failOnViolation = false

    func validate() throws {
        if let replications, replications < 1 { throw ValidationError("--replications must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let replication, replication < 0 { throw ValidationError("--replication must be 0 or more") }
    }

    func run() throws {
        var loaded = try ScenarioFiles.load(scenario)
        if let seed { loaded.seed = seed }
        if let replications { loaded.replications = replications }
        let model = loaded
        let indices = replication.map { [$0] } ?? Array(0..<model.replications)
        let outDirectory = out ?? "reports/" + URL(fileURLWithPath: scenario).deletingPathExtension().lastPathComponent
        let wallStart = DispatchTime.now()
        let progress = Progress(total: indices.count, enabled: !quiet && isatty(STDERR_FILENO) == 1)

        let observations = ParallelRunner.map(indices, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount) { index in
            let result = ScenarioRunner.runReplication(model, index: index)
            progress.advance()
            return result
        }
        progress.finish()

        let path = scenario
        let seedUsed = model.seed
        let report = ScenarioRunner.report(model, observations: observations) { index in
            "sluice run \(path) --seed \(seedUsed) --replication \(index)"
        }
        try ReportWriter.write(report, to: outDirectory)

        let seconds = Double(DispatchTime.now().uptimeNanoseconds - wallStart.uptimeNanoseconds) / 1e9
        let events = observations.reduce(0) { $0 + $1.eventsRun }
        let messages = observations.reduce(0) { $0 + $1.queues.reduce(0) { $0 + $1.messagesSent } }
        let records = observations.reduce(0) { $0 + $1.streams.reduce(0) { $0 + $1.recordsPut } }
        // Records handled out of their partition key's order break what a stream promises.
        let streamViolations = report.streams.reduce(0) { $0 + $1.consumers.reduce(0) { $0 + $1.outOfOrder } }
        if !quiet {
            let carried = records == 0 ? "\(messages) messages" : "\(messages) messages and \(records) stream records"
            let rate = records == 0 ? "\(Int(Double(messages) / max(seconds, 1e-9))) messages/s"
                : "\(Int(Double(messages + records) / max(seconds, 1e-9))) messages and records/s"
            note(String(format: "%@: %d replication(s), %@, %d events in %.2f s wall clock (%@, %.0f events/s); peak memory %.1f MiB",
                        model.name, indices.count, carried, events, seconds, rate,
                        Double(events) / max(seconds, 1e-9), Double(peakMemoryBytes()) / 1_048_576))
            note("report written to \(outDirectory)/report.json, report.md, summary.csv, depth.csv, concurrency.csv")
            let d = report.delivery
            if !model.queues.isEmpty {
                note("delivery: \(d.sent) sent, \(d.deliveredOnce) delivered once, \(d.duplicated) duplicated, \(d.lost) lost, "
                     + "\(d.expired) expired, \(d.queued) still queued; \(d.violationTotal) violation(s)")
            }
            for topic in report.topics {
                let s = topic.subscriptions
                note("topic \(topic.name): \(topic.published) published, \(s.reduce(0) { $0 + $1.matched }) deliveries matched, "
                     + "\(s.reduce(0) { $0 + $1.delivered }) delivered, \(s.reduce(0) { $0 + $1.deadLettered }) dead-lettered, "
                     + "\(s.reduce(0) { $0 + $1.dropped }) dropped, \(s.reduce(0) { $0 + $1.pending }) pending")
            }
            for stream in report.streams {
                note("stream \(stream.name): \(stream.recordsPut) records put, \(stream.writeThrottled) throttled, "
                     + "\(stream.recordsAbandoned) abandoned, \(stream.reshards.count) resharding call(s)")
                for c in stream.consumers {
                    note("  \(c.kind) \(c.name): \(c.recordsProcessed) processed, \(c.duplicates) duplicates, \(c.discarded) discarded, "
                         + "\(c.unprocessedAtEnd) unprocessed at the end, \(c.outOfOrder) out of key order")
                }
            }
        }
        if !quiet {
            for video in report.videoStreams {
                note("video \(video.name) (\(video.streams) stream(s)): \(video.fragmentsIngested) fragments ingested, "
                     + "\(video.fragmentsDropped) dropped, \(video.connectionsRefused) connections refused")
                for p in video.playback {
                    note("  \(p.mode) \(p.name): \(p.fragmentsPlayed) fragments played, \(p.fragmentsSkipped) skipped")
                }
            }
        }
        let violations = report.delivery.violationTotal + streamViolations
        if failOnViolation && violations > 0 {
            throw CommandFailure(message: "\(violations) delivery-guarantee violation(s); see \(outDirectory)/report.md", exitCode: 2)
        }
    }
}

/// The process's peak resident memory, from the kernel's own accounting.
func peakMemoryBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024  // Linux reports kibibytes
}
