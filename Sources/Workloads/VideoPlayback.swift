import MessagingEngine
import SimKernel
import Stochastic

/// What a video playback consumer does, as the scenario file says it.
public struct VideoPlaybackSpecification: Sendable {
    public enum Mode: Sendable, Equatable {
        /// A GetMedia connection from `start` (NOW for a live view) until the consumer stops.
        case live(start: MediaStartSelector)
        /// Every `every`, the last `window` of archived media: ListFragments over the window by
        /// server timestamp, then GetMediaForFragmentList for what it listed (a reviewer's
        /// "show me the last 5 minutes", or a periodic analysis job).
        case archived(window: Span, every: Span)
    }

    public var name: String
    public var mode: Mode
    /// Seconds from deciding to watch to the first request leaving: player start-up, session set-up.
    public var sessionStartLatency: Distribution
    /// Seconds to show (decode, render, analyse) one fragment; fragments are processed one at a time.
    public var processing: Distribution
    public var start: Instant
    /// No new session or replay begins at or after `stop`; a live connection is closed then.
    public var stop: Instant
    /// Fragments per GetMediaForFragmentList call, 1 – 1,000.
    public var fragmentsPerRequest = VideoStreamConfiguration.fragmentsPerRequestMax
    /// This consumer's retry policy for refused calls; nil takes the network's.
    public var retryPolicy: RetryPolicy?

    public init(name: String, mode: Mode, sessionStartLatency: Distribution, processing: Distribution, start: Instant = .zero,
                stop: Instant) {
        self.name = name
        self.mode = mode
        self.sessionStartLatency = sessionStartLatency
        self.processing = processing
        self.start = start
        self.stop = stop
    }
}

/// A consumer playing a video stream, live or archived.
///
/// Live: after its session start latency the consumer opens a GetMedia connection, which sends
/// fragments as the stream's send rate allows; each reaches the consumer half a round trip after
/// its last byte left, in order. Archived: every `every` it lists the last `window` and fetches
/// the listed fragments in requests of `fragmentsPerRequest`, one request after another, each
/// fragment arriving as the connection's 25 MB/s brings its bytes. Either way fragments are shown
/// one at a time, each taking a processing time, and reported played when shown.
///
/// A refused call (rate or connection limit) is retried after the retry policy's backoff for as
/// long as the consumer runs; every refusal is reported.
public final class VideoPlayback: TimerTarget, VideoMediaReceiver {
    public let specification: VideoPlaybackSpecification
    unowned(unsafe) let stream: VideoStream
    let streamIndex: Int
    let consumerIndex: Int
    let network: Network
    unowned(unsafe) let scheduler: Scheduler
    unowned(unsafe) let observer: VideoWorkloadObserver
    let sessionStream: RandomStream
    let processingStream: RandomStream
    let networkStream: RandomStream
    let retryPolicy: RetryPolicy
    let actorName: String
    let kind: VideoPlaybackKind

    var session: MediaSession?
    var attempt = 1
    /// Fragments on their way to the consumer, with the instants they arrive (never decreasing).
    var inTransit: [(fragment: VideoFragment, arrivesAt: Instant)] = []
    var lastArrival = Instant.zero
    /// Fragments arrived and waiting to be shown, and whether one is being shown.
    var toShow: [VideoFragment] = []
    var showing = false
    /// Archived: the replay under way, its listed fragments, and how far fetching got.
    var replayAt = Instant.zero
    var replayRange: ClosedRange<Instant> = Instant.zero...Instant.zero
    var listed: [Int] = []
    var nextToken: Int?
    var fetched = 0
    public private(set) var stopped = false
    /// Archived: a replay is listing or fetching.
    var replaying = false
    /// Live: the connection has sent everything the stream holds and waits for the next fragment.
    public private(set) var waitingForFragments = false
    /// Archived: the end of the time range of the last replay that has fetched all it listed
    /// (its fragments may still be on their way); nil before the first.
    public private(set) var fetchedThrough: Instant?
    /// Told when the consumer may have caught up with its stream: a live connection has sent all the
    /// stream holds, a replay has fetched all it listed, or the consumer stopped. A world uses it to
    /// end a run once playback is done; the consumer itself ignores it.
    public var onCaughtUp: (() -> Void)?

    enum Step: Int {
        case begin, openArrives, read, arrived, shown, stop
        case replay, listArrives, fetchArrives, nextReplay
    }

    public init(specification: VideoPlaybackSpecification, consumerIndex: Int, stream: VideoStream, streamIndex: Int, network: Network,
                scheduler: Scheduler, observer: VideoWorkloadObserver, streams: (String) -> RandomStream) {
        precondition((1...VideoStreamConfiguration.fragmentsPerRequestMax).contains(specification.fragmentsPerRequest),
                     "video playback \(specification.name): fragmentsPerRequest is 1 to 1000")
        if case .archived(let window, let every) = specification.mode {
            precondition(window > .zero && every > .zero, "video playback \(specification.name): window and every must be positive")
        }
        self.specification = specification
        self.stream = stream
        self.streamIndex = streamIndex
        self.consumerIndex = consumerIndex
        self.network = network
        self.scheduler = scheduler
        self.observer = observer
        actorName = "videoPlayback/\(specification.name)"
        sessionStream = streams("videoPlayback/\(specification.name)/session")
        processingStream = streams("videoPlayback/\(specification.name)/processing")
        networkStream = streams("videoPlayback/\(specification.name)/network")
        retryPolicy = specification.retryPolicy ?? network.retryPolicy
        if case .live = specification.mode { kind = .live } else { kind = .archived }
    }

    public func start() {
        take(kind == .live ? .begin : .replay, at: specification.start)
        take(.stop, at: specification.stop)
    }

    /// True when the consumer has stopped and has nothing on its way or left to show.
    public var isIdle: Bool { stopped && !replaying && inTransit.isEmpty && toShow.isEmpty && !showing }

    /// Fragments sent to the consumer and not yet shown (on their way, waiting, or being shown).
    public var fragmentsPending: Int { inTransit.count + toShow.count }

    func take(_ step: Step, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: 0)
    }

    public func timerFired(code: Int, payload: Int) {
        switch Step(rawValue: code)! {
        case .begin: begin()
        case .openArrives: openArrives()
        case .read: read()
        case .arrived: arrived()
        case .shown: shown()
        case .stop: stopNow()
        case .replay: replay()
        case .listArrives: listArrives()
        case .fetchArrives: fetchArrives()
        case .nextReplay: nextReplay()
        }
    }

    var halfRoundTrip: Span {
        let roundTrip = network.roundTrip(at: scheduler.now, rng: networkStream)
        return Span(nanoseconds: roundTrip.nanoseconds / 2)
    }

    /// After a refused call: the pause before trying again.
    func backoff() -> Span {
        let pause = retryPolicy.backoff(after: min(attempt, retryPolicy.maxAttempts), rng: networkStream)
        attempt += 1
        return pause
    }

    func stopNow() {
        stopped = true
        if let session { stream.endMedia(session) }
        session = nil
        onCaughtUp?()
    }

    // MARK: Live

    func begin() {
        guard !stopped else { return }
        let setUp = Span(seconds: specification.sessionStartLatency.sample(sessionStream, truncatedAtZero: true))
        take(.openArrives, at: scheduler.now + setUp + halfRoundTrip)
    }

    func openArrives() {
        guard !stopped, case .live(let start) = specification.mode else { return }
        switch stream.getMedia(start, receiver: self) {
        case .success(let opened):
            session = opened
            attempt = 1
            read()
        case .failure(let error):
            if error.isRetryable { observer.videoThrottled(stream: streamIndex, actor: actorName, operation: "GetMedia", at: scheduler.now) }
            take(.openArrives, at: scheduler.now + backoff())
        }
    }

    /// Asks the connection for its next fragment, and comes back when the answer says.
    func read() {
        guard let session, !stopped else { return }
        switch stream.readMedia(session) {
        case .fragment(let fragment, let sentBy, let skipped):
            if skipped > 0 { observer.videoFragmentsSkipped(stream: streamIndex, consumer: consumerIndex, count: skipped, at: scheduler.now) }
            send(fragment, arrivingAt: sentBy + halfRoundTrip)
            take(.read, at: sentBy)
        case .notBefore(let instant):
            take(.read, at: instant)
        case .caughtUp:
            // The stream calls `videoFragmentAvailable` when the next fragment arrives.
            waitingForFragments = true
            onCaughtUp?()
        case .rejected:
            self.session = nil
        }
    }

    public func videoFragmentAvailable(session: MediaSession) {
        guard session == self.session else { return }
        waitingForFragments = false
        take(.read, at: scheduler.now)
    }

    // MARK: Archived

    func replay() {
        guard !stopped else { return }
        replaying = true
        replayAt = scheduler.now
        listed = []
        nextToken = nil
        fetched = 0
        let setUp = Span(seconds: specification.sessionStartLatency.sample(sessionStream, truncatedAtZero: true))
        take(.listArrives, at: scheduler.now + setUp + halfRoundTrip)
    }

    func listArrives() {
        guard case .archived(let window, _) = specification.mode else { return }
        let now = scheduler.now
        if nextToken == nil && listed.isEmpty {
            // The window ends when the first listing reaches the stream.
            replayRange = Instant(nanoseconds: max(0, now.nanoseconds - window.nanoseconds))...now
        }
        switch stream.listFragments(ListFragmentsRequest(timestampType: .serverTimestamp, range: replayRange, nextToken: nextToken)) {
        case .success(let page):
            attempt = 1
            listed += page.fragments.map(\.fragmentNumber)
            nextToken = page.nextToken
            // The answer comes back, then the next call goes out: a full round trip.
            if nextToken != nil {
                take(.listArrives, at: now + halfRoundTrip + halfRoundTrip)
            } else if listed.isEmpty {
                replayDone(at: now + halfRoundTrip)
            } else {
                take(.fetchArrives, at: now + halfRoundTrip + halfRoundTrip)
            }
        case .failure(let error):
            if error.isRetryable { observer.videoThrottled(stream: streamIndex, actor: actorName, operation: "ListFragments", at: now) }
            take(.listArrives, at: now + backoff())
        }
    }

    func fetchArrives() {
        let now = scheduler.now
        let batch = Array(listed[fetched..<min(fetched + specification.fragmentsPerRequest, listed.count)])
        switch stream.getMediaForFragmentList(batch) {
        case .success(let media):
            attempt = 1
            if !media.missing.isEmpty {
                observer.videoFragmentsSkipped(stream: streamIndex, consumer: consumerIndex, count: media.missing.count, at: now)
            }
            // Each fragment is whole once the connection's rate has brought its last byte.
            let rate = stream.configuration.getMediaForFragmentListBytesPerSecond
            let oneWay = halfRoundTrip
            var bytes = 0
            for fragment in media.fragments {
                bytes += fragment.sizeBytes
                send(fragment, arrivingAt: now + VideoStream.transferTime(bytes, perSecond: rate) + oneWay)
            }
            fetched += batch.count
            if fetched < listed.count {
                take(.fetchArrives, at: media.transferEndsAt + oneWay + halfRoundTrip)
            } else {
                replayDone(at: media.transferEndsAt + oneWay)
            }
        case .failure(let error):
            if error.isRetryable {
                observer.videoThrottled(stream: streamIndex, actor: actorName, operation: "GetMediaForFragmentList", at: now)
            }
            take(.fetchArrives, at: now + backoff())
        }
    }

    /// The replay has fetched everything by `instant`; the next begins `every` after this one
    /// began, or when this one is done, whichever is later.
    func replayDone(at instant: Instant) {
        guard case .archived(_, let every) = specification.mode else { return }
        take(.nextReplay, at: max(instant, replayAt + every))
        fetchedThrough = replayRange.upperBound
        onCaughtUp?()
    }

    func nextReplay() {
        replaying = false
        replay()
    }

    // MARK: Showing

    /// Puts a fragment on its way; arrivals keep the order fragments were sent in.
    func send(_ fragment: VideoFragment, arrivingAt instant: Instant) {
        let arrival = max(instant, lastArrival)
        lastArrival = arrival
        inTransit.append((fragment, arrival))
        take(.arrived, at: arrival)
    }

    func arrived() {
        let (fragment, _) = inTransit.removeFirst()
        toShow.append(fragment)
        showNext()
    }

    func showNext() {
        guard !showing, !toShow.isEmpty else { return }
        showing = true
        let seconds = specification.processing.sample(processingStream, truncatedAtZero: true)
        take(.shown, at: scheduler.now + Span(seconds: seconds))
    }

    func shown() {
        showing = false
        let fragment = toShow.removeFirst()
        observer.videoFragmentPlayed(stream: streamIndex, consumer: consumerIndex, fragment: fragment, producedAt: fragment.completedAt,
                                     kind: kind, at: scheduler.now)
        showNext()
    }
}
