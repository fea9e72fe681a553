import SimKernel

/// A StartMessageMoveTask under way: moves messages out of a dead-letter queue at a set rate.
struct MoveTask {
    /// Where messages go; nil sends each back to the queue it was dead-lettered from.
    var destination: Queue?
    var interval: Span
    /// Messages the task may still move: those stored when it started.
    var remaining: Int
    var moved = 0
}

/// How a message move task stands, as ListMessageMoveTasks reports it.
public struct MoveTaskStatus: Sendable, Equatable {
    public var running: Bool
    public var moved: Int
    public var remaining: Int
}

extension Queue {
    // MARK: Redrive

    /// Moves a message whose receive count reached maxReceiveCount to the dead-letter queue.
    /// A standard dead-letter queue keeps the original enqueue time, so retention keeps counting;
    /// a FIFO one starts it afresh.
    func moveToDeadLetterQueue(slot: Int32) {
        guard let target = deadLetterQueue else { preconditionFailure("no dead-letter queue to move to") }
        let now = clock.now
        let record = records[Int(slot)]
        let group = record.group >= 0 ? groups[Int(record.group)].id : nil
        counters.messagesDeadLettered += 1
        remove(slot: slot)
        let newId = target.acceptMoved(tag: record.tag, sizeBytes: record.sizeBytes,
                                       sentAt: isFifo ? now : record.sentAt, group: group, poison: record.poison,
                                       origin: Int32(token), extendedPayloadBytes: Int(record.extendedPayloadBytes))
        observer?.queue(self, didObserve: .deadLettered(record.messageId, receiveCount: Int(record.receiveCount),
                                                       to: target.token, newId: newId, at: now))
    }

    /// Stores a message moved here by a redrive or a move task: no validation, no deduplication,
    /// no delay, and its receive count starts again from 0.
    func acceptMoved(tag: UInt64, sizeBytes: Int, sentAt: Instant, group: String?, poison: Bool, origin: Int32,
                     extendedPayloadBytes: Int) -> MessageID {
        counters.messagesMovedIn += 1
        let id = store(tag: tag, sizeBytes: sizeBytes, sentAt: sentAt, delay: .zero, group: group, poison: poison, origin: origin,
                       extendedPayloadBytes: extendedPayloadBytes)
        finishCall()
        return id
    }

    // MARK: StartMessageMoveTask

    /// StartMessageMoveTask: moves this dead-letter queue's messages to `destination` (nil: each
    /// back to the queue it came from) at up to `maxPerSecond` (at most 500). One task per queue;
    /// it moves at most the messages stored when it started, taking only visible ones, and ends
    /// when it has moved them or none is visible.
    public func startMessageMoveTask(destination: Queue?, maxPerSecond: Int = QueueConfiguration.moveTaskRateMax) -> QueueError? {
        if moveTask != nil {
            return .unsupportedOperation("a message move task is already running on \(configuration.name)")
        }
        if deadLetterSources.isEmpty {
            return .unsupportedOperation("\(configuration.name) is not the dead-letter queue of any queue")
        }
        guard (1...QueueConfiguration.moveTaskRateMax).contains(maxPerSecond) else {
            return .invalidParameterValue("MaxNumberOfMessagesPerSecond must be between 1 and 500, not \(maxPerSecond)")
        }
        if let destination, destination.isFifo != isFifo {
            return .invalidParameterValue("a \(configuration.typeName) dead-letter queue can move messages only to a \(configuration.typeName) queue")
        }
        moveTask = MoveTask(destination: destination, interval: Span(nanoseconds: 1_000_000_000 / Int64(maxPerSecond)),
                            remaining: storedCount)
        timers.schedule(at: clock.now, target: self, code: TimerCode.moveTaskStep.rawValue, payload: 0)
        return nil
    }

    public var moveTaskStatus: MoveTaskStatus? {
        moveTask.map { MoveTaskStatus(running: true, moved: $0.moved, remaining: $0.remaining) }
    }

    /// Moves one visible message, then waits one interval.
    func moveTaskStep() {
        guard var task = moveTask else { return }
        guard task.remaining > 0, let slot = oldestVisibleSlot() else {
            moveTask = nil
            return
        }
        let now = clock.now
        let record = records[Int(slot)]
        let target = task.destination ?? deadLetterSources[Int(record.origin)]
        guard let target else {
            // Sent here directly, not by a redrive: there is nowhere to send it back; it stays.
            moveTask = nil
            return
        }
        let group = record.group >= 0 ? groups[Int(record.group)].id : nil
        counters.messagesMovedOut += 1
        remove(slot: slot)
        let newId = target.acceptMoved(tag: record.tag, sizeBytes: record.sizeBytes, sentAt: now, group: group,
                                       poison: record.poison, origin: -1, extendedPayloadBytes: Int(record.extendedPayloadBytes))
        observer?.queue(self, didObserve: .movedOut(record.messageId, to: target.token, newId: newId, at: now))
        task.remaining -= 1
        task.moved += 1
        moveTask = task
        timers.schedule(at: now + task.interval, target: self, code: TimerCode.moveTaskStep.rawValue, payload: 0)
    }

    /// The visible message sent first, found by a scan over the records: a move task runs at most
    /// 500 times a second on what is usually a small queue.
    func oldestVisibleSlot() -> Int32? {
        var best: Int32?
        for (index, record) in records.enumerated() where record.state == .visible {
            if let current = best, records[Int(current)].messageId <= record.messageId { continue }
            best = Int32(index)
        }
        return best
    }

    // MARK: PurgeQueue

    /// PurgeQueue: deletes every stored message. Allowed once per `purgeCooldown` (60 s).
    public func purgeQueue() -> QueueError? {
        counters.purgeRequests += 1
        counters.billedRequests += 1
        let now = clock.now
        if case .refused(let remaining) = purgeGate.tryPass(at: now) { return .purgeQueueInProgress(remaining) }
        let doomed = records.indices.filter { records[$0].state != .free }
            .sorted { records[$0].messageId < records[$1].messageId }
        for index in doomed {
            let id = records[index].messageId
            counters.messagesPurged += 1
            remove(slot: Int32(index))
            observer?.queue(self, didObserve: .purged(id, at: now))
        }
        return nil
    }
}
