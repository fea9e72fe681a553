import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Event source mappings on a real stream. With zero API latency a mapping started at 0 s polls
/// each shard at 0 s, 1 s, 2 s, …, so records put at 0.5 s reach the lanes at 1 s, and with
/// constant durations every instant after that can be worked out by hand.
@Suite struct StreamEventSourceMappingTests {
    func function(batchSize: Int = 10, batchingWindow: Span = .zero, parallelizationFactor: Int = 1, duration: Distribution = .constant(1),
                  coldStart: Distribution = .constant(0), failureProbability: Double = 0, maximumRetryAttempts: Int = -1,
                  maximumRecordAge: Span? = nil, bisect: Bool = false, accountConcurrencyLimit: Int = 1000) -> StreamEventSourceMappingSpecification {
        StreamEventSourceMappingSpecification(
            name: "handler", batchSize: batchSize, batchingWindow: batchingWindow, parallelizationFactor: parallelizationFactor,
            duration: duration, coldStart: coldStart, failureProbability: failureProbability, maximumRetryAttempts: maximumRetryAttempts,
            maximumRecordAge: maximumRecordAge, bisectBatchOnFunctionError: bisect, accountConcurrencyLimit: accountConcurrencyLimit)
    }

    /// Times at which records were handled, in seconds, in the order reported.
    func times(_ records: [StreamConsumerRecorder.Handled]) -> [Double] { records.map(\.at.seconds) }

    // MARK: Parallelization and order

    @Test func eachPartitionKeyKeepsItsOrderWithAParallelizationFactorOfTen() {
        let world = StreamActorWorld(shards: 2)
        world.put(count: 5000, keys: 100, from: 0, every: 0.001)
        let mapping = world.startMapping(function(parallelizationFactor: 10, duration: .lognormal(mean: 0.05, sd: 0.02)))
        world.run(until: 30)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        #expect(world.observer.processedBatchSizes.allSatisfy { $0 <= 10 })
        // Two shards of ten lanes: twenty batches at once, and twenty environments made for them.
        #expect(mapping.concurrencySeries.peak == 20)
        #expect(mapping.counters.coldStarts == 20 && mapping.environmentCount == 20)
        #expect(mapping.isIdle && mapping.concurrency == 0)
    }

    @Test func theAccountsConcurrencyLimitHoldsBackLanesInTurn() {
        let world = StreamActorWorld(shards: 2)
        world.put(count: 5000, keys: 100, from: 0, every: 0.001)
        let mapping = world.startMapping(function(parallelizationFactor: 10, duration: .constant(0.05), accountConcurrencyLimit: 5))
        world.run(until: 60)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        #expect(mapping.concurrencySeries.peak == 5)
        #expect(mapping.counters.throttles > 0)
    }

    // MARK: Batching

    @Test func aBatchShortOfItsSizeIsInvokedWhenItsWindowCloses() {
        let world = StreamActorWorld()
        world.put(count: 3, keys: 3, from: 0.5)
        _ = world.startMapping(function(batchSize: 100, batchingWindow: .seconds(5), duration: .constant(0.1)))
        world.run(until: 20)
        // Read at 1 s, the window closes at 6 s, the invocation takes 0.1 s.
        #expect(times(world.observer.processed) == [6.1, 6.1, 6.1])
    }

    @Test func aFullBatchDoesNotWaitForItsWindow() {
        let world = StreamActorWorld()
        world.put(count: 150, keys: 3, from: 0.5)
        _ = world.startMapping(function(batchSize: 100, batchingWindow: .seconds(5), duration: .constant(0.1)))
        world.run(until: 20)
        #expect(world.observer.processedBatchSizes == [100, 50])
        // The first hundred go at 1 s; the fifty left wait for the window their read opened at 1 s.
        #expect(Set(times(world.observer.processed)) == [1.1, 6.1])
    }

    @Test func withoutAWindowEachPollsRecordsAreInvokedAtOnce() {
        let world = StreamActorWorld()
        world.put(count: 25, keys: 5, from: 0.5)
        _ = world.startMapping(function(batchSize: 10, duration: .constant(0.1)))
        world.run(until: 20)
        #expect(world.observer.processedBatchSizes == [10, 10, 5])
        #expect(Set(times(world.observer.processed)) == [1.1, 1.2, 1.3])
    }

    // MARK: Errors

    @Test func aFailingBatchIsRetriedMaximumRetryAttemptsTimesThenGoesToTheDestinationBlockingItsShardMeanwhile() {
        let world = StreamActorWorld()
        world.put(count: 10, keys: 10, from: 0.5)
        let mapping = world.startMapping(function(batchSize: 5, failureProbability: 1, maximumRetryAttempts: 3))
        world.run(until: 60)
        // Each batch: the first attempt and 3 retries of 1 s; the second batch starts only when the first is given up.
        #expect(mapping.counters.invocations == 8 && mapping.counters.failedInvocations == 8 && mapping.counters.retries == 6)
        #expect(mapping.counters.discardedBatches == 2 && mapping.counters.recordsDiscarded == 10)
        #expect(times(world.observer.discarded.map(\.record)) == Array(repeating: 5, count: 5) + Array(repeating: 9, count: 5))
        #expect(world.observer.discarded.map(\.record.sequenceNumber.number) == Array(0..<10))
        #expect(world.observer.discarded.allSatisfy { $0.reason.contains("MaximumRetryAttempts") })
        #expect(world.observer.processed.isEmpty && mapping.concurrencySeries.peak == 1)
    }

    @Test func aLaneRetryingItsBatchDoesNotHoldUpTheOtherLanesOfItsShard() {
        let world = StreamActorWorld()
        world.put(count: 10, keys: 10, from: 0.5)
        let mapping = world.startMapping(function(batchSize: 10, parallelizationFactor: 2, failureProbability: 1, maximumRetryAttempts: 2))
        world.run(until: 60)
        // Both lanes try at 1, 2 and 3 s side by side and give up at 4 s; one after the other would end at 7 s.
        #expect(mapping.concurrencySeries.peak == 2 && mapping.counters.invocations == 6)
        #expect(world.observer.discarded.count == 10 && world.observer.discarded.allSatisfy { $0.record.at.seconds == 4 })
    }

    @Test func recordsOlderThanMaximumRecordAgeGoToTheDestination() {
        let world = StreamActorWorld()
        world.put(count: 1, keys: 1, from: 0.5)
        let mapping = world.startMapping(function(duration: .constant(10), failureProbability: 1, maximumRetryAttempts: -1,
                                                  maximumRecordAge: .seconds(60)))
        world.run(until: 200)
        // Attempts at 1, 11, …, 51 s; at 61 s the record is 60.5 s old.
        #expect(mapping.counters.invocations == 6 && mapping.counters.retries == 5)
        #expect(world.observer.discarded.count == 1)
        #expect(world.observer.discarded.first?.record.at.seconds == 61)
        #expect(world.observer.discarded.first?.reason.contains("MaximumRecordAge") == true)
    }

    @Test func withUnlimitedRetriesABatchIsRetriedUntilItsRecordsExpire() {
        let world = StreamActorWorld()
        world.put(count: 1, keys: 1, from: 0.5)
        let mapping = world.startMapping(function(duration: .constant(3600), failureProbability: 1, maximumRetryAttempts: -1))
        world.run(until: 25 * 3600)
        // Hourly attempts from 1 s; the one due at 24 h 1 s finds the record older than the 24 h retention.
        #expect(mapping.counters.invocations == 24)
        #expect(world.observer.discarded.map(\.record.at.seconds) == [86_401])
        #expect(world.observer.discarded.first?.reason.contains("expired") == true)
    }

    @Test func bisectingSplitsAFailedBatchIntoHalvesUntilSingleRecordsAreGivenUp() {
        let world = StreamActorWorld()
        world.put(count: 8, keys: 8, from: 0.5)
        let mapping = world.startMapping(function(batchSize: 8, failureProbability: 1, maximumRetryAttempts: 0, bisect: true))
        world.run(until: 60)
        // 8 → 4 + 4 → 2 + 2 + 2 + 2 → eight single records: 15 invocations, 7 splits, none counted as a retry attempt.
        #expect(mapping.counters.invocations == 15 && mapping.counters.bisections == 7 && mapping.counters.retries == 14)
        #expect(mapping.counters.discardedBatches == 8)
        #expect(world.observer.discarded.map(\.record.sequenceNumber.number) == Array(0..<8), "first halves first")
        // Single records are given up at 5, 6, 8, 9, 12, 13, 15 and 16 s.
        #expect(times(world.observer.discarded.map(\.record)) == [5, 6, 8, 9, 12, 13, 15, 16])
    }

    @Test func bisectedHalvesKeepTheRetriesTheirBatchHadUsed() {
        let world = StreamActorWorld()
        world.put(count: 8, keys: 8, from: 0.5)
        let mapping = world.startMapping(function(batchSize: 8, failureProbability: 1, maximumRetryAttempts: 1, bisect: true))
        world.run(until: 60)
        // As above, and each single record is retried once before it is given up.
        #expect(mapping.counters.invocations == 23 && mapping.counters.bisections == 7 && mapping.counters.retries == 22)
        #expect(mapping.counters.recordsDiscarded == 8)
    }

    @Test func underRandomFailuresEveryRecordIsProcessedOrDiscardedOnceInKeyOrder() {
        let world = StreamActorWorld(shards: 2)
        world.put(count: 2000, keys: 30, from: 0, every: 0.004)
        let mapping = world.startMapping(function(batchSize: 20, parallelizationFactor: 3, duration: .exponential(mean: 0.02),
                                                  failureProbability: 0.4, maximumRetryAttempts: 2, bisect: true))
        world.run(until: 120)
        expectEachRecordHandledOnceInKeyOrder(world.observer.handled, stream: world.stream)
        #expect(!world.observer.processed.isEmpty && !world.observer.discarded.isEmpty)
        #expect(mapping.counters.recordsDiscarded == world.observer.discarded.count)
        #expect(mapping.counters.bisections > 0 && mapping.isIdle)
    }

    // MARK: Shards, cost, determinism

    @Test func aChildShardIsReadOnlyAfterEachOfItsParentsIsHandled() throws {
        let world = StreamActorWorld()
        world.put(count: 3000, keys: 40, from: 0, every: 0.005)
        world.at(2) { _ = world.stream.splitShard(0, newStartingHashKey: HashKey(1) << 127) }
        world.at(6) { _ = world.stream.mergeShards(1, 2) }
        world.run(until: 16)
        let mapping = world.startMapping(function(batchSize: 100, duration: .constant(0.2)))
        world.run(until: 120)
        expectEachRecordHandledOnceInKeyOrder(world.observer.processed, stream: world.stream)
        func span(_ shard: Int) -> (first: Instant, last: Instant)? {
            let times = world.observer.processed.filter { $0.shard == shard }.map(\.at)
            return times.isEmpty ? nil : (times.min()!, times.max()!)
        }
        let parent = try #require(span(0)), lower = try #require(span(1)), upper = try #require(span(2)), merged = try #require(span(3))
        #expect(parent.last < lower.first && parent.last < upper.first)
        #expect(lower.last < merged.first && upper.last < merged.first, "a merged shard waits for both parents")
        #expect(mapping.isIdle)
    }

    @Test func invocationsAreBilledToTheMillisecondColdStartsIncluded() {
        let world = StreamActorWorld(shards: 2)
        world.put(count: 500, keys: 20, from: 0, every: 0.01)
        let mapping = world.startMapping(function(batchSize: 7, parallelizationFactor: 2, duration: .constant(0.1234), coldStart: .constant(0.5)))
        world.run(until: 30)
        let counters = mapping.counters
        #expect(counters.coldStarts == mapping.environmentCount && counters.coldStarts >= 2)
        #expect(counters.billedMilliseconds == counters.invocations * 124 + counters.coldStarts * 500)
    }

    @Test func theSameSeedGivesTheSameRunAndAnotherSeedAnother() {
        func run(seed: UInt64) -> ([StreamConsumerRecorder.Handled], StreamLambdaCounters) {
            let world = StreamActorWorld(shards: 2, seed: seed, apiLatency: .lognormal(mean: 0.02, sd: 0.01))
            world.put(count: 1000, keys: 25, from: 0, every: 0.005)
            let mapping = world.startMapping(function(batchSize: 25, parallelizationFactor: 4, duration: .lognormal(mean: 0.1, sd: 0.05),
                                                      coldStart: .exponential(mean: 0.3), failureProbability: 0.2, maximumRetryAttempts: 3,
                                                      bisect: true))
            world.run(until: 60)
            return (world.observer.handled, mapping.counters)
        }
        let first = run(seed: 3)
        #expect(first.0.count == 1000)
        let again = run(seed: 3)
        #expect(again.0 == first.0 && again.1 == first.1)
        #expect(run(seed: 4).0 != first.0)
    }

    @Test func aSpecificationNamesEachInvalidField() {
        var invalid = function(batchSize: 10_001, batchingWindow: .seconds(301), parallelizationFactor: 11, failureProbability: 1.5,
                               maximumRetryAttempts: 10_001, maximumRecordAge: .seconds(59), accountConcurrencyLimit: 0)
        invalid.startingPosition = .atSequenceNumber(SequenceNumber(shard: 0, number: 0))
        #expect(invalid.problems().map(\.field) == ["batchSize", "batchingWindow", "parallelizationFactor", "startingPosition",
                                                    "failureProbability", "maximumRetryAttempts", "maximumRecordAge", "accountConcurrencyLimit"])
        #expect(function(maximumRetryAttempts: -1, maximumRecordAge: .seconds(7 * 24 * 3600)).problems().isEmpty)
        #expect(function(maximumRetryAttempts: -2).problems().map(\.field) == ["maximumRetryAttempts"])
    }
}
