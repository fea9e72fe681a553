import DequeModule
import SimKernel

/// An on-demand stream's memory of its write rate: the bytes and records of each second, and the
/// peaks of the last 30 days as monotonic deques (a second's total leaves the deque when a later,
/// larger one arrives, or when it falls out of the window).
struct OnDemandCapacity: Sendable {
    struct SecondTotal: Sendable {
        var second: Int64
        var value: Int
    }

    var currentSecond: Int64 = -1
    var bytesThisSecond = 0
    var recordsThisSecond = 0
    var bytePeaks = Deque<SecondTotal>()
    var recordPeaks = Deque<SecondTotal>()
    var scalingPending = false

    static func push(_ total: SecondTotal, into peaks: inout Deque<SecondTotal>, windowSeconds: Int64) {
        while let last = peaks.last, last.value <= total.value { peaks.removeLast() }
        peaks.append(total)
        while let first = peaks.first, first.second <= total.second - windowSeconds { peaks.removeFirst() }
    }
}

extension DataStream {
    /// Adds a write to the current second; a new second first files the one before into the peaks.
    func recordWrite(bytes: Int, at now: Instant) {
        let second = now.nanoseconds / 1_000_000_000
        if second != onDemand.currentSecond { fileSecond(startingNew: second) }
        onDemand.bytesThisSecond += bytes
        onDemand.recordsThisSecond += 1
        requestScalingIfNeeded()
    }

    func fileSecond(startingNew second: Int64) {
        let window = configuration.onDemandPeakWindow.nanoseconds / 1_000_000_000
        if onDemand.currentSecond >= 0 {
            OnDemandCapacity.push(.init(second: onDemand.currentSecond, value: onDemand.bytesThisSecond), into: &onDemand.bytePeaks, windowSeconds: window)
            OnDemandCapacity.push(.init(second: onDemand.currentSecond, value: onDemand.recordsThisSecond), into: &onDemand.recordPeaks, windowSeconds: window)
        }
        onDemand.currentSecond = second
        onDemand.bytesThisSecond = 0
        onDemand.recordsThisSecond = 0
    }

    /// The shards an on-demand stream wants: enough for twice its peak second (bytes and records,
    /// the current second included), and never fewer than it starts with.
    public var onDemandShardTarget: Int {
        let peakBytes = max(onDemand.bytePeaks.first?.value ?? 0, onDemand.bytesThisSecond)
        let peakRecords = max(onDemand.recordPeaks.first?.value ?? 0, onDemand.recordsThisSecond)
        let forBytes = (2 * peakBytes + configuration.shardWriteBytesPerSecond - 1) / configuration.shardWriteBytesPerSecond
        let forRecords = (2 * peakRecords + configuration.shardWriteRecordsPerSecond - 1) / configuration.shardWriteRecordsPerSecond
        return min(StreamConfiguration.shardCountMax, max(StreamConfiguration.onDemandInitialShardCount, forBytes, forRecords))
    }

    func requestScalingIfNeeded() {
        guard !onDemand.scalingPending, onDemandShardTarget > openShards.count else { return }
        onDemand.scalingPending = true
        timers!.schedule(at: clock.now + configuration.onDemandScalingDelay, target: self, code: 0, payload: 0)
    }

    /// The scaling delay has passed: the stream reshards to what its peak now asks for.
    public func timerFired(code: Int, payload: Int) {
        onDemand.scalingPending = false
        let target = onDemandShardTarget
        if target > openShards.count {
            _ = reshardUniformly(to: target)
            counters.onDemandScalings += 1
        }
    }
}
