import SimKernel

/// Lets a call through at most once per `cooldown`, counted from the last call it let through:
/// PurgeQueue's "one purge per 60 seconds" (AWS.SimpleQueueService.PurgeQueueInProgress when
/// refused). A refused call does not restart the cooldown.
public struct CooldownGate: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case passed
        /// Refused; a call at least `remaining` later will pass.
        case refused(remaining: Span)
    }

    public let cooldown: Span
    public private(set) var lastPassed: Instant?
    public private(set) var refusedCount = 0

    public init(cooldown: Span) {
        precondition(cooldown >= .zero, "a cooldown cannot be negative, got \(cooldown)")
        self.cooldown = cooldown
    }

    /// PurgeQueue: one call per 60 s.
    public static let purgeQueueCooldown = Span.seconds(60)

    /// Lets the call at `instant` through and starts a new cooldown, or says how long is left.
    public mutating func tryPass(at instant: Instant) -> Outcome {
        if let lastPassed {
            precondition(instant >= lastPassed, "calls must come in time order: \(instant) after \(lastPassed)")
            let elapsed = instant - lastPassed
            if elapsed < cooldown {
                refusedCount += 1
                return .refused(remaining: cooldown - elapsed)
            }
        }
        lastPassed = instant
        return .passed
    }
}
