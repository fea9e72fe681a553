import DequeModule
import SimKernel

/// A Kinesis video stream as a passive state machine (SEMANTICS.md, VideoStream — Kinesis Video
/// Streams).
///
/// A producer opens a PutMedia connection and sends fragments on it; the stream numbers each
/// fragment it accepts (FragmentNumber grows with ingestion order) and stamps it with the instant
/// it accepted it (ServerTimestamp). A stream with retention keeps fragments that long and serves
/// them to live readers (GetMedia) and to archived readers (ListFragments, then
/// GetMediaForFragmentList). A stream without retention archives nothing; live readers can still
/// read what the service's host buffer holds (5 minutes, 200 MB).
///
/// Limits (the data plane quotas; see `VideoStreamConfiguration`): PutMedia takes 5 calls a second
/// and one connection per stream; the stream ingests 12.5 MB and 5 fragments a second; a fragment
/// lasts 1 – 20 s and holds at most 50 MB; GetMedia takes 5 calls a second and 3 connections,
/// each sending at most 25 MB and 5 fragments a second; GetMediaForFragmentList takes 5
/// connections at 25 MB/s; the archived APIs share a fragment-metadata quota (10,000 points a
/// second) and a fragment-media quota (500 points a second).
///
/// The ingest byte rate and the two archived-media quotas are kept as backlogs (`RateBacklog`):
/// a fragment or call is admitted while less than a second's worth of admitted work is pending,
/// and may overdraw it, because one allowed fragment (50 MB) or request (1,000 fragments) is
/// larger than a second's worth of the rate. A live or archived connection sends at its own rate:
/// each fragment leaves once the previous one has.
///
/// Expiry is lazy: every call first drops what has run out, which no caller can tell from exact
/// expiry; the storage integral is kept exact by accounting up to each fragment's own expiry.
public final class VideoStream {
    public let configuration: VideoStreamConfiguration
    let clock: Clock
    public internal(set) var counters = VideoStreamCounters()

    /// Retained fragments (or, without retention, the host buffer), oldest first.
    var fragments = Deque<VideoFragment>()
    /// The number of `fragments.first`; every number below it has left the stream.
    public internal(set) var firstNumber = 0
    /// Bytes of the fragments held.
    public internal(set) var heldBytes = 0
    /// The instant up to which `counters.storedByteSeconds` is accounted.
    var storageAccountedAt = Instant.zero

    struct PutConnection {
        let id: Int
        let openedAt: Instant
        var lastProducerTimestamp: Instant?
    }

    struct LiveSession {
        let id: Int
        /// The number of the next fragment to send.
        var position: Int
        /// When the connection has sent its last fragment at 25 MB/s and can send the next.
        var sendAvailableAt: Instant
        var fragmentsSent: TransactionRateLimiter
        /// Fragments lost to expiry not yet told to the reader.
        var skippedUnreported = 0
        /// The reader has caught up and waits to be told of the next fragment.
        var waiting = false
        weak var receiver: VideoMediaReceiver?
    }

    var putConnections: [PutConnection] = []
    /// Live connections in the order they were opened, so they are told of new fragments in an
    /// order that does not depend on hashing.
    var liveSessions: [LiveSession] = []
    /// When each open GetMediaForFragmentList connection finishes sending.
    var archivedTransfersEndAt: [Instant] = []
    var nextConnectionId = 0

    var putMediaCalls: TransactionRateLimiter
    var getMediaCalls: TransactionRateLimiter
    var ingestFragments: TransactionRateLimiter
    var ingestBytes: RateBacklog
    /// The fragment-metadata and fragment-media quotas, in points.
    var metadataQuota: RateBacklog
    var mediaQuota: RateBacklog

    public init(configuration: VideoStreamConfiguration, clock: Clock) {
        precondition(configuration.problems().isEmpty, "invalid video stream configuration: \(configuration.problems())")
        self.configuration = configuration
        self.clock = clock
        putMediaCalls = TransactionRateLimiter(transactionsMax: configuration.putMediaCallsPerSecond)
        getMediaCalls = TransactionRateLimiter(transactionsMax: configuration.getMediaCallsPerSecond)
        ingestFragments = TransactionRateLimiter(transactionsMax: configuration.ingestFragmentsPerSecond)
        ingestBytes = RateBacklog(perSecond: configuration.ingestBytesPerSecond)
        metadataQuota = RateBacklog(perSecond: configuration.fragmentMetadataPointsPerSecond)
        mediaQuota = RateBacklog(perSecond: configuration.fragmentMediaPointsPerSecond)
        storageAccountedAt = clock.now
    }

    /// The number the next fragment ingested will get.
    public var nextNumber: Int { firstNumber + fragments.count }
    /// Fragments the stream holds now (retained, or in the host buffer).
    public var heldCount: Int { fragments.count }
    public var openPutMediaConnections: Int { putConnections.count }
    public var openLiveSessions: Int { liveSessions.count }

    /// How long `amount` bytes (or quota points) take at `perSecond` a second.
    public static func transferTime(_ amount: Int, perSecond: Int) -> Span {
        Span(seconds: Double(amount) / Double(perSecond))
    }

    func newConnectionId() -> Int {
        defer { nextConnectionId += 1 }
        return nextConnectionId
    }

    // MARK: Ingestion (PutMedia)

    /// Opens a PutMedia connection: at most 5 calls a second and one open connection per stream;
    /// the newest connection is the one refused.
    public func startPutMedia() -> Result<PutMediaConnection, VideoStreamError> {
        let now = clock.now
        counters.putMediaCalls += 1
        putConnections.removeAll { now >= $0.openedAt + configuration.putMediaConnectionLifetime }
        guard putMediaCalls.tryAcquire(at: now) else {
            counters.connectionsRefused += 1
            return .failure(.clientLimitExceeded("PutMedia takes \(configuration.putMediaCallsPerSecond) calls a second per stream"))
        }
        guard putConnections.count < configuration.putMediaConnectionsMax else {
            counters.connectionsRefused += 1
            return .failure(.connectionLimitExceeded("\(configuration.name) takes \(configuration.putMediaConnectionsMax) PutMedia connection(s) at once"))
        }
        let connection = PutConnection(id: newConnectionId(), openedAt: now)
        putConnections.append(connection)
        return .success(PutMediaConnection(id: connection.id))
    }

    /// Closes a PutMedia connection; closing one already closed does nothing.
    public func endPutMedia(_ connection: PutMediaConnection) {
        putConnections.removeAll { $0.id == connection.id }
    }

    /// One fragment on a PutMedia connection: checked against the fragment limits (duration,
    /// size, timecodes that do not go back, the connection's age), then against the stream's
    /// ingest rate; accepted, it gets the next fragment number and the current instant as its
    /// server timestamp, and waiting live readers are told.
    public func putFragment(_ request: PutFragmentRequest, on connection: PutMediaConnection) -> PutFragmentResult {
        let now = clock.now
        guard let index = putConnections.firstIndex(where: { $0.id == connection.id }) else {
            return .rejected(.resourceNotFound("PutMedia connection \(connection.id) is closed"))
        }
        if now >= putConnections[index].openedAt + configuration.putMediaConnectionLifetime {
            putConnections.remove(at: index)
            return refuse(.maxConnectionDurationReached, "a PutMedia connection lives \(configuration.putMediaConnectionLifetime)")
        }
        if request.duration < configuration.fragmentDurationMin {
            return refuse(.minFragmentDurationReached, "a fragment lasts at least \(configuration.fragmentDurationMin), not \(request.duration)")
        }
        if request.duration > configuration.fragmentDurationMax {
            return refuse(.maxFragmentDurationReached, "a fragment lasts at most \(configuration.fragmentDurationMax), not \(request.duration)")
        }
        if request.sizeBytes < 1 || request.sizeBytes > configuration.fragmentBytesMax {
            return refuse(.maxFragmentSizeReached, "a fragment holds 1 to \(configuration.fragmentBytesMax) bytes, not \(request.sizeBytes)")
        }
        if let last = putConnections[index].lastProducerTimestamp, request.producerTimestamp < last {
            return refuse(.fragmentTimecodeLesserThanPrevious, "producer timestamp \(request.producerTimestamp) is before the previous \(last)")
        }
        // Both rates must have room before either is charged: a refused fragment uses neither.
        guard ingestBytes.canAdmit(at: now), ingestFragments.canAcquire(at: now) else {
            counters.ingestThrottled += 1
            return .rejected(.clientLimitExceeded(
                "\(configuration.name) ingests \(configuration.ingestBytesPerSecond) bytes and \(configuration.ingestFragmentsPerSecond) fragments a second"))
        }
        _ = ingestFragments.tryAcquire(at: now)
        ingestBytes.admit(request.sizeBytes, at: now)
        putConnections[index].lastProducerTimestamp = request.producerTimestamp

        expire(at: now)
        if !configuration.archives {
            while heldBytes + request.sizeBytes > configuration.hostBufferBytesMax, !fragments.isEmpty {
                dropOldest()
                counters.fragmentsLeftHostBuffer += 1
            }
        }
        let fragment = VideoFragment(fragmentNumber: nextNumber, producerTimestamp: request.producerTimestamp, serverTimestamp: now,
                                     duration: request.duration, sizeBytes: request.sizeBytes, tag: request.tag)
        fragments.append(fragment)
        heldBytes += fragment.sizeBytes
        counters.fragmentsIngested += 1
        counters.bytesIngested += fragment.sizeBytes
        notifyWaitingReaders()
        return .persisted(fragment)
    }

    func refuse(_ ack: FragmentAckError, _ why: String) -> PutFragmentResult {
        counters.fragmentsRefused += 1
        return .rejected(.fragmentRefused(ack, why))
    }

    func notifyWaitingReaders() {
        for i in liveSessions.indices where liveSessions[i].waiting {
            liveSessions[i].waiting = false
            liveSessions[i].receiver?.videoFragmentAvailable(session: MediaSession(id: liveSessions[i].id))
        }
    }

    // MARK: Retention and storage

    /// Drops what has run out by `now`: fragments past their retention, or, without retention,
    /// fragments past the host buffer's lifetime. Storage is accounted up to each expiry instant
    /// before its fragment goes, so the integral does not depend on when expiry is noticed.
    func expire(at now: Instant) {
        let lifetime = configuration.archives ? configuration.retention : configuration.hostBufferLifetime
        while let first = fragments.first, first.serverTimestamp + lifetime <= now {
            accountStorage(to: first.serverTimestamp + lifetime)
            dropOldest()
            if configuration.archives { counters.fragmentsExpired += 1 } else { counters.fragmentsLeftHostBuffer += 1 }
        }
        accountStorage(to: now)
    }

    func dropOldest() {
        let first = fragments.removeFirst()
        firstNumber += 1
        heldBytes -= first.sizeBytes
    }

    /// Adds the bytes retained since the last accounting. The host buffer of a stream without
    /// retention is not storage.
    func accountStorage(to instant: Instant) {
        guard instant > storageAccountedAt else { return }
        if configuration.archives {
            counters.storedByteSeconds += Double(heldBytes) * (instant - storageAccountedAt).seconds
        }
        storageAccountedAt = instant
    }

    /// The integral of retained bytes over time up to now (byte-seconds), for the storage bill:
    /// divided by 10^9 and by the seconds in a month, GB-months.
    public func storedByteSeconds() -> Double {
        expire(at: clock.now)
        return counters.storedByteSeconds
    }

    /// The fragment with `number`, if the stream still holds it.
    public func fragment(number: Int) -> VideoFragment? {
        guard number >= firstNumber && number < nextNumber else { return nil }
        return fragments[number - firstNumber]
    }

    // MARK: Invariants

    /// Checks that numbers are consecutive, server timestamps never go back, held bytes add up,
    /// and no connection limit is exceeded.
    public func checkInvariants() {
        var bytes = 0
        var previous: VideoFragment?
        for (offset, fragment) in fragments.enumerated() {
            precondition(fragment.fragmentNumber == firstNumber + offset, "fragment numbers are not consecutive")
            if let previous { precondition(previous.serverTimestamp <= fragment.serverTimestamp, "server timestamps go back") }
            bytes += fragment.sizeBytes
            previous = fragment
        }
        precondition(bytes == heldBytes, "held bytes \(heldBytes) disagree with the fragments' \(bytes)")
        precondition(putConnections.count <= configuration.putMediaConnectionsMax, "too many PutMedia connections")
        precondition(liveSessions.count <= configuration.getMediaConnectionsMax, "too many GetMedia connections")
        precondition(archivedTransfersEndAt.count <= configuration.getMediaForFragmentListConnectionsMax, "too many GetMediaForFragmentList connections")
        if !configuration.archives { precondition(heldBytes <= configuration.hostBufferBytesMax, "the host buffer holds too much") }
        for session in liveSessions { precondition(session.position <= nextNumber, "a live reader is ahead of the stream") }
    }
}
