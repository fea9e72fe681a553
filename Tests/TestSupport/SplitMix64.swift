/// A small seeded generator for randomized tests of modules that do not use GSL (Steele, Lea and
/// Flood's SplitMix64), shared by the test targets.
///
/// Tests draw from this rather than Swift's random: the same seed gives the same sequence on every
/// platform and in every run, so a failing seed replays.
public struct SplitMix64 {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range`, by rejection so every value is equally likely.
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        if width == 0 { return Int(truncatingIfNeeded: next()) }
        let limit = UInt64.max - UInt64.max % width
        while true {
            let draw = next()
            if draw < limit { return range.lowerBound + Int(draw % width) }
        }
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
}
