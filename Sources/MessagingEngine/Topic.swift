import Crypto
import DequeModule
import SimKernel

/// An SNS topic, standard or FIFO, as a passive state machine (SEMANTICS.md, Topic — SNS).
///
/// A publish is checked (size, FIFO parameters, access, throughput quota, deduplication), counted,
/// and fanned out: each subscription's filter policy, compiled when the subscription was made, is
/// evaluated once, and a matching message becomes a delivery to that subscription's endpoint. A
/// delivery is retried as the subscription's retry policy says, with jitter drawn from
/// `randomness`; no more than `maxReceivesPerSecond` attempts start in any one-second window (the
/// rest wait in line); when the policy is exhausted (or the
/// endpoint answered with a client-side error) the message goes to the subscription's dead-letter
/// queue, or is dropped and counted.
///
/// A FIFO topic delivers the messages of one group to one subscription one at a time, in publish
/// order: the next starts when the one before it was delivered, dead-lettered or dropped. That is
/// how FIFO queue subscribers receive each group in order even though every delivery takes its
/// own time.
///
/// Time is read through `Clock` and retries wake through `TimerScheduling`, as for `Queue`.
public final class Topic: TimerTarget {
    public let configuration: TopicConfiguration
    /// Distinguishes this topic from every other in events and timers.
    public let token: Int
    /// Not reference-counted, like `Queue.observer`: the world that owns the topic observes it.
    public unowned(unsafe) var observer: TopicObserver?
    /// Who may publish and subscribe; nil lets everyone.
    public var accessControl: TopicAccessControl?
    /// Draws for the retry jitter of subscriptions that have no stream of their own; without
    /// either, retries wait their nominal delays.
    public var randomness: EngineRandomness?

    let clock: Clock
    let timers: TimerScheduling
    public internal(set) var subscriptions: [Subscription] = []
    public internal(set) var counters = TopicCounters()
    /// The envelope of this topic's messages, whose fixed part is worked out once.
    public let envelope: TopicEnvelope
    var nextMessageNumber = 0
    /// Whether any subscription filters on attributes: only then is a publish's attribute map built.
    var filtersOnAttributes = false

    var deliveries: [Delivery] = []
    var freeDeliveries: [Int32] = []
    /// Deliveries started and not yet finished, over all subscriptions.
    public internal(set) var deliveriesPending = 0

    // MARK: FIFO state (empty on a standard topic)
    var deduplication = DeduplicationWindow<TopicMessageID>()
    /// Per (subscription, group): the deliveries waiting, the first of them under way.
    var lanes: [LaneKey: Deque<Int32>] = [:]
    var throughput: FifoThroughputLimiter?
    var byteThroughput: ByteRateLimiter?

    /// SNS itself, as queue policies name it when they let a topic deliver to a queue.
    public static let servicePrincipal = "sns.amazonaws.com"
    /// SNS bills each started chunk of this many bytes of a publish or a delivery as one.
    public static let billingChunkBytes = 65_536

    enum Code: Int { case attempt, throttleEnded }

    public init(configuration: TopicConfiguration, token: Int, clock: Clock, timers: TimerScheduling) {
        precondition(configuration.problems().isEmpty, "invalid topic configuration: \(configuration.problems())")
        self.configuration = configuration
        self.token = token
        self.clock = clock
        self.timers = timers
        envelope = TopicEnvelope(topicArn: TopicAccessControl.arn(ofTopic: configuration.name), isFifo: configuration.isFifo)
        if let rate = configuration.messagesPerSecondMax {
            let perGroup = configuration.isFifo && configuration.fifoThroughputScope == .messageGroup
            // The limiter counts SQS actions; every publish is counted under one of them.
            throughput = FifoThroughputLimiter(quota: FifoThroughputQuota(
                scope: perGroup ? .perMessageGroupId : .perQueue, queueTransactionsPerSecondMax: rate,
                groupTransactionsPerSecondMax: configuration.groupMessagesPerSecondMax))
        }
        byteThroughput = configuration.bytesPerSecondMax.map { ByteRateLimiter(bytesMax: $0) }
    }

    public var isFifo: Bool { configuration.isFifo }

    @inlinable static func billedChunks(_ bytes: Int) -> Int { Swift.max(1, (bytes + billingChunkBytes - 1) / billingChunkBytes) }

    // MARK: Subscriptions

    /// Subscribes an endpoint. `targetQueue` is the queue an sqs subscription delivers to (its type
    /// must suit the topic); `deadLetterQueue` receives what the subscription cannot deliver;
    /// `randomness` draws its retry jitter (a stream per subscription keeps one subscription's
    /// retries from shifting another's). Returns the subscription's index, or why it was refused.
    public func subscribe(_ configuration: SubscriptionConfiguration, endpoint: SubscriptionEndpoint,
                          targetQueue: Queue? = nil, deadLetterQueue: Queue? = nil,
                          randomness: EngineRandomness? = nil) -> Result<Int, TopicError> {
        if let problem = configuration.problems().first {
            return .failure(.invalidParameter("\(problem.attribute): \(problem.message)"))
        }
        if subscriptions.contains(where: { $0.configuration.name == configuration.name }) {
            return .failure(.invalidParameter("\(self.configuration.name) already has a subscription named \(configuration.name)"))
        }
        if let principal = configuration.principal, let denial = authorize(principal, .subscribe) {
            return .failure(denial)
        }
        if isFifo && configuration.protocolName != .sqs {
            return .failure(.invalidParameter("a FIFO topic delivers only to SQS queues, not to \(configuration.protocolName.rawValue) endpoints"))
        }
        if let queue = targetQueue, queue.isFifo && !isFifo {
            return .failure(.invalidParameter("a standard topic cannot deliver to the FIFO queue \(queue.configuration.name)"))
        }
        if let queue = deadLetterQueue, queue.isFifo != isFifo {
            return .failure(.invalidParameter("the dead-letter queue of a subscription to a \(self.configuration.typeName) topic must be a \(self.configuration.typeName) queue; \(queue.configuration.name) is \(queue.configuration.typeName)"))
        }
        let retryPolicy = configuration.retryPolicy
        subscriptions.append(Subscription(configuration: configuration, endpoint: endpoint, retryPolicy: retryPolicy,
                                          deadLetterQueue: deadLetterQueue,
                                          deliversToFifoQueue: targetQueue?.isFifo ?? (isFifo && configuration.protocolName == .sqs),
                                          randomness: randomness))
        if configuration.filterPolicy?.scope == .messageAttributes { filtersOnAttributes = true }
        return .success(subscriptions.count - 1)
    }

    /// Whether `principal` may call `action` on this topic; an AuthorizationError when not, counted
    /// per principal. A topic without access control lets every call through.
    public func authorize(_ principal: String, _ action: SNSAction) -> TopicError? {
        guard accessControl != nil else { return nil }
        return accessControl!.check(principal, action, on: configuration.name).map(TopicError.authorizationError)
    }

    // MARK: Publish

    public func publish(_ request: PublishRequest) -> PublishResult {
        counters.publishRequests += 1
        counters.billedPublishRequests += Self.billedChunks(request.sizeBytes)
        return accept(request)
    }

    /// PublishBatch: at most 10 entries and 256 KiB in all, billed by the 64 KiB chunks of the
    /// whole payload; each entry has its own result.
    public func publishBatch(_ requests: [PublishRequest]) -> PublishBatchResult {
        counters.publishRequests += 1
        if requests.isEmpty { return reject(.emptyBatchRequest) }
        if requests.count > TopicConfiguration.batchEntriesMax { return reject(.tooManyEntriesInBatchRequest(requests.count)) }
        let bytes = requests.reduce(0) { $0 + $1.sizeBytes }
        if bytes > TopicConfiguration.batchSizeMax { return reject(.batchRequestTooLong(bytes)) }
        counters.billedPublishRequests += Self.billedChunks(bytes)
        return .entries(requests.map(accept))
    }

    func reject(_ error: TopicError) -> PublishBatchResult {
        counters.rejected += 1
        return .rejected(error)
    }

    func accept(_ request: PublishRequest) -> PublishResult {
        if let problem = validate(request) {
            counters.rejected += 1
            return .rejected(problem)
        }
        let now = clock.now
        var key: DeduplicationKey?
        if isFifo {
            key = deduplicationKey(request)
            if let original = deduplicated(key!, at: now) {
                counters.deduplicated += 1
                return .deduplicated(original)
            }
        }
        if let refusal = admit(request, at: now) {
            counters.throttled += 1
            return .rejected(refusal)
        }
        let id = TopicMessageID(nextMessageNumber)
        nextMessageNumber += 1
        counters.messagesPublished += 1
        counters.publishedBytes += request.sizeBytes
        if let key { remember(key, id, at: now) }
        fanOut(request, id: id, deduplicationKey: key, at: now)
        return .published(id)
    }

    func validate(_ request: PublishRequest) -> TopicError? {
        let size = request.sizeBytes
        if size > TopicConfiguration.messageSizeMax {
            return .invalidParameter("Message too long: \(size) bytes with attributes; at most 262144 (256 KiB)")
        }
        guard isFifo else { return nil }
        guard let group = request.messageGroupId else {
            return .invalidParameter("MessageGroupId is required for FIFO topics")
        }
        if let problem = Self.identifierProblem(group, name: "MessageGroupId") { return problem }
        if let id = request.deduplicationId {
            if let problem = Self.identifierProblem(id, name: "MessageDeduplicationId") { return problem }
        } else if !configuration.contentBasedDeduplication {
            return .invalidParameter("the topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
        }
        return nil
    }

    static func identifierProblem(_ value: String, name: String) -> TopicError? {
        let length = value.utf8.count
        guard (1...TopicConfiguration.identifierLengthMax).contains(length) else {
            return .invalidParameter("\(name) must be 1 to 128 characters, not \(length)")
        }
        return nil
    }

    /// Takes the message's share of the throughput quotas, or says why it is throttled.
    func admit(_ request: PublishRequest, at now: Instant) -> TopicError? {
        if var limiter = throughput {
            throughput = nil
            defer { throughput = limiter }
            let groups = request.messageGroupId.map { [$0] } ?? []
            guard limiter.tryAcquire(.sendMessage, messageGroupIds: groups, at: now) else {
                return .throttled("over the topic's quota of \(configuration.messagesPerSecondMax!) messages a second"
                    + (limiter.quota.scope == .perMessageGroupId ? " or \(configuration.groupMessagesPerSecondMax) per message group" : ""))
            }
        }
        if byteThroughput != nil, !byteThroughput!.tryAcquire(request.sizeBytes, at: now) {
            return .throttled("over the topic's quota of \(configuration.bytesPerSecondMax!) bytes a second")
        }
        return nil
    }

    // MARK: Deduplication (FIFO)

    func deduplicationKey(_ request: PublishRequest) -> DeduplicationKey {
        let key = request.deduplicationId.map(DeduplicationKey.init(explicit:))
            ?? DeduplicationKey(content: DeduplicationKey.contentDigest(tag: request.tag, bodyBytes: request.bodyBytes))
        if configuration.fifoThroughputScope == .messageGroup, let group = request.messageGroupId { return key.scoped(to: group) }
        return key
    }

    func deduplicated(_ key: DeduplicationKey, at now: Instant) -> TopicMessageID? {
        deduplication.lookup(key, at: now)
    }

    func remember(_ key: DeduplicationKey, _ id: TopicMessageID, at now: Instant) {
        deduplication.remember(key, id, until: now + configuration.deduplicationInterval)
    }

    /// Deduplication IDs remembered now (expired ones are forgotten at the next publish).
    public var rememberedDeduplicationIDs: Int { deduplication.count }

    // MARK: Fan-out

    /// Evaluates every subscription's filter once and starts a delivery to each that matches.
    func fanOut(_ request: PublishRequest, id: TopicMessageID, deduplicationKey: DeduplicationKey?, at now: Instant) {
        var attributeMap: [String: FilterPolicyAttribute] = [:]
        if filtersOnAttributes {
            attributeMap.reserveCapacity(request.attributes.count)
            for attribute in request.attributes { attributeMap[attribute.name] = attribute.value }
        }
        let emptyBody = FilterPolicyJSON(.object([]))
        for index in subscriptions.indices {
            let passes: Bool
            switch subscriptions[index].configuration.filterPolicy {
            case nil: passes = true
            case let policy? where policy.scope == .messageAttributes: passes = policy.matches(attributes: attributeMap)
            case let policy?: passes = policy.matches(body: request.body ?? emptyBody)
            }
            guard passes else {
                subscriptions[index].counters.filteredOut += 1
                continue
            }
            subscriptions[index].counters.matched += 1
            let identity = FifoIdentity(messageGroupId: request.messageGroupId,
                                        deduplicationId: request.deduplicationId ?? deduplicationKey.map(\.hexDescription))
            startDelivery(to: index, payload(of: request, identity: identity, for: index), id: id, identity: isFifo ? identity : nil, at: now)
        }
    }

    /// What subscription `index` receives: the body alone (raw, with the attributes beside it) or
    /// the envelope. FIFO queue subscribers also get the group and a deduplication ID; a standard
    /// queue subscribed to a FIFO topic gets neither (SNS does not pass the group to it).
    func payload(of request: PublishRequest, identity: FifoIdentity, for index: Int) -> SendMessageRequest {
        let subscription = subscriptions[index]
        var payload: SendMessageRequest
        if subscription.configuration.rawMessageDelivery {
            payload = SendMessageRequest(bodyBytes: request.bodyBytes, attributes: request.attributes.map(\.queueAttribute),
                                         tag: request.tag, poison: request.poison)
        } else {
            payload = SendMessageRequest(bodyBytes: envelope.bytes(bodyBytes: request.bodyBytes, attributes: request.attributes),
                                         tag: request.tag, poison: request.poison)
        }
        if isFifo && subscription.deliversToFifoQueue {
            payload.messageGroupId = identity.messageGroupId
            payload.deduplicationId = identity.deduplicationId
        }
        return payload
    }

    // MARK: Invariants

    /// Checks what must hold between publishes: every matched message of a subscription is
    /// delivered, dead-lettered, dropped or still pending; pending deliveries add up; FIFO lanes
    /// hold exactly the pending deliveries.
    public func checkInvariants() {
        var pending = 0
        for subscription in subscriptions {
            let c = subscription.counters
            precondition(c.matched == c.delivered + c.deadLettered + c.dropped + subscription.pending,
                         "\(subscription.configuration.name): matched \(c.matched) ≠ delivered \(c.delivered) + dead-lettered \(c.deadLettered) + dropped \(c.dropped) + pending \(subscription.pending)")
            let firstAttempts = c.attempts - c.retries
            precondition(firstAttempts >= c.delivered && firstAttempts <= c.matched,
                         "\(subscription.configuration.name): \(firstAttempts) first attempts for \(c.matched) matched and \(c.delivered) delivered")
            pending += subscription.pending
        }
        precondition(pending == deliveriesPending, "subscriptions hold \(pending) pending deliveries, the topic counts \(deliveriesPending)")
        precondition(deliveries.count - freeDeliveries.count == deliveriesPending, "live delivery records ≠ pending deliveries")
        let inLanes = deliveries.filter { $0.live && $0.payload.messageGroupId != nil }.count
        precondition(lanes.values.reduce(0) { $0 + $1.count } == inLanes, "FIFO lanes ≠ pending deliveries to FIFO queues")
    }
}

/// A subscription of a topic: its configuration, endpoint and counters.
public struct Subscription {
    public let configuration: SubscriptionConfiguration
    public let endpoint: SubscriptionEndpoint
    public let retryPolicy: DeliveryRetryPolicy
    public let deadLetterQueue: Queue?
    public internal(set) var counters = SubscriptionCounters()
    /// Deliveries started and not yet finished.
    public internal(set) var pending = 0
    /// maxReceivesPerSecond: attempts in the last second, and the attempts waiting for room.
    var receiveWindow: TransactionRateLimiter?
    var throttled = Deque<Int32>()
    var throttleTimerArmed = false
    /// An sqs subscription whose queue is FIFO: it receives the message group and a deduplication ID.
    let deliversToFifoQueue: Bool
    let randomness: EngineRandomness?

    init(configuration: SubscriptionConfiguration, endpoint: SubscriptionEndpoint, retryPolicy: DeliveryRetryPolicy,
         deadLetterQueue: Queue?, deliversToFifoQueue: Bool, randomness: EngineRandomness?) {
        self.deliversToFifoQueue = deliversToFifoQueue
        self.randomness = randomness
        self.configuration = configuration
        self.endpoint = endpoint
        self.retryPolicy = retryPolicy
        self.deadLetterQueue = deadLetterQueue
        receiveWindow = retryPolicy.maxReceivesPerSecond.map { TransactionRateLimiter(transactionsMax: $0) }
    }
}

/// A FIFO topic message's group and deduplication ID, as FIFO queues receive them.
struct FifoIdentity {
    var messageGroupId: String?
    var deduplicationId: String?
}

/// A FIFO topic's deliveries wait per subscription and message group.
struct LaneKey: Hashable {
    var subscription: Int
    var messageGroupId: String
}
