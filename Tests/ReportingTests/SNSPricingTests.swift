import Reporting
import Testing

private func expectClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) is not \(b)", sourceLocation: sourceLocation)
}

private func line(_ lines: [CostLine], _ item: String) -> CostLine? { lines.first { $0.item == item } }

private func subscription(_ protocolName: String, billed: Int, bytes: Int = 0) -> SubscriptionObservations {
    var subscription = SubscriptionObservations(name: "\(protocolName)-subscription", protocolName: protocolName,
                                                endpoint: "somewhere", rawMessageDelivery: false)
    subscription.billedDeliveries = billed
    subscription.deliveredBytes = bytes
    return subscription
}

/// SNS bills publishes and deliveries in 64 KiB chunks; each protocol has its price; the free
/// tiers come off the monthly projection only.
@Suite struct SNSPricingTests {
    let prices = PriceTable()

    @Test func aPublishOfTwoHundredFiftySixKiBIsFourRequests() {
        #expect(prices.snsBilledRequests(payloadBytes: 262_144) == 4)
        #expect(prices.snsBilledRequests(payloadBytes: 262_145) == 5)
        #expect(prices.snsBilledRequests(payloadBytes: 65_536) == 1)
        #expect(prices.snsBilledRequests(payloadBytes: 65_537) == 2)
        #expect(prices.snsBilledRequests(payloadBytes: 0) == 1)
    }

    @Test func aPublishBatchIsBilledByItsEntriesTotalPayload() {
        // Ten 1 KiB entries cost what one Publish does; ten 10 KiB entries are two chunks.
        #expect(prices.snsBilledRequests(batchPayloadBytes: Array(repeating: 1_024, count: 10)) == 1)
        #expect(prices.snsBilledRequests(batchPayloadBytes: Array(repeating: 10_240, count: 10)) == 2)
        #expect(prices.snsBilledRequests(batchPayloadBytes: [65_536, 1]) == 2)
    }

    @Test func eachProtocolIsPricedAtItsOwnRate() throws {
        var usage = ServiceUsage()
        usage.snsPublishRequests = 2_000_000
        for s in [subscription("http", billed: 50_000), subscription("https", billed: 50_000),
                  subscription("email", billed: 30_000), subscription("email-json", billed: 20_000),
                  subscription("sms", billed: 1_000), subscription("application", billed: 2_000_000),
                  subscription("firehose", billed: 7, bytes: 2 * 1_073_741_824)] {
            usage.addSNSDeliveries(of: s)
        }
        #expect(usage.snsHttpDeliveries == 100_000 && usage.snsEmailDeliveries == 50_000 && usage.snsSmsDeliveries == 1_000)
        #expect(usage.snsMobilePushDeliveries == 2_000_000 && usage.snsFirehoseBytes == 2 * 1_073_741_824)
        let lines = CostModel(usage: usage).lines()
        #expect(lines.map(\.item) == ["SNS publish requests", "SNS HTTP/S deliveries", "SNS email deliveries", "SNS SMS messages",
                                      "SNS mobile push deliveries", "SNS Firehose deliveries"])
        #expect(lines.map(\.unit) == ["requests", "deliveries", "deliveries", "messages", "deliveries", "GB"])
        let expected = [1.00, 0.06, 1.00, 6.45, 1.00, 0.06]
        for (line, usd) in zip(lines, expected) { expectClose(line.usd, usd) }
        // Firehose is billed by the data delivered, 2 GiB here, not by its 7 deliveries.
        expectClose(try #require(line(lines, "SNS Firehose deliveries")).quantity, 2)
        #expect(CostReport.byService(lines).map(\.service) == ["SNS"])
    }

    @Test func deliveriesToQueuesAndFunctionsAreFree() {
        var usage = ServiceUsage()
        usage.addSNSDeliveries(of: subscription("sqs", billed: 1_000_000, bytes: 1_000_000_000))
        usage.addSNSDeliveries(of: subscription("lambda", billed: 1_000_000, bytes: 1_000_000_000))
        #expect(usage == ServiceUsage())
        #expect(CostModel(usage: usage).lines().isEmpty)
    }

    @Test func theFreeTiersComeOffOnlyTheMonthlyProjection() throws {
        var usage = ServiceUsage()
        usage.snsPublishRequests = 3_000_000
        usage.snsHttpDeliveries = 300_000
        usage.snsEmailDeliveries = 11_000
        usage.snsSmsDeliveries = 100
        usage.snsMobilePushDeliveries = 500_000
        usage.snsFirehoseBytes = 1_073_741_824
        let model = CostModel(usage: usage)
        // As run: no free tier.
        #expect(model.lines().allSatisfy { !$0.item.contains("free tier") })
        expectClose(model.lines().totalUSD, 1.50 + 0.18 + 0.22 + 0.645 + 0.25 + 0.03)
        // A month: a million publishes, 100,000 HTTP/S, 1,000 email and a million mobile push
        // deliveries free (only the 500,000 made); SMS and Firehose have no free tier.
        let month = model.projectMonthly(scenarioSeconds: CostModel.monthSeconds)
        #expect(month.map(\.item) == ["SNS publish requests", "SNS publish free tier", "SNS HTTP/S deliveries", "SNS HTTP/S free tier",
                                      "SNS email deliveries", "SNS email free tier", "SNS SMS messages", "SNS mobile push deliveries",
                                      "SNS mobile push free tier", "SNS Firehose deliveries"])
        let free = month.filter { $0.item.contains("free tier") }
        #expect(free.map(\.quantity) == [-1_000_000, -100_000, -1_000, -500_000])
        for (line, usd) in zip(free, [-0.50, -0.06, -0.02, -0.25]) { expectClose(line.usd, usd) }
        expectClose(month.totalUSD, 1.00 + 0.12 + 0.20 + 0.645 + 0 + 0.03)
    }

    @Test func theMonthlyProjectionScalesSNSUsageByAMonthOverTheRunsDuration() throws {
        var usage = ServiceUsage()
        usage.snsPublishRequests = 10_000
        usage.snsSmsDeliveries = 2
        // An hour's run: a month is 720 of them, 7.2 million publishes of which 1 million are free.
        let month = CostModel(usage: usage).projectMonthly(scenarioSeconds: 3_600)
        #expect(month.map(\.quantity) == [7_200_000, -1_000_000, 1_440])
        expectClose(month.totalUSD, 6.2 * 0.50 + 1_440 * 0.00645)
    }

    @Test func snsPricesAndFreeTiersAreOverridable() {
        var prices = PriceTable()
        prices.snsHttpPerHundredThousandDeliveries = 0.10
        prices.snsFreeHttpDeliveriesPerMonth = 0
        prices.snsPayloadChunkBytes = 1_024
        #expect(prices.snsBilledRequests(payloadBytes: 2_048) == 2)
        var usage = ServiceUsage()
        usage.snsHttpDeliveries = 200_000
        let model = CostModel(usage: usage, prices: prices)
        expectClose(model.lines().totalUSD, 0.20)
        expectClose(model.projectMonthly(scenarioSeconds: CostModel.monthSeconds).totalUSD, 0.20)
    }

    @Test func theDefaultSNSPricesAreTheUSEastListPrices() {
        #expect(prices.snsPublishPerMillionRequests == 0.50)
        #expect(prices.snsPayloadChunkBytes == 65_536)
        #expect(prices.snsHttpPerHundredThousandDeliveries == 0.06)
        #expect(prices.snsEmailPerHundredThousandDeliveries == 2.00)
        #expect(prices.snsSmsPerMessage == 0.00645)
        #expect(prices.snsMobilePushPerMillionDeliveries == 0.50)
        #expect(prices.snsFirehosePerGB == 0.03)
        #expect(prices.snsFreePublishRequestsPerMonth == 1_000_000)
        #expect(prices.snsFreeHttpDeliveriesPerMonth == 100_000)
        #expect(prices.snsFreeEmailDeliveriesPerMonth == 1_000)
        #expect(prices.snsFreeMobilePushDeliveriesPerMonth == 1_000_000)
        #expect(CostModel.dataGBBytes == 1_073_741_824)
    }
}
