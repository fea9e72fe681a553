import MessagingEngine
import SimKernel
import Stochastic
import Testing
import Workloads

/// Keeps everything video actors report, in order.
final class VideoRecorder: VideoWorkloadObserver {
    struct Ingest: Equatable {
        var fragment: VideoFragment
        var producedAt: Instant
        var at: Instant
    }

    struct Play: Equatable {
        var consumer: Int
        var fragment: VideoFragment
        var producedAt: Instant
        var kind: VideoPlaybackKind
        var at: Instant
    }

    private(set) var ingested: [Ingest] = []
    private(set) var played: [Play] = []
    private(set) var dropped: [(tag: StreamRecordTag, reason: String, at: Instant)] = []
    private(set) var throttled: [(actor: String, operation: String, at: Instant)] = []
    private(set) var skipped = 0
    private(set) var finished: [String] = []

    func videoFragmentIngested(stream: Int, fragment: VideoFragment, producedAt: Instant, at: Instant) {
        ingested.append(Ingest(fragment: fragment, producedAt: producedAt, at: at))
    }

    func videoFragmentDropped(stream: Int, tag: StreamRecordTag, producedAt: Instant, reason: String, at: Instant) {
        dropped.append((tag, reason, at))
    }

    func videoFragmentPlayed(stream: Int, consumer: Int, fragment: VideoFragment, producedAt: Instant, kind: VideoPlaybackKind, at: Instant) {
        played.append(Play(consumer: consumer, fragment: fragment, producedAt: producedAt, kind: kind, at: at))
    }

    func videoFragmentsSkipped(stream: Int, consumer: Int, count: Int, at: Instant) { skipped += count }

    func videoThrottled(stream: Int, actor: String, operation: String, at: Instant) {
        throttled.append((actor, operation, at))
    }

    func videoProducerFinished(_ name: String, at: Instant) { finished.append(name) }

    var ingestionLatencies: [Double] { ingested.map { ($0.at - $0.producedAt).seconds } }
    var playbackLatencies: [Double] { played.map { ($0.at - $0.producedAt).seconds } }
}

/// One video stream with a camera and its viewers, wired the way a scenario's world wires them.
final class VideoTestWorld {
    let scheduler = Scheduler()
    let stream: VideoStream
    let network: Network
    let recorder = VideoRecorder()
    let seed: UInt64
    private(set) var producers: [VideoProducer] = []
    private(set) var playbacks: [VideoPlayback] = []

    init(retention: Span = .seconds(3600), apiLatency: Distribution = .constant(0), seed: UInt64 = 7) {
        stream = VideoStream(configuration: VideoStreamConfiguration(name: "door-camera", retention: retention), clock: scheduler)
        network = Network(apiLatency: apiLatency)
        self.seed = seed
    }

    func randomStream(_ name: String) -> RandomStream { RandomStream(scenarioSeed: seed, replication: 0, name: name) }

    @discardableResult
    func addCamera(bitrate: Distribution = .constant(2_000_000), upload: Distribution = .constant(0.3), fragment: Span = .seconds(2),
                   stop: Double) -> VideoProducer {
        let specification = VideoProducerSpecification(name: "camera\(producers.count)", fragmentDuration: fragment, bitrate: bitrate,
                                                       uploadLatency: upload, stop: Instant(seconds: stop))
        let producer = VideoProducer(specification: specification, producerIndex: producers.count, stream: stream, streamIndex: 0,
                                     network: network, scheduler: scheduler, observer: recorder, streams: randomStream)
        producers.append(producer)
        return producer
    }

    @discardableResult
    func addViewer(_ mode: VideoPlaybackSpecification.Mode, processing: Distribution = .constant(0.05), start: Double = 0,
                   stop: Double) -> VideoPlayback {
        let specification = VideoPlaybackSpecification(name: "viewer\(playbacks.count)", mode: mode, sessionStartLatency: .constant(0),
                                                       processing: processing, start: Instant(seconds: start), stop: Instant(seconds: stop))
        let playback = VideoPlayback(specification: specification, consumerIndex: playbacks.count, stream: stream, streamIndex: 0,
                                     network: network, scheduler: scheduler, observer: recorder, streams: randomStream)
        playbacks.append(playback)
        return playback
    }

    /// Runs everything to the end, with a budget a runaway actor would exhaust.
    func run() {
        for producer in producers { producer.start() }
        for playback in playbacks { playback.start() }
        let outcome = scheduler.run(eventBudget: 5_000_000)
        precondition(outcome == .idle, "the run ended with \(outcome)")
        stream.checkInvariants()
    }
}

func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

@Suite struct VideoActorsTests {
    @Test func ingestionLatencyFollowsTheUploadLatencyDistribution() {
        // Upload latency lognormal(mean 0.3 s, sd 0.1 s), well under the 2 s fragment: no fragment
        // waits for another, so each is ingested its own upload latency after it was complete.
        let world = VideoTestWorld()
        world.addCamera(upload: .lognormal(mean: 0.3, sd: 0.1), stop: 2000)
        world.run()
        let latencies = world.recorder.ingestionLatencies
        #expect(latencies.count == 1000)
        let tolerance = 4 * 0.1 / Double(latencies.count).squareRoot()
        #expect(abs(mean(latencies) - 0.3) < tolerance, "mean \(mean(latencies)), tolerance \(tolerance)")
        #expect(world.recorder.throttled.isEmpty && world.recorder.dropped.isEmpty)
        #expect(world.recorder.finished == ["camera0"] && world.producers[0].isIdle)
    }

    @Test func aFragmentHoldsTheBitrateTimesItsDuration() {
        // 4 Mbit/s for 2 s is 1,000,000 bytes; a lognormal bit rate averages the same.
        let constant = VideoTestWorld()
        constant.addCamera(bitrate: .constant(4_000_000), stop: 20)
        constant.run()
        #expect(constant.recorder.ingested.map(\.fragment.sizeBytes) == Array(repeating: 1_000_000, count: 10))
        let varying = VideoTestWorld()
        varying.addCamera(bitrate: .lognormal(mean: 4_000_000, sd: 1_000_000), stop: 2000)
        varying.run()
        let sizes = varying.recorder.ingested.map { Double($0.fragment.sizeBytes) }
        let tolerance = 4 * 250_000 / Double(sizes.count).squareRoot()
        #expect(abs(mean(sizes) - 1_000_000) < tolerance, "mean \(mean(sizes)), tolerance \(tolerance)")
    }

    @Test func livePlaybackLatencyIsUploadSendDeliveryAndProcessing() {
        // Every term is constant: upload 0.3 s; 500,000 bytes at 25 MB/s, 0.02 s; half a 20 ms
        // round trip, 0.01 s; processing 0.05 s. Each fragment plays 0.38 s after it was complete.
        let world = VideoTestWorld(apiLatency: .constant(0.02))
        world.addCamera(stop: 600)
        world.addViewer(.live(start: .now), stop: 700)
        world.run()
        #expect(world.recorder.played.count == 300)
        #expect(world.recorder.played.map(\.fragment.fragmentNumber) == Array(0..<300))
        #expect(world.recorder.played.allSatisfy { $0.kind == .live })
        for latency in world.recorder.playbackLatencies { #expect(abs(latency - 0.38) < 1e-6) }
        #expect(world.playbacks[0].isIdle)
    }

    @Test func aLiveViewerOfAStreamWithoutRetentionStillPlaysEverything() {
        let world = VideoTestWorld(retention: .zero)
        world.addCamera(stop: 120)
        world.addViewer(.live(start: .now), stop: 200)
        world.run()
        #expect(world.recorder.played.map(\.fragment.fragmentNumber) == Array(0..<60))
        #expect(world.recorder.skipped == 0)
    }

    @Test func archivedPlaybackShowsTheLastWindowEveryPeriod() {
        // Fragments are accepted at 2k + 2.3 s. Replays list at 120, 180, …, 600 s, each the
        // 60 s before: 30 fragments a replay, shown shortly after it was asked for.
        let world = VideoTestWorld()
        world.addCamera(stop: 600)
        world.addViewer(.archived(window: .seconds(60), every: .seconds(60)), start: 120, stop: 601)
        world.run()
        let played = world.recorder.played
        #expect(played.count == 9 * 30)
        #expect(played.allSatisfy { $0.kind == .archived })
        for replay in 0..<9 {
            let asked = 120.0 + 60 * Double(replay)
            let shown = played.filter { $0.at.seconds >= asked && $0.at.seconds < asked + 60 }
            let expected = world.recorder.ingested.filter { $0.at.seconds >= asked - 60 && $0.at.seconds <= asked }.map(\.fragment)
            #expect(shown.map(\.fragment) == expected, "replay at \(asked) s")
        }
        #expect(world.playbacks[0].isIdle)
    }

    @Test func archivedPlaybackOfAStreamWithoutRetentionShowsNothing() {
        let world = VideoTestWorld(retention: .zero)
        world.addCamera(stop: 300)
        world.addViewer(.archived(window: .seconds(60), every: .seconds(60)), start: 60, stop: 301)
        world.run()
        #expect(world.recorder.ingested.count == 150)
        #expect(world.recorder.played.isEmpty)
        #expect(world.stream.counters.listFragmentsCalls == 5)
    }

    @Test func aBitrateAboveTheIngestRateIsThrottledAndCappedAt12Point5MBASecond() {
        // 150 Mbit/s in 2 s fragments is 37.5 MB each, 18.75 MB/s: more than the stream ingests.
        let world = VideoTestWorld()
        world.addCamera(bitrate: .constant(150_000_000), stop: 600)
        world.run()
        #expect(!world.recorder.throttled.isEmpty && world.recorder.throttled.allSatisfy { $0.operation == "PutMedia" })
        #expect(!world.recorder.dropped.isEmpty)
        #expect(world.recorder.ingested.count + world.recorder.dropped.count == 300)
        let bytes = Double(world.stream.counters.bytesIngested)
        let span = (world.recorder.ingested.last!.at - world.recorder.ingested.first!.at).seconds
        // The first fragment may overdraw a second's worth; beyond it, at most 12.5 MB a second.
        #expect(bytes - 37_500_000 <= 12_500_000 * (span + 1))
        // 80 Mbit/s, 10 MB/s, stays under the rate and is never throttled.
        let within = VideoTestWorld()
        within.addCamera(bitrate: .constant(80_000_000), stop: 600)
        within.run()
        #expect(within.recorder.throttled.isEmpty && within.recorder.ingested.count == 300)
    }

    @Test func aCameraReconnectsWhenTheBackendClosesItsConnectionAfter45Minutes() {
        // 3,000 s of capture outlives one 2,700 s connection: the fragment refused for the
        // connection's age goes again on a new one, and nothing is lost.
        let world = VideoTestWorld()
        world.addCamera(stop: 3000)
        world.run()
        #expect(world.stream.counters.putMediaCalls == 2)
        #expect(world.stream.counters.fragmentsRefused == 1)
        #expect(world.recorder.ingested.count == 1500 && world.recorder.dropped.isEmpty)
        #expect(world.stream.openPutMediaConnections == 0)
    }

    @Test func aViewerDoesNotChangeWhatTheCameraDraws() {
        func ingested(withViewer: Bool) -> [VideoRecorder.Ingest] {
            let world = VideoTestWorld(apiLatency: .lognormal(mean: 0.02, sd: 0.01))
            world.addCamera(bitrate: .lognormal(mean: 2_000_000, sd: 500_000), upload: .lognormal(mean: 0.3, sd: 0.1), stop: 200)
            if withViewer { world.addViewer(.live(start: .now), processing: .exponential(mean: 0.05), stop: 300) }
            world.run()
            return world.recorder.ingested
        }
        #expect(ingested(withViewer: false) == ingested(withViewer: true))
    }

    @Test func aRunIsAPureFunctionOfItsSeed() {
        func played(seed: UInt64) -> [VideoRecorder.Play] {
            let world = VideoTestWorld(apiLatency: .lognormal(mean: 0.02, sd: 0.01), seed: seed)
            world.addCamera(bitrate: .lognormal(mean: 2_000_000, sd: 500_000), upload: .lognormal(mean: 0.3, sd: 0.1), stop: 300)
            world.addViewer(.live(start: .now), processing: .exponential(mean: 0.05), stop: 400)
            world.addViewer(.archived(window: .seconds(30), every: .seconds(45)), processing: .exponential(mean: 0.05), start: 60, stop: 301)
            world.run()
            return world.recorder.played
        }
        #expect(played(seed: 11) == played(seed: 11))
        #expect(played(seed: 11) != played(seed: 12))
    }
}
