import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// A Kinesis producer: records gathered into PutRecords calls by size and linger, keyed by Zipf's
/// law, throttled records retried with backoff and given up after the last attempt.
@Suite struct StreamProducerTests {
    private final class Recorder: StreamWorkloadObserver {
        var accepted: [(tag: StreamRecordTag, key: Int, sequence: SequenceNumber, producedAt: Instant, at: Instant)] = []
        var abandoned: [(tag: StreamRecordTag, reason: String, at: Instant)] = []
        var finished: [String] = []
        func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant) {
            accepted.append((tag, key, sequenceNumber, producedAt, at))
        }
        func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant) { abandoned.append((tag, reason, at)) }
        func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant) {}
        func streamProducerFinished(_ name: String, at: Instant) { finished.append(name) }
    }

    private struct Run {
        let scheduler = Scheduler()
        let stream: DataStream
        let recorder = Recorder()
        let producer: StreamProducer

        init(_ specification: StreamProducerSpecification, shards: Int = 1, stop: Double, retry: RetryPolicy = .standard, seed: UInt64 = 3) {
            stream = DataStream(configuration: StreamConfiguration(name: "clicks", shardCount: shards), token: 0, clock: scheduler)
            let network = Network(apiLatency: .constant(0), retryPolicy: retry)
            producer = StreamProducer(specification: specification, producerIndex: 2, stream: stream, streamIndex: 0, network: network,
                                      scheduler: scheduler, observer: recorder, streams: { RandomStream(scenarioSeed: seed, replication: 0, name: $0) },
                                      stop: Instant(seconds: stop))
            producer.start()
            _ = scheduler.run(until: Instant(seconds: stop + 600), eventBudget: 10_000_000)
        }
    }

    static func spec(rate: Double, batchSize: Int = 1, linger: Double = 0, keys: PartitionKeyChoice = PartitionKeyChoice(count: 1),
                     size: Double = 100) -> StreamProducerSpecification {
        // Constant arrivals come at 1/rate, 2/rate, …: a run to just past a whole second makes rate × seconds records.
        StreamProducerSpecification(name: "web", arrivals: .constant(ratePerSecond: rate), recordSize: .constant(size), partitionKeys: keys,
                                    batchSize: batchSize, batchLinger: Span(seconds: linger))
    }

    @Test func aBatchCutShortByTheLingerLeavesWhenTheLingerEndsWithEveryRecordMadeUntilThen() {
        // 100 records/s, every 10 ms; a 50 ms linger gathers the first record and the five after it.
        let run = Run(Self.spec(rate: 100, batchSize: 500, linger: 0.05), stop: 3.001)
        #expect(run.recorder.accepted.count == 300)
        #expect(run.stream.counters.putRequests == 50)
        for record in run.recorder.accepted {
            let waited = (record.at - record.producedAt).seconds
            #expect(waited >= 0 && waited <= 0.05 + 1e-9)
        }
        #expect(run.recorder.finished == ["web"])
        #expect(run.producer.isIdle)
    }

    @Test func aFullBatchLeavesWithItsLastRecord() {
        let run = Run(Self.spec(rate: 100, batchSize: 10, linger: 60), stop: 2.001)
        #expect(run.recorder.accepted.count == 200)
        #expect(run.stream.counters.putRequests == 20)
        // The tenth record of each batch is accepted the instant it is made.
        #expect(run.recorder.accepted.filter { $0.at == $0.producedAt }.count == 20)
    }

    @Test func recordsOverAShardsThousandASecondAreThrottledAndGivenUpAfterTheLastAttempt() {
        // 1,500 records in the first second, in three full batches of 500: the third finds the
        // shard's one-second window full and, with one attempt allowed, is given up whole.
        let run = Run(Self.spec(rate: 1_500, batchSize: 500, linger: 60), stop: 1.0001,
                      retry: RetryPolicy(maxAttempts: 1, baseDelay: .milliseconds(100), maxBackoff: .seconds(1)))
        #expect(run.recorder.accepted.count == 1_000)
        #expect(run.recorder.abandoned.count == 500)
        #expect(run.recorder.abandoned.allSatisfy { $0.reason.contains("ProvisionedThroughputExceededException after 1 attempts") })
        #expect(run.stream.counters.writeThrottled == 500)
    }

    @Test func throttledRecordsAreRetriedAfterABackoffUntilTheShardHasRoom() {
        let run = Run(Self.spec(rate: 1_500, batchSize: 500, linger: 60), stop: 1.0001,
                      retry: RetryPolicy(maxAttempts: 20, baseDelay: .milliseconds(100), maxBackoff: .seconds(1)))
        #expect(run.recorder.accepted.count == 1_500)
        #expect(run.recorder.abandoned.isEmpty)
        #expect(run.producer.recordsRetried >= 500)
        // The retried batch finds room only once the first batch (accepted at 1/3 s) leaves the window.
        let late = run.recorder.accepted.filter { $0.at > Instant(seconds: 1) }
        #expect(late.count == 500)
        let firstBatchAt = run.recorder.accepted[499].at
        #expect(late.allSatisfy { $0.at >= firstBatchAt + .seconds(1) })
        // Sequence numbers follow acceptance, whatever the order records were made in.
        let numbers = run.recorder.accepted.map(\.sequence.number)
        #expect(numbers.elementsEqual(0..<1_500))
    }

    @Test func partitionKeysFollowZipfsLawWithinFourBinomialStandardDeviations() {
        let keys = PartitionKeyChoice(count: 100, exponent: 1, prefix: "user-")
        let run = Run(Self.spec(rate: 500, batchSize: 100, linger: 1, keys: keys), shards: 4, stop: 100.001)
        let n = run.recorder.accepted.count
        #expect(n == 50_000)
        let harmonic = (1...100).reduce(0.0) { $0 + 1 / Double($1) }
        var counts = [Int](repeating: 0, count: 100)
        for record in run.recorder.accepted { counts[record.key] += 1 }
        for rank in [0, 1, 9, 99] {
            let p = 1 / (Double(rank + 1) * harmonic)
            let sd = (Double(n) * p * (1 - p)).squareRoot()
            #expect(abs(Double(counts[rank]) - Double(n) * p) <= 4 * sd, "key \(rank): \(counts[rank]) of \(n), expected \(Double(n) * p) ± \(4 * sd)")
        }
        // Every record of a key lands on the shard that owns the MD5 of its spelled key.
        for record in run.recorder.accepted.prefix(1_000) {
            let shard = run.stream.openShard(for: DataStream.hashKey(partitionKey: "user-\(record.key)"))
            #expect(record.sequence.shard == shard)
        }
        #expect(Set(run.recorder.accepted.map(\.tag.producer)) == [2])
        #expect(run.recorder.accepted.map(\.tag.record).sorted().elementsEqual(0..<n))
    }

    @Test func aRecordTheStreamRefusesOutrightIsGivenUpWithoutRetry() {
        let run = Run(Self.spec(rate: 10, size: 2_000_000), stop: 1.001)
        #expect(run.recorder.accepted.isEmpty)
        #expect(run.recorder.abandoned.count == 10)
        #expect(run.recorder.abandoned.allSatisfy { $0.reason.contains("at most 1048576 bytes") })
        #expect(run.producer.recordsRetried == 0)
    }

    @Test func theSameSeedPutsTheSameRecordsWithTheSameKeysAndSequenceNumbers() {
        let keys = PartitionKeyChoice(count: 1_000, exponent: 1.2)
        let spec = StreamProducerSpecification(name: "web", arrivals: .poisson(ratePerSecond: 800), recordSize: .exponential(mean: 500),
                                               partitionKeys: keys, batchSize: 250, batchLinger: .milliseconds(200))
        let a = Run(spec, shards: 2, stop: 20, seed: 9), b = Run(spec, shards: 2, stop: 20, seed: 9), c = Run(spec, shards: 2, stop: 20, seed: 10)
        let trace = { (run: Run) in run.recorder.accepted.map { "\($0.tag) \($0.key) \($0.sequence) \($0.at.nanoseconds)" } }
        #expect(trace(a) == trace(b))
        #expect(trace(a) != trace(c))
    }
}
