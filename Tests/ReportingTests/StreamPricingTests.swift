import Reporting
import Testing

private func expectClose(_ a: Double, _ b: Double, tolerance: Double = 1e-12, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) is not \(b)", sourceLocation: sourceLocation)
}

private func line(_ lines: [CostLine], _ item: String) -> CostLine? { lines.first { $0.item == item } }

private let gib = 1_073_741_824

private func consumer(_ name: String, kind: String, efoShardSeconds: Double = 0, efoBytes: Int = 0) -> StreamConsumerObservations {
    var consumer = StreamConsumerObservations(name: name, kind: kind)
    consumer.efoConsumerShardSeconds = efoShardSeconds
    consumer.efoBytesRetrieved = efoBytes
    return consumer
}

/// Kinesis bills a provisioned stream by open shard-hours and 25 KB PUT payload units, enhanced
/// fan-out by consumer-shard-hours and GB, an on-demand stream by stream-hours and GB in and out;
/// Firehose by GB ingested with each record rounded up to 5 KB. Every expectation is worked by hand.
@Suite struct StreamPricingTests {
    @Test func theDefaultPricesAreAWSsListPrices() {
        let prices = PriceTable()
        #expect(prices.kinesisShardHour == 0.015 && prices.kinesisPerMillionPutPayloadUnits == 0.014)
        #expect(prices.kinesisEfoConsumerShardHour == 0.015 && prices.kinesisEfoPerGB == 0.013)
        #expect(prices.kinesisOnDemandStreamHour == 0.04 && prices.kinesisOnDemandPerGBIn == 0.08)
        #expect(prices.kinesisOnDemandPerGBOut == 0.04 && prices.firehosePerGBIngested == 0.029)
    }

    @Test func aProvisionedStreamBillsOpenShardHoursAndPutPayloadUnits() throws {
        var stream = StreamObservations(name: "clicks", capacityMode: "PROVISIONED")
        // Four shards open for an hour; 3 million PUT payload units; bytes do not matter here.
        stream.shardSeconds = 4 * 3600
        stream.putPayloadUnits = 3_000_000
        stream.bytesPut = 5 * gib
        stream.bytesRead = gib
        var usage = ServiceUsage()
        usage.addStream(stream, elapsed: 7200)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["Kinesis shard hours", "Kinesis PUT payload units"])
        #expect(lines.map(\.unit) == ["shard-hours", "units"])
        // 4 × $0.015 and 3 × $0.014.
        expectClose(try #require(line(lines, "Kinesis shard hours")).usd, 0.06)
        expectClose(try #require(line(lines, "Kinesis PUT payload units")).usd, 0.042)
        #expect(CostReport.byService(lines).map(\.service) == ["Kinesis"])
    }

    @Test func enhancedFanOutOnAProvisionedStreamBillsConsumerShardHoursAndGigabytes() throws {
        var stream = StreamObservations(name: "clicks", capacityMode: "PROVISIONED")
        // Two consumers on two shards for an hour each; 1 and 2 GiB pushed; a KCL consumer adds nothing.
        stream.consumers = [consumer("a", kind: "enhancedFanOut", efoShardSeconds: 7200, efoBytes: gib),
                            consumer("b", kind: "enhancedFanOut", efoShardSeconds: 7200, efoBytes: 2 * gib),
                            consumer("c", kind: "kcl")]
        var usage = ServiceUsage()
        usage.addStream(stream, elapsed: 3600)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["Kinesis enhanced fan-out consumer-shard hours", "Kinesis enhanced fan-out data"])
        let hours = try #require(line(lines, "Kinesis enhanced fan-out consumer-shard hours"))
        #expect(hours.quantity == 4 && hours.unit == "consumer-shard-hours")
        expectClose(hours.usd, 4 * 0.015)
        let data = try #require(line(lines, "Kinesis enhanced fan-out data"))
        #expect(data.quantity == 3 && data.unit == "GB")
        expectClose(data.usd, 3 * 0.013)
    }

    @Test func anOnDemandStreamBillsStreamHoursAndGigabytesInAndOut() throws {
        var stream = StreamObservations(name: "events", capacityMode: "ON_DEMAND")
        // Shards and PUT units are not billed on demand; neither are consumer-shard-hours.
        stream.shardSeconds = 40 * 3600
        stream.putPayloadUnits = 9_000_000
        stream.bytesPut = 5 * gib
        stream.bytesRead = gib
        stream.consumers = [consumer("fan", kind: "enhancedFanOut", efoShardSeconds: 3600, efoBytes: gib)]
        var usage = ServiceUsage()
        usage.addStream(stream, elapsed: 7200)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["Kinesis on-demand stream hours", "Kinesis on-demand data in", "Kinesis on-demand data out"])
        #expect(lines.map(\.unit) == ["stream-hours", "GB", "GB"])
        // 2 stream-hours × $0.04; 5 GB × $0.08; 1 GB read + 1 GB pushed × $0.04.
        #expect(lines.map(\.quantity) == [2, 5, 2])
        expectClose(lines[0].usd, 0.08)
        expectClose(lines[1].usd, 0.40)
        expectClose(lines[2].usd, 0.08)
    }

    @Test func lambdaOnAStreamAddsToTheLambdaLines() throws {
        var stream = StreamObservations(name: "clicks", capacityMode: "PROVISIONED")
        var function = consumer("archiver", kind: "lambda")
        function.lambdaRequests = 1_000_000
        function.lambdaGBSeconds = 10
        stream.consumers = [function]
        var usage = ServiceUsage()
        usage.addLambda(invocations: 500_000, billedDurationSeconds: 20, memoryMB: 512)
        usage.addStream(stream, elapsed: 60)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["Lambda requests", "Lambda compute"])
        // 1.5 million requests × $0.20 a million; 10 + 20 × ½ = 20 GB-seconds.
        expectClose(try #require(line(lines, "Lambda requests")).usd, 0.30)
        let compute = try #require(line(lines, "Lambda compute"))
        #expect(compute.quantity == 20)
        expectClose(compute.usd, 20 * 0.0000166667)
    }

    @Test func firehoseBillsTheRoundedUpBytesAsTheMeanOverReplications() throws {
        var replications = Array(demoReplications().prefix(2))
        for r in replications.indices {
            var archive = DeliveryStreamObservations(name: "archive", source: "direct", destination: "s3/archive")
            archive.bytesIn = 1000
            archive.billedBytes = [1, 3][r] * gib
            replications[r].deliveryStreams = [archive]
        }
        let cost = ReportBuilder.build(demoRun, replications: replications).cost
        let firehose = try #require(line(cost.lines, "Firehose ingestion"))
        // Billed 1 and 3 GiB: 2 GB on average, × $0.029; bytes in do not count.
        #expect(firehose.quantity == 2 && firehose.unit == "GB")
        expectClose(firehose.usd, 0.058)
        #expect(CostReport.byService(cost.lines).map(\.service) == ["Firehose"])
    }

    @Test func theMonthlyProjectionScalesStreamLinesLikeTheOthers() throws {
        var usage = ServiceUsage()
        usage.kinesisShardHours = 1
        usage.kinesisPutPayloadUnits = 1000
        usage.kinesisOnDemandStreamHours = 1
        usage.kinesisOnDemandBytesIn = Double(gib)
        usage.kinesisOnDemandBytesOut = Double(gib)
        usage.kinesisEfoConsumerShardHours = 1
        usage.kinesisEfoBytes = Double(gib)
        usage.firehoseBilledBytes = Double(gib)
        // An hour-long scenario is 720 of a 30-day month; Kinesis and Firehose have no free tier here.
        let monthly = CostModel(usage: usage).projectMonthly(scenarioSeconds: 3600)
        #expect(monthly.map(\.item) == ["Kinesis shard hours", "Kinesis PUT payload units", "Kinesis enhanced fan-out consumer-shard hours",
                                        "Kinesis enhanced fan-out data", "Kinesis on-demand stream hours", "Kinesis on-demand data in",
                                        "Kinesis on-demand data out", "Firehose ingestion"])
        #expect(monthly.map(\.quantity) == [720, 720_000, 720, 720, 720, 720, 720, 720])
        let expected = [10.80, 0.01008, 10.80, 9.36, 28.80, 57.60, 28.80, 20.88]
        for (line, usd) in zip(monthly, expected) { expectClose(line.usd, usd, tolerance: 1e-9) }
    }

    @Test func theReportCostsStreamsAsTheMeanOverReplications() throws {
        let report = ReportBuilder.build(demoRun, replications: StreamReportTests.replications())
        let cost = report.cost
        // Shard-hours 0.01 and 0.015, PUT units 100 and 140, Lambda 10 and 12 requests of 2 and 3
        // GB-seconds, Firehose 512,000 and 716,800 billed bytes: means 0.0125, 120, 11, 2.5, 614,400.
        #expect(CostReport.byService(cost.lines).map(\.service) == ["Kinesis", "Firehose", "Lambda"])
        expectClose(try #require(line(cost.lines, "Kinesis shard hours")).usd, 0.0125 * 0.015)
        expectClose(try #require(line(cost.lines, "Kinesis PUT payload units")).usd, 120 * 0.014 / 1e6)
        expectClose(try #require(line(cost.lines, "Firehose ingestion")).quantity, 614_400 / 1_073_741_824.0)
        #expect(try #require(line(cost.lines, "Lambda requests")).quantity == 11)
        expectClose(try #require(line(cost.lines, "Lambda compute")).quantity, 2.5)
        #expect(report.markdown.contains("Kinesis: $0.015 per shard-hour and $0.014 per million 25 KB PUT payload units "
                                         + "(provisioned), enhanced fan-out $0.015 per consumer-shard-hour and $0.013 per GB; "
                                         + "on-demand $0.04 per stream-hour, $0.08 per GB in and $0.04 per GB out. "
                                         + "Firehose: $0.029 per GB ingested, each record rounded up to 5 KB.\n\n"))
        // A month keeps the shards open as long as the run did (elapsed 12 and 15 s, mean 13.5 s),
        // not only the producers' 10 s: 0.0125 × 2,592,000 / 13.5 = 2,400 shard-hours.
        #expect(report.markdown.contains("| Kinesis shard hours | 0.0125 shard-hours | $0.000188 | 2400 shard-hours | $36.00 |\n"))
    }
}
