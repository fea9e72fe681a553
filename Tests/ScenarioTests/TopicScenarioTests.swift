import Foundation
import MessagingEngine
import Reporting
import Scenario
import SimKernel
import Testing
import Verification

/// SEMANTICS.md "Topic — SNS" and "Security" end to end: scenario files with topics run through
/// the world, and what the topics counted is checked against what the queues received.
@Suite struct TopicScenarioTests {
    static let account = "arn:aws:iam::123456789012:role"

    /// Runs replication 0 and keeps the world, whose ledgers say what each queue received.
    func run(_ text: String) throws -> (world: World, observations: ReplicationObservations) {
        let world = World(model: try ScenarioDecoder.decode(text, file: "t.yaml"), replication: 0)
        let observations = world.run()
        return (world, observations)
    }

    func topic(_ observations: ReplicationObservations, _ name: String) throws -> TopicObservations {
        try #require(observations.topics.first { $0.name == name })
    }

    func subscription(_ topic: TopicObservations, _ name: String) throws -> SubscriptionObservations {
        try #require(topic.subscriptions.first { $0.name == name })
    }

    func delivery(_ observations: ReplicationObservations, _ queue: String) throws -> DeliveryResult {
        try #require(observations.delivery.first { $0.queue == queue })
    }

    func ledger(_ world: World, _ queue: String) throws -> DeliveryLedger {
        try #require(world.ledgers.first { $0.queueName == queue })
    }

    // MARK: Filter policies

    static let filtered = """
        name: filtered
        duration: 30s
        drain: 2m
        seed: 3
        replications: 1
        queues:
          - name: placed
          - name: others
          - name: large
        topics:
          - name: orders
            subscriptions:
              - name: placed
                protocol: sqs
                endpoint: queue/placed
                filterPolicy: '{"eventType": ["order_placed"]}'
              - name: others
                protocol: sqs
                endpoint: queue/others
                filterPolicy: '{"eventType": [{"anything-but": "order_placed"}]}'
              - name: large
                protocol: sqs
                endpoint: queue/large
                filterPolicy: '{"amount": [{"numeric": [">=", 200]}]}'
        producers:
          - name: shop
            target: topic/orders
            arrivals: poisson(rate=50/s)
            messageAttributes:
              eventType: { type: String, values: { order_placed: 0.6, order_cancelled: 0.3, refund_issued: 0.1 } }
              amount:
                type: Number
                value: uniform(1, 400)
        consumers:
          - { name: placed-workers, source: queue/placed, count: 2, processing: constant(5ms) }
          - { name: others-workers, source: queue/others, count: 2, processing: constant(5ms) }
          - { name: large-workers, source: queue/large, count: 2, processing: constant(5ms) }
        """

    @Test func everyMessageMatchingAFilterReachesItsQueueExactlyOnceAndNoOtherDoes() throws {
        let (world, observations) = try run(Self.filtered)
        let orders = try topic(observations, "orders")
        let published = orders.messagesPublished
        #expect(published > 1_000)
        for name in ["placed", "others", "large"] {
            let s = try subscription(orders, name)
            #expect(s.matched + s.filteredOut == published, "\(name): every publish is matched or filtered out")
            #expect(s.matched > 0 && s.filteredOut > 0, "\(name): the filter must split the traffic for this test to mean anything")
            #expect(s.delivered == s.matched && s.dropped == 0 && s.pendingAtEnd == 0)
            #expect(s.attempts == s.matched, "\(name): an open queue with room accepts every first attempt")
            // The queue's own ledger, kept apart from the topic's counters, received exactly the matched messages.
            let result = try delivery(observations, name)
            #expect(result.sent == s.matched)
            #expect(result.count(.deliveredOnce) == s.matched)
            #expect(result.count(.lost) == 0)
            #expect(result.violationCounts.isEmpty, "\(name): \(result.violations)")
            let tags = try ledger(world, name).entries.map(\.tag)
            #expect(Set(tags).count == tags.count, "\(name): a message reached its queue twice")
        }
        // `placed` and `others` are complements: each message reached exactly one of them.
        let placed = Set(try ledger(world, "placed").entries.map(\.tag))
        let others = Set(try ledger(world, "others").entries.map(\.tag))
        #expect(placed.isDisjoint(with: others))
        #expect(placed.count + others.count == published)
        #expect(!placed.contains(DeliveryLedger.unknownTag) && !others.contains(DeliveryLedger.unknownTag))
    }

    static func weighted(rate: String = "100/s", duration: String = "40s") -> String {
        """
        name: weighted
        duration: \(duration)
        drain: 1m
        seed: 17
        replications: 1
        queues:
          - name: unused
        topics:
          - name: events
            subscriptions:
              - name: a
                protocol: lambda
                endpoint: handle-a
                filterPolicy: '{"kind": ["a"]}'
              - name: b
                protocol: lambda
                endpoint: handle-b
                filterPolicy: '{"kind": ["b"]}'
        producers:
          - name: source
            target: topic/events
            arrivals: constant(rate=\(rate))
            messageAttributes:
              kind: { type: String, values: { a: 0.25, b: 0.75 } }
        """
    }

    @Test func attributeValuesAreDrawnWithTheirWeights() throws {
        let (_, observations) = try run(Self.weighted())
        let events = try topic(observations, "events")
        // Constant arrivals at 100/s for 40 s: the first at 10 ms, the last at 39.99 s.
        let n = events.messagesPublished
        #expect(n == 3_999)
        let a = try subscription(events, "a"), b = try subscription(events, "b")
        #expect(a.matched + b.matched == n, "each message carries exactly one of the two values")
        #expect(a.delivered == a.matched && b.delivered == b.matched)
        // The count matched by `a` is binomial(n, 0.25): its share has standard deviation
        // sqrt(0.25 · 0.75 / n) ≈ 0.0068 for n = 3,999. Four standard deviations (≈ 0.027) leave a
        // correct generator a chance of about 6 in 100,000 to fail, while a generator that ignored
        // the weights (share 0.5) or swapped them (0.75) is far outside.
        let share = Double(a.matched) / Double(n)
        let tolerance = 4 * (0.25 * 0.75 / Double(n)).squareRoot()
        #expect(abs(share - 0.25) <= tolerance, "share \(share), tolerance \(tolerance)")
    }

    static let bodyFiltered = """
        name: body
        duration: 20s
        drain: 1m
        seed: 23
        replications: 1
        queues:
          - name: shipped
          - name: pending
          - name: in-range
          - name: over-range
          - name: by-attribute
        topics:
          - name: orders
            subscriptions:
              - name: shipped
                protocol: sqs
                endpoint: queue/shipped
                filterPolicyScope: MessageBody
                filterPolicy: '{"order": {"status": ["shipped"]}}'
              - name: pending
                protocol: sqs
                endpoint: queue/pending
                filterPolicyScope: MessageBody
                filterPolicy: '{"order": {"status": ["pending"]}}'
              - name: in-range
                protocol: sqs
                endpoint: queue/in-range
                filterPolicyScope: MessageBody
                filterPolicy: '{"order": {"total": [{"numeric": [">=", 1, "<=", 100]}], "status": [{"exists": true}]}}'
              - name: over-range
                protocol: sqs
                endpoint: queue/over-range
                filterPolicyScope: MessageBody
                filterPolicy: '{"order": {"total": [{"numeric": [">", 100]}]}}'
              - name: by-attribute
                protocol: sqs
                endpoint: queue/by-attribute
                filterPolicy: '{"order.status": ["shipped"]}'
        producers:
          - name: shop
            target: topic/orders
            arrivals: constant(rate=20/s)
            messageBody:
              order.status: { type: String, values: { shipped: 0.5, pending: 0.5 } }
              order.total:
                type: Number
                value: uniform(1, 100)
        """

    @Test func aMessageBodyFilterReadsNestedFieldsGeneratedFromDottedPaths() throws {
        let (_, observations) = try run(Self.bodyFiltered)
        let orders = try topic(observations, "orders")
        // Constant arrivals at 20/s for 20 s: 399 messages.
        let n = orders.messagesPublished
        #expect(n == 399)
        let shipped = try subscription(orders, "shipped"), pending = try subscription(orders, "pending")
        // order.status and order.total both live in one `order` object, so each body has a status.
        #expect(shipped.matched + pending.matched == n)
        #expect(shipped.matched > 0 && pending.matched > 0)
        // Every total is drawn from [1, 100]: all are within the range, none above it.
        #expect(try subscription(orders, "in-range").matched == n)
        #expect(try subscription(orders, "over-range").matched == 0)
        // The fields are in the body, not in attributes: an attribute-scope policy finds nothing.
        #expect(try subscription(orders, "by-attribute").matched == 0)
        for name in ["shipped", "pending", "in-range", "over-range", "by-attribute"] {
            #expect(try delivery(observations, name).sent == subscription(orders, name).matched, "\(name)")
        }
    }

    // MARK: Retries, dead letters and drops

    /// Constant arrivals at 10/s for 60 s (at k · 100 ms, k = 1 … 599) to an HTTPS endpoint that
    /// fails 20% of attempts and is down from 10 s to 40 s. The delivery policy retries 3 times,
    /// 2 s apart (±10% jitter), and each attempt takes 50 ms to answer, so the last retry starts at
    /// most 3 · (50 ms + 2.2 s) = 6.75 s after the publish: a message published in [10 s, 33.25 s)
    /// makes all its attempts during the outage.
    static func webhook(deadLetterQueue: Bool) -> String {
        """
        name: webhook
        duration: 60s
        drain: 5m
        seed: 7
        replications: 1
        queues:
          - name: webhook-dlq
        topics:
          - name: orders
            subscriptions:
              - name: partner
                protocol: https
                endpoint: https://partner.example.com/orders
                latency: constant(50ms)
                failureProbability: 0.2
                outages:
                  - { from: 10s, to: 40s }
                deliveryPolicy: { numRetries: 3, minDelayTarget: 2s, maxDelayTarget: 2s }
        \(deadLetterQueue ? "        deadLetterQueue: queue/webhook-dlq" : "")
        producers:
          - name: shop
            target: topic/orders
            arrivals: constant(rate=10/s)
        """
    }

    /// Publishes k = 100 … 332, at 10 s to 33.2 s, cannot outlast the outage.
    static let caughtByTheOutage = (100...332).map { Instant(nanoseconds: Int64($0) * 100_000_000) }

    @Test func messagesThatCannotOutlastAnOutageLandInTheSubscriptionDeadLetterQueue() throws {
        let (world, observations) = try run(Self.webhook(deadLetterQueue: true))
        #expect(observations.endReason == "drained")
        let orders = try topic(observations, "orders")
        #expect(orders.messagesPublished == 599)
        let partner = try subscription(orders, "partner")
        #expect(partner.matched == 599)
        // None is lost: each was delivered or dead-lettered, and nothing is still being retried.
        #expect(partner.delivered + partner.deadLettered == 599)
        #expect(partner.dropped == 0)
        #expect(partner.pendingAtEnd == 0)
        #expect(partner.deadLettered >= Self.caughtByTheOutage.count)
        // Every attempt of a dead-lettered message failed: 1 + 3 each.
        #expect(partner.attempts == partner.matched + partner.retries)
        #expect(partner.retries >= 3 * partner.deadLettered)

        // The dead-letter queue's own ledger holds them, each produced when its publish was.
        let dlq = try ledger(world, "webhook-dlq")
        #expect(dlq.entries.count == partner.deadLettered)
        let producedAt = Set(dlq.entries.map(\.producedAt))
        #expect(Self.caughtByTheOutage.allSatisfy(producedAt.contains))
        let result = try delivery(observations, "webhook-dlq")
        #expect(result.sent == partner.deadLettered)
        #expect(result.count(.queued) == partner.deadLettered, "nobody reads the dead-letter queue; it keeps them")
        #expect(result.count(.lost) == 0)
    }

    @Test func withoutADeadLetterQueueTheSameMessagesAreDroppedAndCounted() throws {
        let (_, kept) = try run(Self.webhook(deadLetterQueue: true))
        let (world, observations) = try run(Self.webhook(deadLetterQueue: false))
        #expect(observations.endReason == "drained")
        let partner = try subscription(try topic(observations, "orders"), "partner")
        let withQueue = try subscription(try topic(kept, "orders"), "partner")
        // The endpoint draws from its own stream, so removing the dead-letter queue changes no
        // attempt: exactly the messages dead-lettered before are dropped now.
        #expect(partner.dropped == withQueue.deadLettered)
        #expect(partner.delivered == withQueue.delivered)
        #expect(partner.deadLettered == 0 && partner.pendingAtEnd == 0)
        #expect(partner.dropped >= Self.caughtByTheOutage.count)
        #expect(partner.delivered + partner.dropped == 599)
        #expect(try ledger(world, "webhook-dlq").entries.isEmpty)
    }

    // MARK: FIFO topics

    static let fifoTopic = """
        name: fifo-topic
        duration: 1m
        drain: 5m
        seed: 5
        replications: 1
        queues:
          - name: pricing.fifo
            type: fifo
            visibilityTimeout: 5s
          - name: search.fifo
            type: fifo
            visibilityTimeout: 5s
        topics:
          - name: prices.fifo
            type: fifo
            subscriptions:
              - name: pricing
                protocol: sqs
                endpoint: queue/pricing.fifo
              - name: search
                protocol: sqs
                endpoint: queue/search.fifo
                filterPolicy: '{"category": ["books", "music"]}'
        producers:
          - name: catalog
            target: topic/prices.fifo
            arrivals: poisson(rate=40/s)
            messageGroups: 20
            deduplicationId: perMessage
            responseLoss: 0.05
            messageAttributes:
              category: { type: String, values: { books: 0.3, music: 0.2, garden: 0.5 } }
        consumers:
          - name: pricing-workers
            source: queue/pricing.fifo
            count: 4
            maxMessages: 10
            processing: exponential(mean=20ms)
            failureProbability: 0.05
          - name: search-workers
            source: queue/search.fifo
            count: 2
            maxMessages: 10
            processing: exponential(mean=20ms)
        network:
          apiLatency: lognormal(mean=10ms, sd=4ms)
        """

    @Test func aFifoTopicKeepsGroupOrderIntoFifoQueuesAndDeduplicatesProducerRetries() throws {
        let (_, observations) = try run(Self.fifoTopic)
        let prices = try topic(observations, "prices.fifo")
        #expect(prices.deduplicated > 0, "lost answers must have caused republishes for this test to mean anything")
        #expect(prices.publishRequests == prices.messagesPublished + prices.deduplicated + prices.throttled + prices.rejected)
        for (name, queue) in [("pricing", "pricing.fifo"), ("search", "search.fifo")] {
            let s = try subscription(prices, name)
            #expect(s.outOfOrder == 0, "\(name)")
            #expect(s.delivered == s.matched && s.pendingAtEnd == 0, "\(name)")
            let result = try delivery(observations, queue)
            // Republished messages were stopped at the topic: each reached the queue once, so the
            // queue had nothing to deduplicate and no content was enqueued twice.
            #expect(result.sent == s.matched, "\(queue)")
            #expect(result.sendsDeduplicated == 0, "\(queue)")
            #expect(result.violationCounts[.duplicateContent] == nil, "\(queue): \(result.violations)")
            #expect(result.violationCounts[.orderViolation] == nil, "\(queue): \(result.violations)")
            #expect(result.groupsOutOfOrder == 0, "\(queue)")
            #expect(result.groupsSeen > 0)
            #expect(result.count(.lost) == 0)
        }
        // The pricing subscription has no filter: its queue received every message published once.
        #expect(try delivery(observations, "pricing.fifo").sent == prices.messagesPublished)
    }

    // MARK: Access policies

    static func guarded(allowSns: Bool, deadLetterQueue: Bool) -> String {
        let snsStatement = "\n      - { effect: allow, principals: [sns.amazonaws.com], actions: [sqs:SendMessage] }"
        return """
            name: guarded
            duration: 30s
            drain: 1m
            replications: 1
            queues:
              - name: orders
                policy:
                  - { effect: allow, principals: [\(account)/workers], actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage"] }\(allowSns ? snsStatement : "")
              - name: orders-dlq
            topics:
              - name: events
                subscriptions:
                  - name: orders
                    protocol: sqs
                    endpoint: queue/orders
            \(deadLetterQueue ? "        deadLetterQueue: queue/orders-dlq" : "")
            producers:
              - name: shop
                target: topic/events
                arrivals: constant(rate=10/s)
            consumers:
              - name: workers
                source: queue/orders
                processing: constant(5ms)
            """
    }

    /// Constant arrivals at 10/s for 30 s.
    static let guardedPublishes = 299

    @Test func aQueueWhosePolicyDoesNotLetSnsSendRefusesEveryDeliveryAsAClientError() throws {
        let (_, observations) = try run(Self.guarded(allowSns: false, deadLetterQueue: false))
        let orders = try subscription(try topic(observations, "events"), "orders")
        #expect(orders.matched == Self.guardedPublishes)
        // A refusal is a client-side error: one attempt each, no retry, dropped.
        #expect(orders.attempts == Self.guardedPublishes && orders.retries == 0)
        #expect(orders.delivered == 0 && orders.dropped == Self.guardedPublishes)
        let queue = try #require(observations.queues.first { $0.name == "orders" })
        #expect(queue.activity.deniedCalls == Self.guardedPublishes)
        #expect(queue.deniedByPrincipal.map(\.principal) == ["sns.amazonaws.com"])
        #expect(queue.deniedByPrincipal.first?.count == Self.guardedPublishes)
        #expect(try delivery(observations, "orders").sent == 0)
    }

    @Test func deliveriesAQueueRefusesGoToTheSubscriptionDeadLetterQueueWhenThereIsOne() throws {
        let (_, observations) = try run(Self.guarded(allowSns: false, deadLetterQueue: true))
        let orders = try subscription(try topic(observations, "events"), "orders")
        #expect(orders.deadLettered == Self.guardedPublishes && orders.dropped == 0)
        #expect(try delivery(observations, "orders-dlq").sent == Self.guardedPublishes)
        let queue = try #require(observations.queues.first { $0.name == "orders" })
        #expect(queue.activity.deniedCalls == Self.guardedPublishes)
    }

    @Test func aQueuePolicyThatLetsSnsSendLetsTheDeliveriesThrough() throws {
        let (_, observations) = try run(Self.guarded(allowSns: true, deadLetterQueue: false))
        let orders = try subscription(try topic(observations, "events"), "orders")
        #expect(orders.delivered == Self.guardedPublishes && orders.dropped == 0)
        let result = try delivery(observations, "orders")
        #expect(result.sent == Self.guardedPublishes && result.count(.deliveredOnce) == Self.guardedPublishes)
        #expect(observations.queues.first { $0.name == "orders" }?.activity.deniedCalls == 0)
    }

    @Test func aSubscriptionWhosePrincipalMayNotSubscribeIsReportedWithTheReasonAndReceivesNothing() throws {
        let text = """
            name: refused-subscription
            duration: 10s
            drain: 1m
            replications: 1
            queues:
              - name: orders
              - name: audit
            topics:
              - name: events
                policy:
                  - { effect: allow, principals: ["*"], actions: [sns:Publish] }
                  - { effect: allow, principals: [\(Self.account)/ops], actions: [sns:Subscribe] }
                subscriptions:
                  - name: orders
                    protocol: sqs
                    endpoint: queue/orders
                    principal: \(Self.account)/ops
                  - name: audit
                    protocol: sqs
                    endpoint: queue/audit
                    principal: \(Self.account)/intern
            producers:
              - name: web
                target: topic/events
                arrivals: constant(rate=10/s)
            consumers:
              - name: workers
                source: queue/orders
                processing: constant(5ms)
            """
        let (_, observations) = try run(text)
        let events = try topic(observations, "events")
        #expect(events.subscriptions[0].subscribeRefusal == nil)
        #expect(events.subscriptions[1].subscribeRefusal?.contains("sns:Subscribe") == true)
        #expect(events.subscriptions[0].matched == 99 && events.subscriptions[1].matched == 0)
        #expect(events.deniedCalls == 1)
        #expect(try delivery(observations, "audit").sent == 0)
    }

    @Test func aTopicPolicyThatLetsOnePrincipalPublishDeniesTheOtherAndCountsItsAbandonedMessages() throws {
        let text = """
            name: topic-policy
            duration: 30s
            drain: 1m
            replications: 1
            queues:
              - name: orders
            topics:
              - name: events
                policy:
                  - { effect: allow, principals: [\(Self.account)/web], actions: [sns:Publish] }
                subscriptions:
                  - name: orders
                    protocol: sqs
                    endpoint: queue/orders
            producers:
              - name: web
                target: topic/events
                arrivals: constant(rate=10/s)
              - name: rogue
                target: topic/events
                arrivals: constant(rate=5/s)
            consumers:
              - name: workers
                source: queue/orders
                processing: constant(5ms)
            """
        let (_, observations) = try run(text)
        let events = try topic(observations, "events")
        // In 30 s: web publishes 299 times (every 100 ms), rogue 149 times (every 200 ms).
        #expect(events.messagesPublished == 299)
        #expect(events.publishRequests == 299, "a denied call does not reach the topic")
        #expect(events.deniedCalls == 149)
        #expect(events.deniedByPrincipal.map(\.principal) == ["\(Self.account)/rogue"])
        #expect(events.deniedByPrincipal.first?.count == 149)
        // AuthorizationError is not retried: each of rogue's messages is given up at once.
        #expect(events.publishesAbandoned == 149)
        #expect(try delivery(observations, "orders").sent == 299)
    }

    // MARK: Raw delivery

    @Test func theEnvelopePushesANearlySixtyFourKibibyteBodyIntoASecondBilledChunk() throws {
        let body = 65_000
        let text = """
            name: raw
            duration: 10s
            drain: 1m
            replications: 1
            queues:
              - name: raw
              - name: enveloped
            topics:
              - name: events
                subscriptions:
                  - name: raw
                    protocol: sqs
                    endpoint: queue/raw
                    rawMessageDelivery: true
                  - name: enveloped
                    protocol: sqs
                    endpoint: queue/enveloped
            producers:
              - name: shop
                target: topic/events
                arrivals: constant(rate=10/s)
                messageSize: constant(\(body)B)
            """
        let envelope = TopicEnvelope(topicArn: TopicAccessControl.arn(ofTopic: "events"), isFifo: false)
        // The premise: the body fits one 64 KiB chunk, the body in its envelope does not.
        #expect(body <= 65_536 && envelope.bytes(bodyBytes: body, attributes: []) > 65_536)
        let (_, observations) = try run(text)
        let events = try topic(observations, "events")
        // Constant arrivals at 10/s for 10 s: 99 messages; nobody receives, so the queues bill only sends.
        let n = 99
        #expect(events.messagesPublished == n)
        let raw = try subscription(events, "raw"), enveloped = try subscription(events, "enveloped")
        #expect(raw.deliveredBytes == n * body)
        #expect(enveloped.deliveredBytes == n * envelope.bytes(bodyBytes: body, attributes: []))
        #expect(raw.billedDeliveries == n && enveloped.billedDeliveries == 2 * n)
        let rawQueue = try #require(observations.queues.first { $0.name == "raw" })
        let envelopedQueue = try #require(observations.queues.first { $0.name == "enveloped" })
        #expect(rawQueue.activity.billedRequests == n)
        #expect(envelopedQueue.activity.billedRequests == 2 * n)
    }
}
