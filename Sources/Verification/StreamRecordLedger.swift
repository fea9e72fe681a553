import SimKernel

/// What a data stream accepted, record by record, for checking what its consumers did with it.
///
/// Records are known by their producer's number and their number within that producer (a
/// `StreamRecordTag`'s two halves). For each accepted record the ledger keeps its partition key (as
/// a dense number shared by every producer using the same key string), its rank among the records
/// of that key in the order the stream accepted them, and when it was produced.
///
/// The order a consumer must keep is the stream's acceptance order per key: a key's records go to
/// one open shard at a time, get increasing sequence numbers there, and after a split or merge land
/// in a child, which consumers read after the parent. A producer's retry can make the stream accept
/// a key's records in another order than they were made; that is the producer's doing and not a
/// consumer's violation, so it is not counted here.
public struct StreamRecordLedger: Sendable {
    /// One accepted record: its global key (−1 while the record is not accepted), its rank among
    /// the records of that key, and when it was produced. One entry rather than three arrays: a
    /// record costs one append and one uniqueness check.
    struct Entry: Sendable {
        var key: Int32
        var rank: Int32
        var producedAt: Int64
        static let notAccepted = Entry(key: -1, rank: -1, producedAt: 0)
    }

    /// Per producer, per record number.
    var entries: [[Entry]] = []
    /// Per producer, per the producer's key number: the global key, or −1 before first use.
    var globalKey: [[Int32]] = []
    var keyNumbers: [String: Int32] = [:]
    /// Records accepted so far for each global key.
    var acceptedPerKey: [Int32] = []
    public private(set) var accepted = 0
    public private(set) var abandoned = 0

    public init() {}

    public var keyCount: Int { acceptedPerKey.count }

    /// The stream accepted record `record` of producer `producer`, whose partition key is the
    /// producer's key number `key`, spelled `partitionKey`.
    public mutating func recordAccepted(producer: Int, record: Int, key: Int, partitionKey: @autoclosure () -> String, producedAt: Instant) {
        while entries.count <= producer {
            entries.append([])
            globalKey.append([])
        }
        if globalKey[producer].count <= key {
            globalKey[producer].append(contentsOf: repeatElement(-1, count: key + 1 - globalKey[producer].count))
        }
        var global = globalKey[producer][key]
        if global < 0 {
            let spelled = partitionKey()
            if let known = keyNumbers[spelled] {
                global = known
            } else {
                global = Int32(acceptedPerKey.count)
                keyNumbers[spelled] = global
                acceptedPerKey.append(0)
            }
            globalKey[producer][key] = global
        }
        let entry = Entry(key: global, rank: acceptedPerKey[Int(global)], producedAt: producedAt.nanoseconds)
        let count = entries[producer].count
        if record == count {
            // The usual case: a producer's records are accepted in the order it made them.
            entries[producer].append(entry)
        } else {
            if record > count { entries[producer].append(contentsOf: repeatElement(.notAccepted, count: record - count + 1)) }
            precondition(entries[producer][record].key < 0, "record \(producer)/\(record) was accepted twice")
            entries[producer][record] = entry
        }
        acceptedPerKey[Int(global)] += 1
        accepted += 1
    }

    public mutating func recordAbandoned() { abandoned += 1 }

    func isAccepted(producer: Int, record: Int) -> Bool {
        producer < entries.count && record < entries[producer].count && entries[producer][record].key >= 0
    }

    /// When an accepted record was produced.
    public func producedAt(producer: Int, record: Int) -> Instant {
        Instant(nanoseconds: entries[producer][record].producedAt)
    }
}

/// What one consumer did with a stream's records, checked against the ledger: each record handled
/// (processed, or discarded to an on-failure destination) once or more, duplicates counted, and
/// per-key order — a record handled for the first time after a later-accepted record of its key was
/// handled is out of order.
public struct StreamConsumerCheck: Sendable {
    public enum Outcome: Equatable, Sendable {
        case first
        /// Handled before: a replay after a crash, a retried batch.
        case duplicate
        /// Handled for the first time, after a record of the same key the stream accepted later.
        case outOfOrder
        /// The record names nothing the stream accepted: an engine or actor fault.
        case unknown
    }

    /// Per producer, a bit per record number: handled at least once.
    var handled: [[UInt64]] = []
    /// Per global key, the highest acceptance rank handled so far (−1: none).
    var highestRank: [Int32] = []
    public private(set) var processed = 0
    public private(set) var discarded = 0
    public private(set) var duplicates = 0
    public private(set) var outOfOrder = 0
    public private(set) var unknown = 0
    /// Up to 10 violations, described, for the report.
    public private(set) var examples: [String] = []

    public init() {}

    /// Checks one record a consumer processed (or, with `discarded`, gave up on).
    public mutating func handle(producer: Int, record: Int, ledger: StreamRecordLedger, discarded: Bool = false) -> Outcome {
        guard ledger.isAccepted(producer: producer, record: record) else {
            unknown += 1
            note("record \(producer)/\(record) was handled but the stream never accepted it")
            return .unknown
        }
        while handled.count <= producer { handled.append([]) }
        let word = record >> 6, bit = UInt64(1) << UInt64(record & 63)
        if handled[producer].count <= word {
            handled[producer].append(contentsOf: repeatElement(0, count: max(word + 1 - handled[producer].count, handled[producer].count / 2)))
        }
        if handled[producer][word] & bit != 0 {
            duplicates += 1
            return .duplicate
        }
        handled[producer][word] |= bit
        if discarded { self.discarded += 1 } else { processed += 1 }
        let entry = ledger.entries[producer][record]
        let key = Int(entry.key)
        let rank = entry.rank
        if highestRank.count <= key {
            highestRank.append(contentsOf: repeatElement(-1, count: max(key + 1 - highestRank.count, ledger.keyCount - highestRank.count)))
        }
        if rank < highestRank[key] {
            outOfOrder += 1
            note("record \(producer)/\(record) (rank \(rank) of its key) after rank \(highestRank[key])")
            return .outOfOrder
        }
        highestRank[key] = rank
        return .first
    }

    /// Accepted records this consumer never handled.
    public func unhandled(ledger: StreamRecordLedger) -> Int {
        ledger.accepted - processed - discarded
    }

    /// Whether the consumer has processed or discarded record `record` of producer `producer`.
    public func hasHandled(producer: Int, record: Int) -> Bool {
        let word = record >> 6
        guard producer < handled.count, word < handled[producer].count else { return false }
        return handled[producer][word] & (UInt64(1) << UInt64(record & 63)) != 0
    }

    mutating func note(_ example: String) {
        if examples.count < 10 { examples.append(example) }
    }
}
