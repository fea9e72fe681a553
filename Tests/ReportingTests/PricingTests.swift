import Reporting
import Testing

private func expectClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) is not \(b)", sourceLocation: sourceLocation)
}

private func line(_ lines: [CostLine], _ item: String) -> CostLine? { lines.first { $0.item == item } }

/// SQS bills 64 KiB chunks of payload; prices per service; the free tier in the monthly projection only.
@Suite struct PricingTests {
    let prices = PriceTable()

    @Test func messageOfTwoHundredFiftySixKiBIsFourRequests() {
        #expect(prices.sqsBilledRequests(payloadBytes: 262_144) == 4)
        #expect(prices.sqsBilledRequests(payloadBytes: 262_145) == 5)
        #expect(prices.sqsBilledRequests(payloadBytes: 65_536) == 1)
        #expect(prices.sqsBilledRequests(payloadBytes: 65_537) == 2)
        #expect(prices.sqsBilledRequests(payloadBytes: 1_048_576) == 16)
    }

    @Test func everyCallIsAtLeastOneRequest() {
        #expect(prices.sqsBilledRequests(payloadBytes: 0) == 1)
        #expect(prices.sqsBilledRequests(payloadBytes: 1) == 1)
        #expect(prices.sqsBilledRequests(batchPayloadBytes: []) == 1)
    }

    @Test func aBatchIsBilledByItsTotalPayloadInSixtyFourKiBChunks() {
        // Ten 10 KiB messages: 100 KiB, two chunks, not ten requests.
        #expect(prices.sqsBilledRequests(batchPayloadBytes: Array(repeating: 10_240, count: 10)) == 2)
        #expect(prices.sqsBilledRequests(batchPayloadBytes: Array(repeating: 100, count: 10)) == 1)
        #expect(prices.sqsBilledRequests(batchPayloadBytes: [65_536, 1]) == 2)
    }

    @Test func standardRequestsCostFortyCentsAndFifoFiftyCentsPerMillion() {
        var usage = ServiceUsage()
        usage.sqsStandardRequests = 2_500_000
        usage.sqsFifoRequests = 2_000_000
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["SQS standard requests", "SQS FIFO requests"])
        expectClose(lines[0].usd, 1.00)
        expectClose(lines[1].usd, 1.00)
        expectClose(lines.totalUSD, 2.00)
    }

    @Test func firstMillionRequestsFreeOnlyInMonthlyProjection() throws {
        var usage = ServiceUsage()
        usage.sqsStandardRequests = 100_000
        let model = CostModel(usage: usage)
        // The day as run: every request billed.
        let day = model.lines()
        #expect(line(day, "SQS free tier") == nil)
        expectClose(day.totalUSD, 0.04)
        // A month at the same rate: 3 million requests, 1 million of them free.
        let month = model.projectMonthly(scenarioSeconds: 86_400)
        expectClose(try #require(line(month, "SQS standard requests")).quantity, 3_000_000, tolerance: 1e-6)
        let free = try #require(line(month, "SQS free tier"))
        expectClose(free.quantity, -1_000_000, tolerance: 1e-6)
        expectClose(free.usd, -0.40)
        expectClose(month.totalUSD, 0.80)
    }

    @Test func theFreeTierIsSharedAndTakenFromStandardRequestsFirst() throws {
        var usage = ServiceUsage()
        usage.sqsStandardRequests = 600_000
        usage.sqsFifoRequests = 900_000
        let month = CostModel(usage: usage).projectMonthly(scenarioSeconds: CostModel.monthSeconds)
        // 600,000 standard and 400,000 FIFO requests are free: 0.24 + 0.20.
        let free = try #require(line(month, "SQS free tier"))
        expectClose(free.quantity, -1_000_000)
        expectClose(free.usd, -0.44)
        expectClose(month.totalUSD, 0.24 + 0.45 - 0.44)
    }

    @Test func theFreeTierNeverExceedsTheRequestsMade() {
        var usage = ServiceUsage()
        usage.sqsStandardRequests = 500_000
        let month = CostModel(usage: usage).projectMonthly(scenarioSeconds: CostModel.monthSeconds)
        expectClose(month.totalUSD, 0)
        #expect(month.map(\.quantity) == [500_000, -500_000])
    }

    @Test func theMonthlyProjectionScalesEveryQuantityByAMonthOverTheRunsDuration() throws {
        var usage = ServiceUsage()
        usage.kmsRequests = 10
        usage.s3PutRequests = 1
        usage.lambdaGBSeconds = 2
        // An hour's run: a month is 720 of them.
        let month = CostModel(usage: usage).projectMonthly(scenarioSeconds: 3_600)
        #expect(month.map(\.item) == ["KMS requests", "S3 PUT requests", "Lambda compute"])
        #expect(month.map(\.quantity) == [7_200, 720, 1_440])
    }

    @Test func kmsS3AndLambdaArePricedPerTheirUnits() throws {
        var usage = ServiceUsage()
        usage.kmsRequests = 20_000
        usage.s3PutRequests = 2_000
        usage.s3GetRequests = 10_000
        // One GiB held for a 30-day month.
        usage.s3StoredByteSeconds = 1_073_741_824 * CostModel.monthSeconds
        // A million invocations of 100 ms at 512 MB: 50,000 GB-seconds.
        usage.addLambda(invocations: 1_000_000, billedDurationSeconds: 100_000, memoryMB: 512)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["KMS requests", "S3 PUT requests", "S3 GET requests", "S3 storage",
                                      "Lambda requests", "Lambda compute"])
        #expect(lines.map(\.unit) == ["requests", "requests", "requests", "GB-months", "requests", "GB-seconds"])
        let expected = [0.06, 0.01, 0.004, 0.023, 0.20, 50_000 * 0.0000166667]
        for (line, usd) in zip(lines, expected) { expectClose(line.usd, usd) }
        expectClose(try #require(line(lines, "S3 storage")).quantity, 1)
        expectClose(try #require(line(lines, "Lambda compute")).quantity, 50_000)
    }

    @Test func pricesAreOverridable() {
        var prices = PriceTable()
        prices.sqsStandardPerMillionRequests = 0.24
        prices.sqsFreeRequestsPerMonth = 0
        prices.sqsPayloadChunkBytes = 1_024
        var usage = ServiceUsage()
        usage.sqsStandardRequests = Double(prices.sqsBilledRequests(payloadBytes: 2_048)) * 1_000_000
        let model = CostModel(usage: usage, prices: prices)
        expectClose(model.lines().totalUSD, 0.48)
        expectClose(model.projectMonthly(scenarioSeconds: CostModel.monthSeconds).totalUSD, 0.48)
    }

    @Test func theDefaultPricesAreAWSsListPrices() {
        #expect(prices.sqsStandardPerMillionRequests == 0.40)
        #expect(prices.sqsFifoPerMillionRequests == 0.50)
        #expect(prices.sqsFreeRequestsPerMonth == 1_000_000)
        #expect(prices.sqsPayloadChunkBytes == 65_536)
        #expect(prices.kmsPerTenThousandRequests == 0.03)
        #expect(prices.s3PutPerThousandRequests == 0.005)
        #expect(prices.s3GetPerThousandRequests == 0.0004)
        #expect(prices.s3StoragePerGBMonth == 0.023)
        #expect(prices.lambdaPerMillionRequests == 0.20)
        #expect(prices.lambdaPerGBSecond == 0.0000166667)
        #expect(CostModel.monthSeconds == 2_592_000)
    }

    @Test func usdIsRoundedOnlyWhenRendered() {
        var usage = ServiceUsage()
        usage.sqsStandardRequests = 10
        let line = CostModel(usage: usage).lines()[0]
        expectClose(line.usd, 0.000004, tolerance: 1e-15)
        #expect(line.usdText == "$0.000004")
        #expect(CostLine.usdText(1_234.5678) == "$1234.57")
        #expect(CostLine.usdText(-0.4) == "-$0.40")
        #expect(CostLine.usdText(0) == "$0.00")
    }
}
