import MessagingEngine
import SimKernel

/// What the actors around a Kinesis data stream do that a checker or a metric needs: producers
/// putting records, and consumers of every kind (KCL applications, enhanced fan-out consumers,
/// Lambda functions, Firehose and analytics reading a stream) handling them.
///
/// Streams and consumers are numbered as the scenario numbers them: `stream` indexes the
/// scenario's streams, `consumer` the scenario's stream consumers, all kinds in one list. A record
/// is known by the tag its producer gave it (`StreamRecordTag`), which it keeps in the stream.
public protocol StreamWorkloadObserver: AnyObject {
    /// The stream accepted a producer's record: it has `sequenceNumber` from `at` on. `key` is the
    /// producer's number for the record's partition key (its place in the producer's key list).
    func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant)
    /// A producer gave up on a record: refused, or throttled on every attempt.
    func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant)
    /// A consumer finished processing records of a shard, in the order given. Records it processes
    /// again (a replay from a checkpoint, a retried batch) are reported again; the observer counts
    /// them as duplicates.
    func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant)
    /// A consumer gave up on records without processing them (a Lambda function out of retries
    /// sending their metadata to its on-failure destination): handled, but not processed.
    func streamRecordsDiscarded(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, reason: String, at: Instant)
    /// A consumer's read of a shard was throttled (ProvisionedThroughputExceededException).
    func streamReadThrottled(stream: Int, consumer: Int, shard: Int, at: Instant)
    /// How far a consumer is behind the tip of a shard, as GetRecords (or a SubscribeToShard
    /// event) said it: the iterator age.
    func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant)
    /// A consumer's worker took the lease of a shard (KCL): `previous` held it before, nil for a
    /// lease no one held. Reported so takeovers after a crash can be counted and shown.
    func streamLeaseTaken(stream: Int, consumer: Int, shard: Int, worker: Int, previous: Int?, at: Instant)
    /// A call failed (throttled records, or an error before it took effect); `records` will be sent
    /// again after a backoff when `willRetry`, and are otherwise given up.
    func streamCallFailed(actor: String, operation: String, records: Int, willRetry: Bool, at: Instant)
    /// A stream producer has stopped and nothing it made is still on its way to the stream.
    func streamProducerFinished(_ name: String, at: Instant)
}

extension StreamWorkloadObserver {
    public func streamRecordsDiscarded(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, reason: String, at: Instant) {}
    public func streamReadThrottled(stream: Int, consumer: Int, shard: Int, at: Instant) {}
    public func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant) {}
    public func streamLeaseTaken(stream: Int, consumer: Int, shard: Int, worker: Int, previous: Int?, at: Instant) {}
    public func streamProducerFinished(_ name: String, at: Instant) {}
    public func streamCallFailed(actor: String, operation: String, records: Int, willRetry: Bool, at: Instant) {}
}

/// A record's identity as its producer made it: the producer's number and the record's number
/// within that producer, packed into the 64-bit tag a stream record carries.
public struct StreamRecordTag: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    static let recordBits: UInt64 = 40

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public init(producer: Int, record: Int) {
        precondition(producer >= 0 && producer < 1 << 24 && record >= 0 && record < 1 << 40, "tag out of range")
        rawValue = UInt64(producer) << Self.recordBits | UInt64(record)
    }

    public var producer: Int { Int(rawValue >> Self.recordBits) }
    public var record: Int { Int(rawValue & ((1 << Self.recordBits) - 1)) }
    public var description: String { "\(producer)/\(record)" }
}
