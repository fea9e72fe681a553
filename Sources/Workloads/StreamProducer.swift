import MessagingEngine
import SimKernel
import Stochastic

/// Which partition key each record gets: one of `count` keys, `prefix` followed by the key's
/// number, chosen by Zipf's law (key 0 the hottest) or uniformly (exponent 0).
public struct PartitionKeyChoice: Sendable, Equatable {
    public var count: Int
    /// Zipf's exponent s: key k (0-based) is chosen with weight 1 / (k + 1)^s. 0 is uniform;
    /// around 1 is the classic skew of clicks, users and devices.
    public var exponent: Double
    public var prefix: String

    public init(count: Int, exponent: Double = 0, prefix: String = "key-") {
        self.count = count
        self.exponent = exponent
        self.prefix = prefix
    }

    /// Enough keys for any scenario without a key table that could exhaust memory.
    public static let countRange = 1...10_000_000
    public static let exponentMax = 10.0
}

/// What a Kinesis producer does, as the scenario file says it.
public struct StreamProducerSpecification: Sendable {
    public var name: String
    public var arrivals: ArrivalProcess
    public var schedule: RateSchedule?
    /// Data bytes of a record (the partition key counts towards limits too).
    public var recordSize: Distribution
    public var partitionKeys: PartitionKeyChoice
    /// Records per PutRecords call (1 – 500); 1 calls PutRecord for each record.
    public var batchSize: Int
    /// How long a partial batch waits for more records before it is sent anyway.
    public var batchLinger: Span
    /// How throttled records are retried; nil takes the network's.
    public var retryPolicy: RetryPolicy?
    /// The IAM principal it calls as; nil is `ClientServices.defaultPrincipal(name)`.
    public var principal: String?

    public init(name: String, arrivals: ArrivalProcess, schedule: RateSchedule? = nil, recordSize: Distribution,
                partitionKeys: PartitionKeyChoice, batchSize: Int = 1, batchLinger: Span = .zero, retryPolicy: RetryPolicy? = nil,
                principal: String? = nil) {
        self.name = name
        self.arrivals = arrivals
        self.schedule = schedule
        self.recordSize = recordSize
        self.partitionKeys = partitionKeys
        self.batchSize = batchSize
        self.batchLinger = batchLinger
        self.retryPolicy = retryPolicy
        self.principal = principal
    }
}

/// Puts records into one Kinesis data stream from the start of the run until `stop`.
///
/// Records are made at the instants of the producer's arrival process and gathered into
/// PutRecords calls of up to `batchSize`, sent when full or when the first record of the batch has
/// waited `batchLinger`. Since what a producer makes depends on nothing but its own random streams,
/// a whole batch is drawn when the previous one leaves, and one event sends it: one event per call,
/// not per record.
///
/// PutRecords answers record by record. Records the stream refused over a shard's limits
/// (ProvisionedThroughputExceededException) are sent again, in one call, after the retry policy's
/// backoff with full jitter, as the SDKs' retry helpers and the KPL do; after the policy's last
/// attempt they are given up. A retried record lands after records put since, so a key's records
/// may be accepted in another order than they were made: what consumers must keep is the order the
/// stream accepted them in.
///
/// The same producer puts into a Firehose delivery stream with Direct PUT as its source
/// (`Target.deliveryStream`): PutRecord for a batch size of 1, otherwise PutRecordBatch, whose
/// batches are also cut before they could pass 4 MiB. Records the delivery stream refuses over
/// its quotas (ServiceUnavailableException) are retried the same way. Its records have no
/// partition key and no sequence number, so the observer hears only of failed calls and of the
/// producer finishing; what the delivery stream accepted it counts itself, and
/// `recordsAbandoned` says what the producer gave up.
public final class StreamProducer: TimerTarget {
    /// Where a producer puts records.
    public enum Target {
        case dataStream(DataStream)
        case deliveryStream(DeliveryStream)
    }

    public let specification: StreamProducerSpecification
    public let producerIndex: Int
    public let target: Target
    /// The data stream it puts into; nil for a delivery stream target.
    public var stream: DataStream? {
        if case .dataStream(let stream) = target { return stream }
        return nil
    }
    /// The index of its target among the scenario's streams (or delivery streams).
    public let streamIndex: Int
    let network: Network
    let scheduler: Scheduler
    /// Not reference-counted: the world that owns the producer is its observer and outlives it.
    unowned(unsafe) let observer: StreamWorkloadObserver
    let arrivalStream: RandomStream
    let sizeStream: RandomStream
    let keyStream: RandomStream
    let networkStream: RandomStream
    /// The partition keys, by the producer's key number.
    public let keys: [String]
    let keySampler: DiscreteSampler?
    let retryPolicy: RetryPolicy
    let principal: String
    let stop: Instant
    let rateSchedule: RateSchedule?
    /// The operation name failures are reported under.
    let operation: String

    /// When the next record will be made; nil once the producer has stopped.
    var nextArrival: Instant?
    public private(set) var recordsMade = 0
    /// Calls issued and not yet answered, and retries waiting out their backoff.
    public private(set) var callsOutstanding = 0
    public private(set) var recordsRetried = 0
    public private(set) var recordsAbandoned = 0
    public private(set) var finished = false

    /// Records made and not yet accepted, as parallel arrays: the requests go to PutRecords as
    /// they are, where an array of records would be copied into an array of requests per call.
    struct Batch {
        var requests: [PutRecordRequest] = []
        /// The producer's key number of each record.
        var keys: [Int32] = []
        var producedAt: [Instant] = []

        var count: Int { requests.count }
        var isEmpty: Bool { requests.isEmpty }

        mutating func reserveCapacity(_ capacity: Int) {
            requests.reserveCapacity(capacity)
            keys.reserveCapacity(capacity)
            producedAt.reserveCapacity(capacity)
        }

        mutating func append(_ request: consuming PutRecordRequest, key: Int32, producedAt instant: Instant) {
            requests.append(request)
            keys.append(key)
            producedAt.append(instant)
        }

        /// Appends record `index` of `other`.
        mutating func append(_ other: Batch, at index: Int) {
            append(other.requests[index], key: other.keys[index], producedAt: other.producedAt[index])
        }
    }

    struct Call {
        var records: Batch
        var attempt: Int
        var answerAt: Instant
    }

    var calls = RowTable<Call>()
    /// The batch being gathered, to be sent by the `batchDue` event.
    var gathering = Batch()

    enum Code: Int { case batchDue, callArrives, callAnswered, callFailed, callRetry }

    public convenience init(specification: StreamProducerSpecification, producerIndex: Int, stream: DataStream, streamIndex: Int,
                            network: Network, scheduler: Scheduler, observer: StreamWorkloadObserver, streams: (String) -> RandomStream,
                            stop: Instant) {
        self.init(specification: specification, producerIndex: producerIndex, target: .dataStream(stream), streamIndex: streamIndex,
                  network: network, scheduler: scheduler, observer: observer, streams: streams, stop: stop)
    }

    public init(specification: StreamProducerSpecification, producerIndex: Int, target: Target, streamIndex: Int, network: Network,
                scheduler: Scheduler, observer: StreamWorkloadObserver, streams: (String) -> RandomStream, stop: Instant) {
        precondition((1...StreamConfiguration.putRecordsEntriesMax).contains(specification.batchSize), "batch size must be 1…500")
        precondition(PartitionKeyChoice.countRange.contains(specification.partitionKeys.count), "partition key count out of range")
        self.specification = specification
        self.producerIndex = producerIndex
        self.target = target
        self.streamIndex = streamIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        arrivalStream = streams("streamProducer/\(specification.name)/arrivals")
        sizeStream = streams("streamProducer/\(specification.name)/size")
        keyStream = streams("streamProducer/\(specification.name)/keys")
        networkStream = streams("streamProducer/\(specification.name)/network")
        let choice = specification.partitionKeys
        keys = (0..<choice.count).map { choice.prefix + String($0) }
        keySampler = choice.count > 1 ? DiscreteSampler(zipfRanks: choice.count, exponent: choice.exponent) : nil
        retryPolicy = specification.retryPolicy ?? network.retryPolicy
        principal = specification.principal ?? ClientServices.defaultPrincipal(specification.name)
        self.stop = stop
        rateSchedule = specification.arrivals.effectiveSchedule(specification.schedule)
        switch target {
        case .dataStream: operation = specification.batchSize == 1 ? "PutRecord" : "PutRecords"
        case .deliveryStream: operation = specification.batchSize == 1 ? "PutRecord" : "PutRecordBatch"
        }
    }

    /// The most bytes a batch may gather before it is cut: PutRecordBatch's 4 MiB less one largest
    /// record, so the record that ends a batch still fits; nil (no cut) for a data stream.
    var batchBytesMax: Int? {
        guard case .deliveryStream = target else { return nil }
        return DeliveryStreamConfiguration.batchBytesMax - DeliveryStreamConfiguration.recordBytesMax
    }

    /// Draws the first batch and schedules its sending.
    public func start() {
        nextArrival = arrival(after: scheduler.now)
        gatherNextBatch()
    }

    /// True when the producer has stopped and every record it made was accepted or given up.
    public var isIdle: Bool { finished && callsOutstanding == 0 }

    func arrival(after instant: Instant) -> Instant? {
        guard let next = specification.arrivals.next(after: instant, schedule: rateSchedule, rng: arrivalStream), next < stop else { return nil }
        return next
    }

    /// Makes the records of the next call: from the next arrival on, until the batch is full or the
    /// linger after its first record ends; schedules the call when the last of them is made or the
    /// linger ends.
    func gatherNextBatch() {
        guard let first = nextArrival else {
            finished = true
            reportIfFinished()
            return
        }
        let deadline = first + specification.batchLinger
        var sendAt = first
        gathering.reserveCapacity(specification.batchSize)
        var bytes = 0
        let bytesMax = batchBytesMax ?? .max
        while gathering.count < specification.batchSize, bytes <= bytesMax, let instant = nextArrival, instant <= deadline {
            bytes += makeRecord(at: instant)
            sendAt = instant
            nextArrival = arrival(after: instant)
        }
        // A batch cut short by the linger waits for it; one cut by the batch size, its bytes or the
        // producer's stop leaves with its last record.
        if gathering.count < specification.batchSize, bytes <= bytesMax, nextArrival != nil { sendAt = deadline }
        scheduler.schedule(at: sendAt, target: self, code: Code.batchDue.rawValue, payload: 0)
    }

    /// Makes the next record into the batch being gathered; returns its data bytes.
    func makeRecord(at instant: Instant) -> Int {
        let key = keySampler?.sample(keyStream) ?? 0
        let bytes = max(0, Int(specification.recordSize.sample(sizeStream, truncatedAtZero: true).rounded()))
        let tag = StreamRecordTag(producer: producerIndex, record: recordsMade)
        recordsMade += 1
        gathering.append(PutRecordRequest(partitionKey: keys[key], dataBytes: bytes, tag: tag.rawValue), key: Int32(key), producedAt: instant)
        return bytes
    }

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .batchDue:
            let batch = gathering
            gathering = Batch()
            send(batch, attempt: 1)
            gatherNextBatch()
        case .callArrives: callArrives(payload)
        case .callAnswered: callAnswered(payload)
        case .callFailed:
            callsOutstanding -= 1
            retryOrAbandon(calls.remove(payload), failure: "ServiceUnavailable", throttled: false)
        case .callRetry:
            callsOutstanding -= 1
            let call = calls.remove(payload)
            send(call.records, attempt: call.attempt + 1)
        }
    }

    /// A call takes effect half way through its round trip and is answered at its end.
    func send(_ records: Batch, attempt: Int) {
        callsOutstanding += 1
        let now = scheduler.now
        let roundTrip = network.roundTrip(at: now, rng: networkStream)
        let row = calls.insert(Call(records: records, attempt: attempt, answerAt: now + roundTrip))
        let arrives = now + Span(nanoseconds: roundTrip.nanoseconds / 2)
        if arrives == now {
            callArrives(row)
        } else {
            scheduler.schedule(at: arrives, target: self, code: Code.callArrives.rawValue, payload: row)
        }
    }

    func callArrives(_ row: Int) {
        let now = scheduler.now
        if network.fails(at: now, rng: networkStream) {
            scheduler.schedule(at: calls[row].answerAt, target: self, code: Code.callFailed.rawValue, payload: row)
            return
        }
        let records = calls[row].records
        var retry = Batch()
        let stream: DataStream
        switch target {
        case .deliveryStream(let deliveryStream):
            answer(row, retry: put(records, into: deliveryStream), at: now)
            return
        case .dataStream(let dataStream):
            stream = dataStream
        }
        if let denial = stream.authorize(principal, specification.batchSize == 1 ? .putRecord : .putRecords) {
            for i in 0..<records.count { abandon(tag: records.requests[i].tag, reason: denial.description, at: now) }
        } else if specification.batchSize == 1 {
            for i in 0..<records.count where accept(records, i, stream.putRecord(records.requests[i]), at: now) { retry.append(records, at: i) }
        } else {
            switch stream.putRecords(records.requests) {
            case .records(let results):
                for (i, result) in results.enumerated() where accept(records, i, result, at: now) { retry.append(records, at: i) }
            case .rejected(let error):
                for i in 0..<records.count where accept(records, i, .rejected(error), at: now) { retry.append(records, at: i) }
            }
        }
        answer(row, retry: retry, at: now)
    }

    /// Leaves in the call only the records to send again, and answers it at its instant.
    func answer(_ row: Int, retry: Batch, at now: Instant) {
        calls[row].records = retry
        if calls[row].answerAt == now {
            callAnswered(row)
        } else {
            scheduler.schedule(at: calls[row].answerAt, target: self, code: Code.callAnswered.rawValue, payload: row)
        }
    }

    /// PutRecord or PutRecordBatch into a delivery stream; returns the records to send again. A
    /// refused call (over the requests quota: retried; over the limits: given up) answers for all
    /// its records.
    func put(_ records: Batch, into deliveryStream: DeliveryStream) -> Batch {
        let inputs = records.requests.map { DeliveryStreamRecordInput(dataBytes: $0.dataBytes, tag: $0.tag) }
        let results: [DeliveryStreamPutResult]
        if specification.batchSize == 1 {
            results = inputs.map { deliveryStream.putRecord($0) }
        } else {
            switch deliveryStream.putRecordBatch(inputs) {
            case .entries(let entries): results = entries
            case .rejected(let error): results = Array(repeating: .failed(error), count: records.count)
            }
        }
        var retry = Batch()
        for (i, result) in results.enumerated() {
            guard case .failed(let error) = result else { continue }
            if error.isRetryable { retry.append(records, at: i) } else { recordsAbandoned += 1 }
        }
        return retry
    }

    /// Tells the observer what became of record `index` of `records`; true when it should be sent again.
    func accept(_ records: Batch, _ index: Int, _ result: PutRecordResult, at now: Instant) -> Bool {
        switch result {
        case .put(let sequenceNumber):
            observer.streamRecordAccepted(stream: streamIndex, tag: StreamRecordTag(rawValue: records.requests[index].tag),
                                          key: Int(records.keys[index]), sequenceNumber: sequenceNumber,
                                          producedAt: records.producedAt[index], at: now)
            return false
        case .rejected(let error):
            if error.isRetryable { return true }
            abandon(tag: records.requests[index].tag, reason: error.description, at: now)
            return false
        }
    }

    func abandon(tag: UInt64, reason: String, at now: Instant) {
        recordsAbandoned += 1
        guard case .dataStream = target else { return }
        observer.streamRecordAbandoned(stream: streamIndex, tag: StreamRecordTag(rawValue: tag), reason: reason, at: now)
    }

    func callAnswered(_ row: Int) {
        callsOutstanding -= 1
        if calls[row].records.isEmpty {
            _ = calls.remove(row)
            reportIfFinished()
        } else {
            retryOrAbandon(calls.remove(row), failure: "ProvisionedThroughputExceededException", throttled: true)
        }
    }

    /// Sends again what a call left undone after the policy's backoff, or gives it up after the
    /// last attempt.
    func retryOrAbandon(_ call: Call, failure: String, throttled: Bool) {
        let now = scheduler.now
        let retry = call.attempt < retryPolicy.maxAttempts
        observer.streamCallFailed(actor: "streamProducer/\(specification.name)", operation: operation, records: call.records.count,
                                  willRetry: retry, at: now)
        guard retry else {
            for tag in call.records.requests.map(\.tag) { abandon(tag: tag, reason: "\(failure) after \(call.attempt) attempts", at: now) }
            reportIfFinished()
            return
        }
        recordsRetried += call.records.count
        callsOutstanding += 1
        let row = calls.insert(call)
        scheduler.schedule(at: now + retryPolicy.backoff(after: call.attempt, rng: networkStream), target: self,
                           code: Code.callRetry.rawValue, payload: row)
    }

    func reportIfFinished() {
        if isIdle { observer.streamProducerFinished(specification.name, at: scheduler.now) }
    }
}
