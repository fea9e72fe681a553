import SimKernel

/// A Firehose stream with Direct PUT as its source, as a passive state machine (SEMANTICS.md,
/// DeliveryStream — Kinesis Data Firehose).
///
/// PutRecord and PutRecordBatch are checked against the record and batch limits, then against the
/// stream's quotas (requests, records and bytes a second, each a sliding one-second window), and
/// the accepted records are counted and billed. Without a transformation function a record goes
/// straight into the destination buffer; with one it first waits in the transformation buffer,
/// whose flushes invoke the function, and the records it returns Ok go on to the destination
/// buffer. A destination buffer flush makes one object, which is delivered to the destination and
/// retried while the destination fails, until the retry duration runs out (then it goes to the
/// backup location) or its oldest record is 24 h old (then it is gone).
///
/// Firehose stores nothing beyond its buffers and the objects it is delivering: there is no
/// replay, and what left the stream (delivered, backed up, dropped, failed, expired) is forgotten.
///
/// Time is read through `Clock` and the stream wakes only through `TimerScheduling`, with
/// `(target, code, payload)` timers, as for `Queue` and `Topic`. The destination and the
/// transformation function answer later, through `completeDelivery(_:outcome:)` and
/// `completeTransformation(_:outcome:)`.
public final class DeliveryStream: TimerTarget {
    public let configuration: DeliveryStreamConfiguration
    /// Distinguishes this stream from every other in events and timers.
    public let token: Int
    /// Not reference-counted, like `Topic.observer`: the world that owns the stream observes it.
    public unowned(unsafe) var observer: DeliveryStreamObserver?
    public let destination: DeliveryStreamDestination
    /// The transformation function; present exactly when the configuration has a transformation.
    public let transformer: RecordTransformer?

    let clock: Clock
    let timers: TimerScheduling
    public internal(set) var counters = DeliveryStreamCounters()

    var requestWindow: TransactionRateLimiter
    var recordWindow: TransactionRateLimiter
    var byteWindow: ByteRateLimiter
    var nextRecordNumber = 0

    /// Records waiting for the transformation function (unused without one).
    var transformationBuffer: DeliveryStreamBuffer
    /// Invocations started and not yet finished, by invocation number.
    var invocations: [Int: PendingInvocation] = [:]
    var nextInvocationNumber = 0

    /// Records waiting to become an object.
    var destinationBuffer: DeliveryStreamBuffer
    /// Objects being delivered or waiting to be retried, by object number.
    var objects: [Int: PendingObject] = [:]
    var nextObjectNumber = 0

    enum Code: Int { case destinationBufferInterval, transformationBufferInterval, deliveryRetry }

    /// A stream delivering to `destination`; `transformer` is required exactly when the
    /// configuration has a transformation. The configuration must be valid (`problems()` empty).
    public init(configuration: DeliveryStreamConfiguration, token: Int, clock: Clock, timers: TimerScheduling,
                destination: DeliveryStreamDestination, transformer: RecordTransformer? = nil) {
        precondition(configuration.problems().isEmpty, "invalid delivery stream configuration: \(configuration.problems())")
        precondition((configuration.transformation == nil) == (transformer == nil),
                     "a delivery stream has a transformer exactly when its configuration has a transformation")
        self.configuration = configuration
        self.token = token
        self.clock = clock
        self.timers = timers
        self.destination = destination
        self.transformer = transformer
        requestWindow = TransactionRateLimiter(transactionsMax: configuration.putRequestsPerSecondMax)
        recordWindow = TransactionRateLimiter(transactionsMax: configuration.recordsPerSecondMax)
        byteWindow = ByteRateLimiter(bytesMax: configuration.bytesPerSecondMax)
        let transformation = configuration.transformation ?? .init()
        transformationBuffer = DeliveryStreamBuffer(sizeBytesHint: transformation.bufferSizeBytes, interval: transformation.bufferInterval)
        destinationBuffer = DeliveryStreamBuffer(sizeBytesHint: configuration.bufferSizeBytes, interval: configuration.bufferInterval)
    }

    // MARK: Billing

    /// Bytes a record of `bytes` is billed as: rounded up to the next 5 KB (5,120 bytes), and at
    /// least 5 KB (an empty record is billed as one increment).
    @inlinable public static func billedBytes(_ bytes: Int) -> Int {
        let increment = DeliveryStreamConfiguration.billingIncrementBytes
        return Swift.max(1, (bytes + increment - 1) / increment) * increment
    }

    // MARK: PutRecord, PutRecordBatch

    /// PutRecord: the record's ID, or why it was refused (InvalidArgumentException over 1,000 KiB,
    /// ServiceUnavailableException over a quota).
    public func putRecord(_ record: DeliveryStreamRecordInput) -> DeliveryStreamPutResult {
        counters.putRequests += 1
        if let problem = Self.recordProblem(record) {
            counters.rejectedRequests += 1
            return .failed(problem)
        }
        let now = clock.now
        if let refusal = admitRequest(records: 1, at: now) { return .failed(refusal) }
        return accept(record, at: now)
    }

    /// PutRecordBatch: 1 – 500 records, at most 4 MiB in all, none over 1,000 KiB; otherwise the
    /// whole call fails with InvalidArgumentException. Over the requests quota the whole call
    /// fails with ServiceUnavailableException. An admitted call answers each record on its own:
    /// a record that does not fit the records or bytes quota fails with
    /// ServiceUnavailableException (counted in FailedPutCount) and the records after it are still
    /// tried, so a smaller record later in the batch may fit where a larger one did not.
    public func putRecordBatch(_ records: [DeliveryStreamRecordInput]) -> DeliveryStreamPutBatchResult {
        counters.putRequests += 1
        if let problem = Self.batchProblem(records) {
            counters.rejectedRequests += 1
            return .rejected(problem)
        }
        let now = clock.now
        if let refusal = admitRequest(records: records.count, at: now) { return .rejected(refusal) }
        return .entries(records.map { accept($0, at: now) })
    }

    static func recordProblem(_ record: DeliveryStreamRecordInput) -> DeliveryStreamError? {
        guard (0...DeliveryStreamConfiguration.recordBytesMax).contains(record.dataBytes) else {
            return .invalidArgument("a record's data is 0 to 1024000 bytes (1000 KiB), not \(record.dataBytes)")
        }
        return nil
    }

    static func batchProblem(_ records: [DeliveryStreamRecordInput]) -> DeliveryStreamError? {
        if records.isEmpty { return .invalidArgument("a batch needs at least one record") }
        if records.count > DeliveryStreamConfiguration.batchRecordsMax {
            return .invalidArgument("\(records.count) records; a batch holds at most 500")
        }
        for (index, record) in records.enumerated() {
            if let problem = recordProblem(record) {
                return .invalidArgument("record \(index): \(problem)")
            }
        }
        let bytes = records.reduce(0) { $0 + $1.dataBytes }
        if bytes > DeliveryStreamConfiguration.batchBytesMax {
            return .invalidArgument("the batch totals \(bytes) bytes; at most 4194304 (4 MiB)")
        }
        return nil
    }

    /// Takes the call's place in the requests quota, or refuses it with all its records.
    func admitRequest(records: Int, at now: Instant) -> DeliveryStreamError? {
        guard requestWindow.tryAcquire(at: now) else {
            counters.throttledRequests += 1
            counters.throttledRecords += records
            return .serviceUnavailable("over the stream's quota of \(configuration.putRequestsPerSecondMax) requests a second")
        }
        return nil
    }

    /// Takes the record's share of the records and bytes quotas and accepts it, or refuses it.
    /// A refused record takes no capacity from either.
    func accept(_ input: DeliveryStreamRecordInput, at now: Instant) -> DeliveryStreamPutResult {
        guard recordWindow.canAcquire(at: now) else {
            counters.throttledRecords += 1
            return .failed(.serviceUnavailable("over the stream's quota of \(configuration.recordsPerSecondMax) records a second"))
        }
        guard byteWindow.tryAcquire(input.dataBytes, at: now) else {
            counters.throttledRecords += 1
            return .failed(.serviceUnavailable("over the stream's quota of \(configuration.bytesPerSecondMax) bytes a second"))
        }
        let admitted = recordWindow.tryAcquire(at: now)
        precondition(admitted, "the records quota refused a record it had just said it would take")
        let id = DeliveryStreamRecordID(nextRecordNumber)
        nextRecordNumber += 1
        counters.recordsIn += 1
        counters.bytesIn += input.dataBytes
        counters.billedBytes += Self.billedBytes(input.dataBytes)
        let record = DeliveryStreamRecord(id: id, putAt: now, sizeBytes: input.dataBytes, tag: input.tag)
        if transformer != nil {
            bufferForTransformation(record, at: now)
        } else {
            bufferForDestination(record, at: now)
        }
        return .put(id)
    }

    // MARK: Timers

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .destinationBufferInterval:
            if payload == destinationBuffer.epoch && !destinationBuffer.isEmpty { flushDestinationBuffer(.interval) }
        case .transformationBufferInterval:
            if payload == transformationBuffer.epoch && !transformationBuffer.isEmpty { flushTransformationBuffer(.interval) }
        case .deliveryRetry:
            retryDelivery(payload)
        }
    }

    // MARK: Freshness

    /// The earliest `putAt` of the records the stream still holds (in a buffer, in an invocation,
    /// in an object being delivered or retried); nil when it holds none.
    ///
    /// - Complexity: O(invocations and objects in progress).
    public var oldestUndeliveredPutAt: Instant? {
        var oldest = transformationBuffer.oldestPutAt
        func consider(_ instant: Instant?) {
            guard let instant else { return }
            oldest = min(oldest ?? instant, instant)
        }
        consider(destinationBuffer.oldestPutAt)
        for invocation in invocations.values { consider(invocation.oldestPutAt) }
        for object in objects.values { consider(object.object.oldestPutAt) }
        return oldest
    }

    /// DataFreshness: the age of the oldest record not yet delivered (every older record has been
    /// delivered, backed up, dropped or failed); zero when the stream holds no records.
    public var dataFreshness: Span {
        oldestUndeliveredPutAt.map { clock.now - $0 } ?? .zero
    }

    /// Records the stream holds: buffered, being transformed, or in objects not yet finished.
    ///
    /// - Complexity: O(invocations and objects in progress).
    public var recordsHeld: Int {
        transformationBuffer.records.count + destinationBuffer.records.count
            + invocations.values.reduce(0) { $0 + $1.records.count }
            + objects.values.reduce(0) { $0 + $1.object.recordCount }
    }

    /// Objects being delivered or waiting for a retry.
    public var objectsInProgress: Int { objects.count }

    // MARK: Invariants

    /// Checks what must hold between calls: every accepted record is delivered, backed up,
    /// expired, dropped, failed or still held; every object created is delivered, backed up,
    /// expired or in progress; each was attempted once before any retry; buffers are consistent.
    public func checkInvariants() {
        let c = counters
        let finished = c.recordsDelivered + c.recordsBackedUp + c.recordsExpired + c.recordsDropped + c.recordsProcessingFailed
        precondition(c.recordsIn == finished + recordsHeld,
                     "records in \(c.recordsIn) ≠ delivered \(c.recordsDelivered) + backed up \(c.recordsBackedUp) + expired \(c.recordsExpired) + dropped \(c.recordsDropped) + failed \(c.recordsProcessingFailed) + held \(recordsHeld)")
        precondition(c.objectsCreated == c.objectsDelivered + c.objectsBackedUp + c.objectsExpired + objects.count,
                     "objects created \(c.objectsCreated) ≠ delivered + backed up + expired + in progress")
        precondition(c.objectsCreated == c.flushesBySize + c.flushesByInterval, "objects created ≠ flushes")
        precondition(c.deliveryAttempts - c.deliveryRetries == c.objectsCreated, "first delivery attempts ≠ objects created")
        precondition(c.invocations - c.invocationRetries == nextInvocationNumber, "first invocation attempts ≠ invocations started")
        precondition(c.billedBytes >= c.bytesIn && c.billedBytes % DeliveryStreamConfiguration.billingIncrementBytes == 0,
                     "billed bytes \(c.billedBytes) for \(c.bytesIn) bytes in")
        precondition(c.recordsIn == nextRecordNumber, "records in ≠ record IDs handed out")
        for (number, object) in objects {
            precondition(object.object.id.rawValue == number, "object \(number) filed under another number")
            precondition(object.awaitingAnswer != object.retryScheduled, "object \(number) is neither in an attempt nor waiting for a retry")
        }
        for invocation in invocations.values { precondition(!invocation.records.isEmpty, "an invocation without records") }
        destinationBuffer.checkInvariants("destination")
        transformationBuffer.checkInvariants("transformation")
        if transformer == nil { precondition(transformationBuffer.isEmpty && invocations.isEmpty, "records await a transformation the stream does not have") }
    }
}
