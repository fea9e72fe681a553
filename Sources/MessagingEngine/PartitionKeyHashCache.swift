/// The hash keys (MD5) of recently put partition keys, so a workload that repeats its keys (users,
/// devices, sessions) pays for MD5 once per key rather than once per record.
///
/// An open-addressing table with linear probing, found by FNV-1a of the key's UTF-8 bytes: a
/// lookup costs a few dozen instructions where a `[String: HashKey]` cost about 400 (SipHash of the
/// string, then its finalisation). It is never more than half full, doubling up to
/// `2 × countMax` slots, and is emptied when it holds `countMax` keys, so memory stays bounded
/// whatever the keys. The cache is invisible to callers: a key's hash key is the same whether it
/// was cached or not.
struct PartitionKeyHashCache {
    /// Keys by slot; an empty string marks an empty slot (a partition key is never empty).
    private var keys: [String] = []
    private var hashKeys: [HashKey] = []
    private(set) var count = 0
    let countMax: Int

    init(countMax: Int) {
        precondition(countMax >= 1 && countMax.nonzeroBitCount == 1, "the cache holds a power of two of keys, not \(countMax)")
        self.countMax = countMax
    }

    /// The hash key of `partitionKey`, from the cache or from `compute`, which is then remembered.
    mutating func hashKey(_ partitionKey: String, compute: (String) -> HashKey) -> HashKey {
        if partitionKey.isEmpty { return compute(partitionKey) }
        let hash = Self.fnv1a(partitionKey)
        if !keys.isEmpty {
            let mask = keys.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while !keys[slot].isEmpty {
                if keys[slot] == partitionKey { return hashKeys[slot] }
                slot = (slot + 1) & mask
            }
        }
        let value = compute(partitionKey)
        if count >= countMax {
            keys = Array(repeating: "", count: keys.count)
            count = 0
        } else if (count + 1) * 2 > keys.count {
            grow()
        }
        insert(partitionKey, hash: hash, value: value)
        return value
    }

    /// Doubles the slots (from 64), placing every key again.
    private mutating func grow() {
        let oldKeys = keys, oldValues = hashKeys
        let slots = Swift.max(64, keys.count * 2)
        keys = Array(repeating: "", count: slots)
        hashKeys = Array(repeating: 0, count: slots)
        count = 0
        for (key, value) in zip(oldKeys, oldValues) where !key.isEmpty {
            insert(key, hash: Self.fnv1a(key), value: value)
        }
    }

    /// Puts a key known to be absent into the first empty slot from its hash.
    private mutating func insert(_ key: String, hash: UInt64, value: HashKey) {
        let mask = keys.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while !keys[slot].isEmpty { slot = (slot + 1) & mask }
        keys[slot] = key
        hashKeys[slot] = value
        count += 1
    }

    /// FNV-1a (64-bit) of the key's UTF-8 bytes, its high half folded into the low half, which
    /// picks the slot.
    static func fnv1a(_ key: String) -> UInt64 {
        // Over the string's contiguous UTF-8 (native strings, small ones included, have it): the
        // byte-by-byte iterator of `utf8` cost about 30 instructions a byte.
        let hash = key.utf8.withContiguousStorageIfAvailable(fnv1a) ?? fnv1a(Array(key.utf8))
        return hash ^ (hash >> 32)
    }

    static func fnv1a<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
