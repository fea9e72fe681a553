import SimKernel

/// The attributes of a queue, with AWS's defaults and ranges (SEMANTICS.md, SQS standard).
public struct QueueConfiguration: Sendable, Equatable {
    public var name: String
    public var visibilityTimeout: Span = .seconds(30)
    public var retention: Span = .seconds(4 * 86_400)
    public var delay: Span = .zero
    /// ReceiveMessageWaitTimeSeconds: the long-poll wait when a receive names none.
    public var receiveWaitTime: Span = .zero
    public var maximumMessageBytes: Int = 1_048_576
    /// Received-but-not-deleted messages the queue allows before receives are refused.
    public var inFlightMax: Int = 120_000

    public init(name: String) { self.name = name }

    public static let visibilityTimeoutMax = Span.seconds(12 * 3600)
    public static let retentionRange = Span.seconds(60)...Span.seconds(14 * 86_400)
    public static let delayMax = Span.seconds(900)
    public static let waitTimeMax = Span.seconds(20)
    public static let maximumMessageBytesRange = 1024...1_048_576
    public static let attributesMax = 10
    public static let batchEntriesMax = 10
    public static let batchBytesMax = 1_048_576
    public static let receiveMessagesRange = 1...10

    /// Problems with the configuration, each naming the attribute and the valid range; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        if visibilityTimeout < .zero || visibilityTimeout > Self.visibilityTimeoutMax {
            found.append(("visibilityTimeout", "must be between 0s and 12h"))
        }
        if !Self.retentionRange.contains(retention) {
            found.append(("retention", "must be between 60s and 14d"))
        }
        if delay < .zero || delay > Self.delayMax {
            found.append(("delay", "must be between 0s and 900s (15m)"))
        }
        if receiveWaitTime < .zero || receiveWaitTime > Self.waitTimeMax {
            found.append(("receiveWaitTime", "must be between 0s and 20s"))
        }
        if !Self.maximumMessageBytesRange.contains(maximumMessageBytes) {
            found.append(("maximumMessageSize", "must be between 1KiB (1024 B) and 1MiB (1048576 B)"))
        }
        if inFlightMax < 1 {
            found.append(("inFlightMax", "must be at least 1"))
        }
        return found
    }
}
