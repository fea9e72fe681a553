import SimKernel

/// An object on its way to the destination, across its attempts.
struct PendingObject {
    let object: DeliveryStreamObject
    /// Attempts made so far.
    var attempts = 0
    /// When the first attempt failed: the retry duration runs from here.
    var firstFailureAt: Instant?
    /// An attempt has started and not been answered.
    var awaitingAnswer = false
    /// A retry timer is set.
    var retryScheduled = false
}

extension DeliveryStream {
    // MARK: Destination buffer

    func bufferForDestination(_ record: DeliveryStreamRecord, at now: Instant) {
        if let due = destinationBuffer.append(record, at: now) {
            timers.schedule(at: due, target: self, code: Code.destinationBufferInterval.rawValue, payload: destinationBuffer.epoch)
        }
        if destinationBuffer.isFull { flushDestinationBuffer(.size) }
    }

    /// Makes one object of the buffered records and starts its first attempt at once.
    ///
    /// Objects are delivered independently: a new object does not wait for an earlier one that is
    /// being retried, so a retried object can reach the destination after objects created later
    /// (object IDs say in which order they were created). AWS does not document the order of
    /// retried deliveries; Sluice makes no promise of order, and the destination sees it.
    func flushDestinationBuffer(_ reason: DeliveryStreamFlushReason) {
        let flushed = destinationBuffer.flush()
        let number = nextObjectNumber
        nextObjectNumber += 1
        let object = DeliveryStreamObject(id: DeliveryStreamObjectID(number), records: flushed.records, sizeBytes: flushed.sizeBytes,
                                          createdAt: clock.now, flushReason: reason, oldestPutAt: flushed.oldestPutAt)
        counters.objectsCreated += 1
        switch reason {
        case .size: counters.flushesBySize += 1
        case .interval: counters.flushesByInterval += 1
        }
        objects[number] = PendingObject(object: object)
        attemptDelivery(number)
    }

    func attemptDelivery(_ number: Int) {
        objects[number]!.attempts += 1
        objects[number]!.awaitingAnswer = true
        objects[number]!.retryScheduled = false
        let pending = objects[number]!
        counters.deliveryAttempts += 1
        if pending.attempts > 1 { counters.deliveryRetries += 1 }
        destination.deliver(ObjectDeliveryAttempt(ticket: ObjectDeliveryTicket(object: number, attempt: pending.attempts),
                                                  object: pending.object, attempt: pending.attempts), for: self)
    }

    func retryDelivery(_ number: Int) {
        precondition(objects[number]?.retryScheduled == true, "a delivery retry timer outlived its object")
        attemptDelivery(number)
    }

    // MARK: Answers

    /// The destination's answer to the latest attempt of an object. Returns false, changing
    /// nothing, for a ticket whose attempt has already been answered.
    @discardableResult
    public func completeDelivery(_ ticket: ObjectDeliveryTicket, outcome: ObjectDeliveryOutcome) -> Bool {
        let number = ticket.object
        guard let pending = objects[number], pending.awaitingAnswer, pending.attempts == ticket.attempt else { return false }
        let now = clock.now
        objects[number]!.awaitingAnswer = false
        switch outcome {
        case .delivered:
            objects[number] = nil
            counters.objectsDelivered += 1
            counters.recordsDelivered += pending.object.recordCount
            counters.bytesDelivered += pending.object.sizeBytes
            observer?.deliveryStream(self, didObserve: .delivered(pending.object, attempts: pending.attempts, at: now))
        case .failed(let reason):
            deliveryFailed(number, reason: reason, at: now)
        }
        return true
    }

    /// Decides what follows a failed attempt.
    ///
    /// AWS's documents disagree on when the retry duration starts (after the first failure, or
    /// with the first attempt) and on whether waiting for an answer counts. Sluice's reading:
    /// the duration starts when the first attempt's failure is answered. The waits between
    /// attempts double from `retryDelayInitial` up to `retryDelayMax`, but never reach past the
    /// end of the duration: the last retry starts exactly at that end, so the whole duration is
    /// used (a duration of 0 allows no retry at all). An attempt under way when the duration ends
    /// is still answered: delivered if it succeeds, given up if it fails.
    /// Giving up sends the object to the backup location, which is taken to accept it at once
    /// (Firehose's pause when the backup fails too is not modelled).
    ///
    /// Independently, data is kept 24 h (`dataRetention`) from when its oldest record was put:
    /// retries stop at that instant as well, and an object that reaches it before its retry
    /// duration ends (only possible without a retry duration, as for S3) is gone: expired.
    func deliveryFailed(_ number: Int, reason: String, at now: Instant) {
        if objects[number]!.firstFailureAt == nil { objects[number]!.firstFailureAt = now }
        let pending = objects[number]!
        let retentionEnds = pending.object.oldestPutAt + configuration.dataRetention
        let retriesEnd = configuration.retryDuration.map { pending.firstFailureAt! + $0 }
        let giveUpAt = min(retriesEnd ?? .distantFuture, retentionEnds)
        guard now < giveUpAt else {
            objects[number] = nil
            if let retriesEnd, retriesEnd <= retentionEnds {
                backUp(pending, reason: "\(reason); still failing when the retry duration of \(configuration.retryDuration!) ran out, after \(pending.attempts) attempts", at: now)
            } else {
                expire(pending, at: now)
            }
            return
        }
        objects[number]!.retryScheduled = true
        let retryAt = min(now + retryDelay(beforeRetry: pending.attempts), giveUpAt)
        timers.schedule(at: retryAt, target: self, code: Code.deliveryRetry.rawValue, payload: number)
    }

    /// The wait before retry `retry` (1 for the first): `retryDelayInitial` doubled `retry − 1`
    /// times, capped at `retryDelayMax` — with the defaults 1, 2, 4, 8, 16, 30, 30, … seconds.
    func retryDelay(beforeRetry retry: Int) -> Span {
        var delay = configuration.retryDelayInitial
        var doublings = 1
        // Doubling stops once the cap is reached, so the loop runs at most log2(max / initial) times.
        while doublings < retry && delay < configuration.retryDelayMax {
            delay = delay * 2
            doublings += 1
        }
        return min(delay, configuration.retryDelayMax)
    }

    func backUp(_ pending: PendingObject, reason: String, at now: Instant) {
        counters.objectsBackedUp += 1
        counters.recordsBackedUp += pending.object.recordCount
        counters.bytesBackedUp += pending.object.sizeBytes
        observer?.deliveryStream(self, didObserve: .backedUp(pending.object, attempts: pending.attempts, reason: reason, at: now))
    }

    func expire(_ pending: PendingObject, at now: Instant) {
        counters.objectsExpired += 1
        counters.recordsExpired += pending.object.recordCount
        counters.bytesExpired += pending.object.sizeBytes
        observer?.deliveryStream(self, didObserve: .expired(pending.object, attempts: pending.attempts, at: now))
    }
}
