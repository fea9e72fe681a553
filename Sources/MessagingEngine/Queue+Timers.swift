import SimKernel

extension Queue {
    public func timerFired(code: Int, payload: Int) {
        switch TimerCode(rawValue: code) {
        case .delayEnded: delayEnded(SlotStamp(packed: payload))
        case .visibilityEnded: visibilityEnded(SlotStamp(packed: payload))
        case .retention: retentionDue()
        case .waitEnded: waitEnded(ReceiveRequestID(rawValue: UInt64(payload)))
        case .completions: deliverCompletions()
        case nil: preconditionFailure("unknown queue timer code \(code)")
        }
    }

    func delayEnded(_ entry: SlotStamp) {
        let slot = Int(entry.slot)
        // The message may have expired (and its slot been reused) while it was delayed.
        guard records[slot].state == .delayed, records[slot].allocation == entry.stamp else { return }
        delayedCount -= 1
        makeVisible(slot: entry.slot)
        finishCall()
    }

    func visibilityEnded(_ entry: SlotStamp) {
        let slot = Int(entry.slot)
        // Deleted, expired, or its deadline changed since this timer was set: nothing to do.
        guard records[slot].state == .inFlight, records[slot].visibilityStamp == entry.stamp else { return }
        inFlightCount -= 1
        counters.visibilityLapses += 1
        makeVisible(slot: entry.slot)
        let record = records[slot]
        observer?.queue(self, didObserve: .visibilityLapsed(record.messageId, receiveCount: Int(record.receiveCount), at: clock.now))
        finishCall()
    }

    /// Keeps one retention timer, set for the oldest message still stored.
    func armRetentionTimer() {
        guard !retentionTimerArmed else { return }
        while let head = retentionOrder.first, !isLive(head) { retentionOrder.removeFirst() }
        guard let head = retentionOrder.first else { return }
        retentionTimerArmed = true
        timers.schedule(at: head.expiresAt, target: self, code: TimerCode.retention.rawValue, payload: 0)
    }

    func isLive(_ entry: RetentionEntry) -> Bool {
        let record = records[Int(entry.slot)]
        return record.state != .free && record.allocation == entry.allocation
    }

    /// Removes every message whose retention has run out, whatever its state.
    func retentionDue() {
        retentionTimerArmed = false
        let now = clock.now
        while let head = retentionOrder.first, head.expiresAt <= now {
            retentionOrder.removeFirst()
            guard isLive(head) else { continue }
            let record = records[Int(head.slot)]
            switch record.state {
            case .visible: visibleCount -= 1
            case .inFlight: inFlightCount -= 1
            case .delayed: delayedCount -= 1
            case .free: preconditionFailure("unreachable: isLive excludes free records")
            }
            counters.messagesExpired += 1
            freeSlot(head.slot)
            observer?.queue(self, didObserve: .expired(record.messageId, tag: record.tag, at: now))
        }
        armRetentionTimer()
        finishCall()
    }
}
