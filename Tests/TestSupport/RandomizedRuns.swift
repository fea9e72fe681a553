#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the randomized tests share: which seeds to run and how to name the one running.
///
/// `SLUICE_SEED=n` runs seed n alone (to replay a failure); `SLUICE_TRACE=1` writes each seed to
/// standard error as it starts, unbuffered, so a failed precondition that ends the process before
/// the test can report still leaves its seed as the last line.
public enum RandomizedRuns {
    /// All of `0..<count`, or the seed `SLUICE_SEED` names.
    public static func seeds(count: UInt64) -> Range<UInt64> {
        if let text = getenv("SLUICE_SEED"), let seed = UInt64(String(cString: text)) { return seed..<seed + 1 }
        return 0..<count
    }

    public static let tracing = getenv("SLUICE_TRACE") != nil

    /// Writes "<suite>: seed <n>" to standard error when tracing.
    public static func trace(_ suite: String, seed: UInt64) {
        guard tracing else { return }
        let line = "\(suite): seed \(seed)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }
}
