import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

/// Topics: building them with their subscriptions, following their deliveries, reporting them.
extension World {
    /// Builds each topic with its access control and subscriptions. A subscription the topic
    /// refuses (its principal may not subscribe) is left out and its refusal counted.
    func buildTopics(streams: (String) -> RandomStream) {
        topics = model.topics.enumerated().map { index, entry in
            let topic = Topic(configuration: entry.configuration, token: index, clock: scheduler, timers: scheduler)
            topic.observer = self
            if let policy = entry.policy {
                var evaluator = AccessEvaluator()
                for (principal, identity) in model.security.identityPolicies { evaluator.attachIdentityPolicy(identity, to: principal) }
                let arn = TopicAccessControl.arn(ofTopic: entry.configuration.name)
                evaluator.setResourcePolicy(policy, for: arn)
                topic.accessControl = TopicAccessControl(evaluator: evaluator, resource: arn)
            }
            return topic
        }
        var refusals: [[String?]] = []
        subscriptionIndex = model.topics.enumerated().map { topicIndex, entry in
            refusals.append(Array(repeating: nil, count: entry.subscriptions.count))
            return entry.subscriptions.enumerated().map { subscriptionIndex, subscription -> Int? in
                let topic = topics[topicIndex]
                let streamName = "topic/\(entry.configuration.name)/subscription/\(subscription.configuration.name)"
                let endpoint: SubscriptionEndpoint
                if let queue = subscription.queue {
                    endpoint = QueueSubscriber(queue: queues[queue], queueIndex: queue, topicIndex: topicIndex,
                                               latency: subscription.endpoint.latency, scheduler: scheduler,
                                               stream: streams(streamName), observer: self)
                } else {
                    endpoint = RemoteEndpoint(specification: subscription.endpoint, scheduler: scheduler, stream: streams(streamName))
                }
                switch topic.subscribe(subscription.configuration, endpoint: endpoint, targetQueue: subscription.queue.map { queues[$0] },
                                       deadLetterQueue: subscription.deadLetterQueue.map { queues[$0] },
                                       randomness: streams(streamName + "/retries")) {
                case .success(let index):
                    return index
                case .failure(let error):
                    refusals[topicIndex][subscriptionIndex] = error.description
                    return nil
                }
            }
        }
        topicProducedAt = Array(repeating: [], count: topics.count)
        fifoArrivals = Array(repeating: [:], count: topics.count)
        topicObservations = model.topics.enumerated().map { topicIndex, entry in
            var observations = TopicObservations(name: entry.configuration.name, type: entry.configuration.typeName)
            observations.subscriptions = entry.subscriptions.enumerated().map { subscriptionIndex, subscription in
                var row = SubscriptionObservations(name: subscription.configuration.name,
                                                   protocolName: subscription.configuration.protocolName.rawValue,
                                                   endpoint: subscription.configuration.endpointName,
                                                   rawMessageDelivery: subscription.configuration.rawMessageDelivery)
                row.subscribeRefusal = refusals[topicIndex][subscriptionIndex]
                return row
            }
            return observations
        }
    }

    /// Whether every topic has finished every delivery it started.
    var topicsIdle: Bool { topics.allSatisfy { $0.deliveriesPending == 0 } }

    func observeTopics() -> [TopicObservations] {
        for (index, topic) in topics.enumerated() {
            let counters = topic.counters
            topicObservations[index].publishRequests = counters.publishRequests
            topicObservations[index].messagesPublished = counters.messagesPublished
            topicObservations[index].billedPublishRequests = counters.billedPublishRequests
            topicObservations[index].deduplicated = counters.deduplicated
            topicObservations[index].throttled = counters.throttled
            topicObservations[index].rejected = counters.rejected
            if let control = topic.accessControl {
                topicObservations[index].deniedCalls = control.denied.total.total
                topicObservations[index].deniedByPrincipal = control.deniedTotalsByPrincipal
            }
            for (modelIndex, engineIndex) in subscriptionIndex[index].enumerated() {
                guard let engineIndex else { continue }
                let subscription = topic.subscriptions[engineIndex]
                let c = subscription.counters
                topicObservations[index].subscriptions[modelIndex].matched = c.matched
                topicObservations[index].subscriptions[modelIndex].filteredOut = c.filteredOut
                topicObservations[index].subscriptions[modelIndex].attempts = c.attempts
                topicObservations[index].subscriptions[modelIndex].retries = c.retries
                topicObservations[index].subscriptions[modelIndex].delivered = c.delivered
                topicObservations[index].subscriptions[modelIndex].deadLettered = c.deadLettered
                topicObservations[index].subscriptions[modelIndex].dropped = c.dropped
                topicObservations[index].subscriptions[modelIndex].pendingAtEnd = subscription.pending
                topicObservations[index].subscriptions[modelIndex].deliveredBytes = c.deliveredBytes
                topicObservations[index].subscriptions[modelIndex].billedDeliveries = c.billedDeliveries
            }
            topic.checkInvariants()
        }
        return topicObservations
    }

    // MARK: Events

    public func publishAccepted(topic: Int, messageId: TopicMessageID, producedAt: Instant, at: Instant) {
        precondition(messageId.rawValue == topicProducedAt[topic].count, "topic messages are numbered in publish order")
        topicProducedAt[topic].append(producedAt)
    }

    public func publishAbandoned(topic: Int, producedAt: Instant, reason: String, at: Instant) {
        topicObservations[topic].publishesAbandoned += 1
        if at >= stopInstant { stopIfDrained() }
    }

    public func deliveredToQueue(queue: Int, messageId: MessageID, topic: Int, topicMessage: TopicMessageID, at: Instant) {
        ledgers[queue].recordSend(messageId, producedAt: topicProducedAt[topic][topicMessage.rawValue], at: at)
    }

    public func topic(_ topic: Topic, didObserve event: TopicEvent) {
        switch event {
        case .delivered(let subscription, let id, let group, let publishedAt, _, let at):
            let modelIndex = modelSubscription(topic.token, subscription)
            if publishedAt >= warmup {
                topicObservations[topic.token].subscriptions[modelIndex].deliveryLatency.record(nanoseconds: (at - publishedAt).nanoseconds)
            }
            if let group { checkGroupOrder(topic.token, subscription: modelIndex, group: group, id) }
        case .deadLettered(_, let id, let queue, let newId?, let at):
            ledgers[queue].recordSend(newId, producedAt: topicProducedAt[topic.token][id.rawValue], at: at)
        case .deadLettered:
            break
        case .dropped:
            break
        }
        if scheduler.now >= stopInstant { stopIfDrained() }
    }

    func modelSubscription(_ topic: Int, _ engineIndex: Int) -> Int {
        subscriptionIndex[topic].firstIndex(of: engineIndex)!
    }

    /// A FIFO topic must hand each subscription the messages of a group in publish order: an
    /// independent check of what the topic promises, counted per subscription.
    func checkGroupOrder(_ topic: Int, subscription: Int, group: String, _ id: TopicMessageID) {
        let key = FifoArrivalKey(subscription: subscription, group: group)
        if let last = fifoArrivals[topic][key], last > id {
            topicObservations[topic].subscriptions[subscription].outOfOrder += 1
        }
        fifoArrivals[topic][key] = max(id, fifoArrivals[topic][key] ?? id)
    }
}

struct FifoArrivalKey: Hashable {
    var subscription: Int
    var group: String
}
