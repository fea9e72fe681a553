import Foundation
import Testing

/// End-to-end tests: run the built `sluice` executable and check its whole output and exit code.
@Suite struct CommandLineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `sluice` built next to the test bundle (debug or release, whichever is running).
    static var executable: URL {
        get throws {
            var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = folder.appendingPathComponent("sluice")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                folder.deleteLastPathComponent()
            }
            for configuration in ["debug", "release"] {
                let candidate = root.appendingPathComponent(".build/\(configuration)/sluice")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw CLIError("no sluice executable found; run `swift build` first")
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting so a full pipe cannot block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// A short scenario with faults, so runs take a second but exercise most of the pipeline.
    static let shortScenario = """
        name: short
        duration: 2m
        drain: 2m
        seed: 5
        replications: 3
        queues:
          - name: q
            visibilityTimeout: 2s
        producers:
          - name: p
            target: queue/q
            arrivals: poisson(rate=20/s)
            messageSize: lognormal(mean=2KiB, sd=1KiB)
        consumers:
          - name: c
            source: queue/q
            count: 4
            maxMessages: 10
            processing: lognormal(mean=150ms, sd=100ms)
        network:
          apiLatency: lognormal(mean=8ms, sd=3ms)
        faults:
          - at: 30s
            crash: { consumers: c, count: 2 }
            restartAfter: 20s
        """

    @Test func versionPrintsTheVersion() throws {
        let result = try Self.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "0.1.0\n")
    }

    @Test func helpDocumentsTheExitCodes() throws {
        let result = try Self.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Exit codes: 0 success; 1 invalid input"))
        #expect(result.stdout.contains("run") && result.stdout.contains("validate"))
    }

    @Test func validateAcceptsTheBundledScenarios() throws {
        for name in ["quickstart", "mm1", "mm3", "burst-autoscaling", "fifo-orders", "poison-messages", "fanout-notifications", "fifo-fanout"] {
            let result = try Self.run(["validate", "scenarios/\(name).yaml"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout.hasPrefix("scenarios/\(name).yaml: valid — scenario '\(name)'"))
        }
        let fanout = try Self.run(["validate", "scenarios/fanout-notifications.yaml"])
        #expect(fanout.stdout.contains("3 queue(s), 1 topic(s) with 4 subscription(s), 1 producer(s)"))
    }

    @Test func validateRejectsTheBrokenScenarioWithPositionedErrors() throws {
        let result = try Self.run(["validate", "scenarios/broken.yaml"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.first == "scenarios/broken.yaml:3:11: duration: '30' needs a duration unit, e.g. 30ms")
    }

    @Test func missingScenarioFileIsInvalidInput() throws {
        let result = try Self.run(["run", "no/such/file.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("no/such/file.yaml: cannot read the scenario file"))
    }

    @Test func badOptionIsInvalidInput() throws {
        let result = try Self.run(["run", "scenarios/mm1.yaml", "--replications", "0"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--replications must be at least 1"))
    }

    @Test func reportDoesNotDependOnTheNumberOfJobs() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("short.yaml")
        try Self.shortScenario.write(to: scenario, atomically: true, encoding: .utf8)
        var outputs: [[String]] = []
        for jobs in ["1", "2"] {
            let out = folder.appendingPathComponent("out\(jobs)")
            let result = try Self.run(["run", scenario.path, "--jobs", jobs, "--out", out.path, "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
            outputs.append(try ["report.json", "report.md", "summary.csv", "depth.csv", "concurrency.csv"].map {
                try Self.read(out.appendingPathComponent($0))
            })
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0][0].contains("\"schemaVersion\": 1"))
    }

    @Test func replayingOneReplicationReproducesItsFigures() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("short.yaml")
        try Self.shortScenario.write(to: scenario, atomically: true, encoding: .utf8)
        let all = folder.appendingPathComponent("all"), one = folder.appendingPathComponent("one")
        #expect(try Self.run(["run", scenario.path, "--out", all.path, "--quiet"]).status == 0)
        #expect(try Self.run(["run", scenario.path, "--replication", "2", "--out", one.path, "--quiet"]).status == 0)
        let allJSON = try Self.read(all.appendingPathComponent("report.json"))
        let oneJSON = try Self.read(one.appendingPathComponent("report.json"))
        // The replayed replication's own line in replicationDetails is the same as in the full run.
        let line = try #require(oneJSON.split(separator: "\n").first { $0.contains("\"queueWaitMean\"") })
        #expect(allJSON.contains(line))
        #expect(oneJSON.contains("\"index\": 2"))
    }

    @Test func failOnViolationExitsWithTwo() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("lapse.yaml")
        // Processing outlives the visibility timeout, so messages are processed twice.
        let text = Self.shortScenario.replacingOccurrences(of: "visibilityTimeout: 2s", with: "visibilityTimeout: 1s")
            .replacingOccurrences(of: "lognormal(mean=150ms, sd=100ms)", with: "uniform(500ms, 1500ms)")
        try text.write(to: scenario, atomically: true, encoding: .utf8)
        let result = try Self.run(["run", scenario.path, "--replications", "1", "--out", folder.appendingPathComponent("o").path,
                                   "--quiet", "--fail-on-violation"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("delivery-guarantee violation(s)"))
        let markdown = try Self.read(folder.appendingPathComponent("o/report.md"))
        #expect(markdown.contains("duplicateProcessing"))
        #expect(markdown.contains("sluice run \(scenario.path) --seed 5 --replication 0"))
    }

    @Test func runWritesEveryReportFileAndASummaryOnStandardError() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("short.yaml")
        try Self.shortScenario.write(to: scenario, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("o")
        let result = try Self.run(["run", scenario.path, "--replications", "1", "--seed", "9", "--out", out.path])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("peak memory"))
        #expect(result.stderr.contains("report written to \(out.path)/report.json"))
        let json = try Self.read(out.appendingPathComponent("report.json"))
        #expect(json.contains("\"seed\": 9"))
        let depth = try Self.read(out.appendingPathComponent("depth.csv"))
        #expect(depth.hasPrefix("replication,queue,time,visible,inFlight,delayed\n0,q,0,0,0,0\n"))
        // No function or autoscaled fleet: the header alone.
        #expect(try Self.read(out.appendingPathComponent("concurrency.csv")) == "replication,name,time,value\n")
        #expect(json.contains("\"cost\": {"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".partial") }
        #expect(leftovers.isEmpty)
    }

    /// A scenario without queues: the summary names the stream and what each consumer made of its
    /// records, and has no queue delivery line.
    @Test func runSummarisesStreamsAndTheirConsumers() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenario = folder.appendingPathComponent("stream.yaml")
        try """
            name: stream
            duration: 10001ms
            drain: 1m
            seed: 2
            streams:
              - { name: clicks, shards: 1 }
            producers:
              - { name: web, target: stream/clicks, arrivals: constant(rate=10/s), partitionKeys: { count: 5 } }
            consumers:
              - { name: app, source: stream/clicks, processing: constant(1ms), initialPosition: TRIM_HORIZON }
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let result = try Self.run(["run", scenario.path, "--replications", "1", "--out", folder.appendingPathComponent("o").path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("0 messages and 100 stream records"))
        #expect(result.stderr.contains("stream clicks: 100 records put, 0 throttled, 0 abandoned, 0 resharding call(s)"))
        #expect(result.stderr.contains("  kcl app: 100 processed, 0 duplicates, 0 discarded, 0 unprocessed at the end, 0 out of key order"))
        #expect(!result.stderr.contains("delivery:"))
    }

    /// The checked-in reports are golden files: the current engine must reproduce them byte for byte.
    @Test func checkedInQuickstartReportIsReproduced() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.run(["run", "scenarios/quickstart.yaml", "--out", folder.path, "--quiet"])
        #expect(result.status == 0)
        for file in ["report.json", "report.md", "summary.csv", "depth.csv", "concurrency.csv"] {
            let expected = try Self.read(Self.root.appendingPathComponent("reports/quickstart/\(file)"))
            let actual = try Self.read(folder.appendingPathComponent(file))
            #expect(actual == expected, "reports/quickstart/\(file) is stale: run `make reports` and commit")
        }
    }
}
