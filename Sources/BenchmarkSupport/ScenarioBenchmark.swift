import Reporting
import Scenario
import Verification

/// Whole-simulator benchmarks: a scenario decoded from text and run for one replication, with
/// everything a real run does (producers, consumers, the queue, the delivery checker, metrics).
public enum ScenarioBenchmark {
    /// What one replication did, for a test to check and a benchmark to scale by.
    public struct Result: Equatable, Sendable {
        public var messagesSent: Int
        public var messagesDeleted: Int
        /// Messages the delivery checker found lost; a correct engine always has 0.
        public var messagesLost: Int
        /// Violations of every kind the checker found; a correct engine under this workload has 0.
        public var violations: Int
        public var eventsRun: Int
        /// `drained` when every message sent was deleted before the drain limit.
        public var endReason: String
    }

    /// Arrivals per second of the M/M/1 scenario.
    public static let mm1ArrivalsPerSecond = 0.8

    /// The M/M/1 scenario of `scenarios/mm1.yaml` (Poisson arrivals at 0.8/s, one consumer with
    /// exponential service of mean 1 s, zero API latency, long polling, one message per receive),
    /// with producers running long enough to send about `messages` messages.
    public static func mm1Text(messages: Int) -> String {
        precondition(messages >= 1, "the M/M/1 benchmark needs at least one message, got \(messages)")
        // Whole seconds, rounded up: the duration is a plain scalar the decoder parses exactly.
        let durationSeconds = Int((Double(messages) / mm1ArrivalsPerSecond).rounded(.up))
        return """
            name: mm1-benchmark
            description: M/M/1 at rho = 0.8, sized to send about \(messages) messages.
            duration: \(durationSeconds)s
            drain: 1h
            seed: 7
            replications: 1
            sampleInterval: 10m

            queues:
              - name: jobs
                type: standard
                visibilityTimeout: 12h

            producers:
              - name: arrivals
                target: queue/jobs
                arrivals: poisson(rate=0.8/s)
                messageSize: constant(256B)

            consumers:
              - name: server
                source: queue/jobs
                count: 1
                maxMessages: 1
                waitTime: 20s
                processing: exponential(mean=1s)

            """
    }

    /// Decodes the M/M/1 scenario; the text is ours, so a problem in it is a bug here.
    public static func mm1Model(messages: Int) -> ScenarioModel {
        do {
            return try ScenarioDecoder.decode(mm1Text(messages: messages), file: "mm1-benchmark.yaml")
        } catch {
            preconditionFailure("the embedded M/M/1 scenario does not decode:\n\(error)")
        }
    }

    /// Runs replication 0 of `model` (the delivery checker always runs) and sums its queues.
    public static func run(_ model: ScenarioModel) -> Result {
        let observations = ScenarioRunner.runReplication(model, index: 0)
        return Result(
            messagesSent: observations.queues.reduce(0) { $0 + $1.messagesSent },
            messagesDeleted: observations.queues.reduce(0) { $0 + $1.messagesDeleted },
            messagesLost: observations.delivery.reduce(0) { $0 + $1.count(.lost) },
            violations: observations.delivery.reduce(0) { $0 + $1.violationCounts.values.reduce(0, +) },
            eventsRun: observations.eventsRun,
            endReason: observations.endReason)
    }

    /// Decodes and runs the M/M/1 scenario sized for about `messages` messages.
    public static func mm1(messages: Int) -> Result {
        run(mm1Model(messages: messages))
    }

    // MARK: Clickstream

    /// What one replication of the clickstream scenario did, as its KCL application's checker saw it.
    public struct ClickstreamResult: Equatable, Sendable {
        /// Records the stream accepted.
        public var recordsPut: Int
        /// Records refused over a shard's write limits (retried by the producer); 0 when the
        /// scenario's rate is under every shard's limit as intended.
        public var writeThrottled: Int
        /// Records the KCL application processed for the first time.
        public var recordsProcessed: Int
        public var duplicates: Int
        public var outOfOrder: Int
        /// Accepted records the stream still held at the end that the application never processed.
        public var unhandled: Int
        public var eventsRun: Int
        /// `drained` when the application read every shard to its tip before the drain limit.
        public var endReason: String
    }

    /// Shards of the clickstream stream.
    public static let clickstreamShards = 64
    /// Records per second the clickstream producer puts: with 10,000 keys of `zipf: 0.5` named
    /// `user-0` … `user-9999`, the busiest shard (by the MD5 placement) takes about 2.0% of them,
    /// 815 a second, below its limit of 1,000 even in a busy second, so no record is throttled.
    public static let clickstreamRecordsPerSecond = 40_000

    /// A clickstream: one producer putting about `records` records of 200 bytes into a 64-shard
    /// provisioned stream, Poisson at 40,000 a second, in PutRecords calls of 500 keyed by 10,000
    /// Zipf-distributed user IDs; one KCL application of 4 workers reading every shard from
    /// TRIM_HORIZON once a second with no processing time (constant(0ms)), checkpointing every 60 s.
    public static func clickstreamText(records: Int) -> String {
        precondition(records >= 1, "the clickstream benchmark needs at least one record, got \(records)")
        // Whole milliseconds, rounded up: the duration is a plain scalar the decoder parses exactly.
        let durationMilliseconds = (records * 1_000 + clickstreamRecordsPerSecond - 1) / clickstreamRecordsPerSecond
        return """
            name: clickstream-benchmark
            description: 64 shards, about \(records) records at \(clickstreamRecordsPerSecond)/s, one KCL application from TRIM_HORIZON.
            duration: \(durationMilliseconds)ms
            drain: 5m
            seed: 7
            replications: 1
            sampleInterval: 10s

            streams:
              - name: clicks
                shards: \(clickstreamShards)

            producers:
              - name: web
                target: stream/clicks
                arrivals: poisson(rate=\(clickstreamRecordsPerSecond)/s)
                recordSize: constant(200B)
                partitionKeys: { count: 10000, zipf: 0.5, prefix: user- }
                batchSize: 500
                batchLinger: 100ms

            consumers:
              - name: sessionizer
                source: stream/clicks
                workers: 4
                pollInterval: 1s
                maxRecords: 10000
                processing: constant(0ms)
                checkpointInterval: 60s
                initialPosition: TRIM_HORIZON

            """
    }

    /// Decodes the clickstream scenario; the text is ours, so a problem in it is a bug here.
    public static func clickstreamModel(records: Int) -> ScenarioModel {
        do {
            return try ScenarioDecoder.decode(clickstreamText(records: records), file: "clickstream-benchmark.yaml")
        } catch {
            preconditionFailure("the embedded clickstream scenario does not decode:\n\(error)")
        }
    }

    /// Runs replication 0 of `model`, a scenario with one stream and one stream consumer, with the
    /// stream checker on as in every run, and reads what the checker found from its observations.
    public static func runClickstream(_ model: ScenarioModel) -> ClickstreamResult {
        precondition(model.streams.count == 1 && model.streamConsumers.count == 1, "the clickstream runner reads one stream and one consumer")
        let observations = ScenarioRunner.runReplication(model, index: 0)
        let stream = observations.streams[0]
        let consumer = stream.consumers[0]
        return ClickstreamResult(
            recordsPut: stream.recordsPut,
            writeThrottled: stream.writeThrottled,
            recordsProcessed: consumer.recordsProcessed,
            duplicates: consumer.duplicates,
            outOfOrder: consumer.outOfOrder,
            unhandled: consumer.unprocessedAtEnd,
            eventsRun: observations.eventsRun,
            endReason: observations.endReason)
    }

    /// Decodes and runs the clickstream scenario sized for about `records` records.
    public static func clickstream(records: Int) -> ClickstreamResult {
        runClickstream(clickstreamModel(records: records))
    }
}
