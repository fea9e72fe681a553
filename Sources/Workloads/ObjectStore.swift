import SimKernel
import Stochastic

/// Latencies and failure rate of the object store (S3) behind the SQS extended client.
public struct ObjectStoreSpecification: Sendable, Equatable {
    /// Round-trip latency of each request kind, in seconds.
    public var putLatency: Distribution
    public var getLatency: Distribution
    public var deleteLatency: Distribution
    /// Probability that a request fails (a 5xx the client sees after the round trip).
    public var failureProbability: Double

    public init(putLatency: Distribution, getLatency: Distribution, deleteLatency: Distribution, failureProbability: Double = 0) {
        self.putLatency = putLatency
        self.getLatency = getLatency
        self.deleteLatency = deleteLatency
        self.failureProbability = failureProbability
    }

    /// Problems with the specification, each naming the attribute; empty when valid. The latency
    /// distributions are checked where they are parsed.
    public func problems() -> [(attribute: String, message: String)] {
        guard failureProbability >= 0, failureProbability <= 1 else {
            return [("failureProbability", "must be between 0 and 1")]
        }
        return []
    }
}

/// The key the extended client stores a body under; the simulation's stand-in for a UUID.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "object-\(rawValue)" }
}

/// What one request to the object store came to.
public struct ObjectStoreResult: Sendable, Equatable {
    public enum Status: Sendable, Equatable {
        case succeeded
        /// The request failed; nothing changed in the store.
        case failed
        /// GET of a key that is not stored (NoSuchKey): the body was never stored, or it was
        /// deleted already — what a consumer of a duplicate delivery meets when another consumer
        /// of the same message deleted the object first.
        case notFound
    }

    /// Round-trip time of the request, failed or not.
    public var latency: Span
    public var status: Status

    public init(latency: Span, status: Status) {
        self.latency = latency
        self.status = status
    }

    public var failed: Bool { status == .failed }
}

/// A passive model of one bucket: each request returns its latency and outcome and updates the
/// counts; the caller schedules whatever follows.
///
/// Every request makes the same draws from the caller's stream in the same order — its latency,
/// then one uniform for failure — whatever the outcome, so one actor's requests never shift the
/// draws of its later ones differently from one configuration to the next.
///
/// An object counts as stored from the instant its PUT is made to the instant its DELETE is
/// made; the request latencies in between are not subtracted (an error of one round trip per
/// object in the storage integral). A failed PUT stores nothing and a failed DELETE removes
/// nothing. A DELETE of a key that is not stored succeeds, as S3's does. Failed requests are
/// counted with the others, since they are sent and may be billed.
public final class ObjectStore {
    public let specification: ObjectStoreSpecification
    private var sizes: [ObjectKey: Int] = [:]

    public private(set) var putRequests = 0
    public private(set) var getRequests = 0
    public private(set) var deleteRequests = 0
    public private(set) var failedRequests = 0
    public private(set) var bytesStored = 0
    public private(set) var bytesStoredPeak = 0
    public var objectCount: Int { sizes.count }
    /// The integral of bytes stored over time up to the last PUT or DELETE, in byte-seconds.
    private var byteSecondsUntilLastChange = 0.0
    private var lastChange = Instant.zero

    public init(specification: ObjectStoreSpecification) {
        precondition(specification.problems().isEmpty, "invalid object store: \(specification.problems())")
        self.specification = specification
    }

    /// Stores `bytes` under `key` (replacing any object there) unless the request fails.
    public func put(_ key: ObjectKey, bytes: Int, at instant: Instant, rng: RandomStream) -> ObjectStoreResult {
        precondition(bytes >= 0, "an object cannot have \(bytes) bytes")
        putRequests += 1
        let (latency, failed) = draw(specification.putLatency, rng)
        guard !failed else { return ObjectStoreResult(latency: latency, status: .failed) }
        setSize(sizes[key] ?? 0, to: bytes, at: instant)
        sizes[key] = bytes
        return ObjectStoreResult(latency: latency, status: .succeeded)
    }

    /// Fetches the object under `key`.
    public func get(_ key: ObjectKey, rng: RandomStream) -> ObjectStoreResult {
        getRequests += 1
        let (latency, failed) = draw(specification.getLatency, rng)
        if failed { return ObjectStoreResult(latency: latency, status: .failed) }
        return ObjectStoreResult(latency: latency, status: sizes[key] == nil ? .notFound : .succeeded)
    }

    /// Removes the object under `key` unless the request fails.
    public func delete(_ key: ObjectKey, at instant: Instant, rng: RandomStream) -> ObjectStoreResult {
        deleteRequests += 1
        let (latency, failed) = draw(specification.deleteLatency, rng)
        guard !failed else { return ObjectStoreResult(latency: latency, status: .failed) }
        if let size = sizes.removeValue(forKey: key) { setSize(size, to: 0, at: instant) }
        return ObjectStoreResult(latency: latency, status: .succeeded)
    }

    /// Bytes stored integrated over time from the start up to `instant`, in byte-seconds: the
    /// input of a storage cost in GB-months.
    public func storedByteSeconds(until instant: Instant) -> Double {
        precondition(instant >= lastChange, "\(instant) is before the last change at \(lastChange)")
        return byteSecondsUntilLastChange + Double(bytesStored) * (instant - lastChange).seconds
    }

    private func setSize(_ old: Int, to new: Int, at instant: Instant) {
        byteSecondsUntilLastChange = storedByteSeconds(until: instant)
        lastChange = instant
        bytesStored += new - old
        bytesStoredPeak = max(bytesStoredPeak, bytesStored)
    }

    private func draw(_ latency: Distribution, _ rng: RandomStream) -> (Span, failed: Bool) {
        let span = Span(seconds: latency.sample(rng, truncatedAtZero: true))
        let failed = rng.bernoulli(specification.failureProbability)
        if failed { failedRequests += 1 }
        return (span, failed)
    }
}
