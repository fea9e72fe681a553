import SimKernel

extension Queue {
    /// DeleteMessage. The handle of the latest receive deletes the message. A handle from an
    /// earlier receive of a message delivered again is accepted and leaves the message in place,
    /// as AWS does; so is a handle of a message already deleted or expired.
    public func deleteMessage(_ handle: ReceiptHandle) -> DeleteMessageResult {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        if isFifo, let refusal = throttle(.deleteMessage) { return .rejected(refusal) }
        let result = delete(handle)
        finishCall()
        return result
    }

    /// DeleteMessageBatch: up to 10 handles; each entry succeeds or fails alone.
    public func deleteMessageBatch(_ handles: [ReceiptHandle]) -> BatchResult<DeleteMessageResult> {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        if let problem = Self.batchProblem(count: handles.count, bytes: 0) { return .rejected(problem) }
        if isFifo, let refusal = throttle(.deleteMessage) { return .rejected(refusal) }
        let results = handles.map(delete)
        finishCall()
        return .entries(results)
    }

    func delete(_ handle: ReceiptHandle) -> DeleteMessageResult {
        if let problem = handleProblem(handle) { return .rejected(problem) }
        let slot = Int(handle.slot)
        let record = records[slot]
        guard record.state != .free, record.allocation == handle.allocation else { return .acceptedAlreadyGone }
        guard record.receiveCount == handle.receiveCount else {
            counters.staleReceiptDeletes += 1
            return .acceptedStaleReceipt(record.messageId)
        }
        // The current handle deletes the message whatever its state: in flight, or visible again
        // after its timeout lapsed without anyone receiving it since.
        counters.messagesDeleted += 1
        remove(slot: handle.slot)
        return .deleted(record.messageId)
    }

    /// ChangeMessageVisibility: restarts the message's timeout from now. The new deadline may not
    /// lie more than 12 hours after the message's first receive. A timeout of 0 makes it visible now.
    public func changeMessageVisibility(_ handle: ReceiptHandle, visibilityTimeout: Span) -> ChangeVisibilityResult {
        counters.changeVisibilityRequests += 1
        counters.billedRequests += 1
        if isFifo, let refusal = throttle(.changeMessageVisibility) { return .rejected(refusal) }
        if let problem = handleProblem(handle) { return .rejected(problem) }
        guard visibilityTimeout >= .zero, visibilityTimeout <= QueueConfiguration.visibilityTimeoutMax else {
            return .rejected(.invalidParameterValue("VisibilityTimeout must be between 0 and 43200 seconds (12h)"))
        }
        let slot = Int(handle.slot)
        let record = records[slot]
        guard record.state == .inFlight, record.allocation == handle.allocation else {
            return .rejected(.messageNotInflight)
        }
        guard record.receiveCount == handle.receiveCount else {
            return .rejected(.receiptHandleIsInvalid("the receipt handle is from an earlier receive of this message"))
        }
        let now = clock.now
        let deadline = now + visibilityTimeout
        let limit = record.firstReceivedAt + QueueConfiguration.visibilityTimeoutMax
        // A timeout of 0 shortens the deadline whatever the time; only an extension can pass the limit.
        guard deadline <= limit || visibilityTimeout == .zero else {
            return .rejected(.invalidParameterValue(
                "the visibility deadline would pass 12h after the message's first receive (\((limit - now).seconds)s remain)"))
        }
        records[slot].visibilityStamp &+= 1
        setVisibilityDeadline(deadline, for: SlotStamp(slot: handle.slot, stamp: records[slot].visibilityStamp))
        return .changed
    }

    func handleProblem(_ handle: ReceiptHandle) -> QueueError? {
        guard handle.queueToken == token else {
            return .receiptHandleIsInvalid("the receipt handle was issued by another queue")
        }
        guard handle.slot >= 0, Int(handle.slot) < records.count, handle.receiveCount >= 1 else {
            return .receiptHandleIsInvalid("the receipt handle was never issued by this queue")
        }
        return nil
    }
}
