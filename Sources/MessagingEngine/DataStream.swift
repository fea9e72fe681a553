import Crypto
import SimKernel

/// A Kinesis data stream as a passive state machine (SEMANTICS.md, Stream — Kinesis Data Streams).
///
/// Shards own inclusive ranges of the 128-bit hash-key space. A record goes to the open shard whose
/// range holds the MD5 of its partition key (or its ExplicitHashKey) and gets the next sequence
/// number of that shard. Readers take a shard iterator and call GetRecords with it; each answer
/// carries the next iterator, until a closed shard's end (SHARD_END) names its children.
///
/// Limits are per shard: writes 1,000 records and 1 MiB a second (sliding one-second windows);
/// reads 5 GetRecords calls a second and 2 MiB a second shared by all standard readers over
/// one-second windows — within it readers do not hinder one another; past it the shard answers no
/// read until the window's bytes are paid for at 2 MiB/s, which is AWS's "after a 10 MiB read,
/// calls in the next 5 s are throttled" and its 2 MiB/s in one rule (`ShardState.noteRead`);
/// GetShardIterator 5 calls a second. Over a limit, the call gets
/// ProvisionedThroughputExceededException (LimitExceededException for GetShardIterator).
/// Enhanced fan-out consumers read through pipes of their own, apart from these limits
/// (DataStream+EnhancedFanOut.swift).
///
/// Retention is applied lazily: a shard drops its expired records whenever it is written or read,
/// which no caller can tell from an exact expiry.
public final class DataStream: TimerTarget {
    public let configuration: StreamConfiguration
    public let token: Int
    let clock: Clock
    /// Wakes an on-demand stream when it is due to add shards; unused by a provisioned stream.
    let timers: TimerScheduling?
    public internal(set) var shards: [ShardState] = []
    /// Indices of the open shards, in hash-key order; their ranges tile the whole key space.
    public internal(set) var openShards: [Int] = []
    public internal(set) var counters = StreamCounters()
    /// Who may call the stream; nil lets everyone.
    public var accessControl: StreamAccessControl?
    /// Instants of the UpdateShardCount calls of the last 24 hours.
    var shardCountUpdates: [Instant] = []
    /// Hash keys of recently put partition keys. Workloads repeat their keys (users, devices,
    /// sessions) and MD5 was most of a put's cost; the cache is emptied when it holds
    /// `hashKeyCacheCapacity` keys, so memory stays bounded whatever the keys.
    var hashKeyCache = PartitionKeyHashCache(countMax: hashKeyCacheCapacity)
    static let hashKeyCacheCapacity = 1 << 16

    /// The stream's write rate, second by second, for an on-demand stream's peak.
    var onDemand = OnDemandCapacity()
    /// Every consumer ever registered for enhanced fan-out, deregistered ones kept so their handles
    /// stay answerable; a consumer's index is its place here.
    var enhancedFanOutConsumers: [EnhancedFanOutConsumerState] = []
    /// The integral of the open shard count over time, up to `openShardTimeAccruedAt`: what a
    /// consumer's consumer-shard-hours are read from.
    var openShardSecondsAccrued = 0.0
    var openShardTimeAccruedAt = Instant.zero

    public init(configuration: StreamConfiguration, token: Int, clock: Clock, timers: TimerScheduling? = nil) {
        precondition(configuration.problems().isEmpty, "invalid stream configuration: \(configuration.problems())")
        precondition(configuration.capacityMode == .provisioned || timers != nil, "an on-demand stream needs timers to scale")
        self.configuration = configuration
        self.token = token
        self.clock = clock
        self.timers = timers
        for range in Self.evenRanges(configuration.shardCount) { addShard(range: range, parents: []) }
    }

    /// The ranges of `count` shards splitting 0 … 2^128−1 evenly: each floor(2^128 / count) wide,
    /// the last one ending at 2^128−1.
    public static func evenRanges(_ count: Int) -> [ClosedRange<HashKey>] {
        precondition(count >= 1, "a stream has at least one shard")
        if count == 1 { return [0...HashKey.max] }
        // floor(2^128 / n) without 2^128: (2^128 − 1) / n, plus one when n divides 2^128 exactly.
        let quotient = HashKey.max / HashKey(count)
        let width = HashKey.max % HashKey(count) == HashKey(count) - 1 ? quotient + 1 : quotient
        return (0..<count).map { i in
            let start = width * HashKey(i)
            return start...(i == count - 1 ? HashKey.max : start + width - 1)
        }
    }

    /// The MD5 of a partition key's UTF-8 bytes, read as an unsigned big-endian 128-bit integer.
    public static func hashKey(partitionKey: String) -> HashKey {
        // Hashed in place when the string is contiguous UTF-8 (native strings are): no array per record.
        let digest = partitionKey.utf8.withContiguousStorageIfAvailable { bytes in
            var hasher = Insecure.MD5()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return hasher.finalize()
        } ?? Insecure.MD5.hash(data: Array(partitionKey.utf8))
        return digest.withUnsafeBytes { bytes in
            bytes.reduce(HashKey(0)) { ($0 << 8) | HashKey($1) }
        }
    }

    func cachedHashKey(_ partitionKey: String) -> HashKey {
        hashKeyCache.hashKey(partitionKey, compute: Self.hashKey(partitionKey:))
    }

    @discardableResult
    func addShard(range: ClosedRange<HashKey>, parents: [Int]) -> Int {
        accrueOpenShardTime()
        let index = shards.count
        shards.append(ShardState(index: index, range: range, parents: parents, openedAt: clock.now, configuration: configuration))
        let position = openShards.firstIndex { shards[$0].startingHashKey > range.lowerBound } ?? openShards.count
        openShards.insert(index, at: position)
        return index
    }

    /// The open shard whose range holds `key`.
    /// - Complexity: O(log open shards).
    public func openShard(for key: HashKey) -> Int {
        var low = 0, high = openShards.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if shards[openShards[middle]].startingHashKey <= key { low = middle } else { high = middle - 1 }
        }
        return openShards[low]
    }

    // MARK: Writes

    public func putRecord(_ request: PutRecordRequest) -> PutRecordResult {
        counters.putRequests += 1
        if let problem = validate(request) { return .rejected(problem) }
        if let ordering = request.sequenceNumberForOrdering,
           !shards.indices.contains(ordering.shard) || ordering.number >= shards[ordering.shard].nextNumber || ordering.number < 0 {
            return .rejected(.invalidArgument("SequenceNumberForOrdering \(ordering) names no record of this stream"))
        }
        return put(request)
    }

    /// PutRecords: at most 500 records and 10 MiB with partition keys. The records are placed one
    /// by one; a record over its shard's limits fails alone, and the call does not keep the order
    /// of records of one key across shards' answers (AWS: PutRecords does not guarantee order).
    public func putRecords(_ requests: [PutRecordRequest]) -> PutRecordsResult {
        counters.putRequests += 1
        if requests.isEmpty { return .rejected(.invalidArgument("PutRecords needs at least one record")) }
        if requests.count > StreamConfiguration.putRecordsEntriesMax {
            return .rejected(.invalidArgument("\(requests.count) records; PutRecords takes at most 500"))
        }
        let bytes = requests.reduce(0) { $0 + $1.sizeBytes }
        if bytes > StreamConfiguration.putRecordsBytesMax {
            return .rejected(.invalidArgument("the records total \(bytes) bytes with their partition keys; PutRecords takes at most 10485760 (10 MiB)"))
        }
        return .records(requests.map { request in
            if let problem = validate(request) { return .rejected(problem) }
            return put(request)
        })
    }

    func validate(_ request: PutRecordRequest) -> StreamError? {
        // Up to 256 UTF-8 bytes cannot be more than 256 characters: count characters only above that.
        let bytes = request.partitionKey.utf8.count
        let keyLength = bytes <= StreamConfiguration.partitionKeyLengthMax ? bytes : request.partitionKey.unicodeScalars.count
        if keyLength < 1 || keyLength > StreamConfiguration.partitionKeyLengthMax {
            return .invalidArgument("a partition key is 1 to 256 characters, not \(keyLength)")
        }
        if request.dataBytes < 0 || request.dataBytes > configuration.recordBytesMax {
            return .invalidArgument("a record's data is at most \(configuration.recordBytesMax) bytes, not \(request.dataBytes)")
        }
        return nil
    }

    func put(_ request: PutRecordRequest) -> PutRecordResult {
        let now = clock.now
        let shard = openShard(for: request.explicitHashKey ?? cachedHashKey(request.partitionKey))
        trim(shard, at: now)
        let size = request.sizeBytes
        // Both windows must have room before either takes the record: a refused record uses none.
        guard shards[shard].writeRecords.canAcquire(at: now), shards[shard].writeBytes.canAcquire(size, at: now) else {
            counters.writeThrottled += 1
            shards[shard].counters.writeThrottled += 1
            return .rejected(.provisionedThroughputExceeded(
                "\(ShardState.shardId(shard)) takes \(configuration.shardWriteRecordsPerSecond) records and \(configuration.shardWriteBytesPerSecond) bytes a second"))
        }
        _ = shards[shard].writeRecords.tryAcquire(at: now)
        _ = shards[shard].writeBytes.tryAcquire(size, at: now)
        let number = shards[shard].nextNumber
        shards[shard].records.append(ShardState.StoredRecord(partitionKey: request.partitionKey, dataBytes: request.dataBytes,
                                                             arrivedAt: now, tag: request.tag))
        counters.recordsPut += 1
        counters.bytesPut += size
        shards[shard].counters.recordsPut += 1
        shards[shard].counters.bytesPut += size
        shards[shard].countAcceptedRecord(at: now)
        if configuration.capacityMode == .onDemand { recordWrite(bytes: size, at: now) }
        counters.putPayloadUnits += max(1, (size + StreamConfiguration.putPayloadUnitBytes - 1) / StreamConfiguration.putPayloadUnitBytes)
        return .put(SequenceNumber(shard: shard, number: number))
    }

    /// Drops a shard's records whose retention has run out.
    func trim(_ shard: Int, at now: Instant) {
        while let first = shards[shard].records.first, first.arrivedAt + configuration.retention <= now {
            shards[shard].records.removeFirst()
            shards[shard].firstNumber += 1
            counters.recordsExpired += 1
        }
    }

    // MARK: Reads

    public func getShardIterator(shard: Int, type: ShardIteratorType) -> Result<ShardIterator, StreamError> {
        let now = clock.now
        guard shards.indices.contains(shard) else {
            return .failure(.resourceNotFound("\(ShardState.shardId(shard)) is not a shard of \(configuration.name)"))
        }
        guard shards[shard].iteratorCalls.tryAcquire(at: now) else {
            return .failure(.limitExceeded("GetShardIterator is limited to \(configuration.shardGetShardIteratorPerSecond) calls a second per shard"))
        }
        return firstPosition(in: shard, startingAt: type, at: now).map { ShardIterator(shard: shard, position: $0, issuedAt: now) }
    }

    /// The number of the first record a reader starting at `type` gets, after dropping what has
    /// expired: where GetShardIterator and SubscribeToShard both begin.
    func firstPosition(in shard: Int, startingAt type: ShardIteratorType, at now: Instant) -> Result<Int, StreamError> {
        trim(shard, at: now)
        let state = shards[shard]
        let position: Int
        switch type {
        case .trimHorizon:
            position = state.firstNumber
        case .latest:
            position = state.nextNumber
        case .atSequenceNumber(let sequence), .afterSequenceNumber(let sequence):
            guard sequence.shard == shard, sequence.number >= 0, sequence.number < state.nextNumber else {
                return .failure(.invalidArgument("\(sequence) is not a sequence number of \(ShardState.shardId(shard))"))
            }
            let after = if case .afterSequenceNumber = type { 1 } else { 0 }
            // A record that has expired is gone: reading starts at the oldest one left.
            position = max(state.firstNumber, sequence.number + after)
        case .atTimestamp(let instant):
            // Arrival instants never decrease within a shard: the first at or after `instant`.
            var low = 0, high = state.records.count
            while low < high {
                let middle = (low + high) / 2
                if state.records[middle].arrivedAt < instant { low = middle + 1 } else { high = middle }
            }
            position = state.firstNumber + low
        }
        return .success(position)
    }

    /// GetRecords: up to `limit` (≤ 10,000) records and 10 MiB from the iterator's position.
    public func getRecords(_ iterator: ShardIterator, limit: Int = StreamConfiguration.getRecordsLimitMax) -> GetRecordsResult {
        let now = clock.now
        counters.getRecordsRequests += 1
        guard (1...StreamConfiguration.getRecordsLimitMax).contains(limit) else {
            return .rejected(.invalidArgument("limit must be between 1 and 10000, not \(limit)"))
        }
        guard shards.indices.contains(iterator.shard) else {
            return .rejected(.resourceNotFound("\(ShardState.shardId(iterator.shard)) is not a shard of \(configuration.name)"))
        }
        if now - iterator.issuedAt > StreamConfiguration.iteratorLifetime {
            counters.expiredIterators += 1
            return .rejected(.expiredIterator("the iterator was issued at \(iterator.issuedAt) and lives 5 minutes"))
        }
        let shard = iterator.shard
        if now < shards[shard].readAvailableAt || !shards[shard].getRecordsCalls.canAcquire(at: now) {
            counters.readThrottled += 1
            shards[shard].counters.readThrottled += 1
            return .rejected(.provisionedThroughputExceeded(
                "\(ShardState.shardId(shard)) serves \(configuration.shardGetRecordsPerSecond) GetRecords calls and \(configuration.shardReadBytesPerSecond) bytes a second"))
        }
        _ = shards[shard].getRecordsCalls.tryAcquire(at: now)
        trim(shard, at: now)
        let state = shards[shard]
        var position = max(iterator.position, state.firstNumber)
        var records: [StreamRecord] = []
        // Sized once: growing by doubling copied every record read about once more.
        records.reserveCapacity(min(limit, state.nextNumber - position))
        var bytes = 0
        while position < state.nextNumber, records.count < limit {
            let stored = state.records[position - state.firstNumber]
            let size = stored.dataBytes + stored.partitionKey.utf8.count
            if bytes + size > StreamConfiguration.getRecordsBytesMax && !records.isEmpty { break }
            records.append(StreamRecord(sequenceNumber: SequenceNumber(shard: shard, number: position), partitionKey: stored.partitionKey,
                                        dataBytes: stored.dataBytes, arrivedAt: stored.arrivedAt, tag: stored.tag))
            bytes += size
            position += 1
        }
        counters.recordsRead += records.count
        counters.bytesRead += bytes
        shards[shard].counters.recordsRead += records.count
        shards[shard].counters.bytesRead += bytes
        if bytes > 0 { shards[shard].noteRead(bytes, at: now, bytesPerSecond: configuration.shardReadBytesPerSecond) }
        let behind = position < state.nextNumber ? (now - state.records[position - state.firstNumber].arrivedAt).nanoseconds / 1_000_000 : 0
        if !state.isOpen && position == state.nextNumber {
            return .records(records, nextIterator: nil, millisBehindLatest: behind, childShards: state.children)
        }
        return .records(records, nextIterator: ShardIterator(shard: shard, position: position, issuedAt: now),
                        millisBehindLatest: behind, childShards: [])
    }

    // MARK: Invariants

    /// Checks that the open shards tile the hash-key space in order, that closed shards have
    /// children and open ones none, and that lineage links agree both ways.
    public func checkInvariants() {
        var next: HashKey = 0
        for (i, index) in openShards.enumerated() {
            let shard = shards[index]
            precondition(shard.isOpen && shard.children.isEmpty, "\(ShardState.shardId(index)) is listed open but is closed")
            precondition(shard.startingHashKey == next, "open shards leave a gap or overlap before \(ShardState.shardId(index))")
            if i == openShards.count - 1 {
                precondition(shard.endingHashKey == HashKey.max, "the last open shard does not end at 2^128−1")
            } else {
                next = shard.endingHashKey + 1
            }
        }
        for shard in shards {
            precondition(shard.isOpen == openShards.contains(shard.index), "\(ShardState.shardId(shard.index)): open state disagrees")
            if !shard.isOpen { precondition(!shard.children.isEmpty, "a closed shard has children") }
            for parent in shard.parents { precondition(shards[parent].children.contains(shard.index), "lineage disagrees") }
        }
    }
}
