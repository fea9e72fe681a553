import SimKernel

/// Records waiting to be flushed by size or by interval, whichever comes first: the delivery
/// stream's destination buffer and its transformation buffer.
///
/// Firehose calls its hints "hints" and publishes no algorithm. Sluice's reading: the interval is
/// counted from the first record that enters an empty buffer (so a lone record waits exactly the
/// interval, and a buffer never waits longer than it); the buffer is flushed when its records
/// total at least the size hint, counting the record that reached it (so an object exceeds the
/// hint by less than one record). After a flush the buffer is empty and the next record starts a
/// new interval.
///
/// Each flush bumps `epoch`. The interval timer carries the epoch of the buffer it was set for,
/// so a timer that outlives its buffer (flushed by size first) is recognised and ignored without
/// being cancelled.
struct DeliveryStreamBuffer {
    let sizeBytesHint: Int
    let interval: Span
    private(set) var records: [DeliveryStreamRecord] = []
    private(set) var sizeBytes = 0
    /// When the first record entered; nil while empty.
    private(set) var openedAt: Instant?
    /// The earliest `putAt` in the buffer (records can enter out of put order after transformation).
    private(set) var oldestPutAt: Instant?
    private(set) var epoch = 0

    init(sizeBytesHint: Int, interval: Span) {
        self.sizeBytesHint = sizeBytesHint
        self.interval = interval
    }

    var isEmpty: Bool { records.isEmpty }

    /// Adds a record. Returns the instant an interval timer must be set for when this record
    /// opened the buffer, nil otherwise.
    mutating func append(_ record: DeliveryStreamRecord, at now: Instant) -> Instant? {
        records.append(record)
        sizeBytes += record.sizeBytes
        oldestPutAt = min(oldestPutAt ?? record.putAt, record.putAt)
        guard openedAt == nil else { return nil }
        openedAt = now
        return now + interval
    }

    /// Whether the records have reached the size hint.
    var isFull: Bool { sizeBytes >= sizeBytesHint }

    /// Empties the buffer and starts a new epoch; returns what it held.
    mutating func flush() -> (records: [DeliveryStreamRecord], sizeBytes: Int, oldestPutAt: Instant) {
        precondition(!records.isEmpty, "an empty buffer was flushed")
        let flushed = (records, sizeBytes, oldestPutAt!)
        records = []
        sizeBytes = 0
        openedAt = nil
        oldestPutAt = nil
        epoch += 1
        return flushed
    }

    /// Checks that the size and the oldest instant match the records, and that a buffer is never
    /// left full (it is flushed in the call that fills it).
    func checkInvariants(_ name: String) {
        precondition(records.reduce(0) { $0 + $1.sizeBytes } == sizeBytes, "\(name) buffer: sizes ≠ \(sizeBytes)")
        precondition((openedAt == nil) == records.isEmpty, "\(name) buffer: opened ≠ non-empty")
        precondition(oldestPutAt == records.map(\.putAt).min(), "\(name) buffer: oldest put instant is wrong")
        precondition(records.isEmpty || !isFull, "\(name) buffer was left at \(sizeBytes) bytes, over its hint of \(sizeBytesHint)")
    }
}
