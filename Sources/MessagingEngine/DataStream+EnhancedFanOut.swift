import SimKernel

/// An enhanced fan-out consumer as the stream keeps it.
struct EnhancedFanOutConsumerState: Sendable {
    let consumer: StreamConsumer
    var deregisteredAt: Instant?
    /// The stream's open-shard seconds when the consumer registered: its billed time starts there.
    let openShardSecondsAtRegistration: Double
    var openShardSecondsAtDeregistration: Double?
    /// One entry per shard the consumer has called SubscribeToShard on, indexed by shard.
    var shards: [ConsumerShardState] = []
    var counters = EnhancedFanOutCounters()

    var isRegistered: Bool { deregisteredAt == nil }
}

/// One consumer's pipe from one shard: its subscription and how far the push has got.
struct ConsumerShardState: Sendable {
    /// The last SubscribeToShard call admitted by the one-a-second rate.
    var lastCallAt: Instant?
    /// The last successful call, which began the current subscription.
    var subscribedAt: Instant?
    /// Counts successful calls; the current subscription carries the latest.
    var generation = 0
    /// Whether the current subscription still pushes (it has not expired, been taken over, reached
    /// SHARD_END or lost its consumer), so its time is still to be counted.
    var isSubscriptionOpen = false
    var hasReachedShardEnd = false
    /// The number of the next record to push.
    var position = 0
    /// When the pipe finished pushing the last record it pushed: the next one can start no earlier.
    var pipeFreeAt = Instant.zero
}

/// Enhanced fan-out (SEMANTICS.md, Stream: "each registered consumer (≤ 20 per stream) gets 2 MB/s
/// per shard pushed through SubscribeToShard, a subscription lasts 5 minutes and is then renewed").
///
/// The engine is passive, so a push is modelled as a read the consumer makes through its
/// subscription: each consumer-shard is a pipe that sends the shard's records in order, each as
/// soon as it has arrived and the record before it has been sent, at
/// `consumerShardReadBytesPerSecond` (2 MiB/s); a read returns the records whose sending finished
/// by then. The pipe is the consumer's own: it neither takes from nor waits for the shard's
/// standard read limits (2 MiB/s and 5 GetRecords calls a second) or any other consumer's pipe.
///
/// SubscribeToShard, as AWS's API reference gives it: one call a second per consumer and shard
/// (LimitExceededException beyond, the refused call taking no capacity); a second call within
/// 5 seconds of a successful one gets ResourceInUseException; a call 5 seconds or more after one
/// takes the subscription over, and reads on the old one get ResourceInUseException. A subscription
/// pushes for 5 minutes; records the consumer has not taken by then are pushed again by the next
/// subscription, which starts from the continuation.
///
/// Assumptions where AWS says nothing exact: a consumer is ACTIVE at once (AWS takes seconds in
/// CREATING, and refuses subscriptions meanwhile); RegisterStreamConsumer's account-wide rate of 5
/// calls a second is not modelled; the events the consumer has not yet taken wait in its client
/// without bound, so a slow consumer takes a large batch at its next read.
///
/// Billing (AWS pricing, enhanced fan-out): consumer-shard hours are the registered consumers
/// times the shards of the stream, so a consumer is billed for every open shard from registration
/// to deregistration, subscribed or not (`consumerShardSeconds`); the time it actually had shards
/// subscribed is counted apart (`subscribedShardSeconds`). Data retrievals are the bytes pushed.
extension DataStream {
    // MARK: Consumers

    /// RegisterStreamConsumer: at most `enhancedFanOutConsumersMax` (20) registered consumers
    /// (LimitExceededException), names unique among them (ResourceInUseException), each 1 to 128
    /// letters, digits, hyphens, underscores and periods.
    public func registerStreamConsumer(name: String) -> Result<StreamConsumer, StreamError> {
        let now = clock.now
        let validName = !name.isEmpty && name.utf8.count <= StreamConfiguration.consumerNameLengthMax
            && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
        guard validName else {
            return .failure(.invalidArgument("a consumer name is 1 to 128 letters, digits, hyphens, underscores and periods"))
        }
        guard !enhancedFanOutConsumers.contains(where: { $0.isRegistered && $0.consumer.name == name }) else {
            return .failure(.resourceInUse("\(configuration.name) already has a consumer named \(name)"))
        }
        guard registeredConsumers.count < configuration.enhancedFanOutConsumersMax else {
            return .failure(.limitExceeded("\(configuration.name) has \(configuration.enhancedFanOutConsumersMax) registered consumers, the most it may have"))
        }
        let consumer = StreamConsumer(index: enhancedFanOutConsumers.count, name: name, registeredAt: now)
        enhancedFanOutConsumers.append(EnhancedFanOutConsumerState(consumer: consumer, openShardSecondsAtRegistration: openShardSeconds(at: now)))
        return .success(consumer)
    }

    /// DeregisterStreamConsumer: its subscriptions end now, and so does its billing.
    public func deregisterStreamConsumer(_ consumer: StreamConsumer) -> Result<StreamConsumer, StreamError> {
        let now = clock.now
        if let problem = unregisteredProblem(consumer) { return .failure(problem) }
        for shard in enhancedFanOutConsumers[consumer.index].shards.indices {
            endSubscription(of: consumer.index, shard: shard, at: now)
        }
        enhancedFanOutConsumers[consumer.index].deregisteredAt = now
        enhancedFanOutConsumers[consumer.index].openShardSecondsAtDeregistration = openShardSeconds(at: now)
        return .success(consumer)
    }

    /// ListStreamConsumers: the registered consumers, in the order they registered.
    public var registeredConsumers: [StreamConsumer] {
        enhancedFanOutConsumers.filter(\.isRegistered).map(\.consumer)
    }

    /// What the stream counted for `consumer` up to now, its subscriptions still open counted up to
    /// now (or their expiry).
    public func enhancedFanOutCounters(_ consumer: StreamConsumer) -> EnhancedFanOutCounters {
        let now = clock.now
        let state = enhancedFanOutConsumers[consumer.index]
        var counters = state.counters
        for pipe in state.shards where pipe.isSubscriptionOpen {
            counters.subscribedShardSeconds += (min(now, pipe.subscribedAt! + StreamConfiguration.subscriptionLifetime) - pipe.subscribedAt!).seconds
        }
        let end = state.openShardSecondsAtDeregistration ?? openShardSeconds(at: now)
        counters.consumerShardSeconds = end - state.openShardSecondsAtRegistration
        return counters
    }

    /// Why `consumer` cannot be used: unknown to this stream, or deregistered.
    func unregisteredProblem(_ consumer: StreamConsumer) -> StreamError? {
        guard enhancedFanOutConsumers.indices.contains(consumer.index), enhancedFanOutConsumers[consumer.index].consumer == consumer else {
            return .resourceNotFound("\(consumer) is not a consumer of \(configuration.name)")
        }
        guard enhancedFanOutConsumers[consumer.index].isRegistered else {
            return .resourceNotFound("\(consumer) has been deregistered from \(configuration.name)")
        }
        return nil
    }

    // MARK: Subscriptions

    /// SubscribeToShard: a subscription of `consumer` to `shard`, pushing from `startingPosition`
    /// (any iterator type) for 5 minutes.
    public func subscribeToShard(_ consumer: StreamConsumer, shard: Int, startingPosition: ShardIteratorType) -> Result<ShardSubscription, StreamError> {
        let now = clock.now
        if let problem = unregisteredProblem(consumer) { return .failure(problem) }
        guard shards.indices.contains(shard) else {
            return .failure(.resourceNotFound("\(ShardState.shardId(shard)) is not a shard of \(configuration.name)"))
        }
        let index = consumer.index
        while enhancedFanOutConsumers[index].shards.count <= shard { enhancedFanOutConsumers[index].shards.append(ConsumerShardState()) }
        let pipe = enhancedFanOutConsumers[index].shards[shard]
        if let last = pipe.lastCallAt, now - last < StreamConfiguration.subscribeToShardInterval {
            enhancedFanOutConsumers[index].counters.subscribeRefused += 1
            return .failure(.limitExceeded("SubscribeToShard is limited to one call a second per consumer and shard"))
        }
        enhancedFanOutConsumers[index].shards[shard].lastCallAt = now
        if let subscribed = pipe.subscribedAt, now - subscribed < StreamConfiguration.subscriptionTakeoverAfter {
            enhancedFanOutConsumers[index].counters.subscribeRefused += 1
            return .failure(.resourceInUse("\(consumer) subscribed to \(ShardState.shardId(shard)) at \(subscribed); a new subscription may take over 5 seconds after it"))
        }
        let position: Int
        switch firstPosition(in: shard, startingAt: startingPosition, at: now) {
        case .success(let found): position = found
        case .failure(let problem): return .failure(problem)
        }
        endSubscription(of: index, shard: shard, at: now)
        enhancedFanOutConsumers[index].shards[shard].generation += 1
        enhancedFanOutConsumers[index].shards[shard].subscribedAt = now
        enhancedFanOutConsumers[index].shards[shard].isSubscriptionOpen = true
        enhancedFanOutConsumers[index].shards[shard].hasReachedShardEnd = false
        enhancedFanOutConsumers[index].shards[shard].position = position
        // Nothing was pushed while no subscription was open: the pipe starts now at the earliest.
        enhancedFanOutConsumers[index].shards[shard].pipeFreeAt = max(pipe.pipeFreeAt, now)
        enhancedFanOutConsumers[index].counters.subscriptions += 1
        return .success(ShardSubscription(consumer: consumer, shard: shard, generation: pipe.generation + 1, subscribedAt: now))
    }

    /// The events pushed through `subscription` since the last read: up to `limit` records whose
    /// sending by the consumer's 2 MiB/s pipe finished by now, or by the subscription's expiry.
    ///
    /// At a closed shard's end the event names the child shards and has no continuation; the
    /// subscription is then complete, and reading it again gives the same empty final event.
    /// - Complexity: O(records pushed).
    public func readSubscription(_ subscription: ShardSubscription, limit: Int = StreamConfiguration.getRecordsLimitMax) -> SubscriptionReadResult {
        let now = clock.now
        precondition(limit >= 1, "a read takes at least one record, not \(limit)")
        if let problem = unregisteredProblem(subscription.consumer) { return .rejected(problem) }
        let index = subscription.consumer.index, shard = subscription.shard
        let pipe = enhancedFanOutConsumers[index].shards[shard]
        guard pipe.generation == subscription.generation else {
            return .rejected(.resourceInUse("a later SubscribeToShard of \(subscription.consumer) took \(ShardState.shardId(shard)) over"))
        }
        if pipe.hasReachedShardEnd {
            return .event(SubscribeToShardEvent(records: [], continuation: nil, millisBehindLatest: 0, childShards: shards[shard].children))
        }
        trim(shard, at: now)
        let state = shards[shard]
        let horizon = min(now, subscription.expiresAt)
        var position = max(pipe.position, state.firstNumber)
        var pipeFreeAt = pipe.pipeFreeAt
        var records: [StreamRecord] = []
        var bytes = 0
        while position < state.nextNumber, records.count < limit {
            let stored = state.records[position - state.firstNumber]
            let size = stored.dataBytes + stored.partitionKey.utf8.count
            let finished = max(pipeFreeAt, stored.arrivedAt) + pushTime(bytes: size)
            if finished > horizon { break }
            records.append(StreamRecord(sequenceNumber: SequenceNumber(shard: shard, number: position), partitionKey: stored.partitionKey,
                                        dataBytes: stored.dataBytes, arrivedAt: stored.arrivedAt, tag: stored.tag))
            bytes += size
            pipeFreeAt = finished
            position += 1
        }
        enhancedFanOutConsumers[index].shards[shard].position = position
        enhancedFanOutConsumers[index].shards[shard].pipeFreeAt = pipeFreeAt
        enhancedFanOutConsumers[index].counters.recordsPushed += records.count
        enhancedFanOutConsumers[index].counters.bytesPushed += bytes
        counters.recordsPushed += records.count
        counters.bytesPushed += bytes
        let continuation: ShardIteratorType = position > 0 ? .afterSequenceNumber(SequenceNumber(shard: shard, number: position - 1)) : .trimHorizon
        // Records pushed before the expiry are the consumer's whenever it reads them; after them the subscription has ended.
        if records.isEmpty && now >= subscription.expiresAt {
            endSubscription(of: index, shard: shard, at: subscription.expiresAt)
            return .expired(continuation: continuation)
        }
        let behind = position < state.nextNumber ? (now - state.records[position - state.firstNumber].arrivedAt).nanoseconds / 1_000_000 : 0
        if !state.isOpen && position == state.nextNumber {
            endSubscription(of: index, shard: shard, at: now)
            enhancedFanOutConsumers[index].shards[shard].hasReachedShardEnd = true
            return .event(SubscribeToShardEvent(records: records, continuation: nil, millisBehindLatest: behind, childShards: state.children))
        }
        return .event(SubscribeToShardEvent(records: records, continuation: continuation, millisBehindLatest: behind, childShards: []))
    }

    /// Records of the shard `consumer`'s pipe has not pushed yet: what it still has to receive.
    /// Nil before the consumer first subscribed to the shard.
    public func enhancedFanOutBacklog(_ consumer: StreamConsumer, shard: Int) -> Int? {
        guard enhancedFanOutConsumers.indices.contains(consumer.index), shards.indices.contains(shard),
              enhancedFanOutConsumers[consumer.index].shards.count > shard,
              enhancedFanOutConsumers[consumer.index].shards[shard].subscribedAt != nil else { return nil }
        return shards[shard].nextNumber - max(enhancedFanOutConsumers[consumer.index].shards[shard].position, shards[shard].firstNumber)
    }

    /// Closes the consumer-shard's open subscription at `end` (or its expiry, if earlier), counting its time.
    func endSubscription(of consumer: Int, shard: Int, at end: Instant) {
        let pipe = enhancedFanOutConsumers[consumer].shards[shard]
        guard pipe.isSubscriptionOpen, let subscribedAt = pipe.subscribedAt else { return }
        let closedAt = min(end, subscribedAt + StreamConfiguration.subscriptionLifetime)
        enhancedFanOutConsumers[consumer].counters.subscribedShardSeconds += (closedAt - subscribedAt).seconds
        enhancedFanOutConsumers[consumer].shards[shard].isSubscriptionOpen = false
    }

    /// How long the consumer's pipe takes to push `bytes`, rounded up to the nanosecond.
    func pushTime(bytes: Int) -> Span {
        let rate = Int64(configuration.consumerShardReadBytesPerSecond)
        return Span(nanoseconds: (Int64(bytes) * 1_000_000_000 + rate - 1) / rate)
    }

    // MARK: Billing time

    /// The integral of the open shard count over time, in shard-seconds, up to `now`.
    public func openShardSeconds(at now: Instant) -> Double {
        openShardSecondsAccrued + Double(openShards.count) * (now - openShardTimeAccruedAt).seconds
    }

    /// Files the open shard time up to now; called before the open shards change.
    func accrueOpenShardTime() {
        let now = clock.now
        openShardSecondsAccrued = openShardSeconds(at: now)
        openShardTimeAccruedAt = now
    }
}
