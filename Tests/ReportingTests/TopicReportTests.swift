import Foundation
import Reporting
import Testing

/// Topics and subscriptions over `demoReplications()` with two topics added by hand, every total
/// worked out below:
///
/// - `order-events` (standard): 50, 60, 70 publish requests; 100, 120, 140 messages published;
///   60, 60, 90 billed publish requests; 0, 1, 2 throttled; 1 rejected each time; denied calls
///   2 (intruder), 0, 1 (auditor). Subscriptions:
///   - `orders-queue` (sqs, raw) to `queue/orders`: every message matched and delivered at once,
///     1 KiB each, with the delivery latencies of the demo queue's waits (5 and 15, 20 and 20,
///     30 and 42 ms);
///   - `alerts-hook` (https) to `https://hooks.example`: matched 10, 20, 30 and filtered out 90,
///     100, 110; 12, 25, 33 attempts of which 2, 5, 3 retries; delivered 9, 19, 28 (2 KiB each),
///     dead-lettered 1, 0, 1, dropped 0, 1, 0, pending 0, 0, 1; billed 9, 19, 32 deliveries;
///     latencies 100, 200, and 300 and 400 ms.
/// - `payments.fifo` (fifo): 5 publish requests, all billed, 4, 3, 2 published and 1, 2, 3
///   deduplicated; one sqs subscription delivering every message, no latency recorded.
///
/// The demo queue bills 1,000 requests in each replication, so the cost has SQS before SNS.
@Suite struct TopicReportTests {
    static func replications() -> [ReplicationObservations] {
        var replications = demoReplications()
        let waits: [[Double]] = [[5, 15], [20, 20], [30, 42]]
        let hookLatencies: [[Double]] = [[100], [200], [300, 400]]
        for r in replications.indices {
            replications[r].queues[0].activity.billedRequests = 1000

            var events = TopicObservations(name: "order-events", type: "standard")
            events.publishRequests = [50, 60, 70][r]
            events.messagesPublished = [100, 120, 140][r]
            events.billedPublishRequests = [60, 60, 90][r]
            events.throttled = r
            events.rejected = 1
            events.deniedCalls = [2, 0, 1][r]
            events.deniedByPrincipal = [[("intruder", 2)], [], [("auditor", 1)]][r]

            var queue = SubscriptionObservations(name: "orders-queue", protocolName: "sqs", endpoint: "queue/orders",
                                                 rawMessageDelivery: true)
            queue.matched = events.messagesPublished
            queue.attempts = events.messagesPublished
            queue.delivered = events.messagesPublished
            queue.deliveredBytes = 1024 * events.messagesPublished
            queue.billedDeliveries = events.messagesPublished
            queue.deliveryLatency = series(waits[r])

            var hook = SubscriptionObservations(name: "alerts-hook", protocolName: "https", endpoint: "https://hooks.example",
                                                rawMessageDelivery: false)
            hook.matched = [10, 20, 30][r]
            hook.filteredOut = [90, 100, 110][r]
            hook.attempts = [12, 25, 33][r]
            hook.retries = [2, 5, 3][r]
            hook.delivered = [9, 19, 28][r]
            hook.deadLettered = [1, 0, 1][r]
            hook.dropped = [0, 1, 0][r]
            hook.pendingAtEnd = [0, 0, 1][r]
            hook.deliveredBytes = 2048 * hook.delivered
            hook.billedDeliveries = [9, 19, 32][r]
            hook.deliveryLatency = series(hookLatencies[r])
            events.subscriptions = [queue, hook]

            var payments = TopicObservations(name: "payments.fifo", type: "fifo")
            payments.publishRequests = 5
            payments.billedPublishRequests = 5
            payments.messagesPublished = [4, 3, 2][r]
            payments.deduplicated = r + 1
            var paymentsQueue = SubscriptionObservations(name: "payments-queue", protocolName: "sqs",
                                                         endpoint: "queue/payments.fifo", rawMessageDelivery: false)
            paymentsQueue.matched = payments.messagesPublished
            paymentsQueue.attempts = payments.messagesPublished
            paymentsQueue.delivered = payments.messagesPublished
            paymentsQueue.deliveredBytes = 100 * payments.messagesPublished
            paymentsQueue.billedDeliveries = payments.messagesPublished
            payments.subscriptions = [paymentsQueue]

            replications[r].topics = [events, payments]
        }
        return replications
    }

    let report = ReportBuilder.build(demoRun, replications: replications())

    func keys(_ value: JSONValue?) -> [String] {
        if case .object(let members) = value { return members.map(\.0) }
        return []
    }

    @Test func topicCountsAreSummedOverReplications() throws {
        #expect(report.topics.map(\.name) == ["order-events", "payments.fifo"])
        let events = report.topics[0], payments = report.topics[1]
        #expect(events.type == "standard" && payments.type == "fifo")
        #expect(events.publishRequests == 180 && events.published == 360 && events.billedPublishRequests == 210)
        #expect(events.deduplicated == 0 && events.throttled == 3 && events.rejected == 3 && events.deniedCalls == 3)
        #expect(payments.publishRequests == 15 && payments.published == 9 && payments.deduplicated == 6)
    }

    @Test func deniedCallsAreListedPerPrincipalInBytewiseOrder() {
        let denied = report.topics[0].deniedByPrincipal
        #expect(denied.map(\.principal) == ["auditor", "intruder"])
        #expect(denied.map(\.count) == [1, 2])
    }

    @Test func subscriptionCountsAreSummedOverReplications() throws {
        let subscriptions = report.topics[0].subscriptions
        #expect(subscriptions.map(\.name) == ["orders-queue", "alerts-hook"])
        let queue = subscriptions[0], hook = subscriptions[1]
        #expect(queue.protocolName == "sqs" && queue.endpoint == "queue/orders" && queue.rawMessageDelivery)
        #expect(queue.matched == 360 && queue.delivered == 360 && queue.deliveredBytes == 368_640 && queue.billedDeliveries == 360)
        #expect(hook.protocolName == "https" && hook.endpoint == "https://hooks.example" && !hook.rawMessageDelivery)
        #expect(hook.matched == 60 && hook.filteredOut == 300 && hook.attempts == 70 && hook.retries == 10)
        #expect(hook.delivered == 56 && hook.deadLettered == 2 && hook.dropped == 1 && hook.pending == 1)
        #expect(hook.deliveredBytes == 114_688 && hook.billedDeliveries == 60)
        // Every matched message has exactly one fate, in each replication and so in the totals.
        #expect(hook.matched == hook.delivered + hook.deadLettered + hook.dropped + hook.pending)
    }

    @Test func deliveryLatencyIsSummarisedExactlyAsQueueWaitIs() throws {
        // The sqs subscription recorded the demo queue's waits: the same summary, mean 22 ms over
        // replication means of 10, 20 and 36 ms, and the same JSON.
        let queue = report.topics[0].subscriptions[0]
        #expect(queue.deliveryLatency == report.queues[0].queueWait)
        let mean = try #require(queue.deliveryLatency.mean)
        #expect(abs(mean.mean - 0.022) < 1e-7 && mean.n == 3 && mean.method == "replications")
        #expect(queue.deliveryLatency.count == 6)
        let delivery = report.json["topics"]?["order-events"]?["subscriptions"]?["orders-queue"]?["deliveryLatency"]
        #expect(delivery == report.json["queues"]?["orders"]?["queueWait"])
        // 100, 200, 300 and 400 ms: replication means 100, 200 and 350 ms, percentiles over all four.
        let hook = report.topics[0].subscriptions[1].deliveryLatency
        #expect(hook.count == 4 && abs((hook.mean?.mean ?? 0) - 0.65 / 3) < 1e-7)
        #expect(0.2 <= hook.p50 && hook.p50 <= 0.2 * (1 + 1.0 / 1024))
        #expect(0.4 <= hook.p99 && hook.p99 <= 0.4 * (1 + 1.0 / 1024))
    }

    @Test func theJSONHasTopicsRightAfterQueuesKeyedByName() throws {
        let json = report.json
        let top = keys(json)
        let queues = try #require(top.firstIndex(of: "queues"))
        #expect(Array(top[queues...].prefix(3)) == ["queues", "topics", "consumers"])
        #expect(keys(json["topics"]) == ["order-events", "payments.fifo"])
        let events = json["topics"]?["order-events"]
        #expect(keys(events) == ["type", "publishRequests", "published", "billedPublishRequests", "deduplicated", "throttled",
                                 "rejected", "publishesAbandoned", "deniedCalls", "deniedByPrincipal", "subscriptions"])
        #expect(events?["type"] == .string("standard"))
        #expect(events?["publishRequests"] == .int(180) && events?["published"] == .int(360))
        #expect(events?["billedPublishRequests"] == .int(210) && events?["throttled"] == .int(3))
        #expect(events?["deniedByPrincipal"] == .object([("auditor", .int(1)), ("intruder", .int(2))]))
        #expect(json["topics"]?["payments.fifo"]?["deduplicated"] == .int(6))
        #expect(keys(events?["subscriptions"]) == ["orders-queue", "alerts-hook"])
        let hook = events?["subscriptions"]?["alerts-hook"]
        #expect(keys(hook) == ["protocol", "endpoint", "rawMessageDelivery", "matched", "filteredOut", "attempts", "retries",
                               "delivered", "deadLettered", "dropped", "pending", "deliveredBytes", "billedDeliveries",
                               "outOfOrder", "subscribeRefusal", "deliveryLatency"])
        let expected: [(String, JSONValue)] = [
            ("protocol", .string("https")), ("endpoint", .string("https://hooks.example")), ("rawMessageDelivery", .bool(false)),
            ("matched", .int(60)), ("filteredOut", .int(300)), ("attempts", .int(70)), ("retries", .int(10)),
            ("delivered", .int(56)), ("deadLettered", .int(2)), ("dropped", .int(1)), ("pending", .int(1)),
            ("deliveredBytes", .int(114_688)), ("billedDeliveries", .int(60)), ("outOfOrder", .int(0)),
        ]
        for (key, value) in expected { #expect(hook?[key] == value, "\(key)") }
        #expect(events?["subscriptions"]?["orders-queue"]?["rawMessageDelivery"] == .bool(true))
        _ = try JSONSerialization.jsonObject(with: Data(json.rendered().utf8))
    }

    @Test func aSubscriptionThatRecordedNoLatencyHasTheLatencyKeysWithNoMean() {
        let latency = report.json["topics"]?["payments.fifo"]?["subscriptions"]?["payments-queue"]?["deliveryLatency"]
        #expect(Set(keys(latency)).isSuperset(of: ["mean", "ci95", "n", "p50", "p90", "p99", "p999", "max"]))
        #expect(latency?["mean"] == .null && latency?["n"] == .int(0) && latency?["count"] == .int(0) && latency?["p99"] == .number(0))
    }

    @Test func aReportWithoutTopicsHasTheKeysItHadBeforeTopicsExisted() {
        let plain = ReportBuilder.build(demoRun, replications: demoReplications())
        #expect(plain.topics.isEmpty)
        #expect(keys(plain.json) == ["schemaVersion", "scenario", "description", "seed", "replications", "duration", "drain",
                                     "warmup", "queues", "consumers", "concurrency", "delivery", "faults", "api", "objectStore",
                                     "cost", "replicationDetails"])
        #expect(!plain.json.rendered().contains("SNS"))
        #expect(!plain.markdown.contains("## Topics") && !plain.markdown.contains("SNS"))
    }

    @Test func theMarkdownHasATopicsSectionBetweenQueuesAndConsumers() throws {
        let markdown = report.markdown
        let queues = try #require(markdown.range(of: "## Queues"))
        let topics = try #require(markdown.range(of: "## Topics"))
        let consumers = try #require(markdown.range(of: "## Consumers"))
        #expect(queues.upperBound < topics.lowerBound && topics.upperBound < consumers.lowerBound)
        #expect(markdown.contains("### order-events (standard)\n\n180 publish requests (210 billed), 360 messages published, "
                                  + "0 deduplicated, 3 throttled, 3 rejected, 0 given up by producers, 3 calls denied by access policies.\n\n"))
        #expect(markdown.contains("| subscription | protocol | endpoint | matched | filtered out | delivered | retries | DLQ | dropped "
                                  + "| pending | delivery p50 | delivery p99 |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"))
        #expect(markdown.contains("| orders-queue | sqs (raw) | queue/orders | 360 | 0 | 360 | 0 | 0 | 0 | 0 | 20.0 ms | 42.0 ms |\n"))
        #expect(markdown.contains("| alerts-hook | https | https://hooks.example | 60 | 300 | 56 | 10 | 2 | 1 | 1 | 200.0 ms | 400.0 ms |\n"))
        #expect(markdown.contains("| payments-queue | sqs | queue/payments.fifo | 9 | 0 | 9 | 0 | 0 | 0 | 0 | – | – |\n"))
        #expect(markdown.contains("Calls denied by access policies: auditor 1, intruder 2.\n\n### payments.fifo (fifo)"))
    }

    @Test func snsIsPricedFromTheTopicsAndShownWithTheOtherServices() throws {
        let cost = report.cost
        // Billed publishes 65, 65, 95 (mean 75) at $0.50 a million; HTTP/S deliveries 9, 19, 32
        // (mean 20) at $0.06 per 100,000; deliveries to queues are free.
        let publishes = try #require(cost.lines.first { $0.item == "SNS publish requests" })
        #expect(publishes.quantity == 75 && publishes.unit == "requests" && abs(publishes.usd - 75 * 0.50 / 1e6) < 1e-18)
        let http = try #require(cost.lines.first { $0.item == "SNS HTTP/S deliveries" })
        #expect(http.quantity == 20 && http.unit == "deliveries" && abs(http.usd - 20 * 0.06 / 1e5) < 1e-18)
        #expect(cost.lines.filter { $0.item.hasPrefix("SNS") }.count == 2)
        #expect(CostReport.byService(cost.lines).map(\.service) == ["SQS", "SNS"])
        #expect(keys(report.json["cost"]?["byService"]) == ["SQS", "SNS"])
        // A 10 s scenario: a month is 259,200 of them; the free publishes and HTTP/S deliveries come off.
        let freePublishes = try #require(cost.monthly.first { $0.item == "SNS publish free tier" })
        #expect(freePublishes.quantity == -1_000_000 && abs(freePublishes.usd + 0.50) < 1e-12)
        let markdown = report.markdown
        #expect(markdown.contains("| SNS HTTP/S deliveries | 20 deliveries | $0.000012 | 5184000 deliveries | $3.11 |\n"))
        #expect(markdown.contains("| SNS HTTP/S free tier | – | – | -100000 deliveries | -$0.06 |\n"))
        #expect(markdown.contains("SNS: $0.50 per million publish requests, $0.06 per 100,000 HTTP/S deliveries, "
                                  + "$2.00 per 100,000 email deliveries, $0.00645 per SMS message (US transactional, an assumption), "
                                  + "$0.50 per million mobile push deliveries and $0.03 per GB delivered to Firehose"))
    }

    @Test func replicationsGivenInAnyOrderMakeTheSameTopics() {
        let shuffled = ReportBuilder.build(demoRun, replications: Array(Self.replications().reversed()))
        #expect(shuffled.topics == report.topics)
        #expect(shuffled.json.rendered() == report.json.rendered())
        #expect(shuffled.markdown == report.markdown)
    }
}
