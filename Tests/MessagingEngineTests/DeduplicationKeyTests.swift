@testable import MessagingEngine
import Testing

/// Deduplication compares 128-bit fingerprints; these tests check what that relies on.
@Suite struct DeduplicationKeyTests {
    @Test func theSameIdAlwaysGivesTheSameFingerprint() {
        // Deterministic across runs and processes (unlike Hasher): a value computed once is stable.
        let key = DeduplicationKey(explicit: "order-42")
        #expect(key == DeduplicationKey(explicit: "order-42"))
        #expect(DeduplicationKey.murmur64(UnsafeRawBufferPointer(start: nil, count: 0), seed: 0) == 0)
        let again = Array("order-42".utf8).withUnsafeBytes { DeduplicationKey.murmur64($0, seed: DeduplicationKey.explicitSeeds.0) }
        #expect(again == key.high)
    }

    @Test func twoHundredThousandDistinctIdsHaveDistinctFingerprints() {
        var seen = Set<DeduplicationKey>()
        for n in 0..<200_000 { seen.insert(DeduplicationKey(explicit: "dedup-\(n)")) }
        #expect(seen.count == 200_000)
        // Every length from 1 to 40 bytes goes through the 8-byte blocks and the tail.
        var lengths = Set<DeduplicationKey>()
        for length in 1...40 { lengths.insert(DeduplicationKey(explicit: String(repeating: "a", count: length))) }
        #expect(lengths.count == 40)
    }

    @Test func anIdScopedToTwoGroupsGivesTwoKeys() {
        let key = DeduplicationKey(explicit: "order-42")
        #expect(key.scoped(to: "a") != key.scoped(to: "b"))
        #expect(key.scoped(to: "a") == key.scoped(to: "a"))
        #expect(key.scoped(to: "a") != key)
    }

    @Test func anExplicitIdAndAContentDigestAreKeptApart() {
        // The same 16 bytes reached two ways must not collide: explicit IDs are hashed under their own seeds.
        let explicit = DeduplicationKey(explicit: "0123456789abcdef")
        let bytes = Array("0123456789abcdef".utf8)
        let raw = bytes.withUnsafeBytes { DeduplicationKey(high: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
                                                          low: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ 1) }
        #expect(explicit != raw)
    }
}
