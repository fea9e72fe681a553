import SimKernel

extension Queue {
    /// ReceiveMessage. A short poll (wait 0) returns at once, possibly empty. A long poll returns at
    /// once when messages can be delivered; otherwise it waits, and the first message to become
    /// deliverable goes to the receive that has waited longest. At the end of its wait it completes empty.
    ///
    /// When `inFlightMax` messages are in flight a short poll on a standard queue gets OverLimit; a
    /// long poll, or any receive on a FIFO queue, just gets nothing until messages leave flight.
    public func receiveMessage(_ request: ReceiveMessageRequest, requester: ReceiveRequester?) -> ReceiveMessageResult {
        counters.receiveRequests += 1
        counters.billedRequests += 1
        if isFifo, let refusal = throttle(.receiveMessage) { return .rejected(refusal) }
        guard QueueConfiguration.receiveMessagesRange.contains(request.maxNumberOfMessages) else {
            return .rejected(.invalidParameterValue("MaxNumberOfMessages must be between 1 and 10, not \(request.maxNumberOfMessages)"))
        }
        let wait = request.waitTime ?? configuration.receiveWaitTime
        guard wait >= .zero, wait <= QueueConfiguration.waitTimeMax else {
            return .rejected(.invalidParameterValue("WaitTimeSeconds must be between 0 and 20"))
        }
        let visibilityTimeout = request.visibilityTimeout ?? configuration.visibilityTimeout
        guard visibilityTimeout >= .zero, visibilityTimeout <= QueueConfiguration.visibilityTimeoutMax else {
            return .rejected(.invalidParameterValue("VisibilityTimeout must be between 0 and 43200 seconds (12h)"))
        }
        // SQS ignores ReceiveRequestAttemptId on standard queues.
        let attemptId = isFifo ? request.receiveRequestAttemptId : nil
        if let attemptId {
            if let problem = Self.identifierProblem(attemptId, name: "ReceiveRequestAttemptId") { return .rejected(problem) }
            if let repeated = repeatedAttempt(attemptId, visibilityTimeout: visibilityTimeout) { return .messages(repeated) }
        }
        if wait == .zero {
            if !isFifo && inFlightCount >= configuration.inFlightMax {
                return .rejected(.overLimit("\(inFlightCount) messages are in flight; the limit is \(configuration.inFlightMax)"))
            }
            let messages = take(upTo: request.maxNumberOfMessages, visibilityTimeout: visibilityTimeout, shortPoll: true)
            noteEmpty(messages)
            if let attemptId { rememberAttempt(attemptId, messages) }
            return .messages(messages)
        }
        guard let requester else {
            preconditionFailure("a long poll needs a requester to complete")
        }
        // Earlier waiters have first claim: a new long poll takes messages at once only when no one waits.
        if waiters.isEmpty, canDeliver() {
            let messages = take(upTo: request.maxNumberOfMessages, visibilityTimeout: visibilityTimeout, shortPoll: false)
            // Every candidate may have gone to the dead-letter queue instead; then the poll waits.
            if !messages.isEmpty {
                if let attemptId { rememberAttempt(attemptId, messages) }
                return .messages(messages)
            }
        }
        let id = ReceiveRequestID(rawValue: nextWaiterID)
        nextWaiterID += 1
        waiters.append(Waiter(id: id, requester: requester, maxNumberOfMessages: request.maxNumberOfMessages,
                              visibilityTimeout: visibilityTimeout, attemptId: attemptId))
        let deadline = clock.now + wait
        if waitDeadlines.append(deadline, id) {
            setTimer(for: waitDeadlines, code: .waitList)
        } else {
            timers.schedule(at: deadline, target: self, code: TimerCode.waitEnded.rawValue, payload: Int(id.rawValue))
        }
        return .waiting(id)
    }

    func noteEmpty(_ messages: [ReceivedMessage]) {
        guard messages.isEmpty else { return }
        counters.emptyReceives += 1
        if visibleCount > 0 { counters.emptyReceivesWithMessagesStored += 1 }
    }

    /// Whether a receive now could be given a message (before redrive decides otherwise).
    func canDeliver() -> Bool {
        guard inFlightCount < configuration.inFlightMax else { return false }
        return isFifo ? fifoCanDeliver() : visibleCount > 0
    }

    func take(upTo limit: Int, visibilityTimeout: Span, shortPoll: Bool) -> [ReceivedMessage] {
        let taken: [ReceivedMessage]
        if isFifo {
            taken = takeFifo(upTo: limit, visibilityTimeout: visibilityTimeout)
        } else if shortPoll && usesPartitions {
            taken = takeSampled(upTo: limit, visibilityTimeout: visibilityTimeout)
        } else {
            taken = takeVisible(upTo: limit, visibilityTimeout: visibilityTimeout)
        }
        // The call was billed as one request; a payload past 64 KiB adds one per further chunk.
        if taken.count > 0 {
            let bytes = taken.reduce(0) { $0 + $1.sizeBytes }
            if bytes > 65_536 { counters.billedRequests += Self.billedRequests(payloadBytes: bytes) - 1 }
        }
        return taken
    }

    /// Withdraws a waiting long poll (its caller went away); it will not be completed.
    ///
    /// A long poll already served at this instant, whose requester has not been told yet, loses its
    /// response as on a broken connection: its messages stay in flight until their timeout lapses.
    public func cancelReceive(_ id: ReceiveRequestID) {
        if let index = waiterIndex(id) {
            waiters.remove(at: index)
        } else {
            completions.removeAll { $0.id == id }
        }
    }

    /// Where a waiting long poll stands in `waiters`, by binary search: waiters are appended in
    /// increasing ID order and removing some keeps that order.
    func waiterIndex(_ id: ReceiveRequestID) -> Int? {
        var low = 0, high = waiters.count
        while low < high {
            let middle = (low + high) / 2
            if waiters[middle].id.rawValue < id.rawValue { low = middle + 1 } else { high = middle }
        }
        return low < waiters.count && waiters[low].id == id ? low : nil
    }

    /// Long polls waiting now.
    public var waitingReceiveCount: Int { waiters.count }

    /// Hands deliverable messages to waiting long polls, longest-waiting first.
    func serveWaiters() {
        while let waiter = waiters.first, canDeliver() {
            let messages = take(upTo: waiter.maxNumberOfMessages, visibilityTimeout: waiter.visibilityTimeout, shortPoll: false)
            // Everything deliverable went to the dead-letter queue: the waiter keeps waiting.
            if messages.isEmpty { break }
            waiters.removeFirst()
            if let attemptId = waiter.attemptId { rememberAttempt(attemptId, messages) }
            completions.append(Completion(requester: waiter.requester, id: waiter.id, messages: messages))
        }
    }

    func waitEnded(_ id: ReceiveRequestID) {
        // A waiter already served or cancelled is no longer in the list; its timer is simply stale.
        guard let index = waiterIndex(id) else { return }
        let waiter = waiters.remove(at: index)
        noteEmpty([])
        completions.append(Completion(requester: waiter.requester, id: waiter.id, messages: []))
        finishCall()
    }

    /// Whether the redrive policy sends this message away instead of delivering it: its receive
    /// count would pass maxReceiveCount.
    @inline(__always)
    func exceedsReceiveCount(_ slot: Int32) -> Bool {
        guard deadLetterQueue != nil, let redrive = configuration.redrivePolicy else { return false }
        return Int(records[Int(slot)].receiveCount) >= redrive.maxReceiveCount
    }

    /// Puts a visible message in flight and makes its receipt.
    func deliver(slot: Int32, at now: Instant, visibilityTimeout: Span) -> ReceivedMessage {
        let index = Int(slot)
        records[index].state = .inFlight
        records[index].receiveCount += 1
        if records[index].receiveCount == 1 { records[index].firstReceivedAt = now }
        records[index].visibilityStamp &+= 1
        visibleCount -= 1
        inFlightCount += 1
        counters.messagesReceived += 1
        let record = records[index]
        setVisibilityDeadline(now + visibilityTimeout, for: SlotStamp(slot: slot, stamp: record.visibilityStamp))
        return ReceivedMessage(
            messageId: record.messageId,
            receiptHandle: ReceiptHandle(queueToken: token, slot: slot, allocation: record.allocation,
                                         receiveCount: record.receiveCount),
            sentAt: record.sentAt, firstReceivedAt: record.firstReceivedAt,
            sizeBytes: record.sizeBytes, tag: record.tag,
            messageGroupId: record.group >= 0 ? groups[Int(record.group)].id : nil, poison: record.poison,
            extendedPayloadBytes: Int(record.extendedPayloadBytes))
    }

    /// Takes up to `limit` visible messages in the order they became visible and puts them in flight.
    func takeVisible(upTo limit: Int, visibilityTimeout: Span) -> [ReceivedMessage] {
        var taken: [ReceivedMessage] = []
        taken.reserveCapacity(Swift.min(limit, visibleCount))
        let now = clock.now
        while taken.count < limit, inFlightCount < configuration.inFlightMax, let entry = visibleOrder.popFirst() {
            let slot = Int(entry.slot)
            guard records[slot].state == .visible, records[slot].visibilityStamp == entry.stamp else { continue }
            if exceedsReceiveCount(entry.slot) {
                moveToDeadLetterQueue(slot: entry.slot)
                continue
            }
            taken.append(deliver(slot: entry.slot, at: now, visibilityTimeout: visibilityTimeout))
        }
        if configuration.spuriousDuplicateProbability > 0 { leaveSpuriousCopies(of: taken) }
        return taken
    }

    /// A short poll of a queue spread over partitions: it samples some of them and sees only their
    /// messages, so it can come back empty while messages are visible. A message's partition is its
    /// number modulo the partition count. At most `shortPollScanMax` visible messages are looked at.
    func takeSampled(upTo limit: Int, visibilityTimeout: Span) -> [ReceivedMessage] {
        let partitions = configuration.partitions
        // A uniformly random subset of `shortPollSampledPartitions` partitions (partial Fisher–Yates).
        var order = Array(0..<partitions)
        var sampled = [Bool](repeating: false, count: partitions)
        for i in 0..<configuration.shortPollSampledPartitions {
            let j = i + Swift.min(partitions - i - 1, Int(draw() * Double(partitions - i)))
            order.swapAt(i, j)
            sampled[order[i]] = true
        }
        var taken: [ReceivedMessage] = []
        var passedOver: [SlotStamp] = []
        let now = clock.now
        var looked = 0
        while taken.count < limit, looked < Self.shortPollScanMax, inFlightCount < configuration.inFlightMax,
              let entry = visibleOrder.popFirst() {
            let slot = Int(entry.slot)
            guard records[slot].state == .visible, records[slot].visibilityStamp == entry.stamp else { continue }
            looked += 1
            guard sampled[records[slot].messageId.rawValue % partitions] else {
                passedOver.append(entry)
                continue
            }
            if exceedsReceiveCount(entry.slot) {
                moveToDeadLetterQueue(slot: entry.slot)
                continue
            }
            taken.append(deliver(slot: entry.slot, at: now, visibilityTimeout: visibilityTimeout))
        }
        // Messages of unsampled partitions keep their places at the front.
        visibleOrder.insert(contentsOf: passedOver, at: 0)
        if configuration.spuriousDuplicateProbability > 0 { leaveSpuriousCopies(of: taken) }
        return taken
    }

    static let shortPollScanMax = 1_000

    /// Best-effort delivery: each message just received stays visible too with the configured
    /// probability, so another receive can get it while the first holds it. The first holder's
    /// receipt then turns stale, and its delete leaves the message in place, as with a lapse.
    func leaveSpuriousCopies(of taken: [ReceivedMessage]) {
        let now = clock.now
        for message in taken where draw() < configuration.spuriousDuplicateProbability {
            let slot = message.receiptHandle.slot
            inFlightCount -= 1
            counters.spuriousDuplicates += 1
            makeVisible(slot: slot)
            observer?.queue(self, didObserve: .spuriousDuplicate(message.messageId, at: now))
        }
    }
}
