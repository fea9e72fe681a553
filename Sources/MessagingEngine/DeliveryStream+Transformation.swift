import SimKernel

/// A flushed transformation buffer on its way through the function, across its attempts.
struct PendingInvocation {
    let records: [DeliveryStreamRecord]
    let oldestPutAt: Instant
    /// Attempts made so far.
    var attempts = 0
    /// An attempt has started and not been answered.
    var awaitingAnswer = false
}

extension DeliveryStream {
    // MARK: Transformation buffer

    func bufferForTransformation(_ record: DeliveryStreamRecord, at now: Instant) {
        if let due = transformationBuffer.append(record, at: now) {
            timers.schedule(at: due, target: self, code: Code.transformationBufferInterval.rawValue, payload: transformationBuffer.epoch)
        }
        if transformationBuffer.isFull { flushTransformationBuffer(.size) }
    }

    /// Turns the buffered records into one invocation and starts it. Invocations do not wait for
    /// each other: like Firehose, which invokes the function for each buffered batch as it is
    /// ready, several may be under way at once.
    func flushTransformationBuffer(_ reason: DeliveryStreamFlushReason) {
        let flushed = transformationBuffer.flush()
        let number = nextInvocationNumber
        nextInvocationNumber += 1
        invocations[number] = PendingInvocation(records: flushed.records, oldestPutAt: flushed.oldestPutAt)
        invoke(number)
    }

    func invoke(_ number: Int) {
        invocations[number]!.attempts += 1
        invocations[number]!.awaitingAnswer = true
        let invocation = invocations[number]!
        counters.invocations += 1
        if invocation.attempts > 1 { counters.invocationRetries += 1 }
        transformer!.transform(TransformationInvocation(ticket: TransformationTicket(invocation: number, attempt: invocation.attempts),
                                                        records: invocation.records, attempt: invocation.attempts), for: self)
    }

    // MARK: Answers

    /// The function's answer to the latest attempt of an invocation. Returns false, changing
    /// nothing, for a ticket whose attempt has already been answered.
    ///
    /// Records returned Ok enter the destination buffer with their new size and their original
    /// put instant, in the order of the batch (so an invocation answered late puts its records
    /// behind those of a later one: objects are not in put order then). A failed invocation is
    /// retried at once — AWS publishes no delay, and the invocation's own duration spaces the
    /// tries — up to `numberOfRetries` times; after that every record of the batch is
    /// ProcessingFailed.
    @discardableResult
    public func completeTransformation(_ ticket: TransformationTicket, outcome: TransformationOutcome) -> Bool {
        let number = ticket.invocation
        guard let invocation = invocations[number], invocation.awaitingAnswer, invocation.attempts == ticket.attempt else { return false }
        invocations[number]!.awaitingAnswer = false
        switch outcome {
        case .invocationFailed(let reason):
            invocationFailed(number, reason: reason)
        case .results(let results):
            if let problem = Self.unreadable(results, for: invocation.records) {
                invocationFailed(number, reason: problem)
            } else {
                finishInvocation(number, results: results)
            }
        }
        return true
    }

    /// Why Firehose could not read a response, or nil when it can: a result for every record, and
    /// no negative size.
    static func unreadable(_ results: [TransformationResult], for records: [DeliveryStreamRecord]) -> String? {
        if results.count != records.count {
            return "the function returned \(results.count) results for \(records.count) records"
        }
        for case .ok(let bytes) in results where bytes < 0 {
            return "the function returned a record of \(bytes) bytes"
        }
        return nil
    }

    func invocationFailed(_ number: Int, reason: String) {
        counters.invocationFailures += 1
        let invocation = invocations[number]!
        if invocation.attempts <= configuration.transformation!.numberOfRetries {
            invoke(number)
            return
        }
        invocations[number] = nil
        failProcessing(invocation.records, reason: "\(reason); the invocation failed on all \(invocation.attempts) attempts")
    }

    func finishInvocation(_ number: Int, results: [TransformationResult]) {
        let invocation = invocations.removeValue(forKey: number)!
        let now = clock.now
        var dropped: [DeliveryStreamRecord] = []
        var failed: [DeliveryStreamRecord] = []
        for (record, result) in zip(invocation.records, results) {
            switch result {
            case .ok(let bytes):
                var transformed = record
                transformed.sizeBytes = bytes
                counters.recordsTransformed += 1
                counters.transformedBytes += bytes
                bufferForDestination(transformed, at: now)
            case .dropped:
                dropped.append(record)
            case .processingFailed:
                failed.append(record)
            }
        }
        if !dropped.isEmpty {
            counters.recordsDropped += dropped.count
            observer?.deliveryStream(self, didObserve: .dropped(dropped, at: now))
        }
        if !failed.isEmpty { failProcessing(failed, reason: "the function returned ProcessingFailed") }
    }

    /// Sends records to the error output (the backup location's processing-failed prefix), which
    /// is taken to accept them at once.
    func failProcessing(_ records: [DeliveryStreamRecord], reason: String) {
        counters.recordsProcessingFailed += records.count
        counters.processingFailedBytes += records.reduce(0) { $0 + $1.sizeBytes }
        observer?.deliveryStream(self, didObserve: .processingFailed(records, reason: reason, at: clock.now))
    }
}
