import MessagingEngine
import SimKernel
import Stochastic

/// What a video producer (one camera on one stream) does, as the scenario file says it.
public struct VideoProducerSpecification: Sendable {
    public var name: String
    /// How long each fragment lasts (the producer SDK's fragment duration, commonly 2 s).
    public var fragmentDuration: Span
    /// The encoder's bit rate in bits a second, drawn once per fragment: a fragment of duration d
    /// holds bitrate × d / 8 bytes.
    public var bitrate: Distribution
    /// Seconds from a fragment's last frame to the stream accepting it: encoding what is left,
    /// the network, and the service's receipt.
    public var uploadLatency: Distribution
    /// Capture begins at `start`; the last fragment is the last one complete by `stop`.
    public var start: Instant
    public var stop: Instant
    /// How long the producer keeps a fragment it could not send yet before dropping it: the
    /// producer SDK's buffer. 120 s is an assumption (a common SDK buffer duration setting).
    public var bufferDuration: Span = .seconds(120)
    /// This producer's retry policy for throttled fragments and connection calls; nil takes the network's.
    public var retryPolicy: RetryPolicy?

    public init(name: String, fragmentDuration: Span, bitrate: Distribution, uploadLatency: Distribution, start: Instant = .zero,
                stop: Instant) {
        self.name = name
        self.fragmentDuration = fragmentDuration
        self.bitrate = bitrate
        self.uploadLatency = uploadLatency
        self.start = start
        self.stop = stop
    }
}

/// A camera sending fragments to one video stream over a PutMedia connection.
///
/// Fragments are captured back to back from `start`: fragment k covers [start + k·d, start +
/// (k+1)·d) and is complete at its end. The connection is a pipe: one fragment travels at a time,
/// in capture order, and the next one starts when the previous was accepted or given up, so a
/// producer that keeps up (upload latency below the fragment duration, no throttling) sees each
/// fragment ingested exactly its upload latency after it was complete. A throttled fragment is
/// sent again after the retry policy's backoff; one throttled on every attempt, or older than the
/// buffer, is dropped. When the backend closes the connection (45 minutes), the producer opens a
/// new one and sends the fragment again.
///
/// Bit rates, upload latencies and API latencies come from the producer's own streams, so adding
/// a producer leaves every other actor's draws as they were.
public final class VideoProducer: TimerTarget {
    public let specification: VideoProducerSpecification
    unowned(unsafe) let stream: VideoStream
    let streamIndex: Int
    let producerIndex: Int
    let network: Network
    unowned(unsafe) let scheduler: Scheduler
    /// Not reference-counted: the world that owns the producer is its observer and outlives it.
    unowned(unsafe) let observer: VideoWorkloadObserver
    let bitrateStream: RandomStream
    let uploadStream: RandomStream
    let networkStream: RandomStream
    let retryPolicy: RetryPolicy
    let actorName: String

    /// A captured fragment waiting to be sent, or on its way.
    struct Pending {
        var request: PutFragmentRequest
        var completedAt: Instant
        var tag: StreamRecordTag
    }

    var buffer: [Pending] = []
    var connection: PutMediaConnection?
    var opening = false
    /// The pipe is taken: a fragment is on its way, or waits out a backoff before going again.
    var inFlight = false
    /// Attempts at the head fragment, or at opening the connection.
    var attempt = 1
    var openAttempt = 1
    var openAnswerAt = Instant.zero
    var fragmentsCaptured = 0
    public private(set) var capturing = true
    public private(set) var finished = false

    enum Step: Int { case capture, open, openArrives, openAnswered, openFailed, sendRetry, fragmentArrives }

    public init(specification: VideoProducerSpecification, producerIndex: Int, stream: VideoStream, streamIndex: Int, network: Network,
                scheduler: Scheduler, observer: VideoWorkloadObserver, streams: (String) -> RandomStream) {
        precondition(specification.fragmentDuration > .zero, "video producer \(specification.name): the fragment duration must be positive")
        self.specification = specification
        self.stream = stream
        self.streamIndex = streamIndex
        self.producerIndex = producerIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        actorName = "videoProducer/\(specification.name)"
        bitrateStream = streams("videoProducer/\(specification.name)/bitrate")
        uploadStream = streams("videoProducer/\(specification.name)/upload")
        networkStream = streams("videoProducer/\(specification.name)/network")
        retryPolicy = specification.retryPolicy ?? network.retryPolicy
    }

    /// Schedules the end of the first fragment and opens the connection at `start`.
    public func start() {
        scheduleNextCapture()
        take(.open, at: specification.start)
    }

    /// True when capture has stopped and every fragment was ingested or dropped.
    public var isIdle: Bool { finished }

    func take(_ step: Step, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: 0)
    }

    public func timerFired(code: Int, payload: Int) {
        switch Step(rawValue: code)! {
        case .capture: capture()
        case .open: open()
        case .openArrives: openArrives()
        case .openAnswered: openAnswered()
        case .openFailed: openFailed()
        case .sendRetry:
            inFlight = false
            sendHead()
        case .fragmentArrives: fragmentArrives()
        }
    }

    // MARK: Capture

    var nextCompletion: Instant {
        specification.start + specification.fragmentDuration * Int64(fragmentsCaptured + 1)
    }

    func scheduleNextCapture() {
        guard nextCompletion <= specification.stop else {
            capturing = false
            return
        }
        take(.capture, at: nextCompletion)
    }

    func capture() {
        let now = scheduler.now
        let duration = specification.fragmentDuration
        let bitsPerSecond = specification.bitrate.sample(bitrateStream, truncatedAtZero: true)
        let bytes = max(1, Int((bitsPerSecond * duration.seconds / 8).rounded()))
        let tag = StreamRecordTag(producer: producerIndex, record: fragmentsCaptured)
        buffer.append(Pending(request: PutFragmentRequest(producerTimestamp: Instant(nanoseconds: now.nanoseconds - duration.nanoseconds), duration: duration, sizeBytes: bytes,
                                                          tag: tag.rawValue),
                              completedAt: now, tag: tag))
        fragmentsCaptured += 1
        scheduleNextCapture()
        sendHead()
    }

    // MARK: The connection

    /// Opens a PutMedia connection: the call takes effect after half a round trip.
    func open() {
        guard connection == nil, !opening else { return }
        opening = true
        let roundTrip = network.roundTrip(at: scheduler.now, rng: networkStream)
        openAnswerAt = scheduler.now + roundTrip
        take(.openArrives, at: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    func openArrives() {
        if network.fails(at: scheduler.now, rng: networkStream) {
            take(.openFailed, at: openAnswerAt)
            return
        }
        switch stream.startPutMedia() {
        case .success(let opened):
            connection = opened
            take(.openAnswered, at: openAnswerAt)
        case .failure:
            observer.videoThrottled(stream: streamIndex, actor: actorName, operation: "PutMedia", at: scheduler.now)
            take(.openFailed, at: openAnswerAt)
        }
    }

    func openAnswered() {
        opening = false
        openAttempt = 1
        sendHead()
    }

    /// Tries again after a backoff, for as long as there is something to send.
    func openFailed() {
        opening = false
        let pause = retryPolicy.backoff(after: min(openAttempt, retryPolicy.maxAttempts), rng: networkStream)
        openAttempt += 1
        dropExpired()
        if buffer.isEmpty && !capturing {
            finishIfDone()
            return
        }
        take(.open, at: scheduler.now + pause)
    }

    // MARK: Sending

    /// Drops buffered fragments older than the buffer duration, except one already on its way.
    func dropExpired() {
        let now = scheduler.now
        while let head = buffer.first, !inFlight, head.completedAt + specification.bufferDuration < now {
            buffer.removeFirst()
            attempt = 1
            observer.videoFragmentDropped(stream: streamIndex, tag: head.tag, producedAt: head.completedAt,
                                          reason: "older than the producer's \(specification.bufferDuration) buffer", at: now)
        }
    }

    /// Sends the oldest fragment when the pipe is free and the connection open.
    func sendHead() {
        guard !inFlight else { return }
        dropExpired()
        guard !buffer.isEmpty else {
            finishIfDone()
            return
        }
        guard connection != nil else {
            if !opening { open() }
            return
        }
        inFlight = true
        let latency = Span(seconds: specification.uploadLatency.sample(uploadStream, truncatedAtZero: true))
        take(.fragmentArrives, at: scheduler.now + latency)
    }

    func fragmentArrives() {
        let now = scheduler.now
        inFlight = false
        guard let head = buffer.first, let connection else { preconditionFailure("a fragment arrived with nothing in flight") }
        switch stream.putFragment(head.request, on: connection) {
        case .persisted(let fragment):
            buffer.removeFirst()
            attempt = 1
            observer.videoFragmentIngested(stream: streamIndex, fragment: fragment, producedAt: head.completedAt, at: now)
            sendHead()
        case .rejected(.fragmentRefused(.maxConnectionDurationReached, _)), .rejected(.resourceNotFound):
            // The backend closed the connection: open a new one and send the fragment again.
            self.connection = nil
            sendHead()
        case .rejected(let error) where error.isRetryable:
            observer.videoThrottled(stream: streamIndex, actor: actorName, operation: "PutMedia", at: now)
            guard attempt < retryPolicy.maxAttempts else {
                drop(reason: "\(error.code) on all \(attempt) attempts")
                return
            }
            let pause = retryPolicy.backoff(after: attempt, rng: networkStream)
            attempt += 1
            // The pipe stays taken while the fragment waits out its backoff.
            inFlight = true
            take(.sendRetry, at: now + pause)
        case .rejected(let error):
            drop(reason: error.description)
        }
    }

    /// Gives up the head fragment and goes on with the next.
    func drop(reason: String) {
        let head = buffer.removeFirst()
        attempt = 1
        observer.videoFragmentDropped(stream: streamIndex, tag: head.tag, producedAt: head.completedAt, reason: reason, at: scheduler.now)
        sendHead()
    }

    /// Once capture has stopped and nothing is left, closes the connection and says so, once.
    func finishIfDone() {
        guard !finished, !capturing, buffer.isEmpty, !inFlight else { return }
        finished = true
        if let connection { stream.endPutMedia(connection) }
        connection = nil
        observer.videoProducerFinished(specification.name, at: scheduler.now)
    }
}
