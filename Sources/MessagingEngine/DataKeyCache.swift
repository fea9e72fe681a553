import SimKernel

/// KmsDataKeyReusePeriodSeconds of a queue with SSE-KMS: how long SQS reuses a data key before it
/// calls KMS again (SEMANTICS.md, Security).
public struct KmsDataKeyReuse: Sendable, Equatable {
    public var period: Span

    /// AWS's default is 300 s.
    public init(period: Span = .seconds(300)) { self.period = period }

    public static let periodRange = Span.seconds(60)...Span.seconds(86_400)

    /// Problems with the setting, each naming the attribute and the valid range; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        Self.periodRange.contains(period) ? [] : [("kmsDataKeyReusePeriod", "must be between 60s (1m) and 86400s (24h)")]
    }
}

/// One cached data key: says when a KMS call is due and counts the calls.
///
/// A key fetched at instant f is reused for calls in [f, f + period); the first call at or after
/// f + period, or the first call of all, needs KMS.
public struct DataKeyCache: Sendable, Equatable {
    public let reuse: KmsDataKeyReuse
    public private(set) var fetchedAt: Instant?
    public private(set) var kmsCalls = 0

    public init(reuse: KmsDataKeyReuse) {
        precondition(reuse.problems().isEmpty, "invalid data key reuse: \(reuse.problems())")
        self.reuse = reuse
    }

    /// Whether a call at `instant` needs KMS; if so the key counts as fetched at `instant`.
    public mutating func needsKmsCall(at instant: Instant) -> Bool {
        if let fetchedAt {
            precondition(instant >= fetchedAt, "calls must come in time order: \(instant) after \(fetchedAt)")
            if instant - fetchedAt < reuse.period { return false }
        }
        fetchedAt = instant
        kmsCalls += 1
        return true
    }
}

/// The data keys SQS caches for one encrypted queue or for many, per principal and queue and
/// separately for the producing and the consuming side.
///
/// SQS tells callers apart by their credentials, and a producer's key does not serve a consumer:
/// a principal that both sends and receives has two caches. AWS's own estimate of an encrypted
/// queue's KMS requests, R = B / D × (2P + C) for a billing period B, reuse period D, P producing
/// and C consuming principals, counts two requests per producer refresh and one per consumer
/// refresh; the counts here follow it, taking the producer's two as GenerateDataKey and Decrypt
/// (the permissions SQS requires of producers) and the consumer's one as Decrypt.
///
/// Simplification: a consumer's Decrypt is due once per reuse period, as AWS's estimate assumes,
/// not once per distinct data key among the messages it receives (which would need every
/// message to carry its key's identity).
public struct DataKeyCaches: Sendable {
    public enum Side: String, Sendable, Hashable {
        /// SendMessage: refreshing the key costs GenerateDataKey and Decrypt.
        case producer
        /// ReceiveMessage: refreshing the key costs Decrypt.
        case consumer
    }

    struct Key: Hashable, Sendable {
        var principal: String
        var queue: String
        var side: Side
    }

    public let reuse: KmsDataKeyReuse
    private var caches: [Key: DataKeyCache] = [:]
    public private(set) var producerRefreshes = 0
    public private(set) var consumerRefreshes = 0

    public init(reuse: KmsDataKeyReuse) {
        precondition(reuse.problems().isEmpty, "invalid data key reuse: \(reuse.problems())")
        self.reuse = reuse
    }

    /// Whether `principal`'s call on `queue` at `instant` needs KMS; counts the call if so.
    public mutating func needsKmsCall(principal: String, queue: String, side: Side, at instant: Instant) -> Bool {
        let needed = caches[Key(principal: principal, queue: queue, side: side), default: DataKeyCache(reuse: reuse)]
            .needsKmsCall(at: instant)
        if needed {
            switch side {
            case .producer: producerRefreshes += 1
            case .consumer: consumerRefreshes += 1
            }
        }
        return needed
    }

    public var generateDataKeyCalls: Int { producerRefreshes }
    public var decryptCalls: Int { producerRefreshes + consumerRefreshes }
    /// Billable KMS requests: GenerateDataKey and Decrypt together.
    public var kmsRequests: Int { generateDataKeyCalls + decryptCalls }
}
