import SimKernel

/// The attributes of a queue, with AWS's defaults and ranges (SEMANTICS.md, SQS standard and FIFO).
///
/// Every limit AWS publishes is a default here that a scenario may override, so users can model
/// what AWS changes next.
public struct QueueConfiguration: Sendable, Equatable {
    public var name: String
    /// FifoQueue: strict order per message group and deduplication. The name must end in `.fifo`.
    public var isFifo = false
    public var visibilityTimeout: Span = .seconds(30)
    public var retention: Span = .seconds(4 * 86_400)
    public var delay: Span = .zero
    /// ReceiveMessageWaitTimeSeconds: the long-poll wait when a receive names none.
    public var receiveWaitTime: Span = .zero
    public var maximumMessageBytes: Int = 1_048_576
    /// Received-but-not-deleted messages the queue allows before receives are refused.
    public var inFlightMax: Int = 120_000

    // MARK: FIFO
    /// ContentBasedDeduplication: a send without a deduplication ID is deduplicated on the SHA-256 of its body.
    public var contentBasedDeduplication = false
    public var deduplicationScope: DeduplicationScope = .queue
    public var fifoThroughputLimit: FifoThroughputLimit = .perQueue
    /// How long a deduplication ID (and a ReceiveRequestAttemptId) is remembered: 5 minutes.
    public var deduplicationInterval: Span = .seconds(300)
    /// Only this many of the oldest stored messages are scanned for a group that can deliver.
    public var fifoScanWindow: Int = 120_000
    /// Transactions per second per API action (a batch is one transaction), per queue.
    public var fifoTransactionsPerSecond: Int = 300
    /// High-throughput mode (`fifoThroughputLimit: perMessageGroupId`): transactions per second per
    /// API action for the whole queue (70,000 in the largest regions) …
    public var highThroughputTransactionsPerSecond: Int = 70_000
    /// … and per message group.
    public var highThroughputPerGroupTransactionsPerSecond: Int = 300

    // MARK: Dead letters
    /// RedrivePolicy: where messages go after `maxReceiveCount` receives.
    public var redrivePolicy: RedrivePolicy?
    /// RedriveAllowPolicy: which queues may name this one as their dead-letter queue.
    public var redriveAllowPolicy: RedriveAllowPolicy = .allowAll

    // MARK: Best-effort delivery (standard queues; all off by default)
    /// Partitions (servers) a standard queue's messages are spread over. A short poll samples
    /// `shortPollSampledPartitions` of them, so it can come back empty while messages exist.
    public var partitions: Int = 1
    public var shortPollSampledPartitions: Int = 1
    /// Chance that a receive also leaves a copy of a message visible: AWS's "at least once".
    public var spuriousDuplicateProbability: Double = 0
    /// Messages become visible after an extra random delay, uniform in [0, reorderWindow], so
    /// messages sent within the window may be received out of order.
    public var reorderWindow: Span = .zero

    // MARK: Encryption
    /// SSE-KMS: how long a data key is reused (KmsDataKeyReusePeriodSeconds, 1 min – 24 h); nil
    /// for a queue without KMS encryption (SSE-SQS or none), which costs no KMS calls.
    public var kmsDataKeyReusePeriod: Span?

    // MARK: Housekeeping
    /// PurgeQueue may be called at most once per this interval.
    public var purgeCooldown: Span = .seconds(60)

    public init(name: String) { self.name = name }

    public var typeName: String { isFifo ? "fifo" : "standard" }

    public static let visibilityTimeoutMax = Span.seconds(12 * 3600)
    public static let retentionRange = Span.seconds(60)...Span.seconds(14 * 86_400)
    public static let delayMax = Span.seconds(900)
    public static let waitTimeMax = Span.seconds(20)
    public static let maximumMessageBytesRange = 1024...1_048_576
    public static let attributesMax = 10
    public static let batchEntriesMax = 10
    public static let batchBytesMax = 1_048_576
    public static let receiveMessagesRange = 1...10
    public static let maxReceiveCountRange = 1...1000
    /// MessageGroupId, MessageDeduplicationId and ReceiveRequestAttemptId: at most 128 characters.
    public static let identifierLengthMax = 128
    /// RedriveAllowPolicy byQueue names at most 10 source queues.
    public static let redriveSourcesMax = 10
    /// StartMessageMoveTask moves at most 500 messages per second.
    public static let moveTaskRateMax = 500

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
        if isFifo != name.hasSuffix(".fifo") {
            found.append(isFifo ? ("name", "a FIFO queue's name must end in .fifo")
                                : ("name", "a name ending in .fifo is a FIFO queue; set type: fifo"))
        }
        if !isFifo && (contentBasedDeduplication || deduplicationScope != .queue || fifoThroughputLimit != .perQueue) {
            found.append(("contentBasedDeduplication", "deduplication and FIFO throughput settings need a FIFO queue"))
        }
        if fifoThroughputLimit == .perMessageGroupId && deduplicationScope != .messageGroup {
            found.append(("fifoThroughputLimit", "perMessageGroupId (high throughput) needs deduplicationScope: messageGroup"))
        }
        if deduplicationInterval <= .zero { found.append(("deduplicationInterval", "must be positive")) }
        if fifoScanWindow < 1 { found.append(("fifoScanWindow", "must be at least 1")) }
        if fifoTransactionsPerSecond < 1 || highThroughputTransactionsPerSecond < 1 || highThroughputPerGroupTransactionsPerSecond < 1 {
            found.append(("fifoTransactionsPerSecond", "transaction limits must be at least 1 per second"))
        }
        if let redrive = redrivePolicy, !Self.maxReceiveCountRange.contains(redrive.maxReceiveCount) {
            found.append(("redrivePolicy.maxReceiveCount", "must be between 1 and 1000"))
        }
        if case .byQueue(let sources) = redriveAllowPolicy, !(1...Self.redriveSourcesMax).contains(sources.count) {
            found.append(("redriveAllowPolicy", "byQueue names 1 to 10 source queues"))
        }
        if partitions < 1 || !(1...partitions).contains(shortPollSampledPartitions) {
            found.append(("shortPollSampledPartitions", "must be between 1 and partitions (\(partitions))"))
        }
        if isFifo && (partitions != 1 || shortPollSampledPartitions != 1 || spuriousDuplicateProbability != 0 || reorderWindow != .zero) {
            found.append(("spuriousDuplicateProbability", "best-effort knobs (partitions, spurious duplicates, reordering) apply to standard queues only"))
        }
        if !(0...1).contains(spuriousDuplicateProbability) {
            found.append(("spuriousDuplicateProbability", "must be between 0 and 1"))
        }
        if reorderWindow < .zero { found.append(("reorderWindow", "must not be negative")) }
        if purgeCooldown < .zero { found.append(("purgeCooldown", "must not be negative")) }
        if let period = kmsDataKeyReusePeriod, !KmsDataKeyReuse.periodRange.contains(period) {
            found.append(("kmsDataKeyReusePeriod", "must be between 1m and 24h"))
        }
        return found
    }
}

public enum DeduplicationScope: String, Sendable, Equatable, CaseIterable {
    case queue, messageGroup
}

public enum FifoThroughputLimit: String, Sendable, Equatable, CaseIterable {
    case perQueue, perMessageGroupId
}

/// RedrivePolicy: after `maxReceiveCount` receives, a message goes to the named queue instead of
/// being delivered again.
public struct RedrivePolicy: Sendable, Equatable {
    public var deadLetterQueue: String
    public var maxReceiveCount: Int
    public init(deadLetterQueue: String, maxReceiveCount: Int) {
        self.deadLetterQueue = deadLetterQueue
        self.maxReceiveCount = maxReceiveCount
    }
}

/// RedriveAllowPolicy: which source queues may use a queue as their dead-letter queue.
public enum RedriveAllowPolicy: Sendable, Equatable {
    case allowAll, denyAll
    case byQueue([String])

    public func allows(source: String) -> Bool {
        switch self {
        case .allowAll: true
        case .denyAll: false
        case .byQueue(let names): names.contains(source)
        }
    }
}
