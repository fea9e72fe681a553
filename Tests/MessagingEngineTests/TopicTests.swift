import MessagingEngine
import SimKernel
import Testing

/// An endpoint that answers each attempt after `latency` with what `outcome` says, and remembers
/// when every attempt came.
final class ScriptedEndpoint: SubscriptionEndpoint, TimerTarget {
    let scheduler: Scheduler
    let latency: Span
    let outcome: (DeliveryAttempt) -> DeliveryOutcome
    private(set) var attempts: [(attempt: DeliveryAttempt, at: Instant)] = []
    private var pending: [(DeliveryAttempt, Topic)] = []

    init(_ scheduler: Scheduler, latency: Span = .zero, outcome: @escaping (DeliveryAttempt) -> DeliveryOutcome = { _ in .delivered }) {
        self.scheduler = scheduler
        self.latency = latency
        self.outcome = outcome
    }

    func deliver(_ attempt: DeliveryAttempt, for topic: Topic) {
        attempts.append((attempt, scheduler.now))
        pending.append((attempt, topic))
        scheduler.schedule(at: scheduler.now + latency, target: self, code: 0, payload: pending.count - 1)
    }

    func timerFired(code: Int, payload: Int) {
        let (attempt, topic) = pending[payload]
        #expect(topic.completeDelivery(attempt.ticket, outcome: outcome(attempt)))
    }

    /// Seconds after `start` of each attempt.
    func attemptSeconds(from start: Instant = .zero) -> [Double] { attempts.map { ($0.at - start).seconds } }
}

/// Records what a topic reports.
final class TopicLog: TopicObserver {
    private(set) var events: [TopicEvent] = []
    func topic(_ topic: Topic, didObserve event: TopicEvent) { events.append(event) }
}

/// Returns the same draw every time.
final class FixedDraw: EngineRandomness {
    let value: Double
    init(_ value: Double) { self.value = value }
    func uniform() -> Double { value }
}

/// A topic on a kernel, with its log.
final class TopicWorld {
    let scheduler = Scheduler()
    let topic: Topic
    let log = TopicLog()

    init(_ configuration: TopicConfiguration = TopicConfiguration(name: "events")) {
        topic = Topic(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        topic.observer = log
    }

    @discardableResult
    func subscribe(_ name: String, _ protocolName: SubscriptionProtocol = .https, endpoint: SubscriptionEndpoint,
                   filter: String? = nil, scope: FilterPolicy.Scope = .messageAttributes, raw: Bool = false,
                   policy: DeliveryRetryPolicy? = nil, deadLetterQueue: Queue? = nil, targetQueue: Queue? = nil) throws -> Int {
        let configuration = SubscriptionConfiguration(
            name: name, protocolName: protocolName, endpointName: protocolName == .sqs ? "queue/\(name)" : "https://\(name).example",
            filterPolicy: try filter.map { try FilterPolicy($0, scope: scope) }, rawMessageDelivery: raw, deliveryPolicy: policy)
        return try topic.subscribe(configuration, endpoint: endpoint, targetQueue: targetQueue, deadLetterQueue: deadLetterQueue).get()
    }

    @discardableResult
    func publish(_ request: PublishRequest = PublishRequest(bodyBytes: 100)) -> PublishResult {
        let result = topic.publish(request)
        topic.checkInvariants()
        return result
    }

    func run(until seconds: Double = 1e9) {
        _ = scheduler.run(until: Instant(nanoseconds: Int64(seconds * 1e9)), eventBudget: 10_000_000)
        topic.checkInvariants()
    }
}

extension PublishRequest {
    static func event(_ type: String, amount: Double = 10, group: String? = nil, dedup: String? = nil, tag: UInt64 = 0) -> PublishRequest {
        PublishRequest(bodyBytes: 100,
                       attributes: [TopicMessageAttribute(name: "eventType", value: .string(type), valueBytes: type.utf8.count),
                                    TopicMessageAttribute(name: "amount", value: .number(amount), valueBytes: 2)],
                       tag: tag, messageGroupId: group, deduplicationId: dedup)
    }
}

/// SEMANTICS.md, Topic — SNS: publishing, fan-out, filtering, retries, dead letters, FIFO topics,
/// envelopes and access.
@Suite struct TopicTests {
    // MARK: Publish and fan-out

    @Test func publishFansOutToEverySubscription() throws {
        let world = TopicWorld()
        let endpoints = (0..<3).map { _ in ScriptedEndpoint(world.scheduler) }
        for (i, endpoint) in endpoints.enumerated() { try world.subscribe("s\(i)", endpoint: endpoint) }
        #expect(world.publish() == .published(TopicMessageID(0)))
        world.run()
        #expect(endpoints.map(\.attempts.count) == [1, 1, 1])
        #expect(world.topic.subscriptions.map(\.counters.delivered) == [1, 1, 1])
        #expect(world.topic.counters.messagesPublished == 1)
    }

    @Test func filteredOutMessagesAreCountedAndNeverDelivered() throws {
        let world = TopicWorld()
        let placed = ScriptedEndpoint(world.scheduler)
        let everything = ScriptedEndpoint(world.scheduler)
        try world.subscribe("placed", endpoint: placed, filter: #"{"eventType": ["order_placed"]}"#)
        try world.subscribe("all", endpoint: everything)
        world.publish(.event("order_placed"))
        world.publish(.event("order_cancelled"))
        world.publish(.event("order_placed"))
        world.run()
        #expect(placed.attempts.map(\.attempt.messageId) == [TopicMessageID(0), TopicMessageID(2)])
        #expect(world.topic.subscriptions[0].counters.matched == 2)
        #expect(world.topic.subscriptions[0].counters.filteredOut == 1)
        #expect(world.topic.subscriptions[1].counters.matched == 3)
        #expect(everything.attempts.count == 3)
    }

    @Test func bodyScopeFilterReadsNestedFieldsOfTheJsonBody() throws {
        let world = TopicWorld()
        let endpoint = ScriptedEndpoint(world.scheduler)
        try world.subscribe("eu", endpoint: endpoint, filter: #"{"order": {"region": ["eu-west-1"]}}"#, scope: .messageBody)
        let eu = try FilterPolicy.parseJSON(#"{"order": {"region": "eu-west-1", "total": 12}}"#)
        let us = try FilterPolicy.parseJSON(#"{"order": {"region": "us-east-1"}}"#)
        world.publish(PublishRequest(bodyBytes: 60, body: eu))
        world.publish(PublishRequest(bodyBytes: 60, body: us))
        world.publish(PublishRequest(bodyBytes: 60))
        world.run()
        #expect(endpoint.attempts.map(\.attempt.messageId) == [TopicMessageID(0)])
        #expect(world.topic.subscriptions[0].counters.filteredOut == 2)
    }

    @Test func aMessageOverTwoHundredFiftySixKibibytesIsRejected() {
        let world = TopicWorld()
        let attribute = TopicMessageAttribute(name: "k", value: .string("v"), valueBytes: 1)
        let exactly = PublishRequest(bodyBytes: 262_144 - attribute.sizeBytes, attributes: [attribute])
        #expect(world.publish(exactly) == .published(TopicMessageID(0)))
        let over = PublishRequest(bodyBytes: 262_145 - attribute.sizeBytes, attributes: [attribute])
        guard case .rejected(.invalidParameter) = world.publish(over) else {
            Issue.record("a message of 262145 bytes with attributes was accepted")
            return
        }
        #expect(world.topic.counters.rejected == 1)
    }

    @Test func publishBatchTakesAtMostTenEntriesAndTwoHundredFiftySixKibibytes() {
        let world = TopicWorld()
        guard case .rejected(.emptyBatchRequest) = world.topic.publishBatch([]) else { Issue.record("an empty batch was accepted"); return }
        let eleven = Array(repeating: PublishRequest(bodyBytes: 10), count: 11)
        guard case .rejected(.tooManyEntriesInBatchRequest(11)) = world.topic.publishBatch(eleven) else {
            Issue.record("a batch of 11 was accepted")
            return
        }
        let heavy = Array(repeating: PublishRequest(bodyBytes: 30_000), count: 9)
        guard case .rejected(.batchRequestTooLong(270_000)) = world.topic.publishBatch(heavy) else {
            Issue.record("a batch of 270000 bytes was accepted")
            return
        }
        guard case .entries(let results) = world.topic.publishBatch(Array(repeating: PublishRequest(bodyBytes: 100), count: 10)) else {
            Issue.record("a batch of 10 small messages was rejected")
            return
        }
        #expect(results == (0..<10).map { .published(TopicMessageID($0)) })
    }

    @Test func publishesAreBilledPerStartedSixtyFourKibibyteChunk() {
        let world = TopicWorld()
        world.publish(PublishRequest(bodyBytes: 65_536))
        world.publish(PublishRequest(bodyBytes: 65_537))
        _ = world.topic.publishBatch(Array(repeating: PublishRequest(bodyBytes: 1_000), count: 10))
        #expect(world.topic.counters.billedPublishRequests == 1 + 2 + 1)
        #expect(world.topic.counters.publishRequests == 3)
    }

    // MARK: Retries

    @Test func httpDefaultPolicyRetriesThreeTimesTwentySecondsApartThenDrops() throws {
        let world = TopicWorld()
        let failing = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
        try world.subscribe("hook", endpoint: failing)
        world.publish()
        world.run()
        #expect(failing.attemptSeconds() == [0, 20, 40, 60])
        let counters = world.topic.subscriptions[0].counters
        #expect(counters.attempts == 4)
        #expect(counters.retries == 3)
        #expect(counters.dropped == 1)
        guard case .dropped(0, TopicMessageID(0), let reason, _) = world.log.events.last else {
            Issue.record("no drop was reported: \(world.log.events)")
            return
        }
        #expect(reason.contains("retries exhausted after 4 attempts"))
    }

    @Test func awsManagedPolicyRetriesThreeTimesAtOnceThenTwiceAtOneSecondThenBacksOff() throws {
        let world = TopicWorld()
        let failures = 8
        let endpoint = ScriptedEndpoint(world.scheduler) { $0.attempt <= failures ? .serverError("throttled") : .delivered }
        try world.subscribe("q", .sqs, endpoint: endpoint)
        world.publish()
        world.run()
        // 3 immediate, 2 at 1 s, then backoff 1, 2, 4 s.
        #expect(endpoint.attemptSeconds() == [0, 0, 0, 0, 1, 2, 3, 5, 9])
        #expect(world.topic.subscriptions[0].counters.delivered == 1)
        #expect(world.topic.subscriptions[0].counters.retries == 8)
    }

    @Test func customerManagedPolicyWaitsTenSecondsBeforeItsFirstRetries() throws {
        let world = TopicWorld()
        let endpoint = ScriptedEndpoint(world.scheduler) { $0.attempt <= 3 ? .serverError("smtp down") : .delivered }
        try world.subscribe("ops", .email, endpoint: endpoint)
        world.publish()
        world.run()
        // No immediate retries; 2 at 10 s; the backoff phase starts at 10 s.
        #expect(endpoint.attemptSeconds() == [0, 10, 20, 30])
    }

    @Test func customHttpPolicyFollowsItsOwnPhases() throws {
        let world = TopicWorld()
        let endpoint = ScriptedEndpoint(world.scheduler) { _ in .serverError("503") }
        let policy = DeliveryRetryPolicy(numRetries: 5, numNoDelayRetries: 1, minDelayTarget: .seconds(2), maxDelayTarget: .seconds(8),
                                         numMinDelayRetries: 1, numMaxDelayRetries: 1, backoffFunction: .linear)
        try world.subscribe("hook", endpoint: endpoint, policy: policy)
        world.publish()
        world.run()
        // Immediate; 2 s; backoff linear over 2 retries: 2 s then 8 s; 8 s.
        #expect(endpoint.attemptSeconds() == [0, 0, 2, 4, 12, 20])
    }

    @Test func retryJitterMovesEachDelayByAtMostTenPercent() throws {
        for (draw, expected) in [(0.0, [0.0, 18, 36, 54]), (0.5, [0.0, 20, 40, 60]), (0.9999999, [0.0, 22, 44, 66])] {
            let world = TopicWorld()
            world.topic.randomness = FixedDraw(draw)
            let endpoint = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
            try world.subscribe("hook", endpoint: endpoint)
            world.publish()
            world.run()
            let seconds = endpoint.attemptSeconds()
            #expect(seconds.count == 4)
            for (got, want) in zip(seconds, expected) { #expect(abs(got - want) < 1e-5, "draw \(draw): \(seconds)") }
        }
    }

    @Test func eachSubscriptionDrawsItsJitterFromItsOwnStream() throws {
        let world = TopicWorld()
        world.topic.randomness = FixedDraw(0.5)
        let early = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
        let late = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
        let shared = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
        _ = try world.topic.subscribe(SubscriptionConfiguration(name: "early", protocolName: .https, endpointName: "https://a"),
                                      endpoint: early, randomness: FixedDraw(0)).get()
        _ = try world.topic.subscribe(SubscriptionConfiguration(name: "late", protocolName: .https, endpointName: "https://b"),
                                      endpoint: late, randomness: FixedDraw(0.75)).get()
        try world.subscribe("shared", endpoint: shared)
        world.publish()
        world.run()
        // HTTP/S default: 20 s apart, moved by 10% × (2u − 1): −2 s, +1 s, and the topic's 0.
        #expect(early.attemptSeconds() == [0, 18, 36, 54])
        #expect(late.attemptSeconds() == [0, 21, 42, 63])
        #expect(shared.attemptSeconds() == [0, 20, 40, 60])
    }

    @Test func maxReceivesPerSecondLetsThatManyAttemptsStartInAnySecondAndTheRestWaitInLine() throws {
        let world = TopicWorld()
        let endpoint = ScriptedEndpoint(world.scheduler)
        let policy = DeliveryRetryPolicy(numRetries: 3, minDelayTarget: .seconds(20), maxDelayTarget: .seconds(20), maxReceivesPerSecond: 4)
        try world.subscribe("hook", endpoint: endpoint, policy: policy)
        for _ in 0..<6 { world.publish() }
        _ = world.scheduler.run(until: Instant(nanoseconds: 1_500_000_000), eventBudget: 1_000)
        for _ in 0..<3 { world.publish() }
        world.run()
        // Four at 0 s; the fifth and sixth when the first second has passed (with two free slots
        // left in the window that opens then); the three published at 1.5 s wait for 2 s.
        #expect(endpoint.attemptSeconds() == [0, 0, 0, 0, 1, 1, 1.5, 1.5, 2])
        #expect(endpoint.attempts.map(\.attempt.messageId.rawValue) == Array(0..<9))
        #expect(world.topic.subscriptions[0].counters.throttleWaits == 3)
    }

    @Test func aClientSideErrorIsNotRetried() throws {
        let world = TopicWorld()
        let endpoint = ScriptedEndpoint(world.scheduler) { _ in .clientError("403 Forbidden") }
        try world.subscribe("hook", endpoint: endpoint)
        world.publish()
        world.run()
        #expect(endpoint.attempts.count == 1)
        #expect(world.topic.subscriptions[0].counters.dropped == 1)
    }

    // MARK: Subscription dead-letter queues

    @Test func exhaustedRetriesSendTheMessageToTheSubscriptionDeadLetterQueue() throws {
        let world = TopicWorld()
        let dlq = Queue(configuration: QueueConfiguration(name: "hook-dlq"), token: 7, clock: world.scheduler, timers: world.scheduler)
        let endpoint = ScriptedEndpoint(world.scheduler) { _ in .serverError("500") }
        try world.subscribe("hook", endpoint: endpoint, deadLetterQueue: dlq)
        world.publish()
        world.run()
        #expect(world.topic.subscriptions[0].counters.deadLettered == 1)
        #expect(world.topic.subscriptions[0].counters.dropped == 0)
        #expect(dlq.counters.messagesSent == 1)
        #expect(world.log.events.last == .deadLettered(subscription: 0, TopicMessageID(0), queue: 7, newId: MessageID(0),
                                                         at: Instant(nanoseconds: 60_000_000_000)))
    }

    @Test func aDeadLetterQueueThatDeniesSnsDropsTheMessageAndSaysWhy() throws {
        let world = TopicWorld()
        let dlq = Queue(configuration: QueueConfiguration(name: "hook-dlq"), token: 7, clock: world.scheduler, timers: world.scheduler)
        let arn = QueueAccessControl.arn(ofQueue: "hook-dlq")
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([PolicyStatement(effect: .allow, principals: ["arn:aws:iam::123456789012:role/app"],
                                                                  actions: ["sqs:*"], resources: [arn])]), for: arn)
        dlq.accessControl = QueueAccessControl(evaluator: evaluator, resource: arn)
        try world.subscribe("hook", endpoint: ScriptedEndpoint(world.scheduler) { _ in .clientError("410 Gone") }, deadLetterQueue: dlq)
        world.publish()
        world.run()
        #expect(world.topic.subscriptions[0].counters.dropped == 1)
        #expect(dlq.storedCount == 0)
        guard case .dropped(_, _, let reason, _) = world.log.events.last else { Issue.record("no drop"); return }
        #expect(reason.contains("the dead-letter queue refused it"))
        #expect(reason.contains("sns.amazonaws.com"))
    }

    // MARK: FIFO topics

    static func fifo(_ configure: (inout TopicConfiguration) -> Void = { _ in }) -> TopicWorld {
        var configuration = TopicConfiguration(name: "prices.fifo", isFifo: true)
        configure(&configuration)
        return TopicWorld(configuration)
    }

    @Test func aFifoTopicNeedsAMessageGroupIdAndADeduplicationId() {
        let world = Self.fifo()
        guard case .rejected(.invalidParameter(let why)) = world.publish(.event("x", dedup: "d1")) else { Issue.record("no group accepted"); return }
        #expect(why.contains("MessageGroupId"))
        guard case .rejected(.invalidParameter(let why2)) = world.publish(.event("x", group: "g")) else { Issue.record("no dedup accepted"); return }
        #expect(why2.contains("ContentBasedDeduplication"))
        #expect(world.publish(.event("x", group: "g", dedup: "d1")) == .published(TopicMessageID(0)))
    }

    @Test func aFifoTopicDeduplicatesForFiveMinutes() throws {
        let world = Self.fifo()
        let endpoint = ScriptedEndpoint(world.scheduler)
        let queue = Queue(configuration: { var c = QueueConfiguration(name: "q.fifo"); c.isFifo = true; return c }(), token: 3,
                          clock: world.scheduler, timers: world.scheduler)
        try world.subscribe("q", .sqs, endpoint: endpoint, targetQueue: queue)
        #expect(world.publish(.event("x", group: "g", dedup: "d1")) == .published(TopicMessageID(0)))
        _ = world.scheduler.run(until: Instant(nanoseconds: 299_999_999_999), eventBudget: 1000)
        #expect(world.publish(.event("x", group: "g", dedup: "d1")) == .deduplicated(TopicMessageID(0)))
        _ = world.scheduler.run(until: Instant(nanoseconds: 300_000_000_000), eventBudget: 1000)
        #expect(world.publish(.event("x", group: "g", dedup: "d1")) == .published(TopicMessageID(1)))
        world.run()
        #expect(endpoint.attempts.count == 2)
        #expect(world.topic.counters.deduplicated == 1)
    }

    @Test func contentBasedDeduplicationComparesTheBody() {
        let world = Self.fifo { $0.contentBasedDeduplication = true }
        #expect(world.publish(.event("x", group: "g", tag: 5)) == .published(TopicMessageID(0)))
        #expect(world.publish(.event("x", group: "h", tag: 5)) == .deduplicated(TopicMessageID(0)))
        #expect(world.publish(.event("x", group: "g", tag: 6)) == .published(TopicMessageID(1)))
    }

    @Test func messageGroupScopeDeduplicatesWithinAGroupOnly() {
        let world = Self.fifo { $0 = TopicConfiguration(name: "prices.fifo", isFifo: true, fifoThroughputScope: .messageGroup) }
        #expect(world.publish(.event("x", group: "g", dedup: "d")) == .published(TopicMessageID(0)))
        #expect(world.publish(.event("x", group: "h", dedup: "d")) == .published(TopicMessageID(1)))
        #expect(world.publish(.event("x", group: "g", dedup: "d")) == .deduplicated(TopicMessageID(0)))
    }

    @Test func aFifoTopicDeliversEachGroupToASubscriptionInOrderOneAtATime() throws {
        let world = Self.fifo()
        // The first message of group g fails twice; g's second message must wait for it, while
        // group h goes ahead.
        let endpoint = ScriptedEndpoint(world.scheduler, latency: .milliseconds(10)) { attempt in
            attempt.messageId == TopicMessageID(0) && attempt.attempt <= 2 ? .serverError("throttled") : .delivered
        }
        try world.subscribe("q", .sqs, endpoint: endpoint)
        world.publish(.event("a", group: "g", dedup: "1"))
        world.publish(.event("b", group: "g", dedup: "2"))
        world.publish(.event("c", group: "h", dedup: "3"))
        world.run()
        let order = world.log.events.compactMap { event -> Int? in
            if case .delivered(_, let id, _, _, _, _) = event { return id.rawValue }
            return nil
        }
        #expect(order == [2, 0, 1])
        let starts = endpoint.attempts.filter { $0.attempt.messageId == TopicMessageID(1) }.map(\.at)
        let lastOfFirst = endpoint.attempts.filter { $0.attempt.messageId == TopicMessageID(0) }.map(\.at).max()!
        #expect(starts.count == 1 && starts[0] > lastOfFirst)
    }

    @Test func aFifoTopicOfTopicScopeAcceptsThreeThousandMessagesASecond() {
        let world = Self.fifo()
        for i in 0..<3_000 { #expect(world.topic.publish(.event("x", group: "g\(i % 7)", dedup: "\(i)")) == .published(TopicMessageID(i))) }
        guard case .rejected(.throttled) = world.publish(.event("x", group: "g", dedup: "late")) else {
            Issue.record("the 3001st message within a second was accepted")
            return
        }
        _ = world.scheduler.run(until: Instant(nanoseconds: 1_000_000_000), eventBudget: 100_000)
        #expect(world.publish(.event("x", group: "g", dedup: "next second")) == .published(TopicMessageID(3_000)))
        #expect(world.topic.counters.throttled == 1)
    }

    @Test func aFifoTopicOfTopicScopeAcceptsTwentyMegabytesASecond() {
        let world = Self.fifo()
        let big = { (i: Int) in PublishRequest(bodyBytes: 262_144, messageGroupId: "g", deduplicationId: "\(i)") }
        // 20,000,000 / 262,144 = 76.3: the 77th full-size message within a second is throttled.
        for i in 0..<76 { #expect(world.topic.publish(big(i)) == .published(TopicMessageID(i))) }
        guard case .rejected(.throttled) = world.publish(big(76)) else { Issue.record("21 MB in a second were accepted"); return }
    }

    @Test func messageGroupScopeLimitsEachGroup() {
        let world = Self.fifo { $0 = TopicConfiguration(name: "prices.fifo", isFifo: true, fifoThroughputScope: .messageGroup) }
        for i in 0..<300 { #expect(world.topic.publish(.event("x", group: "hot", dedup: "\(i)")) == .published(TopicMessageID(i))) }
        guard case .rejected(.throttled) = world.publish(.event("x", group: "hot", dedup: "300")) else {
            Issue.record("a group's 301st message within a second was accepted")
            return
        }
        #expect(world.publish(.event("x", group: "cold", dedup: "300")) == .published(TopicMessageID(300)))
    }

    @Test func aFifoTopicDeliversOnlyToQueuesAndAStandardTopicNotToFifoQueues() {
        let fifo = Self.fifo()
        let refused = fifo.topic.subscribe(SubscriptionConfiguration(name: "hook", protocolName: .https, endpointName: "https://x"),
                                           endpoint: ScriptedEndpoint(fifo.scheduler))
        guard case .failure(.invalidParameter(let why)) = refused else { Issue.record("a FIFO topic took an https subscriber"); return }
        #expect(why.contains("only to SQS queues"))
        let standard = TopicWorld()
        var queueConfiguration = QueueConfiguration(name: "q.fifo")
        queueConfiguration.isFifo = true
        let queue = Queue(configuration: queueConfiguration, token: 1, clock: standard.scheduler, timers: standard.scheduler)
        let result = standard.topic.subscribe(SubscriptionConfiguration(name: "q", protocolName: .sqs, endpointName: "queue/q.fifo"),
                                              endpoint: ScriptedEndpoint(standard.scheduler), targetQueue: queue)
        guard case .failure = result else { Issue.record("a standard topic took a FIFO queue"); return }
    }

    // MARK: Raw delivery and the envelope

    @Test func rawDeliveryCarriesTheBodyAndAttributesAloneAndTheEnvelopeAddsItsFields() throws {
        let world = TopicWorld()
        let raw = ScriptedEndpoint(world.scheduler)
        let enveloped = ScriptedEndpoint(world.scheduler)
        try world.subscribe("raw", .sqs, endpoint: raw, raw: true)
        try world.subscribe("enveloped", .sqs, endpoint: enveloped)
        world.publish(.event("order_placed", amount: 12))
        world.run()
        let rawRequest = try #require(raw.attempts.first).attempt.request
        #expect(rawRequest.bodyBytes == 100)
        #expect(rawRequest.attributes.map(\.name) == ["eventType", "amount"])
        let envelopedRequest = try #require(enveloped.attempts.first).attempt.request
        #expect(envelopedRequest.attributes.isEmpty)
        // The envelope of an AWS notification for topic "events", with these two attributes,
        // written out in full (values of the real lengths).
        let sample = """
        {
          "Type" : "Notification",
          "MessageId" : "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
          "TopicArn" : "arn:aws:sns:us-east-1:123456789012:events",
          "Message" : "\(String(repeating: "b", count: 100))",
          "Timestamp" : "2026-11-27T15:30:30.655Z",
          "SignatureVersion" : "1",
          "Signature" : "\(String(repeating: "S", count: 344))",
          "SigningCertURL" : "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
          "UnsubscribeURL" : "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:events:c9135db0-26c4-47ec-8998-413945fb5a96",
          "MessageAttributes" : {"eventType" : {"Type" : "String", "Value" : "order_placed"},"amount" : {"Type" : "Number", "Value" : "12"}}
        }
        """
        #expect(envelopedRequest.bodyBytes == sample.utf8.count)
    }

    @Test func theEnvelopeCanPushADeliveryIntoASecondSixtyFourKibibyteChunk() throws {
        let world = TopicWorld()
        let raw = ScriptedEndpoint(world.scheduler)
        let enveloped = ScriptedEndpoint(world.scheduler)
        try world.subscribe("raw", .https, endpoint: raw, raw: true)
        try world.subscribe("enveloped", .https, endpoint: enveloped)
        world.publish(PublishRequest(bodyBytes: 65_000))
        world.run()
        #expect(world.topic.subscriptions[0].counters.billedDeliveries == 1)
        #expect(world.topic.subscriptions[1].counters.billedDeliveries == 2)
        #expect(world.topic.subscriptions[1].counters.deliveredBytes == 65_000 + world.topic.envelope.fixedBytes)
    }

    @Test func onlySqsFirehoseAndHttpSubscriptionsDeliverRawMessages() {
        let world = TopicWorld()
        let result = world.topic.subscribe(SubscriptionConfiguration(name: "ops", protocolName: .email, endpointName: "ops@example.com",
                                                                     rawMessageDelivery: true),
                                           endpoint: ScriptedEndpoint(world.scheduler))
        guard case .failure(.invalidParameter(let why)) = result else { Issue.record("email took raw delivery"); return }
        #expect(why.contains("rawMessageDelivery"))
    }

    // MARK: Access

    @Test func aTopicPolicyDecidesWhoMayPublishAndSubscribeAndCountsDenials() {
        let world = TopicWorld()
        let arn = TopicAccessControl.arn(ofTopic: "events")
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([
            PolicyStatement(effect: .allow, principals: ["arn:aws:iam::123456789012:role/orders"], actions: ["sns:Publish"], resources: [arn]),
        ]), for: arn)
        world.topic.accessControl = TopicAccessControl(evaluator: evaluator, resource: arn)
        #expect(world.topic.authorize("arn:aws:iam::123456789012:role/orders", .publish) == nil)
        guard case .authorizationError(let why) = world.topic.authorize("arn:aws:iam::123456789012:role/intruder", .publish) else {
            Issue.record("an unlisted principal may publish")
            return
        }
        #expect(why.contains("sns:Publish"))
        var subscription = SubscriptionConfiguration(name: "hook", protocolName: .https, endpointName: "https://x")
        subscription.principal = "arn:aws:iam::123456789012:role/orders"
        guard case .failure(.authorizationError) = world.topic.subscribe(subscription, endpoint: ScriptedEndpoint(world.scheduler)) else {
            Issue.record("a principal allowed only to publish subscribed")
            return
        }
        #expect(world.topic.accessControl!.denied.total.total == 2)
    }
}
