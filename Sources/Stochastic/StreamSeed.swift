/// Stable derivation of a generator seed from (scenario seed, replication, stream name).
///
/// Every actor draws from its own named stream, so adding a producer never changes another
/// actor's draws (common random numbers). The derivation must be the same in every process and
/// on every platform, which rules out Swift's `Hasher` (seeded per process). It uses:
///
/// 1. FNV-1a 64 over the UTF-8 bytes of the name (offset basis 0xcbf29ce484222325, prime 0x100000001b3);
/// 2. the SplitMix64 step (add 0x9e3779b97f4a7c15, then the finalizer with multipliers
///    0xbf58476d1ce4e5b9 and 0x94d049bb133111eb) to mix in the scenario seed, then the
///    replication, then the name hash, so that every input bit reaches every output bit;
/// 3. a fold to 32 bits (high half xor low half).
///
/// GSL's `mt19937` uses only the low 32 bits of a seed, so a wider seed would silently throw
/// bits away; folding keeps all 64 mixed bits in play and distinct names give distinct streams
/// with high probability (a collision among k streams has probability about k²/2³³). GSL maps
/// seed 0 to its default seed 4357, which would alias two streams, so 0 is replaced by 1.
///
/// Changing any constant here changes every simulated result; the golden values in the tests guard it.
public enum StreamSeed {
    /// A seed in `1...UInt32.max` for `RandomStream(seed:)`.
    public static func derive(scenarioSeed: UInt64, replication: Int, name: String) -> UInt64 {
        var state = splitMix64(scenarioSeed)
        state = splitMix64(state ^ UInt64(bitPattern: Int64(replication)))
        state = splitMix64(state ^ fnv1a64(name))
        let folded = (state >> 32) ^ (state & 0xffff_ffff)
        return folded == 0 ? 1 : folded
    }

    /// FNV-1a, 64-bit, over the UTF-8 encoding of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// One SplitMix64 step: advance by the golden gamma, then the finalizer.
    static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
