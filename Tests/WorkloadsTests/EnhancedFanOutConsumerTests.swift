import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// A standard reader sharing a shard's classic read limit: GetRecords every `interval`.
final class PollingReader: TimerTarget {
    let stream: DataStream
    let scheduler: Scheduler
    let interval: Span
    let limit: Int
    var iterator: ShardIterator
    private(set) var recordsRead = 0
    private(set) var throttles = 0

    init(world: StreamActorWorld, interval: Span, limit: Int) throws {
        stream = world.stream
        scheduler = world.scheduler
        self.interval = interval
        self.limit = limit
        iterator = try world.stream.getShardIterator(shard: 0, type: .trimHorizon).get()
        scheduler.schedule(at: scheduler.now, target: self, code: 0, payload: 0)
    }

    func timerFired(code: Int, payload: Int) {
        switch stream.getRecords(iterator, limit: limit) {
        case .records(let records, let next, _, _):
            recordsRead += records.count
            iterator = next!
        case .rejected:
            throttles += 1
        }
        scheduler.schedule(at: scheduler.now + interval, target: self, code: 0, payload: 0)
    }
}

/// Enhanced fan-out consumers against a real stream. With zero API latency and the default push
/// interval of 100 ms, a consumer takes its events at 0.1 s, 0.2 s, … after subscribing at 0 s.
@Suite struct EnhancedFanOutConsumerTests {
    static let quarterMebibyte = 262_144

    func specification(_ name: String = "audit", processing: Distribution = .constant(0),
                       initialPosition: ShardIteratorType = .trimHorizon) -> EnhancedFanOutSpecification {
        EnhancedFanOutSpecification(name: name, processing: processing, initialPosition: initialPosition)
    }

    @Test func aConsumerProcessesEveryRecordOfEveryShardOnceAndInOrder() {
        let world = StreamActorWorld(shards: 4)
        world.put(count: 4000, keys: 50, from: 0, every: 0.0025)
        let consumer = world.startEnhancedFanOut(specification(processing: .lognormal(mean: 0.0005, sd: 0.0002)))
        world.run(until: 20)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        for shard in 0..<4 {
            let numbers = world.observer.processed.filter { $0.shard == shard }.map(\.sequenceNumber.number)
            #expect(numbers == Array(0..<numbers.count), "shard \(shard) was processed in sequence order")
        }
        #expect(consumer.counters.recordsProcessed == 4000 && consumer.counters.subscriptions == 4)
        #expect(consumer.isIdle)
        #expect(world.stream.enhancedFanOutCounters(consumer.consumer!).recordsPushed == 4000)
    }

    @Test func aConsumerReadsTwoMebibytesASecondPerShardWhileStandardReadersShareTheClassicLimit() throws {
        let world = StreamActorWorld { $0.shardWriteBytesPerSecond = 100 * 1_048_576 }
        // 10 MiB at once: forty records of a quarter mebibyte with their one-character keys.
        world.put(count: 40, keys: 10, bytes: Self.quarterMebibyte - 5)
        world.run(until: 0)
        let first = world.startEnhancedFanOut(specification("first"))
        let second = world.startEnhancedFanOut(specification("second"), consumerIndex: 1)
        let readers = try (0..<2).map { _ in try PollingReader(world: world, interval: .milliseconds(100), limit: 4) }
        world.run(until: 3.05)
        // Each pipe pushes eight records a second; the events at 0.1 s steps take them as they finish.
        #expect(first.counters.recordsProcessed == 24 && second.counters.recordsProcessed == 24)
        // The standard readers share 2 MiB/s over one-second windows, and are throttled: 3 MiB
        // (reads of 1 MiB at 0 s, 0 s, 0.1 s) lock the shard until 1.5 s, 3 MiB more until 3 s,
        // and 2 MiB at 3 s make 8 MiB, 32 records, at most; a poll that lands later loses one.
        let standard = readers.reduce(0) { $0 + $1.recordsRead }
        #expect(standard <= 32 && standard >= 28)
        #expect(readers.allSatisfy { $0.throttles > 0 })
        world.run(until: 6)
        #expect(first.counters.recordsProcessed == 40 && first.isIdle)
    }

    @Test func eachSubscriptionIsRenewedEveryFiveMinutesFromItsContinuation() throws {
        let world = StreamActorWorld()
        world.put(count: 780, keys: 3, from: 0.5, every: 1)
        let consumer = world.startEnhancedFanOut(specification())
        world.run(until: 790)
        #expect(consumer.counters.subscriptions == 3 && consumer.counters.renewals == 2)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        // Subscribed all along but for the instants between an expiry and its renewal's next event.
        let streamCounters = try #require(consumer.streamCounters)
        #expect(streamCounters.subscriptions == 3)
        #expect(abs(streamCounters.subscribedShardSeconds - 790) < 0.5)
        #expect(streamCounters.consumerShardSeconds == 790)
        // Every record waits at most one push interval for its event.
        let latest = world.observer.processed.map { $0.at.seconds - (0.5 + Double($0.sequenceNumber.number)) }.max() ?? 0
        #expect(latest <= 0.1 + 1e-9)
    }

    @Test func aChildShardIsReadOnlyAfterEachOfItsParentsEnded() throws {
        let world = StreamActorWorld()
        // The consumer starts once a split and a merge have made shards 1 and 2 from 0, and 3 from 1 and 2:
        // reading them all at once would be faster, so only the rule keeps the order.
        world.put(count: 3000, keys: 40, from: 0, every: 0.005)
        world.at(2) { _ = world.stream.splitShard(0, newStartingHashKey: HashKey(1) << 127) }
        world.at(6) { _ = world.stream.mergeShards(1, 2) }
        world.run(until: 16)
        world.stream.checkInvariants()
        let consumer = world.startEnhancedFanOut(specification(processing: .constant(0.001)))
        world.run(until: 60)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        func span(_ shard: Int) -> (first: Instant, last: Instant)? {
            let times = world.observer.processed.filter { $0.shard == shard }.map(\.at)
            return times.isEmpty ? nil : (times.min()!, times.max()!)
        }
        let parent = try #require(span(0)), lower = try #require(span(1)), upper = try #require(span(2)), merged = try #require(span(3))
        #expect(parent.last < lower.first && parent.last < upper.first)
        #expect(lower.last < merged.first && upper.last < merged.first, "a merged shard waits for both parents")
        #expect(consumer.counters.shardsFinished == 3 && consumer.isIdle)
    }

    @Test func aConsumerStartingAtLatestReadsOnlyWhatArrivesAfterIt() {
        let world = StreamActorWorld(shards: 2)
        world.put(count: 100, keys: 10, from: 0, every: 0.01)
        world.put(count: 100, keys: 10, from: 5, every: 0.01)
        world.run(until: 3)
        _ = world.startEnhancedFanOut(specification(initialPosition: .latest))
        world.run(until: 10)
        #expect(world.observer.processed.count == 100)
        #expect(world.observer.processed.allSatisfy { $0.at.seconds >= 5 })
    }

    @Test func theTwentyFirstConsumerOfAStreamIsRefused() {
        let world = StreamActorWorld()
        let consumers = (0...20).map { world.startEnhancedFanOut(specification("app-\($0)"), consumerIndex: $0) }
        #expect(consumers.prefix(20).allSatisfy { $0.registrationError == nil })
        guard case .limitExceeded? = consumers[20].registrationError else {
            Issue.record("a 21st consumer registered"); return
        }
        world.run(until: 5)
        #expect(consumers[20].counters.subscriptions == 0 && consumers[20].isIdle)
    }

    @Test func aConsumerThePolicyDeniesSubscribeToShardKeepsTryingAndReadsNothing() {
        let world = StreamActorWorld()
        let arn = StreamAccessControl.arn(ofStream: "clicks")
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([
            PolicyStatement(effect: .allow, principals: [ClientServices.defaultPrincipal("audit")], actions: ["kinesis:RegisterStreamConsumer"],
                            resources: [arn]),
        ]), for: arn)
        world.stream.accessControl = StreamAccessControl(evaluator: evaluator, resource: arn)
        world.put(count: 10, keys: 2, from: 0.5)
        let consumer = world.startEnhancedFanOut(specification())
        world.run(until: 10)
        #expect(consumer.registrationError == nil && consumer.counters.subscriptions == 0)
        #expect(consumer.counters.subscribeFailures >= 5 && world.observer.processed.isEmpty)
        #expect(world.stream.accessControl!.denied.total.total == consumer.counters.subscribeFailures)
    }

    @Test func theSameSeedGivesTheSameProcessingAndAnotherSeedAnother() {
        func run(seed: UInt64) -> [StreamConsumerRecorder.Handled] {
            let world = StreamActorWorld(shards: 2, seed: seed, apiLatency: .lognormal(mean: 0.02, sd: 0.01))
            world.put(count: 1000, keys: 20, from: 0, every: 0.003)
            _ = world.startEnhancedFanOut(specification(processing: .exponential(mean: 0.002)))
            world.run(until: 10)
            return world.observer.processed
        }
        let first = run(seed: 11)
        #expect(first.count == 1000)
        #expect(run(seed: 11) == first)
        #expect(run(seed: 12) != first)
    }

    @Test func aSpecificationNamesItsInvalidFields() {
        var invalid = specification(initialPosition: .afterSequenceNumber(SequenceNumber(shard: 0, number: 0)))
        invalid.pushInterval = .zero
        #expect(invalid.problems().map(\.field) == ["initialPosition", "pushInterval"])
        #expect(specification().problems().isEmpty)
    }
}
