import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Event source mappings against a real queue. With zero API latency and constant durations every
/// instant can be worked out by hand: pollers take their first batches at 0 s, a scaling step at
/// each whole second adds 5 pollers while messages are visible, and a poller whose invocation ends
/// deletes its batch and receives again at the same instant.
@Suite struct LambdaEventSourceMappingTests {
    func world(visibilityTimeout: Span = .seconds(30)) -> TestWorld {
        var configuration = QueueConfiguration(name: "orders")
        configuration.visibilityTimeout = visibilityTimeout
        return TestWorld(queue: configuration)
    }

    func function(batchSize: Int = 10, batchingWindow: Span = .zero, maximumConcurrency: Int? = nil, duration: Double = 10,
                  coldStart: Double = 0, failureProbability: Double = 0, partialBatchFailureProbability: Double = 0,
                  reportBatchItemFailures: Bool = false, accountConcurrencyLimit: Int = 1000) -> LambdaEventSourceMappingSpecification {
        LambdaEventSourceMappingSpecification(
            name: "handler", batchSize: batchSize, batchingWindow: batchingWindow, maximumConcurrency: maximumConcurrency,
            duration: .constant(duration), coldStart: .constant(coldStart), failureProbability: failureProbability,
            partialBatchFailureProbability: partialBatchFailureProbability, reportBatchItemFailures: reportBatchItemFailures,
            accountConcurrencyLimit: accountConcurrencyLimit)
    }

    func mapping(_ specification: LambdaEventSourceMappingSpecification, in world: TestWorld) -> LambdaEventSourceMapping {
        LambdaEventSourceMapping(specification: specification, fleetIndex: 0, queue: world.queue, queueIndex: 0,
                                 network: world.network, scheduler: world.scheduler, observer: world.observer, streams: world.stream)
    }

    func samples(_ series: CountSeries) -> [[Double]] { series.samples.map { [$0.seconds, Double($0.count)] } }

    @Test func aMappingStartsWithFiveConcurrentBatchesWhenMessagesAreAvailable() {
        let world = world()
        world.preload(1000)
        let lambda = mapping(function(), in: world)
        lambda.start()
        world.run(until: 0.5)
        #expect(samples(lambda.concurrencySeries) == [[0, 5]])
        #expect(lambda.activePollerCount == 5)
        #expect(lambda.counters.invocations == 5)
        #expect(lambda.counters.coldStarts == 5)
        #expect(world.queue.inFlightCount == 50)
        // The first scaling step, at 1 s, finds messages still visible and adds 5.
        world.run(until: 1.5)
        #expect(samples(lambda.pollerSeries) == [[0, 5], [1, 10]])
        #expect(lambda.concurrency == 10)
    }

    @Test func aMappingAddsAtMost300ConcurrentBatchesPerMinuteUnderABacklog() {
        // 5 pollers more each second: 305 at 60 s, 605 at 120 s. Invocations of 10 s on batches
        // of 10 take about 36,000 messages by 120 s, so the backlog lasts.
        let world = world()
        world.preload(50_000)
        let lambda = mapping(function(), in: world)
        lambda.start()
        world.run(until: 120.5)
        #expect(world.queue.visibleCount > 0)
        #expect(lambda.concurrencySeries.count(at: at(60)) == 305)
        #expect(lambda.concurrencySeries.count(at: at(120)) == 605)
        #expect(lambda.concurrencySeries.peak == 605)
        for sample in lambda.concurrencySeries.samples {
            let minuteBefore = lambda.concurrencySeries.count(at: Instant(nanoseconds: max(0, sample.at.nanoseconds - 60_000_000_000)))
            #expect(sample.count - minuteBefore <= 300, "at \(sample.at)")
        }
    }

    @Test func concurrencyNeverExceedsMaximumConcurrency() {
        // 20 pollers take 200 messages a second: the backlog outlasts the run.
        let world = world()
        world.preload(10_000)
        let lambda = mapping(function(maximumConcurrency: 20, duration: 1), in: world)
        lambda.start()
        world.run(until: 30)
        #expect(samples(lambda.pollerSeries) == [[0, 5], [1, 10], [2, 15], [3, 20]])
        #expect(lambda.concurrencySeries.peak == 20)
        #expect(lambda.concurrencySeries.count(at: at(29)) == 20)
        #expect(lambda.counters.throttles == 0)
    }

    @Test func theAccountConcurrencyLimitStopsScalingAndCountsThrottles() {
        // Limit 12: 5 pollers, 10 at 1 s, 12 at 2 s with 3 refused, then 5 refused at each step
        // from 3 s to 10 s: 3 + 8 × 5 = 43 throttles.
        let world = world()
        world.preload(5000)
        let lambda = mapping(function(accountConcurrencyLimit: 12), in: world)
        lambda.start()
        world.run(until: 10.5)
        #expect(samples(lambda.pollerSeries) == [[0, 5], [1, 10], [2, 12]])
        #expect(lambda.concurrencySeries.peak == 12)
        #expect(lambda.counters.throttles == 43)
    }

    @Test func aBatchSizeAbove10WithoutABatchingWindowIsRejected() {
        #expect(function(batchSize: 11).problems().map(\.field) == ["batchSize"])
        #expect(function(batchSize: 11).problems().first?.message.contains("batchingWindow") == true)
        #expect(function(batchSize: 11, batchingWindow: .seconds(1)).problems().isEmpty)
        #expect(function(batchSize: 10).problems().isEmpty)
        #expect(function(batchSize: 10_000, batchingWindow: .seconds(300)).problems().isEmpty)
    }

    @Test func valuesOutsideTheirRangesAreRejectedNamingTheField() {
        #expect(function(batchSize: 0).problems().map(\.field) == ["batchSize"])
        #expect(function(batchSize: 10_001, batchingWindow: .seconds(1)).problems().map(\.field) == ["batchSize"])
        #expect(function(batchingWindow: .seconds(301)).problems().map(\.field) == ["batchingWindow"])
        #expect(function(maximumConcurrency: 1).problems().map(\.field) == ["maximumConcurrency"])
        #expect(function(maximumConcurrency: 1001).problems().map(\.field) == ["maximumConcurrency"])
        #expect(function(maximumConcurrency: 2).problems().isEmpty)
        #expect(function(maximumConcurrency: 1000).problems().isEmpty)
        #expect(function(failureProbability: 1.5).problems().map(\.field) == ["failureProbability"])
        #expect(function(accountConcurrencyLimit: 0).problems().map(\.field) == ["accountConcurrencyLimit"])
    }

    @Test func aBatchingWindowGathersReceivesUntilTheBatchIsFull() {
        // Two pollers take 10, 10, 10, 10, then 5 and 5 to fill batches of 25 at 0 s: six receives.
        let world = world()
        world.preload(50)
        let lambda = mapping(function(batchSize: 25, batchingWindow: .seconds(5), maximumConcurrency: 2, duration: 1), in: world)
        lambda.start()
        world.run(until: 0.5)
        #expect(world.queue.counters.receiveRequests == 6)
        #expect(samples(lambda.concurrencySeries) == [[0, 2]])
        world.run(until: 1.5)
        #expect(world.queue.counters.messagesDeleted == 50)
        // 25 messages are deleted in three calls of at most 10.
        #expect(world.queue.counters.deleteRequests == 6)
    }

    @Test func aBatchingWindowInvokesWithWhatItHasWhenTheWindowCloses() {
        // 15 messages, batches of 100: the pollers take 10 and 5 at 0 s and wait out their windows.
        let world = world()
        world.preload(15)
        let lambda = mapping(function(batchSize: 100, batchingWindow: .seconds(5), maximumConcurrency: 2, duration: 1), in: world)
        lambda.start()
        world.run(until: 10)
        #expect(samples(lambda.concurrencySeries) == [[0, 0], [5, 2], [6, 0]])
        #expect(world.observer.receipts.allSatisfy { $0.at == .zero })
        #expect(world.observer.deletes.map(\.at) == Array(repeating: at(6), count: 15))
    }

    @Test func messagesPastThe6MiBPayloadBeginTheNextBatch() {
        // Ten messages of 1 MiB in one receive: six fill the payload and are invoked at once; the
        // other four begin the next batch at 1 s, whose window closes at 6 s.
        let world = world()
        for _ in 0..<10 { _ = world.queue.sendMessage(SendMessageRequest(bodyBytes: 1_048_576)) }
        let lambda = mapping(function(batchSize: 100, batchingWindow: .seconds(5), maximumConcurrency: 2, duration: 1), in: world)
        lambda.start()
        world.run(until: 10)
        #expect(samples(lambda.concurrencySeries) == [[0, 1], [1, 0], [6, 1], [7, 0]])
        #expect(world.observer.receipts.map(\.at) == Array(repeating: .zero, count: 10))
        #expect(world.observer.deletes.map(\.at) == Array(repeating: at(1), count: 6) + Array(repeating: at(7), count: 4))
        #expect(world.observer.deletedIDs == (0..<10).map(MessageID.init))
    }

    @Test func aFailedInvocationsMessagesReappearAfterTheVisibilityTimeout() {
        let world = world(visibilityTimeout: .seconds(10))
        world.preload(3)
        let lambda = mapping(function(duration: 1, failureProbability: 1), in: world)
        lambda.start()
        world.run(until: 9.9)
        #expect(world.observer.abandonments.map(\.why) == Array(repeating: .processingFailed, count: 3))
        #expect(world.observer.abandonments.map(\.at) == Array(repeating: at(1), count: 3))
        #expect(world.observer.deletes.isEmpty)
        #expect(world.queue.inFlightCount == 3)
        #expect(lambda.counters.failedInvocations == 1)
        world.run(until: 10.5)
        let again = world.observer.receipts.dropFirst(3)
        #expect(again.map(\.messageId).sorted() == (0..<3).map(MessageID.init))
        #expect(again.allSatisfy { $0.receiveCount == 2 && $0.at == at(10) })
        #expect(world.queue.counters.messagesDeleted == 0)
    }

    /// Runs one batch of 10 whose messages each fail with probability 1/2, and returns the
    /// messages that failed the first time and those received a second time.
    func halfFailingBatch(reportBatchItemFailures: Bool) -> (world: TestWorld, lambda: LambdaEventSourceMapping,
                                                               failed: [MessageID], redelivered: [MessageID]) {
        let world = world(visibilityTimeout: .seconds(10))
        world.preload(10)
        let lambda = mapping(function(duration: 1, partialBatchFailureProbability: 0.5,
                                      reportBatchItemFailures: reportBatchItemFailures), in: world)
        lambda.start()
        world.run(until: 10.5)
        let failed = world.observer.abandonments.filter { $0.at == at(1) }.map(\.messageId).sorted()
        let redelivered = world.observer.receipts.filter { $0.receiveCount == 2 }.map(\.messageId).sorted()
        return (world, lambda, failed, redelivered)
    }

    @Test func aPartialBatchResponseRedeliversOnlyTheFailedItems() {
        let (world, lambda, failed, redelivered) = halfFailingBatch(reportBatchItemFailures: true)
        #expect(!failed.isEmpty && failed.count < 10, "the seed should fail some messages of 10 and not all")
        #expect(lambda.counters.failedInvocations == 0)
        let deleted = world.observer.deletes.filter { $0.at == at(1) }.map(\.messageId).sorted()
        #expect(deleted == (0..<10).map(MessageID.init).filter { !failed.contains($0) })
        #expect(world.observer.processings.map(\.messageId).sorted() == deleted)
        #expect(redelivered == failed)
    }

    @Test func withoutPartialBatchResponsesOneFailedItemRedeliversTheWholeBatch() {
        // The same seed fails the same messages; without partial responses the batch fails whole.
        let (_, _, someFailed, _) = halfFailingBatch(reportBatchItemFailures: true)
        let (world, lambda, failed, redelivered) = halfFailingBatch(reportBatchItemFailures: false)
        #expect(!someFailed.isEmpty && someFailed.count < 10)
        #expect(failed == (0..<10).map(MessageID.init))
        #expect(lambda.counters.failedInvocations == 1)
        #expect(world.observer.processings.isEmpty)
        #expect(world.observer.deletes.isEmpty)
        #expect(redelivered == failed)
    }

    @Test func concurrencyScalesBackDownWhenTheQueueEmpties() {
        let world = world()
        world.preload(2000)
        let lambda = mapping(function(duration: 1), in: world)
        lambda.start()
        world.run(until: 60)
        #expect(world.queue.storedCount == 0)
        #expect(world.observer.deletedIDs.sorted() == (0..<2000).map(MessageID.init))
        #expect(lambda.pollerSeries.peak > 30)
        // Every poller's next long poll began by the last delete and comes back empty 20 s later;
        // all but 5 retire then.
        let lastDelete = world.observer.deletes.last!.at
        #expect(lambda.pollerSeries.count(at: lastDelete + .seconds(20)) == 5)
        #expect(lambda.pollerSeries.count(at: lastDelete + Span(nanoseconds: 20_000_000_000 - 1)) > 5)
        #expect(lambda.activePollerCount == 5)
        #expect(lambda.concurrency == 0)
        // A new burst starts again from 5 concurrent batches.
        world.preload(1000)
        world.run(until: 60.5)
        #expect(lambda.concurrency == 5)
    }

    @Test func onlyNewExecutionEnvironmentsPayAColdStart() {
        // Five pollers, each invoking at 0 s (1 s plus a 2 s cold start), then at 3, 4, …, 10 s warm.
        let world = world()
        world.preload(1000)
        let lambda = mapping(function(maximumConcurrency: 5, duration: 1, coldStart: 2), in: world)
        lambda.start()
        world.run(until: 10.5)
        #expect(lambda.counters.invocations == 45)
        #expect(lambda.counters.coldStarts == 5)
        #expect(lambda.environmentCount == 5)
        #expect(world.observer.deletes.first?.at == at(3))
        #expect(world.observer.deletes.dropFirst(50).first?.at == at(4))
    }

    @Test func aMappingRunIsAPureFunctionOfTheSeed() {
        func run() -> (CountSeries, [RecordingObserver.Delete]) {
            let world = TestWorld(apiLatency: .lognormal(mean: 0.01, sd: 0.005))
            world.preload(3000)
            let lambda = mapping(LambdaEventSourceMappingSpecification(
                name: "handler", duration: .lognormal(mean: 0.5, sd: 0.3), coldStart: .exponential(mean: 0.3),
                partialBatchFailureProbability: 0.05, reportBatchItemFailures: true), in: world)
            lambda.start()
            world.run(until: 60)
            return (lambda.concurrencySeries, world.observer.deletes)
        }
        let (first, firstDeletes) = run()
        let (second, secondDeletes) = run()
        #expect(first == second)
        #expect(firstDeletes == secondDeletes)
        #expect(first.samples.count > 100)
    }
}
