import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

/// What a world measures of one video stream entry, shared by the entry's streams.
final class VideoStreamTally {
    var observations: VideoStreamObservations
    /// Fragments ingested as the producers reported them, checked against the streams' own count.
    var fragmentsIngestedReported = 0

    init(observations: VideoStreamObservations) {
        self.observations = observations
    }
}

/// One video stream of a world (one copy of a scenario entry) with its cameras and playback consumers.
public final class VideoStreamRun {
    /// Index into the scenario's `videoStreams`, and which of the entry's `count` streams this is.
    public let entry: Int
    public let copy: Int
    public let stream: VideoStream
    public internal(set) var producers: [VideoProducer] = []
    public internal(set) var playbacks: [VideoPlayback] = []
    /// When the stream accepted its last fragment; nil before the first.
    public internal(set) var lastIngestAt: Instant?
    let tally: VideoStreamTally

    init(entry: Int, copy: Int, stream: VideoStream, tally: VideoStreamTally) {
        self.entry = entry
        self.copy = copy
        self.stream = stream
        self.tally = tally
    }

    /// Whether a playback consumer has nothing left to do for the run: it has stopped with nothing
    /// left to show; or everything it was sent is shown, and it has read up to the last fragment
    /// the stream accepted (a live connection waiting for the next, an archived replay listed
    /// after it); or the stream never accepted a fragment. Meaningful once the producers are idle.
    func hasCaughtUp(_ playback: VideoPlayback) -> Bool {
        if playback.isIdle { return true }
        guard playback.fragmentsPending == 0 else { return false }
        guard let last = lastIngestAt else { return true }
        switch playback.specification.mode {
        case .live: return playback.waitingForFragments
        case .archived: return playback.fetchedThrough.map { $0 >= last } ?? false
        }
    }

    /// The cameras have stopped with nothing left to send, and every consumer has caught up.
    var isIdle: Bool { producers.allSatisfy(\.isIdle) && playbacks.allSatisfy(hasCaughtUp) }
}

extension World: VideoWorkloadObserver {
    /// Builds each entry's streams, and on each its own copy of the entry's cameras and playback
    /// consumers. A copy's actors are named `<stream>/<actor>`, so each draws from random streams of
    /// its own. Observers number streams in this flat order and consumers within their entry.
    func buildVideoStreams(streams randomStreams: (String) -> RandomStream) {
        for (entryIndex, entry) in model.videoStreams.enumerated() {
            var observations = VideoStreamObservations(name: entry.configuration.name, streams: entry.count,
                                                       retentionSeconds: entry.configuration.retention.seconds)
            observations.playback = entry.playback.map { spec in
                VideoPlaybackObservations(name: spec.name, mode: { if case .live = spec.mode { "live" } else { "archived" } }())
            }
            let tally = VideoStreamTally(observations: observations)
            for (copy, streamName) in entry.streamNames.enumerated() {
                var configuration = entry.configuration
                configuration.name = streamName
                let stream = VideoStream(configuration: configuration, clock: scheduler)
                let run = VideoStreamRun(entry: entryIndex, copy: copy, stream: stream, tally: tally)
                let streamIndex = videoStreamRuns.count
                run.producers = entry.producers.enumerated().map { index, template in
                    var specification = template
                    specification.name = ScenarioModel.VideoStreamEntry.videoActorName(stream: streamName, actor: template.name)
                    return VideoProducer(specification: specification, producerIndex: index, stream: stream, streamIndex: streamIndex,
                                         network: network, scheduler: scheduler, observer: self, streams: randomStreams)
                }
                run.playbacks = entry.playback.enumerated().map { index, template in
                    var specification = template
                    specification.name = ScenarioModel.VideoStreamEntry.videoActorName(stream: streamName, actor: template.name)
                    let playback = VideoPlayback(specification: specification, consumerIndex: index, stream: stream, streamIndex: streamIndex,
                                                 network: network, scheduler: scheduler, observer: self, streams: randomStreams)
                    playback.onCaughtUp = { [unowned self] in if scheduler.now >= stopInstant { stopIfDrained() } }
                    return playback
                }
                videoStreamRuns.append(run)
            }
        }
    }

    func startVideoStreams() {
        for run in videoStreamRuns {
            for producer in run.producers { producer.start() }
            for playback in run.playbacks { playback.start() }
        }
    }

    /// Whether every camera has stopped with nothing left to send and every playback consumer has
    /// caught up with its stream.
    var videoStreamsIdle: Bool { videoStreamRuns.allSatisfy(\.isIdle) }

    /// Each entry's runs, in entry order (runs are built entry by entry).
    var videoStreamEntries: [ArraySlice<VideoStreamRun>] {
        var entries: [ArraySlice<VideoStreamRun>] = []
        var start = 0
        for (i, run) in videoStreamRuns.enumerated() where i + 1 == videoStreamRuns.count || videoStreamRuns[i + 1].entry != run.entry {
            entries.append(videoStreamRuns[start...i])
            start = i + 1
        }
        return entries
    }

    /// Bytes each entry's streams hold. Asking a stream for its storage integral first drops what
    /// has expired, which no caller can tell from expiry at the exact instant.
    func sampleVideoStreams(time: Double) {
        for runs in videoStreamEntries {
            let tally = runs.first!.tally
            if let last = tally.observations.heldBytes.last, last.time == time { continue }
            let bytes = runs.reduce(0) { sum, run in
                _ = run.stream.storedByteSeconds()
                return sum + run.stream.heldBytes
            }
            tally.observations.heldBytes.append(VideoHeldBytesSample(time: time, bytes: bytes))
        }
    }

    /// Each entry's figures: the streams' counters summed, with what the actors reported.
    func observeVideoStreams() -> [VideoStreamObservations] {
        videoStreamEntries.map { runs in
            let tally = runs.first!.tally
            var o = tally.observations
            for run in runs {
                let stored = run.stream.storedByteSeconds()
                let c = run.stream.counters
                o.fragmentsIngested += c.fragmentsIngested
                o.bytesIngested += c.bytesIngested
                o.fragmentsRefused += c.fragmentsRefused
                o.ingestThrottled += c.ingestThrottled
                o.connectionsRefused += c.connectionsRefused
                o.putMediaCalls += c.putMediaCalls
                o.getMediaCalls += c.getMediaCalls
                o.listFragmentsCalls += c.listFragmentsCalls
                o.getMediaForFragmentListCalls += c.getMediaForFragmentListCalls
                o.fragmentsExpired += c.fragmentsExpired
                o.fragmentsLeftHostBuffer += c.fragmentsLeftHostBuffer
                o.bytesConsumed += c.bytesReadLive + c.bytesReadArchived
                o.storedByteSecondsInRun += stored
                if run.stream.configuration.archives {
                    o.billedStorageByteSeconds += Double(c.bytesIngested) * run.stream.configuration.retention.seconds
                }
                run.stream.checkInvariants()
            }
            precondition(o.fragmentsIngested == tally.fragmentsIngestedReported,
                         "video stream \(o.name): the streams ingested \(o.fragmentsIngested) fragments, the producers saw \(tally.fragmentsIngestedReported)")
            return o
        }
    }

    // MARK: VideoWorkloadObserver

    public func videoFragmentIngested(stream: Int, fragment: VideoFragment, producedAt: Instant, at: Instant) {
        let run = videoStreamRuns[stream]
        run.lastIngestAt = at
        run.tally.fragmentsIngestedReported += 1
        if producedAt >= warmup { run.tally.observations.ingestLatency.record(nanoseconds: (at - producedAt).nanoseconds) }
    }

    public func videoFragmentDropped(stream: Int, tag: StreamRecordTag, producedAt: Instant, reason: String, at: Instant) {
        videoStreamRuns[stream].tally.observations.fragmentsDropped += 1
        if at >= stopInstant { stopIfDrained() }
    }

    public func videoFragmentPlayed(stream: Int, consumer: Int, fragment: VideoFragment, producedAt: Instant, kind: VideoPlaybackKind,
                                    at: Instant) {
        let tally = videoStreamRuns[stream].tally
        tally.observations.playback[consumer].fragmentsPlayed += 1
        tally.observations.playback[consumer].bytesPlayed += fragment.sizeBytes
        if producedAt >= warmup {
            tally.observations.playback[consumer].latency.record(nanoseconds: (at - producedAt).nanoseconds)
            tally.observations.playback[consumer].lag.record(nanoseconds: (at - fragment.producerTimestamp).nanoseconds)
        }
        if at >= stopInstant { stopIfDrained() }
    }

    public func videoFragmentsSkipped(stream: Int, consumer: Int, count: Int, at: Instant) {
        videoStreamRuns[stream].tally.observations.playback[consumer].fragmentsSkipped += count
    }

    public func videoThrottled(stream: Int, actor: String, operation: String, at: Instant) {
        let run = videoStreamRuns[stream]
        if let consumer = run.playbacks.firstIndex(where: { "videoPlayback/\($0.specification.name)" == actor }) {
            run.tally.observations.playback[consumer].throttled += 1
        } else {
            run.tally.observations.putMediaThrottled += 1
        }
    }

    public func videoProducerFinished(_ name: String, at: Instant) {
        stopIfDrained()
    }
}
