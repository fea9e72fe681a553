import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Testing
import Workloads

/// SEMANTICS.md "DeliveryStream — Kinesis Data Firehose" end to end: delivery streams in scenario
/// files, fed by Direct PUT or by a stream, run through the world.
@Suite struct DeliveryStreamScenarioTests {
    /// Runs replication 0 and keeps the world.
    func run(_ model: ScenarioModel, replication: Int = 0) -> World {
        let world = World(model: model, replication: replication)
        _ = world.run()
        return world
    }

    func run(_ text: String) throws -> World { run(try ScenarioDecoder.decode(text, file: "t.yaml")) }

    /// Direct PUT at a constant 100 records/s of 1 KiB for 10 minutes, with no API latency and a
    /// destination that answers in exactly 200 ms; `settings` are the delivery stream's lines.
    static func directPut(_ settings: String..., rate: String = "100/s", duration: String = "10m") -> String {
        """
        name: direct
        duration: \(duration)
        drain: 30m
        deliveryStreams:
          - name: logs
            source: direct
        \(settings.map { "    \($0)" }.joined(separator: "\n"))
            destination:
              name: s3/logs
              latency: constant(200ms)
        producers:
          - name: app
            target: deliveryStream/logs
            arrivals: constant(rate=\(rate))
            recordSize: constant(1KiB)
            batchSize: 1
        """
    }

    /// Every record the delivery stream accepted ends in exactly one fate, and nothing is left.
    func expectEveryRecordAccountedFor(_ run: DeliveryStreamRun, sourceLocation: SourceLocation = #_sourceLocation) {
        let f = run.figures
        #expect(f.recordsHeldAtEnd == 0, "\(f.name) still holds records", sourceLocation: sourceLocation)
        #expect(f.recordsIn == f.recordsDelivered + f.recordsBackedUp + f.recordsExpired + f.transformationDropped
                    + f.transformationProcessingFailed, "\(f)", sourceLocation: sourceLocation)
        #expect(run.deliveryLatency.count == f.recordsDelivered, sourceLocation: sourceLocation)
        #expect(run.objectBytes.count == f.objectsDelivered, sourceLocation: sourceLocation)
        #expect(run.objectBytes.reduce(0, +) == f.bytesDelivered, sourceLocation: sourceLocation)
        run.stream.checkInvariants()
    }

    // MARK: Fates

    @Test func everyRecordOfTheBundledScenarioEndsInExactlyOneFate() throws {
        let world = run(try bundledScenario("firehose-s3"))
        #expect(world.deliveryStreamRuns.count == 3)
        for run in world.deliveryStreamRuns { expectEveryRecordAccountedFor(run) }
        // Each delivery stream reading the stream took every record the stream accepted, once.
        let put = world.dataStreams[0].counters.recordsPut
        #expect(put > 0)
        for run in world.deliveryStreamRuns.prefix(2) {
            #expect(run.poller?.recordsRead == put)
            #expect(run.figures.recordsIn == put)
            #expect(run.figures.recordsDelivered == put)
        }
        // The app's logs: what the producer made is accepted or abandoned.
        let logs = world.deliveryStreamRuns[2].figures
        #expect(logs.recordsAbandonedByProducers == 0)
        #expect(logs.recordsIn > 0)
    }

    /// The outage (4m – 12m) outlasts the retry duration (5m): objects flushed in its first minutes
    /// fail until their retries run out and go to the backup location; later ones are delivered
    /// once it ends.
    @Test func anOutageLongerThanTheRetryDurationSendsObjectsToTheBackup() throws {
        let world = run(try bundledScenario("firehose-s3"))
        let logs = world.deliveryStreamRuns[2]
        let f = logs.figures
        #expect(f.backup == "s3/app-logs-failed")
        #expect(f.objectsBackedUp > 0 && f.recordsBackedUp > 0 && f.bytesBackedUp > 0)
        #expect(f.destinationFailures > logs.destination.failedInOutage / 2 && logs.destination.failedInOutage > 0)
        // Every attempt was answered: delivered, or failed.
        #expect(f.destinationAttempts == f.objectsDelivered + f.destinationFailures)
        #expect(f.recordsExpired == 0)
        // The streams without an outage deliver everything.
        #expect(world.deliveryStreamRuns[0].figures.objectsBackedUp == 0)
    }

    // MARK: Buffering

    /// Interval first: 100 records/s of 1 KiB never fill 128 MiB, so the buffer is flushed every
    /// 60 s from its first record: 600 s of records make 10 objects of 6,000 records each (the
    /// arrivals start at 10 ms and stop before 600 s, so the last may hold one fewer, and a record
    /// whose computed instant rounds across a flush may move one over).
    @Test func objectCountFollowsTheBufferIntervalForAConstantRateProducer() throws {
        let world = try run(Self.directPut("bufferSize: 128MiB", "bufferInterval: 60s"))
        let run = world.deliveryStreamRuns[0]
        let f = run.figures
        expectEveryRecordAccountedFor(run)
        #expect((59_999...60_000).contains(f.recordsIn))
        #expect(f.flushesBySize == 0)
        #expect(f.objectsDelivered == 10)
        for bytes in run.objectBytes { #expect((5_998 * 1_024...6_001 * 1_024).contains(bytes), "\(bytes / 1_024) records") }
    }

    /// Size first: 1 MiB is exactly 1,024 records of 1 KiB, so the 60,000 records (one fewer when
    /// the last arrival falls on the stop) make 58 objects by size and leave the rest, about 608
    /// records, for the interval to flush.
    @Test func objectCountFollowsTheBufferSizeForAConstantRateProducer() throws {
        let world = try run(Self.directPut("bufferSize: 1MiB", "bufferInterval: 900s"))
        let run = world.deliveryStreamRuns[0]
        let f = run.figures
        expectEveryRecordAccountedFor(run)
        #expect(f.flushesBySize == 58)
        #expect(f.flushesByInterval == 1)
        #expect(run.objectBytes.prefix(58).allSatisfy { $0 == 1_048_576 })
        #expect(run.objectBytes.last == (f.recordsIn - 58 * 1_024) * 1_024)
    }

    /// A record waits at most the interval in the buffer and then the destination's latency: the
    /// oldest record of an interval-flushed object is exactly interval + latency old on delivery.
    @Test func freshnessIsAtMostTheIntervalPlusTheDestinationLatency() throws {
        let world = try run(Self.directPut("bufferSize: 128MiB", "bufferInterval: 60s", rate: "7/s"))
        let run = world.deliveryStreamRuns[0]
        let freshness = run.freshnessAtDelivery.values.map(Double.init)
        #expect(!freshness.isEmpty)
        for value in freshness { #expect(abs(value - 60.2) < 1e-3) }
        #expect(run.freshnessSamples.allSatisfy { $0.seconds <= 60.2 + 1e-9 })
        #expect(run.deliveryLatency.values.allSatisfy { Double($0) <= 60.2 + 1e-3 && Double($0) >= 0.2 - 1e-3 })
    }

    // MARK: Direct PUT quotas

    /// 100 records/s against a quota of 60 records a second: the producer's throttled records are
    /// retried with backoff, and what it still cannot put after its last attempt it gives up.
    /// Every record made is accepted or given up, never both.
    @Test func recordsOverTheQuotaAreRetriedAndThoseStillRefusedAreGivenUp() throws {
        let text = Self.directPut("bufferSize: 1MiB", "bufferInterval: 60s", "recordsPerSecond: 60/s", duration: "1m")
            .replacingOccurrences(of: "    batchSize: 1", with: "    batchSize: 50\n    batchLinger: 500ms\n    retry: { maxAttempts: 3, baseDelay: 100ms, maxBackoff: 2s }")
        let world = try run(text)
        let run = world.deliveryStreamRuns[0]
        let f = run.figures
        let producer = try #require(run.producers.first)
        expectEveryRecordAccountedFor(run)
        #expect(f.recordsThrottled > 0)
        #expect(f.recordsAbandonedByProducers > 0)
        #expect(f.recordsIn + f.recordsAbandonedByProducers == producer.recordsMade)
        // The quota holds over any second: at most 60 records a second were accepted.
        #expect(Double(f.recordsIn) <= 60 * (world.scheduler.now.seconds + 1))
    }

    // MARK: Transformation

    /// Each record is Dropped with probability 0.1, on its own: the share is binomial.
    @Test func transformationDropsItsShareOfRecordsWithinFourStandardDeviations() throws {
        let world = try run(Self.directPut("bufferSize: 1MiB", "bufferInterval: 60s",
                                           "transformation: { duration: constant(100ms), droppedProbability: 0.1 }", duration: "5m"))
        let run = world.deliveryStreamRuns[0]
        let f = run.figures
        expectEveryRecordAccountedFor(run)
        let n = Double(f.recordsIn), p = 0.1
        #expect(n > 29_000)
        #expect(abs(Double(f.transformationDropped) - n * p) <= 4 * (n * p * (1 - p)).squareRoot(), "\(f.transformationDropped) of \(n)")
        #expect(f.transformedOk + f.transformationDropped == f.recordsIn)
        #expect(f.bytesDropped == f.transformationDropped * 1_024)
    }

    /// An invocation that fails on every try (1 + retries) fails its whole batch: ProcessingFailed.
    @Test func aFunctionThatAlwaysFailsSendsEveryRecordToTheErrorOutput() throws {
        let world = try run(Self.directPut("bufferSize: 1MiB", "bufferInterval: 60s",
                                           "transformation: { duration: constant(10ms), failureProbability: 1, retries: 2 }",
                                           duration: "1m"))
        let f = world.deliveryStreamRuns[0].figures
        #expect(f.transformationProcessingFailed == f.recordsIn && f.recordsIn > 5_900)
        #expect(f.invocations == 3 * (f.invocations / 3) && f.invocationFailures == f.invocations)
        #expect(f.objectsDelivered == 0)
    }

    // MARK: Determinism

    @Test func theSameSeedGivesTheSameDeliveries() throws {
        var model = try bundledScenario("firehose-s3")
        model.duration = .seconds(300)
        let a = run(model), b = run(model)
        #expect(a.deliveryStreamRuns.map(\.figures) == b.deliveryStreamRuns.map(\.figures))
        #expect(a.deliveryStreamRuns.map(\.objectBytes) == b.deliveryStreamRuns.map(\.objectBytes))
        let other = run(model, replication: 1)
        #expect(a.deliveryStreamRuns[2].figures != other.deliveryStreamRuns[2].figures)
    }
}
