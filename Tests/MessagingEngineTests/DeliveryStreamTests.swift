import MessagingEngine
import SimKernel
import Testing
import TestSupport

/// A destination that answers each attempt after `latency` with what `outcome` says of the
/// attempt at the instant of the answer, and remembers when every attempt came.
final class ScriptedDestination: DeliveryStreamDestination, TimerTarget {
    let scheduler: Scheduler
    let latency: Span
    let outcome: (ObjectDeliveryAttempt, Instant) -> ObjectDeliveryOutcome
    private(set) var attempts: [(attempt: ObjectDeliveryAttempt, at: Instant)] = []
    private var pending: [(ObjectDeliveryAttempt, DeliveryStream)] = []

    init(_ scheduler: Scheduler, latency: Span = .zero,
         outcome: @escaping (ObjectDeliveryAttempt, Instant) -> ObjectDeliveryOutcome = { _, _ in .delivered }) {
        self.scheduler = scheduler
        self.latency = latency
        self.outcome = outcome
    }

    func deliver(_ attempt: ObjectDeliveryAttempt, for stream: DeliveryStream) {
        attempts.append((attempt, scheduler.now))
        pending.append((attempt, stream))
        scheduler.schedule(at: scheduler.now + latency, target: self, code: 0, payload: pending.count - 1)
    }

    func timerFired(code: Int, payload: Int) {
        let (attempt, stream) = pending[payload]
        #expect(stream.completeDelivery(attempt.ticket, outcome: outcome(attempt, scheduler.now)))
        stream.checkInvariants()
    }

    /// Seconds of each attempt.
    var attemptSeconds: [Double] { attempts.map(\.at.seconds) }
}

/// A destination that never answers by itself: the test answers for it.
final class SilentDestination: DeliveryStreamDestination {
    private(set) var attempts: [ObjectDeliveryAttempt] = []
    func deliver(_ attempt: ObjectDeliveryAttempt, for stream: DeliveryStream) { attempts.append(attempt) }
}

/// A transformation function that answers each invocation after `latency` with what `outcome` says.
final class ScriptedTransformer: RecordTransformer, TimerTarget {
    let scheduler: Scheduler
    let latency: Span
    let outcome: (TransformationInvocation) -> TransformationOutcome
    private(set) var invocations: [(invocation: TransformationInvocation, at: Instant)] = []
    private var pending: [(TransformationInvocation, DeliveryStream)] = []

    init(_ scheduler: Scheduler, latency: Span = .zero,
         outcome: @escaping (TransformationInvocation) -> TransformationOutcome = ScriptedTransformer.unchanged) {
        self.scheduler = scheduler
        self.latency = latency
        self.outcome = outcome
    }

    /// Every record Ok, with its size as put.
    static func unchanged(_ invocation: TransformationInvocation) -> TransformationOutcome {
        .results(invocation.records.map { .ok(transformedBytes: $0.sizeBytes) })
    }

    func transform(_ invocation: TransformationInvocation, for stream: DeliveryStream) {
        invocations.append((invocation, scheduler.now))
        pending.append((invocation, stream))
        scheduler.schedule(at: scheduler.now + latency, target: self, code: 0, payload: pending.count - 1)
    }

    func timerFired(code: Int, payload: Int) {
        let (invocation, stream) = pending[payload]
        #expect(stream.completeTransformation(invocation.ticket, outcome: outcome(invocation)))
        stream.checkInvariants()
    }

    var invocationSeconds: [Double] { invocations.map(\.at.seconds) }
}

/// Records what a delivery stream reports.
final class DeliveryStreamLog: DeliveryStreamObserver {
    private(set) var events: [DeliveryStreamEvent] = []
    func deliveryStream(_ stream: DeliveryStream, didObserve event: DeliveryStreamEvent) { events.append(event) }

    var delivered: [(object: DeliveryStreamObject, attempts: Int, at: Double)] {
        events.compactMap {
            guard case .delivered(let object, let attempts, let at) = $0 else { return nil }
            return (object, attempts, at.seconds)
        }
    }

    var backedUp: [(object: DeliveryStreamObject, attempts: Int, reason: String, at: Double)] {
        events.compactMap {
            guard case .backedUp(let object, let attempts, let reason, let at) = $0 else { return nil }
            return (object, attempts, reason, at.seconds)
        }
    }
}

/// One delivery stream on a kernel, with a scripted destination (and function), its log, and the
/// calls tests make, each followed by the stream's consistency check.
final class FirehoseWorld {
    let scheduler = Scheduler()
    let destination: ScriptedDestination
    let transformer: ScriptedTransformer?
    let stream: DeliveryStream
    let log = DeliveryStreamLog()

    init(destinationLatency: Span = .zero,
         destinationOutcome: @escaping (ObjectDeliveryAttempt, Instant) -> ObjectDeliveryOutcome = { _, _ in .delivered },
         transformerLatency: Span = .zero,
         transform: ((TransformationInvocation) -> TransformationOutcome)? = nil,
         configure: (inout DeliveryStreamConfiguration) -> Void = { _ in }) {
        var configuration = DeliveryStreamConfiguration(name: "clicks")
        if transform != nil { configuration.transformation = .init() }
        configure(&configuration)
        destination = ScriptedDestination(scheduler, latency: destinationLatency, outcome: destinationOutcome)
        let scheduler = self.scheduler
        transformer = transform.map { ScriptedTransformer(scheduler, latency: transformerLatency, outcome: $0) }
        stream = DeliveryStream(configuration: configuration, token: 0, clock: scheduler, timers: scheduler,
                                destination: destination, transformer: transformer)
        stream.observer = log
    }

    /// Runs the kernel up to and including `seconds`.
    func advance(to seconds: Double) {
        scheduler.run(until: Instant(seconds: seconds), eventBudget: 10_000_000)
        stream.checkInvariants()
    }

    /// Runs until nothing is left to do.
    func run() {
        #expect(scheduler.run(eventBudget: 10_000_000) == .idle)
        stream.checkInvariants()
    }

    /// PutRecord at `seconds` (now when nil).
    @discardableResult
    func put(_ bytes: Int, at seconds: Double? = nil, tag: UInt64 = 0) -> DeliveryStreamPutResult {
        if let seconds { advance(to: seconds) }
        let result = stream.putRecord(DeliveryStreamRecordInput(dataBytes: bytes, tag: tag))
        stream.checkInvariants()
        return result
    }

    /// PutRecordBatch at `seconds` (now when nil).
    @discardableResult
    func putBatch(_ sizes: [Int], at seconds: Double? = nil) -> DeliveryStreamPutBatchResult {
        if let seconds { advance(to: seconds) }
        let result = stream.putRecordBatch(sizes.map { DeliveryStreamRecordInput(dataBytes: $0) })
        stream.checkInvariants()
        return result
    }

    var counters: DeliveryStreamCounters { stream.counters }
}

func put(_ ids: Int...) -> [DeliveryStreamPutResult] { ids.map { .put(DeliveryStreamRecordID($0)) } }

extension DeliveryStreamPutResult {
    /// The error code of a failed put, nil for a record that was put.
    var errorCode: String? {
        guard case .failed(let error) = self else { return nil }
        return error.code
    }
}

extension DeliveryStreamPutBatchResult {
    var entries: [DeliveryStreamPutResult] {
        guard case .entries(let results) = self else { return [] }
        return results
    }

    var rejectionCode: String? {
        guard case .rejected(let error) = self else { return nil }
        return error.code
    }
}

extension DeliveryStreamObject {
    var recordNumbers: [Int] { records.map(\.id.rawValue) }
}

/// SEMANTICS.md, DeliveryStream — Kinesis Data Firehose: ingestion limits and quotas, billing,
/// buffering, transformation, destination retries and backup, latency and freshness.
@Suite struct DeliveryStreamTests {
    // MARK: Ingestion

    @Test func aRecordOverOneThousandKibibytesIsRejected() {
        let world = FirehoseWorld()
        #expect(world.put(1_024_000) == .put(DeliveryStreamRecordID(0)))
        #expect(world.put(1_024_001).errorCode == "InvalidArgumentException")
        #expect(world.put(-1).errorCode == "InvalidArgumentException")
        #expect(world.counters.putRequests == 3)
        #expect(world.counters.rejectedRequests == 2)
        #expect(world.counters.recordsIn == 1)
        #expect(world.counters.bytesIn == 1_024_000)
    }

    @Test func putRecordBatchTakesOneToFiveHundredRecordsOfAtMostFourMebibytesInAll() {
        let world = FirehoseWorld()
        #expect(world.putBatch([]).rejectionCode == "InvalidArgumentException")
        #expect(world.putBatch(Array(repeating: 1, count: 501)).rejectionCode == "InvalidArgumentException")
        let largest = DeliveryStreamConfiguration.recordBytesMax
        #expect(world.putBatch(Array(repeating: largest, count: 4) + [98_305]).rejectionCode == "InvalidArgumentException")
        guard case .rejected(.invalidArgument(let why)) = world.putBatch([100, 1_024_001]) else {
            Issue.record("a batch holding a record over 1000 KiB was accepted")
            return
        }
        #expect(why.hasPrefix("record 1:"))
        #expect(world.counters.recordsIn == 0)

        let fourMebibytes = world.putBatch(Array(repeating: largest, count: 4) + [98_304])
        #expect(fourMebibytes.entries == put(0, 1, 2, 3, 4))
        #expect(fourMebibytes.failedPutCount == 0)
        let fiveHundred = world.putBatch(Array(repeating: 100, count: 500))
        #expect(fiveHundred.entries.count == 500)
        #expect(fiveHundred.entries.first == .put(DeliveryStreamRecordID(5)))
        #expect(fiveHundred.entries.last == .put(DeliveryStreamRecordID(504)))
        #expect(fiveHundred.failedPutCount == 0)
        #expect(world.counters.putRequests == 6)
        #expect(world.counters.rejectedRequests == 4)
        #expect(world.counters.recordsIn == 505)
        #expect(world.counters.bytesIn == 4 * mebibyte + 50_000)
    }

    @Test func recordsOverTheRecordsQuotaFailOneByOneInsideAnAcceptedBatch() {
        let world = FirehoseWorld()
        for _ in 0..<10 { #expect(world.putBatch(Array(repeating: 1, count: 500), at: 0).failedPutCount == 0) }
        let over = world.putBatch(Array(repeating: 1, count: 500), at: 0.5)
        #expect(over.failedPutCount == 500)
        #expect(over.entries.allSatisfy { $0.errorCode == "ServiceUnavailableException" })
        #expect(world.counters.throttledRecords == 500)
        // The first 5,000 were all put at 0 s: they leave the one-second window at 1 s.
        #expect(world.putBatch(Array(repeating: 1, count: 500), at: 1).failedPutCount == 0)
        #expect(world.counters.recordsIn == 5_500)
        #expect(world.counters.throttledRequests == 0)
    }

    @Test func recordsOverTheBytesQuotaFailWhileSmallerOnesLaterInTheBatchStillFit() {
        let world = FirehoseWorld()
        #expect(world.putBatch(Array(repeating: 1_000_000, count: 4), at: 0).entries == put(0, 1, 2, 3))
        // 4,000,000 bytes are in the window; 5 MiB is 5,242,880: three 400,000s fit (5,200,000),
        // a fourth would make 5,600,000, and 42,880 fills the window exactly.
        let batch = world.putBatch([400_000, 400_000, 400_000, 400_000, 42_880], at: 0.5)
        #expect(batch.entries.map(\.errorCode) == [nil, nil, nil, "ServiceUnavailableException", nil])
        #expect(batch.entries.filter { $0.errorCode == nil } == put(4, 5, 6, 7))
        #expect(batch.failedPutCount == 1)
        #expect(world.put(1, at: 0.9).errorCode == "ServiceUnavailableException")
        // At 1 s the bytes put at 0 s have left the window.
        #expect(world.put(1_000_000, at: 1) == .put(DeliveryStreamRecordID(8)))
        #expect(world.counters.throttledRecords == 2)
        #expect(world.counters.recordsIn == 9)
        // Throttled records are not billed: 5 × 1,003,520 + 3 × 404,480 + 46,080.
        #expect(world.counters.billedBytes == 6_277_120)
    }

    @Test func callsOverTheRequestsQuotaAreRefusedWhole() {
        let world = FirehoseWorld()
        for _ in 0..<2_000 { #expect(world.stream.putRecord(DeliveryStreamRecordInput(dataBytes: 1)).errorCode == nil) }
        #expect(world.put(1).errorCode == "ServiceUnavailableException")
        let batch = world.putBatch([1, 1, 1])
        #expect(batch.rejectionCode == "ServiceUnavailableException")
        #expect(batch.failedPutCount == 0)
        #expect(world.counters.throttledRequests == 2)
        #expect(world.counters.throttledRecords == 4)
        #expect(world.put(1, at: 1) == .put(DeliveryStreamRecordID(2_000)))
        #expect(world.counters.putRequests == 2_003)
    }

    @Test func ingestionIsBilledPerRecordInFiveKilobyteIncrements() {
        #expect(DeliveryStream.billedBytes(0) == 5_120)
        #expect(DeliveryStream.billedBytes(1) == 5_120)
        #expect(DeliveryStream.billedBytes(5_120) == 5_120)
        #expect(DeliveryStream.billedBytes(5_121) == 10_240)
        let world = FirehoseWorld()
        world.put(1)
        world.put(5_121)
        world.putBatch([1, 5_121, 5_120])
        #expect(world.counters.billedBytes == 5_120 + 10_240 + 5_120 + 10_240 + 5_120)
        #expect(world.counters.bytesIn == 15_364)
    }

    // MARK: Buffering

    @Test func theBufferBecomesOneObjectWhenItReachesTheSizeHint() throws {
        let world = FirehoseWorld()
        for second in 0..<5 { world.put(1_000_000, at: Double(second)) }
        // One byte short of 5 MiB (5,242,880) is not enough …
        world.put(242_879, at: 5)
        #expect(world.destination.attempts.isEmpty)
        // … the byte that reaches it flushes the buffer at once.
        world.put(1, at: 6)
        world.run()
        #expect(world.destination.attemptSeconds == [6])
        let delivered = world.log.delivered
        try #require(delivered.count == 1)
        #expect(delivered[0].object.recordNumbers == [0, 1, 2, 3, 4, 5, 6])
        #expect(delivered[0].object.recordCount == 7)
        #expect(delivered[0].object.sizeBytes == 5 * mebibyte)
        #expect(delivered[0].object.flushReason == .size)
        #expect(delivered[0].at == 6)
        #expect(world.counters.flushesBySize == 1)
        #expect(world.counters.flushesByInterval == 0)
    }

    @Test func theBufferBecomesOneObjectWhenTheIntervalHasPassedSinceItsFirstRecord() {
        let world = FirehoseWorld()
        world.put(100, at: 10)
        world.put(200, at: 200)
        world.put(300, at: 400)
        world.run()
        #expect(world.destination.attemptSeconds == [310, 700])
        #expect(world.log.delivered.map(\.object.recordNumbers) == [[0, 1], [2]])
        #expect(world.log.delivered.map(\.object.sizeBytes) == [300, 300])
        #expect(world.log.delivered.map(\.object.flushReason) == [.interval, .interval])
        #expect(world.counters.flushesByInterval == 2)
        #expect(world.counters.objectsDelivered == 2)
        #expect(world.counters.recordsDelivered == 3)
        #expect(world.counters.bytesDelivered == 600)
    }

    @Test func aSizeFlushLeavesTheNextRecordToStartANewInterval() {
        let world = FirehoseWorld(configure: { $0.bufferSizeBytes = mebibyte })
        world.put(1_024_000, at: 0)
        world.put(24_576)
        world.put(100, at: 100)
        world.run()
        // The interval timer of the first buffer fires at 300 s and finds that buffer gone.
        #expect(world.destination.attemptSeconds == [0, 400])
        #expect(world.log.delivered.map(\.object.flushReason) == [.size, .interval])
    }

    @Test func aZeroIntervalMakesOneObjectOfTheRecordsPutAtTheSameInstant() {
        let world = FirehoseWorld(configure: { $0.bufferInterval = .zero })
        world.put(100, at: 1)
        world.put(100)
        world.put(100)
        world.put(100, at: 2)
        world.run()
        #expect(world.log.delivered.map(\.object.recordNumbers) == [[0, 1, 2], [3]])
        #expect(world.log.delivered.map(\.at) == [1, 2])
    }

    // MARK: Latency and freshness

    @Test func dataFreshnessIsTheAgeOfTheOldestRecordNotYetDelivered() {
        let world = FirehoseWorld(destinationLatency: .seconds(5))
        #expect(world.stream.dataFreshness == .zero)
        world.put(100, at: 10)
        world.put(100, at: 20)
        world.advance(to: 100)
        #expect(world.stream.dataFreshness == .seconds(90))
        // Flushed at 310 s, the object is with the destination until 315 s.
        world.advance(to: 312)
        #expect(world.stream.objectsInProgress == 1)
        #expect(world.stream.dataFreshness == .seconds(302))
        world.advance(to: 315)
        #expect(world.stream.oldestUndeliveredPutAt == nil)
        #expect(world.stream.dataFreshness == .zero)
        #expect(world.stream.recordsHeld == 0)
    }

    @Test func eachRecordsLatencyRunsFromItsPutToTheDeliveryOfItsObject() throws {
        let world = FirehoseWorld(destinationOutcome: { attempt, _ in attempt.attempt == 1 ? .failed("503") : .delivered }, configure: {
            $0.bufferInterval = .seconds(1)
        })
        world.put(100, at: 0)
        world.put(100, at: 0.5)
        world.run()
        // Flushed at 1 s, failed at once, retried 1 s later.
        let delivered = world.log.delivered
        try #require(delivered.count == 1)
        #expect(delivered[0].attempts == 2)
        #expect(delivered[0].object.records.map { delivered[0].at - $0.putAt.seconds } == [2, 1.5])
    }

    // MARK: Destination failures

    @Test func aDestinationThatRecoversWithinTheRetryDurationGetsTheObject() {
        let world = FirehoseWorld(destinationOutcome: { _, now in now < Instant(seconds: 100) ? .failed("503") : .delivered }, configure: {
            $0.bufferInterval = .zero
        })
        world.put(100, at: 0)
        world.run()
        // Waits of 1, 2, 4, 8, 16, then 30 s.
        #expect(world.destination.attemptSeconds == [0, 1, 3, 7, 15, 31, 61, 91, 121])
        #expect(world.log.delivered.map(\.at) == [121])
        #expect(world.log.delivered.map(\.attempts) == [9])
        #expect(world.counters.deliveryAttempts == 9)
        #expect(world.counters.deliveryRetries == 8)
        #expect(world.counters.objectsBackedUp == 0)
    }

    @Test func anObjectStillFailingWhenTheRetryDurationEndsGoesToTheBackupLocation() throws {
        let world = FirehoseWorld(destinationOutcome: { _, now in now < Instant(seconds: 400) ? .failed("503") : .delivered }, configure: {
            $0.bufferInterval = .zero
        })
        world.put(100, at: 0)
        world.run()
        // The last retry is made when the 300 s run out, not 30 s after the one before (271 s).
        #expect(world.destination.attemptSeconds == [0, 1, 3, 7, 15, 31, 61, 91, 121, 151, 181, 211, 241, 271, 300])
        let backedUp = world.log.backedUp
        try #require(backedUp.count == 1)
        #expect(backedUp[0].at == 300)
        #expect(backedUp[0].attempts == 15)
        #expect(backedUp[0].reason.hasPrefix("503; still failing"))
        #expect(world.counters.objectsBackedUp == 1)
        #expect(world.counters.recordsBackedUp == 1)
        #expect(world.counters.bytesBackedUp == 100)
        #expect(world.counters.objectsDelivered == 0)
    }

    @Test func theRetryDurationRunsFromTheFirstFailureAndTheAttemptUnderWayAtItsEndIsStillAnswered() {
        let world = FirehoseWorld(destinationLatency: .seconds(10),
                                  destinationOutcome: { _, now in now < Instant(seconds: 315) ? .failed("timeout") : .delivered }, configure: {
            $0.bufferInterval = .zero
        })
        world.put(100, at: 0)
        world.run()
        // The first answer comes at 10 s, so retries may start until 310 s; each waits for an answer first.
        #expect(world.destination.attemptSeconds == [0, 11, 23, 37, 55, 81, 121, 161, 201, 241, 281, 310])
        #expect(world.log.delivered.map(\.at) == [320])
        #expect(world.counters.objectsBackedUp == 0)
    }

    @Test func aRetryDurationOfZeroBacksUpAtTheFirstFailure() {
        let world = FirehoseWorld(destinationLatency: .seconds(2), destinationOutcome: { _, _ in .failed("403") }, configure: {
            $0.bufferInterval = .zero
            $0.retryDuration = .zero
        })
        world.put(100, at: 0)
        world.run()
        #expect(world.destination.attemptSeconds == [0])
        #expect(world.log.backedUp.map(\.at) == [2])
        #expect(world.counters.deliveryRetries == 0)
    }

    @Test func withoutARetryDurationAnObjectIsRetriedUntilItsDataIsTwentyFourHoursOld() {
        let world = FirehoseWorld(destinationOutcome: { _, _ in .failed("NoSuchBucket") }, configure: {
            $0.bufferInterval = .zero
            $0.retryDuration = nil
        })
        world.put(100, at: 0)
        world.run()
        // 0, 1, 3, 7, 15, 31 s, then every 30 s up to 86,371 s, and a last try at 86,400 s.
        #expect(world.destination.attempts.count == 2_885)
        #expect(world.destination.attemptSeconds.suffix(3) == [86_341, 86_371, 86_400])
        guard case .expired(let object, let attempts, let at) = world.log.events.last else {
            Issue.record("the object did not expire: \(world.log.events.last.map { "\($0)" } ?? "no events")")
            return
        }
        #expect(object.recordNumbers == [0])
        #expect(attempts == 2_885)
        #expect(at == Instant(seconds: 86_400))
        #expect(world.counters.objectsExpired == 1)
        #expect(world.counters.recordsExpired == 1)
        #expect(world.counters.bytesExpired == 100)
        #expect(world.counters.objectsBackedUp == 0)
    }

    @Test func aRetriedObjectCanReachTheDestinationAfterALaterOne() {
        let world = FirehoseWorld(destinationOutcome: { attempt, _ in
            attempt.object.id == DeliveryStreamObjectID(0) && attempt.attempt == 1 ? .failed("503") : .delivered
        }, configure: { $0.bufferInterval = .zero })
        world.put(100, at: 0)
        world.put(100, at: 0.5)
        world.run()
        #expect(world.log.delivered.map(\.object.id.rawValue) == [1, 0])
        #expect(world.log.delivered.map(\.at) == [0.5, 1])
    }

    @Test func anAnsweredAttemptsTicketIsRefused() throws {
        let scheduler = Scheduler()
        let destination = SilentDestination()
        var configuration = DeliveryStreamConfiguration(name: "clicks")
        configuration.bufferInterval = .zero
        let stream = DeliveryStream(configuration: configuration, token: 0, clock: scheduler, timers: scheduler, destination: destination)
        _ = stream.putRecord(DeliveryStreamRecordInput(dataBytes: 100))
        scheduler.run(until: .zero)
        let first = try #require(destination.attempts.first).ticket
        #expect(stream.completeDelivery(first, outcome: .failed("503")))
        #expect(!stream.completeDelivery(first, outcome: .delivered))
        scheduler.run(until: Instant(seconds: 1))
        try #require(destination.attempts.map(\.attempt) == [1, 2])
        #expect(!stream.completeDelivery(first, outcome: .delivered))
        #expect(stream.completeDelivery(destination.attempts[1].ticket, outcome: .delivered))
        #expect(!stream.completeDelivery(destination.attempts[1].ticket, outcome: .delivered))
        #expect(stream.counters.objectsDelivered == 1)
        stream.checkInvariants()
    }

    // MARK: Transformation

    @Test func theTransformationBufferInvokesTheFunctionWhenItReachesItsSizeHint() throws {
        let world = FirehoseWorld(transformerLatency: .seconds(1), transform: ScriptedTransformer.unchanged)
        for second in 0..<4 { world.put(250_000, at: Double(second)) }
        world.run()
        let transformer = world.transformer!
        try #require(transformer.invocationSeconds == [3])
        #expect(transformer.invocations[0].invocation.records.map(\.id.rawValue) == [0, 1, 2, 3])
        // Answered at 4 s, the records wait in the destination buffer for its 300 s.
        try #require(world.log.delivered.map(\.at) == [304])
        #expect(world.log.delivered[0].object.sizeBytes == 1_000_000)
    }

    @Test func theTransformationBufferInvokesTheFunctionSixtySecondsAfterItsFirstRecord() throws {
        let world = FirehoseWorld(transformerLatency: .seconds(2), transform: { invocation in
            .results(invocation.records.map { _ in .ok(transformedBytes: 50) })
        })
        world.put(100, at: 5)
        world.put(100, at: 30)
        world.run()
        #expect(world.transformer!.invocationSeconds == [65])
        let delivered = world.log.delivered
        try #require(delivered.map(\.at) == [367])
        // Records keep their put instant and take the size the function returned.
        #expect(delivered[0].object.records.map(\.putAt.seconds) == [5, 30])
        #expect(delivered[0].object.records.map(\.sizeBytes) == [50, 50])
        #expect(delivered[0].object.sizeBytes == 100)
        #expect(world.counters.recordsTransformed == 2)
        #expect(world.counters.transformedBytes == 100)
        #expect(world.counters.bytesIn == 200)
        #expect(world.counters.bytesDelivered == 100)
    }

    @Test func transformedSizesCountTowardsTheDestinationSizeHint() throws {
        let world = FirehoseWorld(transform: { invocation in
            .results(invocation.records.map { .ok(transformedBytes: 2 * $0.sizeBytes) })
        }, configure: { $0.bufferSizeBytes = mebibyte })
        world.put(300_000, at: 0)
        world.put(300_000)
        world.run()
        // 600,000 put bytes stay under the function's 1 MB; 1,200,000 returned bytes pass 1 MiB.
        try #require(world.log.delivered.map(\.at) == [60])
        #expect(world.log.delivered[0].object.flushReason == .size)
        #expect(world.log.delivered[0].object.sizeBytes == 1_200_000)
    }

    @Test func recordsTheFunctionDropsAreCountedAndNeverDelivered() {
        let world = FirehoseWorld(transform: { invocation in
            .results(invocation.records.map { $0.tag == 1 ? .dropped : .ok(transformedBytes: $0.sizeBytes) })
        })
        world.put(100, at: 0, tag: 0)
        world.put(100, tag: 1)
        world.put(100, tag: 2)
        world.run()
        #expect(world.log.delivered.map(\.object.recordNumbers) == [[0, 2]])
        #expect(world.counters.recordsDropped == 1)
        #expect(world.counters.recordsDelivered == 2)
        guard case .dropped(let records, let at) = world.log.events.first else {
            Issue.record("no drop was reported: \(world.log.events)")
            return
        }
        #expect(records.map(\.id.rawValue) == [1])
        #expect(at == Instant(seconds: 60))
    }

    @Test func recordsThatFailProcessingGoToTheErrorOutputAndAreCounted() {
        let world = FirehoseWorld(transform: { invocation in
            .results(invocation.records.map { $0.tag == 1 ? .processingFailed : .ok(transformedBytes: 10) })
        })
        world.put(100, at: 0, tag: 0)
        world.put(300, tag: 1)
        world.put(100, tag: 2)
        world.run()
        #expect(world.log.delivered.map(\.object.recordNumbers) == [[0, 2]])
        #expect(world.counters.recordsProcessingFailed == 1)
        #expect(world.counters.processingFailedBytes == 300)
        guard case .processingFailed(let records, let reason, let at) = world.log.events.first else {
            Issue.record("no processing failure was reported: \(world.log.events)")
            return
        }
        #expect(records.map(\.id.rawValue) == [1])
        #expect(reason == "the function returned ProcessingFailed")
        #expect(at == Instant(seconds: 60))
    }

    @Test func aFailedInvocationIsRetriedThreeTimesThenItsWholeBatchFailsProcessing() {
        let world = FirehoseWorld(transformerLatency: .seconds(1), transform: { _ in .invocationFailed("Lambda.TooManyRequestsException") })
        world.put(100, at: 0)
        world.put(200)
        world.run()
        #expect(world.transformer!.invocationSeconds == [60, 61, 62, 63])
        #expect(world.transformer!.invocations.map(\.invocation.attempt) == [1, 2, 3, 4])
        guard case .processingFailed(let records, let reason, let at) = world.log.events.last else {
            Issue.record("no processing failure was reported: \(world.log.events)")
            return
        }
        #expect(records.map(\.id.rawValue) == [0, 1])
        #expect(reason.hasSuffix("failed on all 4 attempts"))
        #expect(at == Instant(seconds: 64))
        #expect(world.counters.invocations == 4)
        #expect(world.counters.invocationFailures == 4)
        #expect(world.counters.invocationRetries == 3)
        #expect(world.counters.recordsProcessingFailed == 2)
        #expect(world.counters.processingFailedBytes == 300)
        #expect(world.counters.objectsCreated == 0)
    }

    @Test func anInvocationThatSucceedsOnARetryPassesItsRecordsOn() {
        let world = FirehoseWorld(transformerLatency: .seconds(1), transform: { invocation in
            invocation.attempt < 3 ? .invocationFailed("Task timed out") : ScriptedTransformer.unchanged(invocation)
        })
        world.put(100, at: 0)
        world.run()
        #expect(world.transformer!.invocationSeconds == [60, 61, 62])
        #expect(world.log.delivered.map(\.at) == [363])
        #expect(world.counters.invocationFailures == 2)
        #expect(world.counters.invocationRetries == 2)
        #expect(world.counters.recordsProcessingFailed == 0)
    }

    @Test func aResponseWithoutAResultForEveryRecordCountsAsAFailedInvocation() {
        let world = FirehoseWorld(transform: { _ in .results([.ok(transformedBytes: 10)]) }, configure: {
            $0.transformation!.numberOfRetries = 0
        })
        world.put(100, at: 0)
        world.put(100)
        world.run()
        #expect(world.transformer!.invocations.count == 1)
        guard case .processingFailed(let records, let reason, _) = world.log.events.last else {
            Issue.record("no processing failure was reported: \(world.log.events)")
            return
        }
        #expect(records.count == 2)
        #expect(reason.hasPrefix("the function returned 1 results for 2 records"))
        #expect(world.counters.invocationFailures == 1)
    }

    @Test func anAnsweredInvocationsTicketIsRefused() throws {
        let world = FirehoseWorld(transform: ScriptedTransformer.unchanged)
        world.put(100, at: 0)
        world.run()
        let ticket = try #require(world.transformer!.invocations.first).invocation.ticket
        #expect(!world.stream.completeTransformation(ticket, outcome: .invocationFailed("late")))
        #expect(world.counters.invocationFailures == 0)
        #expect(world.counters.recordsDelivered == 1)
    }

    // MARK: Configuration

    @Test func theDefaultConfigurationIsValidAndHasAWSDefaults() {
        let configuration = DeliveryStreamConfiguration(name: "clicks")
        #expect(configuration.problems().isEmpty)
        #expect(configuration.bufferSizeBytes == 5 * mebibyte)
        #expect(configuration.bufferInterval == .seconds(300))
        #expect(configuration.retryDuration == .seconds(300))
        #expect(configuration.dataRetention == .hours(24))
        #expect([configuration.putRequestsPerSecondMax, configuration.recordsPerSecondMax, configuration.bytesPerSecondMax]
                == [2_000, 5_000, 5 * mebibyte])
        let transformation = DeliveryStreamConfiguration.Transformation()
        #expect(transformation.bufferSizeBytes == 1_000_000)
        #expect(transformation.bufferInterval == .seconds(60))
        #expect(transformation.numberOfRetries == 3)
    }

    @Test func configurationProblemsNameTheAttributeAndTheValidRange() {
        var configuration = DeliveryStreamConfiguration(name: "click stream")
        configuration.bufferSizeBytes = mebibyte - 1
        configuration.bufferInterval = .seconds(901)
        configuration.transformation = .init(bufferSizeBytes: 3_000_001, bufferInterval: .seconds(-1), numberOfRetries: 301)
        configuration.retryDuration = .seconds(7_201)
        let problems = configuration.problems()
        #expect(problems.map(\.attribute) == ["name", "bufferSize", "bufferInterval", "transformation.bufferSize",
                                              "transformation.bufferInterval", "transformation.numberOfRetries", "retryDuration"])
        #expect(problems[1].message.contains("between 1MiB (1048576 B) and 128MiB"))
        #expect(problems[2].message.contains("between 0s and 900s"))
        #expect(problems[3].message.contains("between 0.2MB (200000 B) and 3MB (3000000 B)"))
        #expect(problems[5].message.contains("between 0 and 300"))
        #expect(problems[6].message.contains("between 0s and 7200s"))
        configuration = DeliveryStreamConfiguration(name: "clicks")
        configuration.bufferSizeBytes = 128 * mebibyte
        configuration.bufferInterval = .zero
        configuration.transformation = .init(bufferSizeBytes: 200_000, bufferInterval: .seconds(900), numberOfRetries: 0)
        configuration.retryDuration = .seconds(7_200)
        #expect(configuration.problems().isEmpty)
    }

    // MARK: Conservation

    /// Random puts against random destination failures and random function answers, with short
    /// retry durations and a short retention so every ending is met: at the end every accepted
    /// record has left the stream through exactly one event, and the counters agree with the events.
    @Test func randomRunsAccountForEveryRecordExactlyOnce() {
        var endings: [String: Int] = [:]
        for seed in RandomizedRuns.seeds(count: 40) {
            RandomizedRuns.trace("DeliveryStreamTests", seed: seed)
            let random = RandomBox(seed: seed)
            let withTransformation = random.chance(50)
            let failurePercent = random.int(0...80)
            let transform: (TransformationInvocation) -> TransformationOutcome = { invocation in
                if random.chance(20) { return .invocationFailed("timeout") }
                return .results(invocation.records.map { record in
                    switch random.int(0...9) {
                    case 0: .dropped
                    case 1: .processingFailed
                    default: .ok(transformedBytes: random.int(0...2 * record.sizeBytes))
                    }
                })
            }
            let world = FirehoseWorld(
                destinationLatency: .milliseconds(Int64(random.int(0...3_000))),
                destinationOutcome: { _, _ in random.chance(failurePercent) ? .failed("503") : .delivered },
                transformerLatency: .milliseconds(Int64(random.int(0...2_000))),
                transform: withTransformation ? transform : nil,
                configure: { configuration in
                    configuration.bufferSizeBytes = mebibyte
                    configuration.bufferInterval = .seconds(Int64(random.int(0...20)))
                    configuration.retryDuration = random.chance(25) ? nil : .seconds(Int64(random.int(0...60)))
                    configuration.dataRetention = .seconds(120)
                    configuration.transformation?.bufferSizeBytes = 200_000
                    configuration.transformation?.bufferInterval = .seconds(Int64(random.int(0...10)))
                    configuration.transformation?.numberOfRetries = random.int(0...3)
                })
            var accepted: [Int] = []
            var time = 0.0
            for _ in 0..<300 {
                time += Double(random.int(0...1_000)) / 1_000
                if random.chance(30) {
                    let results = world.putBatch((0..<random.int(1...20)).map { _ in random.int(0...100_000) }, at: time)
                    accepted += results.entries.compactMap { if case .put(let id) = $0 { id.rawValue } else { nil } }
                } else if case .put(let id) = world.put(random.int(0...300_000), at: time) {
                    accepted.append(id.rawValue)
                }
            }
            world.run()
            #expect(world.stream.recordsHeld == 0, "seed \(seed)")
            var seen: [Int] = []
            for event in world.log.events {
                switch event {
                case .delivered(let object, _, _):
                    seen += object.recordNumbers
                    endings["delivered", default: 0] += 1
                case .backedUp(let object, _, _, _):
                    seen += object.recordNumbers
                    endings["backedUp", default: 0] += 1
                case .expired(let object, _, _):
                    seen += object.recordNumbers
                    endings["expired", default: 0] += 1
                case .dropped(let records, _):
                    seen += records.map(\.id.rawValue)
                    endings["dropped", default: 0] += 1
                case .processingFailed(let records, _, _):
                    seen += records.map(\.id.rawValue)
                    endings["processingFailed", default: 0] += 1
                }
            }
            #expect(seen.sorted() == accepted, "seed \(seed): records left the stream \(seen.count) times for \(accepted.count) accepted")
            let c = world.counters
            #expect(c.recordsIn == accepted.count, "seed \(seed)")
            #expect(c.objectsCreated == c.objectsDelivered + c.objectsBackedUp + c.objectsExpired, "seed \(seed)")
        }
        // An ending the runs never met is not shown to be accounted for.
        guard RandomizedRuns.seeds(count: 40).count == 40 else { return }
        for ending in ["delivered", "backedUp", "expired", "dropped", "processingFailed"] {
            #expect(endings[ending, default: 0] >= 5, "the random runs ended \(ending) only \(endings[ending, default: 0]) times")
        }
    }
}

/// A SplitMix64 the scripted fakes' closures can share.
final class RandomBox {
    var generator: SplitMix64
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }
    func int(_ range: ClosedRange<Int>) -> Int { generator.int(range) }
    func chance(_ percent: Int) -> Bool { generator.chance(percent) }
}
