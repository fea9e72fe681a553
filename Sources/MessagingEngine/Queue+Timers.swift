import SimKernel

extension Queue {
    public func timerFired(code: Int, payload: Int) {
        switch TimerCode(rawValue: code) {
        case .delayEnded: delayEnded(SlotStamp(packed: payload))
        case .visibilityEnded: visibilityEnded(SlotStamp(packed: payload))
        case .waitEnded: waitEnded(ReceiveRequestID(rawValue: UInt64(payload)))
        case .completions: deliverCompletions()
        case .retentionList: retentionListDue()
        case .visibilityList: visibilityListDue()
        case .waitList: waitListDue()
        case .retentionEnded: retentionEnded(SlotStamp(packed: payload))
        case .moveTaskStep: moveTaskStep()
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
        if isFifo { groups[Int(records[slot].group)].inFlight -= 1 }
        counters.visibilityLapses += 1
        makeVisible(slot: entry.slot)
        let record = records[slot]
        observer?.queue(self, didObserve: .visibilityLapsed(record.messageId, receiveCount: Int(record.receiveCount), at: clock.now))
        finishCall()
    }

    /// Sets the kernel timer for a deadline list's front, unless one is already set (that one fires
    /// no later, and sets the next).
    func setTimer<Entry>(for list: DeadlineList<Entry>, code: TimerCode) {
        guard list.timerSetFor == nil, let head = list.first else { return }
        switch code {
        case .retentionList: retentionDeadlines.timerSetFor = head.at
        case .visibilityList: visibilityDeadlines.timerSetFor = head.at
        case .waitList: waitDeadlines.timerSetFor = head.at
        default: preconditionFailure("\(code) is not a deadline list")
        }
        timers.schedule(at: head.at, target: self, code: code.rawValue, payload: 0)
    }

    func setVisibilityDeadline(_ deadline: Instant, for entry: SlotStamp) {
        if visibilityDeadlines.append(deadline, entry) {
            setTimer(for: visibilityDeadlines, code: .visibilityList)
        } else {
            // Earlier than the last deadline (a shorter per-receive timeout or a visibility change):
            // a timer of its own.
            timers.schedule(at: deadline, target: self, code: TimerCode.visibilityEnded.rawValue, payload: entry.packed)
        }
    }

    func isStored(_ entry: SlotStamp) -> Bool {
        let record = records[Int(entry.slot)]
        return record.state != .free && record.allocation == entry.stamp
    }

    func isInFlight(_ entry: SlotStamp) -> Bool {
        let record = records[Int(entry.slot)]
        return record.state == .inFlight && record.visibilityStamp == entry.stamp
    }

    /// Removes every message whose retention has run out, whatever its state.
    func retentionListDue() {
        retentionDeadlines.timerSetFor = nil
        let now = clock.now
        while let head = retentionDeadlines.first, head.at <= now || !isStored(head.entry) {
            retentionDeadlines.removeFirst()
            guard isStored(head.entry) else { continue }
            expire(slot: head.entry.slot, at: now)
        }
        setTimer(for: retentionDeadlines, code: .retentionList)
        finishCall()
    }

    /// The retention of a message moved here with an earlier enqueue time has run out.
    func retentionEnded(_ entry: SlotStamp) {
        guard isStored(entry) else { return }
        expire(slot: entry.slot, at: clock.now)
        finishCall()
    }

    func expire(slot: Int32, at now: Instant) {
        let record = records[Int(slot)]
        counters.messagesExpired += 1
        remove(slot: slot)
        observer?.queue(self, didObserve: .expired(record.messageId, tag: record.tag, at: now))
    }

    /// Makes visible again every received message whose deadline has passed.
    func visibilityListDue() {
        visibilityDeadlines.timerSetFor = nil
        let now = clock.now
        while let head = visibilityDeadlines.first, head.at <= now || !isInFlight(head.entry) {
            visibilityDeadlines.removeFirst()
            visibilityEnded(head.entry)
        }
        setTimer(for: visibilityDeadlines, code: .visibilityList)
    }

    /// Completes, empty, every long poll whose wait has ended.
    func waitListDue() {
        waitDeadlines.timerSetFor = nil
        let now = clock.now
        while let head = waitDeadlines.first, head.at <= now || waiterIndex(head.entry) == nil {
            waitDeadlines.removeFirst()
            waitEnded(head.entry)
        }
        setTimer(for: waitDeadlines, code: .waitList)
    }
}
