import DequeModule
import SimKernel

/// Admits at most `bytesMax` bytes in any window of length `window` (a second), in virtual time:
/// a call of n bytes at instant t is admitted when the bytes admitted in (t − window, t] plus n
/// are at most `bytesMax`. Refused calls take no capacity. The sliding window is the literal
/// reading of "20 MB per second", for the same reasons `TransactionRateLimiter` gives.
///
/// Calls must come in non-decreasing time.
struct ByteRateLimiter: Sendable {
    struct Admission {
        var at: Int64
        var bytes: Int
    }

    let bytesMax: Int
    let window: Span
    private var admissions = Deque<Admission>()
    private var bytesInWindow = 0

    init(bytesMax: Int, window: Span = .seconds(1)) {
        precondition(bytesMax >= 1, "a byte rate limiter needs bytesMax ≥ 1, got \(bytesMax)")
        self.bytesMax = bytesMax
        self.window = window
    }

    /// Whether `bytes` more would fit in the window ending at `instant` (forgetting what has left it).
    /// - Complexity: amortised O(1).
    mutating func canAcquire(_ bytes: Int, at instant: Instant) -> Bool {
        let windowStart = instant.nanoseconds - window.nanoseconds
        while let first = admissions.first, first.at <= windowStart {
            bytesInWindow -= first.bytes
            admissions.removeFirst()
        }
        return bytesInWindow + bytes <= bytesMax
    }

    /// Admits and records `bytes` at `instant`, or refuses them.
    /// - Complexity: amortised O(1).
    mutating func tryAcquire(_ bytes: Int, at instant: Instant) -> Bool {
        guard canAcquire(bytes, at: instant) else { return false }
        admissions.append(Admission(at: instant.nanoseconds, bytes: bytes))
        bytesInWindow += bytes
        return true
    }
}
