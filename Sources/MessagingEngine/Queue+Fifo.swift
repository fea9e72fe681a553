import Crypto
import DequeModule
import HeapModule
import SimKernel

/// The stored messages of one FIFO message group, in send order, and how many of them are in flight.
@usableFromInline
struct MessageGroup {
    var id: String
    /// Stored messages in send order. A message that left the queue stays here until it reaches
    /// the front, where it is dropped.
    var messages = Deque<SlotStamp>()
    /// Messages of the group in flight: while there is one, the group delivers nothing further.
    var inFlight: Int32 = 0
    /// The head message number of this group's live entry in `availableGroups`, or -1 when the
    /// group has none (it is blocked, empty, or being taken from).
    var queuedHead = -1
    /// Bumped at every push onto `availableGroups` and when the slot is reused, so an entry pushed
    /// earlier is recognised as stale when it reaches the top.
    var stamp: UInt32 = 0
}

/// A group that can deliver, keyed by its oldest stored message: a receive takes the group whose
/// head was sent first, as SQS scans the queue in order for a message of an unblocked group.
@usableFromInline
struct AvailableGroup: Comparable {
    var headNumber: Int
    var group: Int32
    var stamp: UInt32
    @usableFromInline static func < (a: AvailableGroup, b: AvailableGroup) -> Bool { a.headNumber < b.headNumber }
    @usableFromInline static func == (a: AvailableGroup, b: AvailableGroup) -> Bool {
        a.headNumber == b.headNumber && a.group == b.group && a.stamp == b.stamp
    }
}

/// Which message numbers a FIFO queue stores, to find the last message of the scan window.
///
/// SQS looks only at the oldest `size` stored messages for a group that can deliver. `boundary` is
/// the number of the `size`-th oldest stored message while more than `size` are stored (nil
/// otherwise), so a group whose head is numbered above it cannot deliver. Numbers only grow and
/// the boundary only moves forward, so keeping it costs O(1) amortised per message; the bit set
/// drops words from its front as the oldest messages leave, so it spans the queue, not the run.
struct ScanWindow {
    let size: Int
    private var words = Deque<UInt64>()
    /// Word index of `words[0]`: it covers numbers `baseWord * 64 ..< baseWord * 64 + 64`.
    private var baseWord = 0
    private(set) var count = 0
    private(set) var boundary: Int?

    init(size: Int) { self.size = size }

    mutating func insert(_ number: Int) {
        let word = number >> 6
        if words.isEmpty { baseWord = word }
        while baseWord + words.count <= word { words.append(0) }
        words[word - baseWord] |= 1 << UInt64(number & 63)
        count += 1
        if count == size + 1 { boundary = stored(before: number) }
    }

    mutating func remove(_ number: Int) {
        let word = number >> 6
        precondition(contains(number), "message \(number) is not stored")
        words[word - baseWord] &= ~(1 << UInt64(number & 63))
        count -= 1
        if let current = boundary {
            if count <= size {
                boundary = nil
            } else if number <= current {
                boundary = stored(after: current)
            }
        }
        while let first = words.first, first == 0 {
            words.removeFirst()
            baseWord += 1
        }
    }

    func contains(_ number: Int) -> Bool {
        let word = number >> 6
        guard word >= baseWord, word < baseWord + words.count else { return false }
        return words[word - baseWord] & (1 << UInt64(number & 63)) != 0
    }

    /// The highest stored number below `number`; one exists whenever this is called.
    private func stored(before number: Int) -> Int {
        var candidate = number - 1
        while true {
            let word = candidate >> 6
            let bits = words[word - baseWord] & (UInt64.max >> UInt64(63 - (candidate & 63)))
            if bits != 0 { return word * 64 + 63 - bits.leadingZeroBitCount }
            candidate = word * 64 - 1
        }
    }

    /// The lowest stored number above `number`; one exists whenever this is called.
    private func stored(after number: Int) -> Int {
        var candidate = number + 1
        while true {
            let word = candidate >> 6
            let bits = words[word - baseWord] & (UInt64.max << UInt64(candidate & 63))
            if bits != 0 { return word * 64 + bits.trailingZeroBitCount }
            candidate = (word + 1) * 64
        }
    }
}

/// What deduplication compares, as a 128-bit fingerprint: of the explicit ID, or the first half of
/// the body's SHA-256, mixed with the message group when the deduplication scope is the group.
///
/// A fingerprint rather than the strings themselves: the map holds every ID of the last 5 minutes
/// (10⁵ at 300 sends a second), and hashing and comparing 16 bytes instead of optional strings and
/// digests took a third of a FIFO send. Two different IDs with the same fingerprint would be
/// deduplicated; for n IDs remembered the chance is about n²/2¹²⁹, below 10⁻²⁸ for 10⁵.
struct DeduplicationKey: Hashable {
    var high: UInt64
    var low: UInt64

    /// Both halves are already well mixed; one suffices to place the key in the map.
    func hash(into hasher: inout Hasher) { hasher.combine(low) }

    /// MurmurHash64A (Austin Appleby, public domain) of `bytes` under `seed`: deterministic across
    /// runs and machines, unlike `Hasher`, whose seed changes per process.
    static func murmur64(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        let m: UInt64 = 0xc6a4_a793_5bd1_e995
        var h = seed ^ (UInt64(bytes.count) &* m)
        var offset = 0
        while offset + 8 <= bytes.count {
            var k = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
            k = k &* m
            k ^= k >> 47
            k = k &* m
            h ^= k
            h = h &* m
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for (shift, index) in (offset..<bytes.count).enumerated() { tail |= UInt64(bytes[index]) << UInt64(8 * shift) }
            h ^= tail
            h = h &* m
        }
        h ^= h >> 47
        h = h &* m
        h ^= h >> 47
        return h
    }

    static func fingerprint(_ text: String, seeds: (UInt64, UInt64)) -> (UInt64, UInt64) {
        func hash(_ buffer: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
            (murmur64(buffer, seed: seeds.0), murmur64(buffer, seed: seeds.1))
        }
        if let result = text.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(text.utf8).withUnsafeBytes(hash)
    }

    /// Seeds that keep explicit IDs, content digests and groups apart.
    static let explicitSeeds: (UInt64, UInt64) = (0x5175_6575_6549_4431, 0x9e37_79b9_7f4a_7c15)
    static let groupSeeds: (UInt64, UInt64) = (0x6772_6f75_7073_6565, 0xbf58_476d_1ce4_e5b9)

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(explicit id: String) {
        (high, low) = Self.fingerprint(id, seeds: Self.explicitSeeds)
    }

    init(content digest: SHA256Digest) {
        (high, low) = digest.withUnsafeBytes { bytes in
            (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ 1)
        }
    }

    /// The SHA-256 of a simulated body: its content tag at its size, so the digest is taken over
    /// those two numbers (little-endian).
    static func contentDigest(tag: UInt64, bodyBytes: Int) -> SHA256Digest {
        var hasher = SHA256()
        withUnsafeBytes(of: tag.littleEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: UInt64(bodyBytes).littleEndian) { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }

    /// 32 hexadecimal digits: the ID a FIFO topic passes on for a content-deduplicated message.
    var hexDescription: String {
        func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        return hex(high) + hex(low)
    }

    /// The key within one message group.
    func scoped(to group: String) -> DeduplicationKey {
        let (a, b) = Self.fingerprint(group, seeds: Self.groupSeeds)
        return DeduplicationKey(high: high ^ (a &* 0xff51_afd7_ed55_8ccd), low: low ^ (b &* 0xc4ce_b9fe_1a85_ec53))
    }
}

/// Deduplication keys seen within an interval, each with the ID of the copy that was kept, and
/// forgotten in the order they were remembered (all share one interval, so expiry order is
/// remembering order): a FIFO of deadlines, drained from its front at the next lookup.
struct DeduplicationWindow<ID> {
    struct Entry {
        var id: ID
        var expiresAt: Instant
    }

    private var entries: [DeduplicationKey: Entry] = [:]
    private var deadlines = DeadlineList<DeduplicationKey>()

    /// Keys remembered now (expired ones are forgotten at the next lookup).
    var count: Int { entries.count }

    /// The ID first remembered under `key`, if that was within its interval.
    mutating func lookup(_ key: DeduplicationKey, at now: Instant) -> ID? {
        while let head = deadlines.first, head.at <= now {
            deadlines.removeFirst()
            if let index = entries.index(forKey: head.entry), entries[index].value.expiresAt == head.at {
                entries.remove(at: index)
            }
        }
        return entries[key]?.id
    }

    mutating func remember(_ key: DeduplicationKey, _ id: ID, until expiresAt: Instant) {
        entries[key] = Entry(id: id, expiresAt: expiresAt)
        let appended = deadlines.append(expiresAt, key)
        precondition(appended, "deduplication deadlines are remembered in time order")
    }
}

/// A receive remembered under its ReceiveRequestAttemptId.
struct ReceiveAttempt {
    var messages: [ReceivedMessage]
    var expiresAt: Instant
}

extension Queue {
    // MARK: Validation and deduplication

    func validateFifo(_ request: SendMessageRequest) -> QueueError? {
        guard let group = request.messageGroupId else {
            return .missingParameter("MessageGroupId is required for FIFO queues")
        }
        if let problem = Self.identifierProblem(group, name: "MessageGroupId") { return problem }
        if let id = request.deduplicationId {
            if let problem = Self.identifierProblem(id, name: "MessageDeduplicationId") { return problem }
        } else if !configuration.contentBasedDeduplication {
            return .invalidParameterValue(
                "the queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
        }
        if request.delay != nil {
            return .invalidParameterValue("FIFO queues do not take a per-message DelaySeconds; set the queue's delay instead")
        }
        return nil
    }

    static func identifierProblem(_ value: String, name: String) -> QueueError? {
        // The valid characters are ASCII, where bytes and characters agree; counting bytes avoids
        // grapheme breaking on every send.
        let length = value.utf8.count
        guard (1...QueueConfiguration.identifierLengthMax).contains(length) else {
            return .invalidParameterValue("\(name) must be 1 to 128 characters, not \(length)")
        }
        return nil
    }

    /// The SHA-256 of the simulated body. A simulated body is its content tag at its size, so the
    /// digest is taken over those two numbers (little-endian); attributes are excluded, as in SQS.
    static func contentDigest(_ request: SendMessageRequest) -> SHA256Digest {
        DeduplicationKey.contentDigest(tag: request.tag, bodyBytes: request.bodyBytes)
    }

    func deduplicationKey(_ request: SendMessageRequest) -> DeduplicationKey {
        let key = request.deduplicationId.map(DeduplicationKey.init(explicit:)) ?? DeduplicationKey(content: Self.contentDigest(request))
        if configuration.deduplicationScope == .messageGroup, let group = request.messageGroupId { return key.scoped(to: group) }
        return key
    }

    /// The message first sent under `key`, if that was within the deduplication interval.
    func deduplicated(_ key: DeduplicationKey) -> MessageID? {
        deduplication.lookup(key, at: clock.now)
    }

    func remember(_ key: DeduplicationKey, _ id: MessageID) {
        deduplication.remember(key, id, until: clock.now + configuration.deduplicationInterval)
    }

    /// Message groups holding a stored message now; groups that emptied are forgotten.
    public var activeGroupCount: Int { groupIndexByID.count }
    /// Slots for groups, live and free: the most groups that were ever active at once.
    public var groupSlotCount: Int { groups.count }

    /// Deduplication IDs remembered now (expired ones are forgotten at the next send).
    public var rememberedDeduplicationIDs: Int { deduplication.count }

    // MARK: Throttling

    /// Admits one transaction of `action` (a batch is one), or says why it is throttled.
    /// High-throughput mode also counts it against each message group it names.
    func throttle(_ action: SQSAction, groups: [String] = []) -> QueueError? {
        guard throughput.tryAcquire(action, messageGroupIds: groups, at: clock.now) else {
            counters.throttledRequests += 1
            let quota = throughput.quota
            let scope = quota.scope == .perMessageGroupId
                ? "\(quota.queueTransactionsPerSecondMax) per queue or \(quota.groupTransactionsPerSecondMax) per message group"
                : "\(quota.queueTransactionsPerSecondMax) per queue"
            return .throttling("\(action.rawValue) on \(configuration.name) exceeds \(scope) transactions per second")
        }
        return nil
    }

    // MARK: Groups

    /// Adds a new message (in `slot`) to the end of its group, creating the group if it has none.
    func joinGroup(_ id: String, slot: Int32, allocation: UInt32) -> Int32 {
        let group: Int32
        if let existing = groupIndexByID[id] {
            group = existing
        } else if let reused = freeGroups.popLast() {
            group = reused
            groups[Int(group)].id = id
            groups[Int(group)].stamp &+= 1
            groupIndexByID[id] = group
        } else {
            group = Int32(groups.count)
            groups.append(MessageGroup(id: id))
            groupIndexByID[id] = group
        }
        groups[Int(group)].messages.append(SlotStamp(slot: slot, stamp: allocation))
        return group
    }

    /// Brings a group's standing up to date after one of its messages changed: drops messages that
    /// left from its front, forgets it when it is empty, and offers it to receives when it can deliver.
    func refreshGroup(_ group: Int32) {
        let index = Int(group)
        if group == groupBeingTaken { return }
        while let head = groups[index].messages.first, !isStored(head) { groups[index].messages.removeFirst() }
        guard let head = groups[index].messages.first else {
            precondition(groups[index].inFlight == 0, "a group with a message in flight has it stored")
            groupIndexByID.removeValue(forKey: groups[index].id)
            groups[index] = MessageGroup(id: "", stamp: groups[index].stamp &+ 1)
            freeGroups.append(group)
            return
        }
        let record = records[Int(head.slot)]
        if groups[index].inFlight == 0 && record.state == .visible {
            let number = record.messageId.rawValue
            if groups[index].queuedHead != number {
                groups[index].stamp &+= 1
                groups[index].queuedHead = number
                availableGroups.insert(AvailableGroup(headNumber: number, group: group, stamp: groups[index].stamp))
            }
        } else {
            groups[index].queuedHead = -1
        }
    }

    /// The unblocked group whose head was sent first, if its head is inside the scan window.
    func nextAvailableGroup() -> Int32? {
        while let top = availableGroups.min {
            let index = Int(top.group)
            guard groups[index].stamp == top.stamp, groups[index].queuedHead == top.headNumber else {
                _ = availableGroups.removeMin()
                continue
            }
            if let boundary = scanWindow.boundary, top.headNumber > boundary { return nil }
            return top.group
        }
        return nil
    }

    /// Whether a FIFO receive would get a message now.
    func fifoCanDeliver() -> Bool { nextAvailableGroup() != nil }

    /// Takes up to `limit` messages, as many as it can from the first group that can deliver, then
    /// from the next. Within a group it takes visible messages in order until one is not visible.
    func takeFifo(upTo limit: Int, visibilityTimeout: Span) -> [ReceivedMessage] {
        var taken: [ReceivedMessage] = []
        let now = clock.now
        while taken.count < limit, inFlightCount < configuration.inFlightMax, let group = nextAvailableGroup() {
            _ = availableGroups.removeMin()
            let index = Int(group)
            groups[index].queuedHead = -1
            // Moving a message to the dead-letter queue removes it; the group is brought up to
            // date once, after the loop, so positions in it do not shift while it is walked.
            groupBeingTaken = group
            var position = 0
            while taken.count < limit, inFlightCount < configuration.inFlightMax, position < groups[index].messages.count {
                let entry = groups[index].messages[position]
                position += 1
                guard isStored(entry) else { continue }
                guard records[Int(entry.slot)].state == .visible else { break }
                if exceedsReceiveCount(entry.slot) {
                    moveToDeadLetterQueue(slot: entry.slot)
                    continue
                }
                groups[index].inFlight += 1
                taken.append(deliver(slot: entry.slot, at: now, visibilityTimeout: visibilityTimeout))
            }
            groupBeingTaken = -1
            refreshGroup(group)
        }
        return taken
    }

    // MARK: ReceiveRequestAttemptId

    /// A retried receive's earlier answer, when every message of it is still held under the same
    /// receipt handle; their visibility timeouts restart now.
    func repeatedAttempt(_ attemptId: String, visibilityTimeout: Span) -> [ReceivedMessage]? {
        let now = clock.now
        while let head = receiveAttemptDeadlines.first, head.at <= now {
            receiveAttemptDeadlines.removeFirst()
            if receiveAttempts[head.entry]?.expiresAt == head.at { receiveAttempts.removeValue(forKey: head.entry) }
        }
        guard let previous = receiveAttempts[attemptId] else { return nil }
        let stillHeld = previous.messages.allSatisfy { message in
            let handle = message.receiptHandle
            let record = records[Int(handle.slot)]
            return record.state == .inFlight && record.allocation == handle.allocation && record.receiveCount == handle.receiveCount
        }
        guard stillHeld else {
            receiveAttempts.removeValue(forKey: attemptId)
            return nil
        }
        for message in previous.messages {
            let slot = message.receiptHandle.slot
            records[Int(slot)].visibilityStamp &+= 1
            // Like ChangeMessageVisibility, the restart cannot pass 12 hours after the first receive.
            let limit = records[Int(slot)].firstReceivedAt + QueueConfiguration.visibilityTimeoutMax
            setVisibilityDeadline(Swift.min(now + visibilityTimeout, limit),
                                  for: SlotStamp(slot: slot, stamp: records[Int(slot)].visibilityStamp))
        }
        return previous.messages
    }

    func rememberAttempt(_ attemptId: String, _ messages: [ReceivedMessage]) {
        guard !messages.isEmpty else { return }
        let expiresAt = clock.now + configuration.deduplicationInterval
        receiveAttempts[attemptId] = ReceiveAttempt(messages: messages, expiresAt: expiresAt)
        _ = receiveAttemptDeadlines.append(expiresAt, attemptId)
    }

    // MARK: Invariants

    func _checkFifoInvariants() {
        var inFlightByGroup = [Int32](repeating: 0, count: groups.count)
        var storedByGroup = [Int](repeating: 0, count: groups.count)
        for record in records where record.state != .free {
            precondition(record.group >= 0 && Int(record.group) < groups.count, "a FIFO message belongs to a group")
            storedByGroup[Int(record.group)] += 1
            if record.state == .inFlight { inFlightByGroup[Int(record.group)] += 1 }
            precondition(scanWindow.contains(record.messageId.rawValue), "every stored FIFO message is in the scan window's set")
        }
        precondition(scanWindow.count == storedCount, "the scan window counts \(scanWindow.count) messages, \(storedCount) are stored")
        let free = Set(freeGroups)
        for (index, group) in groups.enumerated() where !free.contains(Int32(index)) {
            precondition(groupIndexByID[group.id] == Int32(index), "group \(group.id) is indexed")
            precondition(group.inFlight == inFlightByGroup[index], "group \(group.id) counts \(group.inFlight) in flight, \(inFlightByGroup[index]) are")
            precondition(storedByGroup[index] > 0, "group \(group.id) is kept with no message stored")
            let live = group.messages.filter(isStored)
            precondition(live.count == storedByGroup[index], "group \(group.id) lists every stored message once")
            let numbers = live.map { records[Int($0.slot)].messageId.rawValue }
            precondition(numbers == numbers.sorted(), "group \(group.id) keeps send order")
            let head = records[Int(live[0].slot)]
            let canDeliver = group.inFlight == 0 && head.state == .visible
            precondition(canDeliver == (group.queuedHead == head.messageId.rawValue),
                         "group \(group.id) is offered to receives exactly when it can deliver")
        }
        precondition(groupIndexByID.count == groups.count - freeGroups.count, "every indexed group is live")
    }
}
