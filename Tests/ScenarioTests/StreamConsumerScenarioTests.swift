import Foundation
import Reporting
import Scenario
import Testing

/// KCL applications, enhanced fan-out consumers and Lambda functions reading a stream in a whole
/// run: what the checker sees of them and the figures they report.
@Suite struct StreamConsumerScenarioTests {
    /// A 2-shard stream with 200 records/s over 100 keys for 30 s: 6,000 records (the 6,000th comes
    /// at 30 s, which the run's end just includes), under every limit.
    static func scenario(consumers: String, functions: String = "", faults: String = "") -> String {
        """
        name: stream-consumers
        duration: 30001ms
        drain: 5m
        seed: 3
        replications: 1
        sampleInterval: 5s
        streams:
          - name: clicks
            shards: 2
        producers:
          - name: web
            target: stream/clicks
            arrivals: constant(rate=200/s)
            recordSize: constant(256B)
            partitionKeys: { count: 100 }
            batchSize: 50
            batchLinger: 100ms
        network:
          apiLatency: constant(10ms)
        consumers:
        \(consumers)
        \(functions.isEmpty ? "" : "functions:\n" + functions)
        \(faults.isEmpty ? "" : "faults:\n" + faults)
        """
    }

    func run(_ text: String) throws -> ReplicationObservations {
        ScenarioRunner.runReplication(try ScenarioDecoder.decode(text, file: "stream-consumers.yaml"), index: 0)
    }

    func median(_ series: LatencySeries) -> Double {
        let sorted = series.values.sorted()
        return sorted.isEmpty ? .nan : Double(sorted[sorted.count / 2])
    }

    func counter(_ consumer: StreamConsumerObservations, _ name: String) -> Int? {
        consumer.counters.first { $0.name == name }?.value
    }

    @Test func aKCLApplicationProcessesEveryRecordOnceInKeyOrder() throws {
        let observations = try run(Self.scenario(consumers: """
              - { name: app, source: stream/clicks, workers: 2, processing: constant(1ms), initialPosition: TRIM_HORIZON, checkpointInterval: 10s }
            """))
        #expect(observations.endReason == "drained")
        let stream = try #require(observations.streams.first)
        #expect(stream.recordsPut == 6_000)
        let app = try #require(stream.consumers.first)
        #expect(app.kind == "kcl")
        #expect(app.recordsProcessed == 6_000)
        #expect(app.duplicates == 0)
        #expect(app.outOfOrder == 0)
        #expect(app.unprocessedAtEnd == 0)
        // Two workers, two shards: each takes one lease and nobody takes one from another.
        #expect(counter(app, "leasesTaken") == 2 && app.leaseTakeovers == 0)
        #expect(app.checkpoints > 0)
    }

    /// The crashed worker held one of the two leases. Nobody renews it, so the other worker takes it
    /// once `failoverTime` has passed and replays the shard from its last checkpoint (none was made
    /// in 20 s with a 60 s interval, so from TRIM_HORIZON): every record of that shard processed
    /// before the crash comes again, and the checker counts each as a duplicate.
    @Test func aCrashedWorkersLeaseIsTakenOverAfterFailoverTimeAndReplayedFromItsCheckpoint() throws {
        let observations = try run(Self.scenario(consumers: """
              - { name: app, source: stream/clicks, workers: 2, processing: constant(1ms), initialPosition: TRIM_HORIZON, failoverTime: 10s }
            """, faults: """
              - { at: 20s, crash: { consumers: app, count: 1 } }
            """))
        #expect(observations.endReason == "drained")
        let app = try #require(observations.streams.first?.consumers.first)
        #expect(app.recordsProcessed == 6_000)
        #expect(app.outOfOrder == 0)
        #expect(app.unprocessedAtEnd == 0)
        #expect(app.leaseTakeovers == 1)
        #expect(app.duplicates > 0)
        // The checker and the application agree on what was processed twice.
        #expect(app.duplicates == counter(app, "recordsReprocessed"))
        // Records of the orphaned shard wait out the failover: the slowest waited at least 10 s
        // less the lease pass interval (a third of failoverTime). Latencies are in seconds.
        let slowest = try #require(app.endToEnd.values.max())
        #expect(Double(slowest) >= 10.0 * 2 / 3)
        #expect(observations.faults.contains { $0.target == "app" && $0.kind == "crash" && $0.from == 20 })
    }

    /// A worker that joins takes its share by stealing one lease from the busiest worker; a
    /// worker that leaves checkpoints what it processed and releases its leases, so whoever takes
    /// them resumes there. Either way nothing is processed twice but what the stolen lease's
    /// owner had processed since its last checkpoint.
    @Test func workersJoiningAndLeavingRebalanceTheLeases() throws {
        let text = Self.scenario(consumers: """
              - { name: app, source: stream/clicks, processing: constant(1ms), initialPosition: TRIM_HORIZON, checkpointEveryRecords: 1 }
            """) + """

            operations:
              - { at: 10s, addWorkers: { consumers: app, count: 1 } }
              - { at: 20s, removeWorkers: { consumers: app, count: 1 } }
            """
        let observations = try run(text)
        #expect(observations.endReason == "drained")
        let app = try #require(observations.streams.first?.consumers.first)
        #expect(app.recordsProcessed == 6_000 && app.outOfOrder == 0 && app.unprocessedAtEnd == 0)
        // Checkpoints after every record: a steal replays nothing but a batch in flight.
        #expect(counter(app, "leaseSteals") == 1)
        // The joiner stole one of worker 0's two leases (a takeover); when it leaves it releases
        // the lease, and worker 0 takes a free lease back, which is no takeover.
        #expect(app.leaseTakeovers == 1)
        #expect(counter(app, "leasesTaken") == 4)
        #expect(observations.faults.map(\.kind) == ["addWorkers", "removeWorkers"])
        #expect(observations.faults.last?.detail == "KCL workers 1 left gracefully")
    }

    /// The bare KCL skips a batch whose processing threw: its records are handled once, as
    /// discarded, and never processed; every other record is processed once.
    @Test func aKCLApplicationThatSkipsFailedBatchesDiscardsTheirRecords() throws {
        let observations = try run(Self.scenario(consumers: """
              - { name: app, source: stream/clicks, processing: constant(1ms), initialPosition: TRIM_HORIZON, failureProbability: 0.2, failedBatch: skip }
            """))
        #expect(observations.endReason == "drained")
        let app = try #require(observations.streams.first?.consumers.first)
        #expect(app.discarded > 0)
        #expect(app.discarded == counter(app, "recordsSkipped"))
        #expect(app.recordsProcessed + app.discarded == 6_000)
        #expect(app.duplicates == 0 && app.unprocessedAtEnd == 0 && app.outOfOrder == 0)
        #expect((counter(app, "failedBatches") ?? 0) > 0)
    }

    /// Enhanced fan-out pushes every 100 ms; a KCL reader polls once a second. Half an interval
    /// of waiting on average puts the fan-out consumer's median latency well under the poller's.
    @Test func anEnhancedFanOutConsumerSeesRecordsSoonerThanAPollingOne() throws {
        let observations = try run(Self.scenario(consumers: """
              - { name: app, source: stream/clicks, processing: constant(0ms), initialPosition: TRIM_HORIZON }
              - { name: fan, source: stream/clicks, type: enhancedFanOut, processing: constant(0ms) }
            """))
        let stream = try #require(observations.streams.first)
        let app = stream.consumers[0], fan = stream.consumers[1]
        #expect(fan.kind == "enhancedFanOut")
        #expect(fan.recordsProcessed == 6_000)
        #expect(fan.duplicates == 0)
        #expect(fan.outOfOrder == 0)
        #expect(median(fan.endToEnd) < 0.25)
        #expect(median(app.endToEnd) > 0.4)
        // Billed from registration to the end of the run, for each of the two open shards.
        #expect(abs(fan.efoConsumerShardSeconds - 2 * observations.elapsed) < 1e-6 * observations.elapsed)
        #expect(fan.efoBytesRetrieved > 6_000 * 256)
    }

    /// Every invocation fails and no retry is allowed: each batch goes to the on-failure
    /// destination after its one attempt, and the checker counts its records as discarded.
    @Test func aLambdaOutOfRetriesDiscardsItsBatches() throws {
        let observations = try run(Self.scenario(consumers: "  []", functions: """
              - { name: f, source: stream/clicks, duration: constant(5ms), failureProbability: 1, maximumRetryAttempts: 0 }
            """))
        #expect(observations.endReason == "drained")
        let f = try #require(observations.streams.first?.consumers.first)
        #expect(f.kind == "lambda")
        #expect(f.recordsProcessed == 0)
        #expect(f.discarded == 6_000)
        #expect(f.unprocessedAtEnd == 0)
        #expect(counter(f, "invocations") == counter(f, "failedInvocations") && counter(f, "retries") == 0)
        #expect(f.lambdaRequests == counter(f, "invocations"))
        // Each invocation bills 5 ms at 128 MB.
        #expect(abs(f.lambdaGBSeconds - Double(f.lambdaRequests) * 0.005 * 128 / 1024) < 1e-9)
    }
}
