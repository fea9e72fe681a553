import MessagingEngine
import SimKernel
import Stochastic

/// KMS as the callers of SSE-KMS queues see it: a call for a data key, with its latency, whenever
/// a caller's cached key for a queue is older than the queue's reuse period.
public final class KmsService {
    /// Latency of one GenerateDataKey or Decrypt call, in seconds.
    public let latency: Distribution
    /// One set of caches per queue, by token (each queue has its own reuse period).
    private var caches: [Int: DataKeyCaches] = [:]

    public init(latency: Distribution) {
        self.latency = latency
    }

    /// The time a call of `principal` on `queue` spends getting a data key at `instant`: nothing
    /// for a queue without SSE-KMS or while the cached key is fresh. A producer's refresh is a
    /// GenerateDataKey followed by a Decrypt, a consumer's one Decrypt.
    public func dataKeyLatency(principal: String, queue: Queue, side: DataKeyCaches.Side, at instant: Instant,
                               rng: RandomStream) -> Span {
        guard let period = queue.configuration.kmsDataKeyReusePeriod else { return .zero }
        let needed = caches[queue.token, default: DataKeyCaches(reuse: KmsDataKeyReuse(period: period))]
            .needsKmsCall(principal: principal, queue: queue.configuration.name, side: side, at: instant)
        guard needed else { return .zero }
        let calls = side == .producer ? 2 : 1
        return (0..<calls).reduce(Span.zero) { total, _ in total + Span(seconds: latency.sample(rng, truncatedAtZero: true)) }
    }

    /// GenerateDataKey and Decrypt requests of a queue so far.
    public func requests(queue token: Int) -> Int { caches[token]?.kmsRequests ?? 0 }
}

/// What actors reach besides the queues: KMS and the object store of the extended client.
public struct ClientServices {
    public var kms: KmsService?
    public var objectStore: ObjectStore?
    public init(kms: KmsService? = nil, objectStore: ObjectStore? = nil) {
        self.kms = kms
        self.objectStore = objectStore
    }

    /// The IAM principal an actor calls as when the scenario names none.
    public static func defaultPrincipal(_ actor: String) -> String { "arn:aws:iam::123456789012:role/\(actor)" }
}
