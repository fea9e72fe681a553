import SimKernel

extension Queue {
    /// ReceiveMessage. A short poll (wait 0) returns at once, possibly empty. A long poll returns at
    /// once when messages are visible; otherwise it waits, and the first message to become visible
    /// goes to the receive that has waited longest. At the end of its wait it completes empty.
    ///
    /// When `inFlightMax` messages are in flight a short poll gets OverLimit and a long poll waits
    /// without being served until messages leave flight.
    public func receiveMessage(_ request: ReceiveMessageRequest, requester: ReceiveRequester?) -> ReceiveMessageResult {
        counters.receiveRequests += 1
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
        if wait == .zero {
            if inFlightCount >= configuration.inFlightMax {
                return .rejected(.overLimit("\(inFlightCount) messages are in flight; the limit is \(configuration.inFlightMax)"))
            }
            let messages = takeVisible(upTo: request.maxNumberOfMessages, visibilityTimeout: visibilityTimeout)
            if messages.isEmpty { counters.emptyReceives += 1 }
            return .messages(messages)
        }
        guard let requester else {
            preconditionFailure("a long poll needs a requester to complete")
        }
        // Earlier waiters have first claim: a new long poll takes messages at once only when no one waits.
        if waiters.isEmpty, visibleCount > 0, inFlightCount < configuration.inFlightMax {
            return .messages(takeVisible(upTo: request.maxNumberOfMessages, visibilityTimeout: visibilityTimeout))
        }
        let id = ReceiveRequestID(rawValue: nextWaiterID)
        nextWaiterID += 1
        waiters.append(Waiter(id: id, requester: requester, maxNumberOfMessages: request.maxNumberOfMessages,
                              visibilityTimeout: visibilityTimeout))
        let deadline = clock.now + wait
        if waitDeadlines.append(deadline, id) {
            setTimer(for: waitDeadlines, code: .waitList)
        } else {
            timers.schedule(at: deadline, target: self, code: TimerCode.waitEnded.rawValue, payload: Int(id.rawValue))
        }
        return .waiting(id)
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

    /// Hands visible messages to waiting long polls, longest-waiting first.
    func serveWaiters() {
        while !waiters.isEmpty, visibleCount > 0, inFlightCount < configuration.inFlightMax {
            let waiter = waiters.removeFirst()
            let messages = takeVisible(upTo: waiter.maxNumberOfMessages, visibilityTimeout: waiter.visibilityTimeout)
            completions.append(Completion(requester: waiter.requester, id: waiter.id, messages: messages))
        }
    }

    func waitEnded(_ id: ReceiveRequestID) {
        // A waiter already served or cancelled is no longer in the list; its timer is simply stale.
        guard let index = waiterIndex(id) else { return }
        let waiter = waiters.remove(at: index)
        counters.emptyReceives += 1
        completions.append(Completion(requester: waiter.requester, id: waiter.id, messages: []))
        finishCall()
    }

    /// Takes up to `limit` visible messages in the order they became visible and puts them in flight.
    func takeVisible(upTo limit: Int, visibilityTimeout: Span) -> [ReceivedMessage] {
        var taken: [ReceivedMessage] = []
        taken.reserveCapacity(Swift.min(limit, visibleCount))
        let now = clock.now
        while taken.count < limit, inFlightCount < configuration.inFlightMax, let entry = visibleOrder.popFirst() {
            let slot = Int(entry.slot)
            guard records[slot].state == .visible, records[slot].visibilityStamp == entry.stamp else { continue }
            records[slot].state = .inFlight
            records[slot].receiveCount += 1
            if records[slot].receiveCount == 1 { records[slot].firstReceivedAt = now }
            records[slot].visibilityStamp &+= 1
            visibleCount -= 1
            inFlightCount += 1
            counters.messagesReceived += 1
            let record = records[slot]
            setVisibilityDeadline(now + visibilityTimeout, for: SlotStamp(slot: entry.slot, stamp: record.visibilityStamp))
            taken.append(ReceivedMessage(
                messageId: record.messageId,
                receiptHandle: ReceiptHandle(queueToken: token, slot: entry.slot, allocation: record.allocation,
                                             receiveCount: record.receiveCount),
                sentAt: record.sentAt, firstReceivedAt: record.firstReceivedAt,
                sizeBytes: record.sizeBytes, tag: record.tag))
        }
        return taken
    }
}
