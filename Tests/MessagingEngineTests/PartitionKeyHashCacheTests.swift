@testable import MessagingEngine
import Testing

/// The partition-key hash cache is invisible: every answer is the key's MD5 hash key, whether
/// cached, placed again after the table grew, or computed again after it was emptied.
@Suite struct PartitionKeyHashCacheTests {
    @Test func cacheAnswersEveryKeyWithItsMD5AcrossGrowthAndEmptying() {
        var cache = PartitionKeyHashCache(countMax: 256)
        var computed = 0
        func lookUp(_ key: String) -> HashKey {
            cache.hashKey(key) { computed += 1; return DataStream.hashKey(partitionKey: $0) }
        }
        // 200 keys, short (inline) and long (on the heap), and non-ASCII ones.
        let keys = (0..<200).map { i in
            switch i % 3 {
            case 0: "user-\(i)"
            case 1: "a-partition-key-long-enough-to-live-on-the-heap-\(i)"
            default: "clé-ü-\(i)"
            }
        }
        for key in keys { #expect(lookUp(key) == DataStream.hashKey(partitionKey: key)) }
        #expect(computed == 200)
        #expect(cache.count == 200)
        // The table grew from 64 slots several times; every key is still found, none computed again.
        for key in keys.reversed() { #expect(lookUp(key) == DataStream.hashKey(partitionKey: key)) }
        #expect(computed == 200)
        // 56 more fill it to 256; the next new key empties it and is the only one held.
        for i in 0..<56 { _ = lookUp("more-\(i)") }
        #expect(cache.count == 256)
        #expect(lookUp("one-too-many") == DataStream.hashKey(partitionKey: "one-too-many"))
        #expect(cache.count == 1)
        #expect(lookUp(keys[0]) == DataStream.hashKey(partitionKey: keys[0]))
        #expect(computed == 200 + 56 + 2)
    }

    @Test func cacheSlotHashIsFNV1aOfTheUTF8BytesFolded() {
        // The contiguous-storage path and the byte-array path (taken by strings without contiguous
        // UTF-8) agree, for an inline string and for one on the heap.
        for key in ["user-12345", "a-partition-key-long-enough-to-live-on-the-heap"] {
            let bytes = PartitionKeyHashCache.fnv1a(Array(key.utf8))
            #expect(PartitionKeyHashCache.fnv1a(key) == bytes ^ (bytes >> 32))
        }
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        #expect(PartitionKeyHashCache.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(PartitionKeyHashCache.fnv1a("user-12345") != PartitionKeyHashCache.fnv1a("user-12346"))
    }
}
