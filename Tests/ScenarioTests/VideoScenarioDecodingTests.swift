import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

/// Video streams as scenario files write them: every mistake is reported with the file, the line,
/// the field path and what would be valid.
@Suite struct VideoScenarioDecodingTests: DecodingFixture {
    static let fileName = "video.yaml"

    /// A small valid scenario. Lines: 4 `videoStreams`, 5 the entry's name, 6 its count, 7 its
    /// retention, 9 the producer's name, 10 its fragmentDuration, 11 its bitrate, 13 the live
    /// consumer's name, 14 its mode, 15 the archived consumer's name, 16 its mode, 17 its window,
    /// 18 its start.
    static let base = """
        name: t
        duration: 10m
        drain: 5m
        videoStreams:
          - name: door
            count: 2
            retention: 24h
            producers:
              - name: camera
                fragmentDuration: 2s
                bitrate: 2Mbps
            playback:
              - name: monitor
                mode: live
              - name: reviewer
                mode: archived
                window: 5m
                start: 6m
        """

    // MARK: What decodes

    @Test func aScenarioWithOnlyVideoStreamsNeedsNoQueues() throws {
        let model = try ScenarioDecoder.decode(Self.base, file: "video.yaml")
        #expect(model.queues.isEmpty && model.videoStreams.count == 1)
        let door = model.videoStreams[0]
        #expect(door.streamNames == ["door-1", "door-2"] && door.count == 2)
        #expect(door.configuration.retention == .seconds(86_400) && door.configuration.archives)
        #expect(door.producers.map(\.name) == ["camera"])
        #expect(door.producers[0].bitrate == .constant(2_000_000) && door.producers[0].fragmentDuration == .seconds(2))
        // A camera runs for the scenario's duration; consumers to the end of the drain.
        #expect(door.producers[0].start == .zero && door.producers[0].stop == Instant(seconds: 600))
        #expect(door.playback.map(\.name) == ["monitor", "reviewer"])
        #expect(door.playback[0].mode == .live(start: .now) && door.playback[0].stop == Instant(seconds: 900))
        #expect(door.playback[1].mode == .archived(window: .seconds(300), every: .seconds(300)))
        #expect(door.playback[1].start == Instant(seconds: 360))
    }

    @Test func theBundledScenarioDecodesToTwentyCameras() throws {
        let model = try bundledScenario("video-cameras")
        let camera = try #require(model.videoStreams.first)
        #expect(camera.count == 20 && camera.streamNames.last == "camera-20")
        #expect(camera.configuration.retention == .seconds(86_400))
        #expect(camera.producers[0].bitrate == .normal(mean: 2_000_000, sd: 300_000))
        #expect(camera.playback.map(\.name) == ["monitor", "reviewer"])
    }

    @Test func aStreamOfOneKeepsItsNameAndQuotasOverrideTheDefaults() throws {
        let text = replacing("    count: 2\n", with: "    getMediaConnectionsMax: 5\n    ingestBytesPerSecond: 25MB\n"
                             + "    fragmentMediaPointsPerSecond: 1000/s\n    fragmentDurationMax: 10s\n")
        let door = try #require(try ScenarioDecoder.decode(text, file: "video.yaml").videoStreams.first)
        #expect(door.streamNames == ["door"])
        #expect(door.configuration.getMediaConnectionsMax == 5 && door.configuration.ingestBytesPerSecond == 25_000_000)
        #expect(door.configuration.fragmentMediaPointsPerSecond == 1000 && door.configuration.fragmentDurationMax == .seconds(10))
    }

    @Test func startSelectorsReadInEverySpelling() throws {
        for (text, selector) in [("earliest", MediaStartSelector.earliest), ("now", .now),
                                 ("serverTimestamp(5m)", .serverTimestamp(Instant(seconds: 300))),
                                 ("producerTimestamp(90s)", .producerTimestamp(Instant(seconds: 90)))] {
            let model = try ScenarioDecoder.decode(replacing("mode: live", with: "mode: live\n        startSelector: \(text)"), file: "v.yaml")
            #expect(model.videoStreams[0].playback[0].mode == .live(start: selector), "\(text)")
        }
    }

    @Test func bitratesReadAsDistributionsInBitsPerSecond() throws {
        for (text, bitrate) in [("500kbps", Distribution.constant(500_000)), ("1.5Mbps", .constant(1_500_000)),
                                ("lognormal(mean=2Mbps, sd=500kbps)", .lognormal(mean: 2_000_000, sd: 500_000))] {
            let model = try ScenarioDecoder.decode(replacing("bitrate: 2Mbps", with: "bitrate: \(text)"), file: "v.yaml")
            #expect(model.videoStreams[0].producers[0].bitrate == bitrate, "\(text)")
        }
    }

    // MARK: Mistakes

    @Test func aRetentionThatIsNotAWholeNumberOfHoursNamesWhatIsValid() {
        expectOne(replacing("retention: 24h", with: "retention: 90m"), line: 7, path: "videoStreams[0].retention",
                  "0 (no storage)", "whole number of hours from 1h to 87600h")
    }

    @Test func aRetentionAboveTenYearsIsOutOfRange() {
        expectOne(replacing("retention: 24h", with: "retention: 87601h"), line: 7, path: "videoStreams[0].retention", "out of range", "3650d")
    }

    @Test func aCountOutOfRangeNamesTheRange() {
        expectOne(replacing("count: 2", with: "count: 0"), line: 6, path: "videoStreams[0].count", "1 to 1000")
    }

    @Test func aQuotaBelowOneNamesTheRange() {
        expectOne(replacing("    count: 2\n", with: "    getMediaConnectionsMax: 0\n"), line: 6, path: "videoStreams[0].getMediaConnectionsMax",
                  "1 to 1000000")
    }

    @Test func anInvalidStreamNameSaysWhatANameIs() {
        expectOne(replacing("name: door", with: "name: front door"), line: 5, path: "videoStreams[0].name", "letters, digits, hyphens")
    }

    @Test func aFragmentDurationOutsideTheStreamsBoundsNamesThem() {
        expectOne(replacing("fragmentDuration: 2s", with: "fragmentDuration: 30s"), line: 10,
                  path: "videoStreams[0].producers[0].fragmentDuration", "out of range", "1s to 20s")
    }

    @Test func aBitrateWhoseFragmentsExceedTheLargestNamesTheLimit() {
        // 250 Mbit/s for 2 s is 62.5 MB, above the 50 MB a fragment may hold.
        expectOne(replacing("bitrate: 2Mbps", with: "bitrate: 250Mbps"), line: 11, path: "videoStreams[0].producers[0].bitrate",
                  "62.5MB", "50MB", "fragmentBytesMax")
    }

    @Test func aBitrateWithoutAUnitNamesTheBitrateUnits() {
        expectOne(replacing("bitrate: 2Mbps", with: "bitrate: 2000000"), line: 11, path: "videoStreams[0].producers[0].bitrate", "Mbps")
    }

    @Test func aMissingBitrateIsNamed() {
        expectOne(replacing("        bitrate: 2Mbps\n", with: ""), line: 9, path: "videoStreams[0].producers[0].bitrate", "missing", "2Mbps")
    }

    @Test func aProducerStoppingAfterTheDurationNamesTheRange() {
        expectOne(replacing("bitrate: 2Mbps", with: "bitrate: 2Mbps\n        stop: 11m"), line: 12, path: "videoStreams[0].producers[0].stop",
                  "out of range", "0s to 10m")
    }

    @Test func aMisspeltProducerKeySuggestsTheNearest() {
        expectOne(replacing("bitrate: 2Mbps", with: "bitrate: 2Mbps\n        uploadLatncy: 300ms"), line: 12,
                  path: "videoStreams[0].producers[0].uploadLatncy", "did you mean 'uploadLatency'?")
    }

    @Test func anUnknownModeListsTheModes() {
        expectOne(replacing("mode: live", with: "mode: replay"), line: 14, path: "videoStreams[0].playback[0].mode", "live or archived")
    }

    @Test func aWindowOnALiveConsumerIsRefused() {
        expectOne(replacing("mode: live", with: "mode: live\n        window: 5m"), line: 15, path: "videoStreams[0].playback[0].window",
                  "mode: archived")
    }

    @Test func aStartSelectorOnAnArchivedConsumerIsRefused() {
        expectOne(replacing("window: 5m", with: "window: 5m\n        startSelector: now"), line: 18,
                  path: "videoStreams[0].playback[1].startSelector", "mode: live")
    }

    @Test func anArchivedConsumerWithoutAWindowIsToldToGiveOne() {
        expectOne(replacing("        window: 5m\n", with: ""), line: 15, path: "videoStreams[0].playback[1].window", "missing", "window: 5m")
    }

    @Test func aStartSelectorThatIsNotOneListsTheForms() {
        expectOne(replacing("mode: live", with: "mode: live\n        startSelector: latest"), line: 15,
                  path: "videoStreams[0].playback[0].startSelector", "now, earliest", "serverTimestamp")
    }

    @Test func aConsumerStartingAfterTheRunEndsNamesTheRange() {
        expectOne(replacing("start: 6m", with: "start: 16m"), line: 18, path: "videoStreams[0].playback[1].start", "out of range", "0s to 15m")
    }

    @Test func aCopysNameMeetingAnotherEntrysIsRefused() {
        let text = Self.base + "\n  - name: door-2\n"
        let found = problems(text)
        #expect(found.count == 1 && found.first?.line == 19 && found.first?.path == "videoStreams[1].name", "\(found.map(\.description))")
        #expect(found.first?.message.contains("'door-2' already exists") == true)
    }

    @Test func fragmentDurationBoundsTheWrongWayRoundAreReportedWithoutATrap() {
        let found = problems(replacing("    count: 2\n", with: "    fragmentDurationMin: 30s\n"))
        #expect(found.map(\.path) == ["videoStreams[0].fragmentDurationMin"], "\(found.map(\.description))")
    }

    /// Mutations of the bundled video scenario: deleted, duplicated, replaced and inserted characters.
    @Test func mutatedVideoScenariosNeverCrashTheDecoder() throws {
        let source = Array(try bundledScenarioText("video-cameras"))
        let alphabet = Array("abcmsMbpkG:-_ {}[],()=./\n  #0123456789")
        var state: UInt64 = 20_261_128
        func next(below bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var decoded = 0, rejected = 0
        for round in 0..<2_000 {
            var text = source
            for _ in 0..<(1 + next(below: 4)) {
                let at = next(below: text.count)
                switch next(below: 4) {
                case 0: text.remove(at: at)
                case 1: text.insert(alphabet[next(below: alphabet.count)], at: at)
                case 2: text[at] = alphabet[next(below: alphabet.count)]
                default: text.insert(contentsOf: text[at..<min(text.count, at + next(below: 40))], at: at)
                }
            }
            do {
                _ = try ScenarioDecoder.decode(String(text), file: "fuzz.yaml")
                decoded += 1
            } catch {
                #expect(!error.diagnostics.isEmpty && error.diagnostics.allSatisfy { !$0.message.isEmpty }, "round \(round)")
                rejected += 1
            }
        }
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func producerNamesAreUniqueWithinAStream() {
        expectOne(replacing("        bitrate: 2Mbps\n", with: "        bitrate: 2Mbps\n      - name: camera\n        bitrate: 1Mbps\n"), line: 12,
                  path: "videoStreams[0].producers[1].name", "used twice")
    }
}

/// `scenarios/schema.json` lists exactly the keys the decoder accepts for video streams.
@Suite struct VideoScenarioSchemaTests {
    @Test func theSchemaListsExactlyTheVideoKeys() throws {
        let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("scenarios/schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let definitions = try #require(schema["definitions"] as? [String: Any])
        func properties(_ object: Any?) -> [String: Any] { (object as? [String: Any])?["properties"] as? [String: Any] ?? [:] }
        #expect(Set(properties(definitions["videoStream"]).keys) == Set(ScenarioKeys.videoStream))
        #expect(Set(properties(definitions["videoProducer"]).keys) == Set(ScenarioKeys.videoProducer))
        #expect(Set(properties(definitions["videoPlayback"]).keys) == Set(ScenarioKeys.videoPlayback))
        #expect(Set(properties(properties(definitions["videoProducer"])["retry"]).keys) == Set(ScenarioKeys.retry))
        #expect(Set(properties(properties(definitions["videoPlayback"])["retry"]).keys) == Set(ScenarioKeys.retry))
        #expect(properties(schema)["videoStreams"] != nil)
    }
}
