import MessagingEngine
import SimKernel
import Testing

extension StreamWorld {
    func register(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> StreamConsumer {
        try stream.registerStreamConsumer(name: name).get()
    }

    func subscribe(_ consumer: StreamConsumer, _ shard: Int = 0, from position: ShardIteratorType = .trimHorizon) throws -> ShardSubscription {
        try stream.subscribeToShard(consumer, shard: shard, startingPosition: position).get()
    }

    /// The event a read of `subscription` gives now, or nil (and an issue) when it gives none.
    func push(_ subscription: ShardSubscription, limit: Int = 10_000, sourceLocation: SourceLocation = #_sourceLocation) -> SubscribeToShardEvent? {
        guard case .event(let event) = stream.readSubscription(subscription, limit: limit) else {
            Issue.record("the subscription gave no event", sourceLocation: sourceLocation)
            return nil
        }
        return event
    }

    /// Puts `count` records of exactly `bytes` each (data and the one-character key) at the current instant.
    func putRecords(_ count: Int, bytes: Int) {
        for i in 0..<count { put(String(i % 10), bytes: bytes - 1) }
    }
}

/// SEMANTICS.md, Stream — enhanced fan-out: each registered consumer (≤ 20 per stream) gets 2 MB/s
/// per shard pushed through SubscribeToShard; a subscription lasts 5 minutes and is then renewed.
@Suite struct StreamEnhancedFanOutTests {
    static let quarterMebibyte = 262_144

    /// A one-shard stream that takes 10 MiB of writes at once, so a backlog can be made in an instant.
    func backlogWorld() -> StreamWorld {
        StreamWorld(shards: 1) { $0.shardWriteBytesPerSecond = 100 * 1_048_576 }
    }

    // MARK: Registration

    @Test func aStreamRegistersAtMostTwentyConsumersEachNameOnce() throws {
        let world = StreamWorld()
        let consumers = try (0..<20).map { try world.register("app-\($0)") }
        #expect(world.stream.registeredConsumers == consumers)
        guard case .failure(.limitExceeded) = world.stream.registerStreamConsumer(name: "app-20") else {
            Issue.record("a 21st consumer was registered"); return
        }
        _ = try world.stream.deregisterStreamConsumer(consumers[3]).get()
        guard case .failure(.resourceInUse) = world.stream.registerStreamConsumer(name: "app-4") else {
            Issue.record("a second consumer took a registered name"); return
        }
        let again = try world.register("app-3")
        #expect(again != consumers[3], "the same name registered again is a new consumer")
        #expect(world.stream.registeredConsumers.count == 20)
        guard case .failure(.invalidArgument) = world.stream.registerStreamConsumer(name: "no spaces") else {
            Issue.record("a name with a space was accepted"); return
        }
    }

    @Test func aDeregisteredConsumerCanNeitherSubscribeNorReadItsSubscriptions() throws {
        let world = StreamWorld()
        let consumer = try world.register("app")
        let subscription = try world.subscribe(consumer)
        _ = try world.stream.deregisterStreamConsumer(consumer).get()
        guard case .rejected(.resourceNotFound) = world.stream.readSubscription(subscription) else {
            Issue.record("a deregistered consumer's subscription still pushes"); return
        }
        world.advance(to: 10)
        guard case .failure(.resourceNotFound) = world.stream.subscribeToShard(consumer, shard: 0, startingPosition: .latest) else {
            Issue.record("a deregistered consumer subscribed"); return
        }
        guard case .failure(.resourceNotFound) = world.stream.deregisterStreamConsumer(consumer) else {
            Issue.record("a consumer was deregistered twice"); return
        }
    }

    // MARK: The pipe

    @Test func eachConsumerGetsTwoMebibytesASecondPerShardWhileStandardReadersShareTheirOwnLimit() throws {
        let world = backlogWorld()
        world.putRecords(40, bytes: Self.quarterMebibyte)  // 10 MiB at t = 0
        let first = try world.subscribe(try world.register("first"))
        let second = try world.subscribe(try world.register("second"))
        // A standard reader takes the whole 10 MiB at once, so standard reads are refused for 5 s.
        let standard = try #require(world.read(try world.iterator()))
        #expect(standard.records.count == 40)
        world.advance(to: 1)
        guard case .rejected(.provisionedThroughputExceeded) = world.stream.getRecords(try #require(standard.next)) else {
            Issue.record("the shared read limit did not hold"); return
        }
        // Each consumer's own pipe has pushed 2 MiB: eight quarter-mebibyte records, 125 ms apiece.
        for subscription in [first, second] {
            let event = try #require(world.push(subscription))
            #expect(event.records.count == 8 && event.records.map(\.sizeBytes).reduce(0, +) == 2 * 1_048_576)
            #expect(event.records.first?.sequenceNumber.number == 0 && event.records.last?.sequenceNumber.number == 7)
            #expect(event.millisBehindLatest == 1_000, "the oldest record not pushed arrived a second ago")
            #expect(event.continuationSequenceNumber == SequenceNumber(shard: 0, number: 7))
        }
        world.advance(to: 4.5)
        #expect(world.push(first)?.records.count == 28, "3.5 s more at 2 MiB/s")
        world.advance(to: 5)
        #expect(world.push(first)?.records.count == 4)
        #expect(world.push(first)?.millisBehindLatest == 0)
        #expect(world.push(second)?.records.count == 32)
        let counters = world.stream.enhancedFanOutCounters(first.consumer)
        #expect(counters.recordsPushed == 40 && counters.bytesPushed == 10 * 1_048_576)
        #expect(world.stream.counters.bytesPushed == 20 * 1_048_576 && world.stream.counters.bytesRead == 10 * 1_048_576)
    }

    @Test func enhancedFanOutReadsLeaveTheShardsFiveStandardCallsASecond() throws {
        let world = backlogWorld()
        world.put("k")
        let subscription = try world.subscribe(try world.register("app"))
        var iterator = try world.iterator()
        for step in 1...9 {
            world.advance(to: 0.1 * Double(step))
            _ = world.push(subscription)
            if step % 2 == 0 {
                // Standard calls 0.2 s apart: five in the second, every one served.
                let read = try #require(world.read(iterator))
                iterator = try #require(read.next)
            }
        }
        world.advance(to: 0.99)
        #expect(world.read(iterator) != nil, "the fifth standard call of the second")
    }

    @Test func aRecordIsPushedOnlyOnceItHasArrivedAndTheRecordsBeforeItAreSent() throws {
        let world = backlogWorld()
        let subscription = try world.subscribe(try world.register("app"), from: .latest)
        world.advance(to: 2)
        world.putRecords(1, bytes: Self.quarterMebibyte)
        #expect(world.push(subscription)?.records.isEmpty == true, "a quarter mebibyte takes 125 ms to push")
        world.advance(to: 2.124)
        #expect(world.push(subscription)?.records.isEmpty == true)
        world.advance(to: 2.125)
        #expect(world.push(subscription)?.records.count == 1)
    }

    @Test func aReadTakesAtMostItsLimitAndLeavesTheRestForTheNext() throws {
        let world = backlogWorld()
        world.putRecords(10, bytes: 100)
        let subscription = try world.subscribe(try world.register("app"))
        world.advance(to: 1)
        #expect(world.push(subscription, limit: 4)?.records.map(\.sequenceNumber.number) == [0, 1, 2, 3])
        #expect(world.push(subscription)?.records.map(\.sequenceNumber.number) == Array(4..<10))
    }

    // MARK: Subscriptions

    @Test func subscribeToShardIsOneCallASecondAndASubscriptionIsTakenOverOnlyAfterFiveSeconds() throws {
        let world = StreamWorld()
        let consumer = try world.register("app")
        let old = try world.subscribe(consumer)
        world.advance(to: 0.5)
        guard case .failure(.limitExceeded) = world.stream.subscribeToShard(consumer, shard: 0, startingPosition: .latest) else {
            Issue.record("two calls in a second"); return
        }
        world.advance(to: 1)
        guard case .failure(.resourceInUse) = world.stream.subscribeToShard(consumer, shard: 0, startingPosition: .latest) else {
            Issue.record("a subscription one second old was taken over"); return
        }
        world.advance(to: 4.9)
        guard case .failure(.resourceInUse) = world.stream.subscribeToShard(consumer, shard: 0, startingPosition: .latest) else {
            Issue.record("a subscription 4.9 seconds old was taken over"); return
        }
        world.advance(to: 5.5)
        guard case .failure(.limitExceeded) = world.stream.subscribeToShard(consumer, shard: 0, startingPosition: .latest) else {
            Issue.record("the call at 4.9 s took capacity: one at 5.5 s is within the second"); return
        }
        world.advance(to: 5.9)
        let new = try world.subscribe(consumer, from: .latest)
        guard case .rejected(.resourceInUse) = world.stream.readSubscription(old) else {
            Issue.record("the subscription taken over still pushes"); return
        }
        #expect(world.push(new) != nil)
        // Other shards and other consumers have their own allowance.
        let other = try world.register("other")
        _ = try world.subscribe(other)
        let counters = world.stream.enhancedFanOutCounters(consumer)
        #expect(counters.subscriptions == 2 && counters.subscribeRefused == 4)
    }

    @Test func aSubscriptionEndsAfterFiveMinutesAndARenewalGoesOnFromTheContinuation() throws {
        let world = StreamWorld()
        world.put("a")
        let consumer = try world.register("app")
        let first = try world.subscribe(consumer)
        world.advance(to: 1)
        #expect(world.push(first)?.records.map(\.partitionKey) == ["a"])
        world.advance(to: 299.9)
        world.put("b")
        world.advance(to: 300.5)
        world.put("c")
        world.advance(to: 301)
        // What was pushed before the expiry is the consumer's; then the subscription is over.
        #expect(world.push(first)?.records.map(\.partitionKey) == ["b"])
        guard case .expired(let continuation) = world.stream.readSubscription(first) else {
            Issue.record("a subscription pushed past five minutes"); return
        }
        #expect(continuation == .afterSequenceNumber(SequenceNumber(shard: 0, number: 1)))
        let renewed = try world.subscribe(consumer, from: continuation)
        world.advance(to: 302)
        #expect(world.push(renewed)?.records.map(\.partitionKey) == ["c"], "nothing lost, nothing pushed twice")
        #expect(world.stream.enhancedFanOutCounters(consumer).subscribedShardSeconds == 301)
    }

    @Test func aClosedShardsPushEndsAtShardEndNamingTheChildren() throws {
        let world = StreamWorld()
        world.put("before")
        let consumer = try world.register("app")
        let parent = try world.subscribe(consumer)
        let children = try world.stream.splitShard(0, newStartingHashKey: HashKey(1) << 127).get()
        world.put("after", explicit: 1)
        world.advance(to: 1)
        let last = try #require(world.push(parent))
        #expect(last.records.map(\.partitionKey) == ["before"])
        #expect(last.isShardEnd && last.childShards == children)
        let again = try #require(world.push(parent))
        #expect(again.records.isEmpty && again.isShardEnd, "a complete subscription gives its final event again")
        world.advance(to: 3)
        #expect(world.stream.enhancedFanOutCounters(consumer).subscribedShardSeconds == 1, "the parent's subscription ended at SHARD_END")
        let child = try world.subscribe(consumer, children[0])
        world.advance(to: 4)
        #expect(world.push(child)?.records.map(\.partitionKey) == ["after"])
    }

    @Test func aSubscriptionStartsWhereItsStartingPositionSays() throws {
        let world = StreamWorld()
        let first = try #require(world.put("a"))
        world.advance(to: 1)
        world.put("b")
        let consumer = try world.register("app")
        let latest = try world.subscribe(consumer, from: .latest)
        world.put("c")
        world.advance(to: 2)
        #expect(world.push(latest)?.records.map(\.partitionKey) == ["c"])
        world.advance(to: 10)
        let after = try world.subscribe(consumer, from: .afterSequenceNumber(first))
        world.advance(to: 11)
        #expect(world.push(after)?.records.map(\.partitionKey) == ["b", "c"])
        world.advance(to: 20)
        let atTime = try world.subscribe(consumer, from: .atTimestamp(Instant(seconds: 0.5)))
        world.advance(to: 21)
        #expect(world.push(atTime)?.records.map(\.partitionKey) == ["b", "c"])
        world.advance(to: 30)
        guard case .failure(.invalidArgument) = world.stream.subscribeToShard(consumer, shard: 0,
                                                                              startingPosition: .atSequenceNumber(SequenceNumber(shard: 0, number: 9))) else {
            Issue.record("a sequence number the shard never gave was accepted"); return
        }
        guard case .failure(.resourceNotFound) = world.stream.subscribeToShard(consumer, shard: 5, startingPosition: .latest) else {
            Issue.record("a shard the stream does not have was subscribed"); return
        }
    }

    // MARK: Billing and access

    @Test func aConsumerIsBilledForEveryOpenShardWhileItIsRegistered() throws {
        let world = StreamWorld(shards: 2)
        world.advance(to: 10)
        let consumer = try world.register("app")
        world.advance(to: 100)
        _ = try world.stream.splitShard(0, newStartingHashKey: 1).get()
        world.advance(to: 200)
        #expect(world.stream.enhancedFanOutCounters(consumer).consumerShardSeconds == 2 * 90 + 3 * 100)
        _ = try world.stream.deregisterStreamConsumer(consumer).get()
        world.advance(to: 300)
        let counters = world.stream.enhancedFanOutCounters(consumer)
        #expect(counters.consumerShardSeconds == 480, "billing stops at deregistration")
        #expect(counters.subscribedShardSeconds == 0, "billed though it never subscribed")
    }

    @Test func subscribingAndRegisteringAreActionsAPolicyDecides() {
        let world = StreamWorld()
        let arn = StreamAccessControl.arn(ofStream: "clicks")
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([
            PolicyStatement(effect: .allow, principals: ["arn:aws:iam::123456789012:role/reader"], actions: ["kinesis:SubscribeToShard"], resources: [arn]),
        ]), for: arn)
        world.stream.accessControl = StreamAccessControl(evaluator: evaluator, resource: arn)
        #expect(world.stream.authorize("arn:aws:iam::123456789012:role/reader", .subscribeToShard) == nil)
        guard case .accessDenied(let why) = world.stream.authorize("arn:aws:iam::123456789012:role/reader", .registerStreamConsumer) else {
            Issue.record("a subscriber may register consumers"); return
        }
        #expect(why.contains("kinesis:RegisterStreamConsumer"))
    }
}
