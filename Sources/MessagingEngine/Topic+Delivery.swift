import DequeModule
import SimKernel

/// One message on its way to one subscription, across its attempts.
struct Delivery {
    /// Bumped when the record is freed, so a ticket of an earlier delivery in the same slot is stale.
    var generation: UInt32 = 0
    var live = false
    var subscription = 0
    /// Attempts made so far.
    var attempts = 0
    var messageId = TopicMessageID(0)
    var publishedAt = Instant.zero
    var payload = SendMessageRequest(bodyBytes: 0)
    /// FIFO topics: the group and deduplication ID, kept even when the payload goes without them
    /// (a standard queue subscriber), for a FIFO dead-letter queue.
    var identity: FifoIdentity?
}

extension Topic {
    // MARK: Starting deliveries

    func startDelivery(to subscription: Int, _ payload: SendMessageRequest, id: TopicMessageID, identity: FifoIdentity?, at now: Instant) {
        let slot = allocateDelivery()
        deliveries[Int(slot)].subscription = subscription
        deliveries[Int(slot)].attempts = 0
        deliveries[Int(slot)].messageId = id
        deliveries[Int(slot)].publishedAt = now
        deliveries[Int(slot)].payload = payload
        deliveries[Int(slot)].identity = identity
        subscriptions[subscription].pending += 1
        deliveriesPending += 1
        // Only FIFO queue subscribers receive the group, and only they need the group's order kept.
        if isFifo, let group = payload.messageGroupId {
            let key = LaneKey(subscription: subscription, messageGroupId: group)
            let waiting = lanes[key]?.count ?? 0
            lanes[key, default: []].append(slot)
            // The group's earlier message to this subscription is still on its way: this one waits.
            if waiting > 0 { return }
        }
        attempt(slot, notBefore: now)
    }

    func allocateDelivery() -> Int32 {
        let slot: Int32
        if let free = freeDeliveries.popLast() {
            slot = free
        } else {
            deliveries.append(Delivery())
            slot = Int32(deliveries.count - 1)
        }
        deliveries[Int(slot)].live = true
        return slot
    }

    /// Starts the next attempt of a delivery at `notBefore` (from a timer when that is later).
    func attempt(_ slot: Int32, notBefore: Instant) {
        if notBefore <= clock.now {
            admit(slot)
        } else {
            let payload = Int(slot) | Int(deliveries[Int(slot)].generation) << 32
            timers.schedule(at: notBefore, target: self, code: Code.attempt.rawValue, payload: payload)
        }
    }

    /// Makes an attempt that is due, unless the subscription's maxReceivesPerSecond has had its
    /// fill in the last second: then the attempt waits in line, behind any that already wait,
    /// until the window has room.
    func admit(_ slot: Int32) {
        let index = deliveries[Int(slot)].subscription
        guard subscriptions[index].receiveWindow != nil else {
            attemptNow(slot)
            return
        }
        if subscriptions[index].throttled.isEmpty && subscriptions[index].receiveWindow!.tryAcquire(at: clock.now) {
            attemptNow(slot)
            return
        }
        subscriptions[index].counters.throttleWaits += 1
        subscriptions[index].throttled.append(slot)
        armThrottleTimer(index)
    }

    func armThrottleTimer(_ index: Int) {
        guard !subscriptions[index].throttleTimerArmed, !subscriptions[index].throttled.isEmpty else { return }
        subscriptions[index].throttleTimerArmed = true
        let at = subscriptions[index].receiveWindow!.earliestAdmission(from: clock.now)
        timers.schedule(at: at, target: self, code: Code.throttleEnded.rawValue, payload: index)
    }

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .attempt:
            let slot = Int32(truncatingIfNeeded: payload & 0xffff_ffff)
            let generation = UInt32(truncatingIfNeeded: payload >> 32)
            precondition(deliveries[Int(slot)].live && deliveries[Int(slot)].generation == generation,
                         "a delivery's attempt timer outlived it")
            admit(slot)
        case .throttleEnded:
            let index = payload
            subscriptions[index].throttleTimerArmed = false
            while let head = subscriptions[index].throttled.first, subscriptions[index].receiveWindow!.tryAcquire(at: clock.now) {
                subscriptions[index].throttled.removeFirst()
                attemptNow(head)
            }
            armThrottleTimer(index)
        }
    }

    func attemptNow(_ slot: Int32) {
        deliveries[Int(slot)].attempts += 1
        let delivery = deliveries[Int(slot)]
        subscriptions[delivery.subscription].counters.attempts += 1
        if delivery.attempts > 1 { subscriptions[delivery.subscription].counters.retries += 1 }
        let attempt = DeliveryAttempt(ticket: DeliveryTicket(slot: slot, generation: delivery.generation),
                                      subscription: delivery.subscription, messageId: delivery.messageId,
                                      attempt: delivery.attempts, publishedAt: delivery.publishedAt, request: delivery.payload)
        subscriptions[delivery.subscription].endpoint.deliver(attempt, for: self)
    }

    // MARK: Answers

    /// The endpoint's answer to the latest attempt of a delivery. Returns false, changing nothing,
    /// for a ticket whose delivery has already finished.
    @discardableResult
    public func completeDelivery(_ ticket: DeliveryTicket, outcome: DeliveryOutcome) -> Bool {
        let slot = ticket.slot
        guard deliveries.indices.contains(Int(slot)), deliveries[Int(slot)].live,
              deliveries[Int(slot)].generation == ticket.generation else { return false }
        let now = clock.now
        let delivery = deliveries[Int(slot)]
        let index = delivery.subscription
        switch outcome {
        case .delivered:
            let bytes = delivery.payload.sizeBytes
            subscriptions[index].counters.delivered += 1
            subscriptions[index].counters.deliveredBytes += bytes
            subscriptions[index].counters.billedDeliveries += Self.billedChunks(bytes)
            finish(slot)
            observer?.topic(self, didObserve: .delivered(subscription: index, delivery.messageId,
                                                         messageGroupId: delivery.payload.messageGroupId,
                                                         publishedAt: delivery.publishedAt, attempts: delivery.attempts, at: now))
        case .serverError(let reason):
            let draw = (subscriptions[index].randomness ?? randomness)?.uniform() ?? 0.5
            if let delay = subscriptions[index].retryPolicy.jitteredDelay(beforeRetry: delivery.attempts, uniform: draw) {
                attempt(slot, notBefore: now + delay)
            } else {
                giveUp(slot, reason: "\(reason); retries exhausted after \(delivery.attempts) attempts")
            }
        case .clientError(let reason):
            giveUp(slot, reason: "\(reason) (a client-side error is not retried)")
        }
        return true
    }

    /// Sends an undeliverable message to the subscription's dead-letter queue as SNS itself, or
    /// drops it when there is none or the queue refuses it.
    ///
    /// The observer hears of it after the delivery is finished, so it sees the topic as it is.
    func giveUp(_ slot: Int32, reason: String) {
        let now = clock.now
        let delivery = deliveries[Int(slot)]
        let index = delivery.subscription
        let event: TopicEvent
        if let queue = subscriptions[index].deadLetterQueue {
            var dead = delivery.payload
            if queue.isFifo, let identity = delivery.identity {
                dead.messageGroupId = identity.messageGroupId
                dead.deduplicationId = identity.deduplicationId
            }
            let result = queue.authorize(Self.servicePrincipal, .sendMessage).map(SendMessageResult.rejected)
                ?? queue.sendMessage(dead)
            switch result {
            case .sent(let newId):
                subscriptions[index].counters.deadLettered += 1
                event = .deadLettered(subscription: index, delivery.messageId, queue: queue.token, newId: newId, at: now)
            case .deduplicated:
                subscriptions[index].counters.deadLettered += 1
                event = .deadLettered(subscription: index, delivery.messageId, queue: queue.token, newId: nil, at: now)
            case .rejected(let error):
                subscriptions[index].counters.dropped += 1
                event = .dropped(subscription: index, delivery.messageId, reason: "\(reason); the dead-letter queue refused it: \(error)", at: now)
            }
        } else {
            subscriptions[index].counters.dropped += 1
            event = .dropped(subscription: index, delivery.messageId, reason: reason, at: now)
        }
        finish(slot)
        observer?.topic(self, didObserve: event)
    }

    /// Frees a delivery's record and, on a FIFO topic, starts the next message of its group to
    /// the same subscription.
    func finish(_ slot: Int32) {
        let delivery = deliveries[Int(slot)]
        subscriptions[delivery.subscription].pending -= 1
        deliveriesPending -= 1
        deliveries[Int(slot)].live = false
        deliveries[Int(slot)].generation &+= 1
        deliveries[Int(slot)].payload = SendMessageRequest(bodyBytes: 0)
        deliveries[Int(slot)].identity = nil
        freeDeliveries.append(slot)
        guard isFifo, let group = delivery.payload.messageGroupId else { return }
        let key = LaneKey(subscription: delivery.subscription, messageGroupId: group)
        let head = lanes[key]!.removeFirst()
        precondition(head == slot, "a FIFO delivery finished before the one ahead of it in its group")
        if let next = lanes[key]!.first {
            attempt(next, notBefore: clock.now)
        } else {
            lanes[key] = nil
        }
    }
}
