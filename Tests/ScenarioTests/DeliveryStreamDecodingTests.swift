import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

/// Delivery streams and analytics applications as scenario files write them: every mistake is
/// reported with the file, the line, the field path and what would be valid.
@Suite struct DeliveryStreamDecodingTests: DecodingFixture {
    static let fileName = "firehose.yaml"

    /// A small valid scenario. Lines: 3 `streams`, 6 `deliveryStreams`, 7 the delivery stream's
    /// name, 8 its source, 9 its bufferSize, 10 its destination, 11 the destination's name,
    /// 12 `analytics`, 13 the application's name, 14 its source, 15 its window, 16 its aggregates,
    /// 17 its output, 18 `producers`, 19 the stream producer, 23 the Direct PUT producer, 24 its target.
    static let base = """
        name: t
        duration: 10s
        streams:
          - name: clicks
            shards: 1
        deliveryStreams:
          - name: archive
            source: direct
            bufferSize: 1MiB
            destination:
              name: s3/archive
        analytics:
          - name: counts
            source: stream/clicks
            window: tumbling(60s)
            aggregates: [count, p99]
            output: deliveryStream/archive
        producers:
          - name: web
            target: stream/clicks
            arrivals: poisson(rate=5/s)
            partitionKeys: { count: 10 }
          - name: logs
            target: deliveryStream/archive
            arrivals: poisson(rate=5/s)
        """

    // MARK: The base and the bundled scenarios

    @Test func theBaseDecodesToADeliveryStreamAnApplicationAndTheirProducers() throws {
        let model = try ScenarioDecoder.decode(Self.base, file: "firehose.yaml")
        #expect(model.deliveryStreams.count == 1 && model.deliveryStreams[0].source == .direct)
        #expect(model.deliveryStreams[0].configuration.bufferSizeBytes == 1_048_576)
        #expect(model.deliveryStreams[0].configuration.bufferInterval == .seconds(300))
        #expect(model.deliveryStreamProducers.count == 1 && model.deliveryStreamProducers[0].deliveryStream == 0)
        #expect(model.streamProducers.count == 1)
        #expect(model.analytics.count == 1 && model.analytics[0].output == .deliveryStream(0))
        #expect(model.analytics[0].specification.aggregation.window == .tumbling(size: .seconds(60)))
        #expect(model.analytics[0].specification.aggregation.aggregates == [.count, .percentile(99)])
        // Only the application reads the stream: it is the one stream consumer.
        #expect(model.streamConsumers.map(\.name) == ["counts"] && model.streamConsumers[0].kindName == "analytics")
    }

    @Test func theBundledScenariosDecodeToWhatTheirCommentsDescribe() throws {
        let s3 = try bundledScenario("firehose-s3")
        #expect(s3.deliveryStreams.map(\.configuration.name) == ["clicks-fresh", "clicks-batched", "app-logs"])
        #expect(s3.streamConsumers.map(\.kindName) == ["firehose", "firehose"])
        let logs = s3.deliveryStreams[2]
        #expect(logs.configuration.transformation?.numberOfRetries == 3)
        #expect(logs.transformation?.droppedProbability == 0.05)
        #expect(logs.destination.outages.count == 1 && logs.configuration.retryDuration == .seconds(300))
        let metrics = try bundledScenario("windowed-metrics")
        let aggregation = metrics.analytics[0].specification.aggregation
        #expect(aggregation.outOfOrdernessMax == .seconds(2) && aggregation.allowedLateness == .seconds(5))
        #expect(aggregation.referenceTable?.attributes(for: "sensor-4") == ["site": "virginia"])
    }

    @Test func windowsReadInEverySpelling() throws {
        for (text, window) in [("sliding(size=60s, slide=10s)", WindowKind.sliding(size: .seconds(60), slide: .seconds(10))),
                               ("session(gap=30s)", .session(gap: .seconds(30))), ("session(30s)", .session(gap: .seconds(30))),
                               ("stagger(size=1m)", .stagger(size: .seconds(60))), ("tumbling(250ms)", .tumbling(size: .milliseconds(250)))] {
            let model = try ScenarioDecoder.decode(replacing("tumbling(60s)", with: text), file: "firehose.yaml")
            #expect(model.analytics[0].specification.aggregation.window == window)
            #expect(model.analytics[0].windowText == text)
        }
    }

    // MARK: Delivery streams

    @Test func aBufferSizeOutOfRangeNamesTheRange() {
        expectOne(replacing("bufferSize: 1MiB", with: "bufferSize: 200MiB"), line: 9, path: "deliveryStreams[0].bufferSize",
                  "between 1MiB", "128MiB")
    }

    @Test func aSourceThatNamesNoStreamSuggestsTheNearest() {
        expectOne(replacing("source: direct", with: "source: stream/clickz"), line: 8, path: "deliveryStreams[0].source",
                  "names no stream", "Did you mean 'stream/clicks'?")
    }

    @Test func aMisspeltDestinationKeyIsNamedWithTheValidOnes() {
        expectOne(replacing("    name: s3/archive\n", with: "    name: s3/archive\n      latncy: constant(1s)\n"), line: 12,
                  path: "deliveryStreams[0].destination.latncy", "did you mean 'latency'?", "retryDuration")
    }

    @Test func transformationRetriesOutOfRangeAreNamedAsTheFileWritesThem() {
        let text = replacing("bufferSize: 1MiB\n", with: "bufferSize: 1MiB\n    transformation: { duration: constant(1s), retries: 400 }\n")
        expectOne(text, line: 10, path: "deliveryStreams[0].transformation.retries", "between 0 and 300")
    }

    @Test func aTransformationWithoutADurationSaysWhatToWrite() {
        let text = replacing("bufferSize: 1MiB\n", with: "bufferSize: 1MiB\n    transformation: { droppedProbability: 0.1 }\n")
        expectOne(text, line: 10, path: "deliveryStreams[0].transformation.duration", "missing", "lognormal")
    }

    @Test func aDirectPutProducerTakesNoPartitionKeys() {
        expectOne(Self.base + "\n    partitionKeys: { count: 3 }", line: 26, path: "producers[1].partitionKeys", "no partition key")
    }

    @Test func directPutIntoADeliveryStreamThatReadsAStreamIsRefused() {
        let text = replacing("source: direct", with: "source: stream/clicks").replacingOccurrences(of: "output: deliveryStream/archive", with: "output: none")
        expectOne(text, line: 24, path: "producers[1].target", "reads a stream", "source: direct")
    }

    // MARK: Analytics

    @Test func anUnknownWindowSuggestsTheNearest() {
        expectOne(replacing("tumbling(60s)", with: "tumblin(60s)"), line: 15, path: "analytics[0].window", "Did you mean 'tumbling'?")
    }

    @Test func aSlidingWindowNeedsSizeAndSlideByName() {
        expectOne(replacing("tumbling(60s)", with: "sliding(60s, 10s)"), line: 15, path: "analytics[0].window", "size=60s, slide=10s")
    }

    @Test func aSlideLongerThanTheSizeIsRefused() {
        expectOne(replacing("tumbling(60s)", with: "sliding(size=10s, slide=60s)"), line: 15, path: "analytics[0].window", "at most the size")
    }

    @Test func aPercentileAbove100IsNotAnAggregate() {
        expectOne(replacing("[count, p99]", with: "[count, p101]"), line: 16, path: "analytics[0].aggregates[1]", "p1 … p100")
    }

    @Test func anApplicationCannotWriteToTheStreamItReads() {
        expectOne(replacing("output: deliveryStream/archive", with: "output: stream/clicks"), line: 17, path: "analytics[0].output",
                  "the stream it reads")
    }

    @Test func anOutputOfNoKnownKindListsTheKinds() {
        expectOne(replacing("output: deliveryStream/archive", with: "output: queue/x"), line: 17, path: "analytics[0].output",
                  "stream/<name>, deliveryStream/<name> or none")
    }
}
