import Foundation
import MessagingEngine
import Reporting
import Scenario
import SimKernel
import Testing
import Workloads

/// SEMANTICS.md "VideoStream — Kinesis Video Streams" end to end: video streams in scenario files,
/// run through the world, their observations checked against figures worked out here.
@Suite struct VideoScenarioTests {
    /// Two cameras (two streams of one entry) for 2 minutes at a bit rate uniform between 1.5 and
    /// 2.5 Mbit/s in 2 s fragments, uploaded in exactly 300 ms over an API with no latency; on each
    /// stream a live monitor from the start and a reviewer replaying the last minute every minute
    /// from minute 1. `retention` and `drain` are the file's.
    static func cameras(retention: String = "1h", drain: String = "2m") -> String {
        """
        name: small-video
        duration: 2m
        drain: \(drain)
        videoStreams:
          - name: cam
            count: 2
            retention: \(retention)
            producers:
              - name: encoder
                fragmentDuration: 2s
                bitrate: uniform(1.5Mbps, 2.5Mbps)
                uploadLatency: constant(300ms)
            playback:
              - name: monitor
                mode: live
                processing: constant(10ms)
              - name: reviewer
                mode: archived
                start: 1m
                window: 1m
                processing: constant(10ms)
        """
    }

    static let duration = 120.0, fragmentSeconds = 2.0, streams = 2

    func run(_ text: String) throws -> (World, ReplicationObservations) {
        let world = World(model: try ScenarioDecoder.decode(text, file: "video.yaml"), replication: 0)
        let observations = world.run()
        return (world, observations)
    }

    @Test func everyCameraSendsDurationOverFragmentDurationFragmentsOfBitrateTimesDurationBytes() throws {
        let (world, observations) = try run(Self.cameras())
        let cam = try #require(observations.videoStreams.first)
        #expect(observations.videoStreams.count == 1 && cam.name == "cam" && cam.streams == 2)
        #expect(world.videoStreamRuns.map(\.stream.configuration.name) == ["cam-1", "cam-2"])
        // 120 s / 2 s = 60 fragments per camera, all accepted.
        let perCamera = Int(Self.duration / Self.fragmentSeconds)
        #expect(cam.fragmentsIngested == Self.streams * perCamera)
        for run in world.videoStreamRuns { #expect(run.stream.counters.fragmentsIngested == perCamera) }
        #expect(cam.fragmentsDropped == 0 && cam.fragmentsRefused == 0 && cam.ingestThrottled == 0 && cam.putMediaThrottled == 0)
        // Each fragment holds bitrate × 2 s / 8 bytes: 375,000 to 625,000, 500,000 on average with a
        // standard deviation of (1 Mbit/s / √12) × 2 / 8 ≈ 72,169 bytes.
        let fragments = Double(cam.fragmentsIngested)
        #expect(cam.bytesIngested >= cam.fragmentsIngested * 375_000 && cam.bytesIngested <= cam.fragmentsIngested * 625_000)
        let meanBytes = 2_000_000 * Self.fragmentSeconds / 8
        let tolerance = 4 * (1_000_000 / 12.0.squareRoot()) * Self.fragmentSeconds / 8 / fragments.squareRoot()
        #expect(abs(Double(cam.bytesIngested) / fragments - meanBytes) < tolerance, "mean \(Double(cam.bytesIngested) / fragments)")
        // Nothing waits for anything: each fragment is accepted its 300 ms upload after it is complete.
        #expect(cam.ingestLatency.count == cam.fragmentsIngested)
        #expect(cam.ingestLatency.values.allSatisfy { abs(Double($0) - 0.3) < 1e-6 })
        #expect(observations.endReason == "drained")
    }

    @Test func theLiveMonitorPlaysEveryFragmentAtLeastAFragmentBehindTheCamera() throws {
        let (_, observations) = try run(Self.cameras())
        let cam = observations.videoStreams[0]
        let monitor = cam.playback[0]
        #expect(monitor.name == "monitor" && monitor.mode == "live")
        #expect(monitor.fragmentsPlayed == cam.fragmentsIngested && monitor.bytesPlayed == cam.bytesIngested)
        #expect(monitor.fragmentsSkipped == 0 && monitor.throttled == 0)
        // Complete → shown is the 300 ms upload, the send at 25 MB/s (at most 625,000 bytes, 25 ms)
        // and the 10 ms of processing; the first frame was captured a whole fragment before that.
        #expect(monitor.latency.count == cam.fragmentsIngested && monitor.lag.count == cam.fragmentsIngested)
        #expect(monitor.latency.values.allSatisfy { Double($0) >= 0.31 - 1e-6 && Double($0) <= 0.335 + 1e-6 })
        #expect(monitor.lag.values.allSatisfy { Double($0) >= Self.fragmentSeconds })
        #expect(zip(monitor.lag.values, monitor.latency.values).allSatisfy { abs(Double($0) - Double($1) - Self.fragmentSeconds) < 1e-5 })
    }

    @Test func theArchivedReviewerReadsEverythingOnceAndTheRunWaitsForIt() throws {
        let (_, observations) = try run(Self.cameras())
        let cam = observations.videoStreams[0]
        let reviewer = cam.playback[1]
        // Replays list at 60, 120 and 180 s, each the minute before: fragments are accepted at
        // 2k + 2.3 s, never on a replay's boundary, so each is read once. The last ones are
        // accepted after 120 s: the run waits for the replay at 180 s and ends once it is shown.
        #expect(reviewer.mode == "archived" && reviewer.fragmentsPlayed == cam.fragmentsIngested)
        #expect(reviewer.bytesPlayed == cam.bytesIngested && reviewer.fragmentsSkipped == 0)
        #expect(observations.endReason == "drained")
        #expect(observations.elapsed >= 180 && observations.elapsed < 240)
        // Both consumers were billed for what they were sent.
        #expect(cam.bytesConsumed == 2 * cam.bytesIngested)
        #expect(cam.getMediaCalls == Self.streams && cam.listFragmentsCalls == 3 * Self.streams)
    }

    @Test func storageIsBilledForEachFragmentsWholeRetention() throws {
        let (_, observations) = try run(Self.cameras())
        let cam = observations.videoStreams[0]
        #expect(cam.retentionSeconds == 3600)
        #expect(cam.billedStorageByteSeconds == Double(cam.bytesIngested) * 3600)
        // During the run a fragment is held from its acceptance to the end: less than the run's
        // length times what was ingested, more than none.
        #expect(cam.storedByteSecondsInRun > 0 && cam.storedByteSecondsInRun < Double(cam.bytesIngested) * observations.elapsed)
        #expect(cam.fragmentsExpired == 0 && cam.heldBytes.last?.bytes == cam.bytesIngested)
        let report = ReportBuilder.build(RunDescription(scenario: "small-video", description: "", seed: 42, duration: Self.duration,
                                                        drain: 120, warmup: 0, sampleInterval: 10, replayCommand: { _ in "" }),
                                         replications: [observations])
        let gb = CostModel.dataGBBytes
        let ingested = try #require(report.cost.lines.first { $0.item == "KVS data ingested" })
        #expect(abs(ingested.quantity - Double(cam.bytesIngested) / gb) < 1e-12)
        let storage = try #require(report.cost.lines.first { $0.item == "KVS storage" })
        #expect(abs(storage.quantity - Double(cam.bytesIngested) * 3600 / CostModel.storageGBBytes / CostModel.monthSeconds) < 1e-15)
    }

    @Test func withoutRetentionTheMonitorStillPlaysEverythingAndNothingIsStored() throws {
        let (_, observations) = try run(Self.cameras(retention: "0s"))
        let cam = observations.videoStreams[0]
        #expect(cam.playback[0].fragmentsPlayed == cam.fragmentsIngested)
        #expect(cam.playback[1].fragmentsPlayed == 0)
        #expect(cam.billedStorageByteSeconds == 0 && cam.storedByteSecondsInRun == 0)
        #expect(observations.endReason == "drained")
    }

    @Test func aDrainTooShortForTheReviewerEndsAtTheDrainLimit() throws {
        // The reviewer's last replay is due at 180 s, after a 30 s drain ends.
        let (_, observations) = try run(Self.cameras(drain: "30s"))
        #expect(observations.endReason == "drainLimit" && observations.elapsed == 150)
        #expect(observations.videoStreams[0].playback[1].fragmentsPlayed < observations.videoStreams[0].fragmentsIngested)
    }

    @Test func aReplicationIsAPureFunctionOfTheSeedAndCopiesDrawApart() throws {
        let (first, a) = try run(Self.cameras())
        let (_, b) = try run(Self.cameras())
        #expect(a.videoStreams[0].bytesIngested == b.videoStreams[0].bytesIngested)
        #expect(a.videoStreams[0].playback[0].latency.values.elementsEqual(b.videoStreams[0].playback[0].latency.values))
        // The two cameras draw their bit rates from streams of their own.
        let bytes = first.videoStreamRuns.map(\.stream.counters.bytesIngested)
        #expect(bytes[0] != bytes[1])
    }
}
