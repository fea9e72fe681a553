import MessagingEngine
import Reporting
import SimKernel
import Verification

/// A scripted delivery history for one queue, built message by message, checked as a run would be.
struct History {
    private(set) var ledger: DeliveryLedger
    private var stored: [MessageID] = []
    private var next = 0

    init(queue: String) { ledger = DeliveryLedger(queueName: queue) }

    private mutating func send(at seconds: Double) -> MessageID {
        let id = MessageID(next)
        next += 1
        ledger.recordSend(id, producedAt: Instant(seconds: seconds), at: Instant(seconds: seconds))
        return id
    }

    mutating func deliveredOnce(_ count: Int = 1) {
        for _ in 0..<count {
            let id = send(at: 1)
            ledger.recordReceive(id, at: Instant(seconds: 2))
            ledger.recordProcessed(id)
            ledger.recordDelete(id, result: .deleted(id), at: Instant(seconds: 3))
        }
    }

    /// Received twice after `cause`; processed twice when the first delete failed.
    mutating func duplicated(by cause: RedeliveryCause) {
        let id = send(at: 1)
        ledger.recordReceive(id, at: Instant(seconds: 2))
        switch cause {
        case .visibilityLapse: break
        case .processingFailed: ledger.recordProcessingFailed(id)
        case .consumerCrashed: ledger.recordCrash(id)
        case .deleteFailed:
            ledger.recordProcessed(id)
            ledger.recordDeleteFailed(id)
        case .groupFailed: ledger.recordGroupSkipped(id)
        case .spuriousDuplicate: ledger.recordSpuriousDuplicate(id)
        }
        ledger.recordVisibilityLapse(id)
        ledger.recordReceive(id, at: Instant(seconds: 32))
        ledger.recordProcessed(id)
        ledger.recordDelete(id, result: .deleted(id), at: Instant(seconds: 33))
    }

    mutating func expired() { ledger.recordExpiry(send(at: 1), at: Instant(seconds: 61)) }

    mutating func queued() { stored.append(send(at: 1)) }

    mutating func lost(sentAt seconds: Double) { _ = send(at: seconds) }

    func check() -> DeliveryResult { DeliveryChecker.check(ledger, storedAtEnd: stored) }
}

/// Latencies in milliseconds, recorded in order.
func series(_ milliseconds: [Double]) -> LatencySeries {
    var series = LatencySeries()
    for ms in milliseconds { series.record(nanoseconds: Int64((ms * 1e6).rounded())) }
    return series
}

let demoRun = RunDescription(
    scenario: "orders-demo", description: "Orders \"in bursts\"; a fleet drains them.", seed: 42, duration: 10, drain: 5,
    warmup: 0, sampleInterval: 1,
    replayCommand: { "sluice run scenarios/demo.yaml --seed 42 --replications 1 --first-replication \($0)" })

/// Three replications whose figures are chosen so that every statistic can be worked out by hand:
///
/// - sent 100, 120, 140 over 10 s: 10, 12, 14 per second;
/// - received 120, 150, 200 and deleted 96, 150, 180 over 12, 15, 20 s: 10, 10, 10 and 8, 10, 9 per second;
/// - queue waits of 5 and 15 ms, 20 and 20 ms, 30 and 42 ms: replication means 10, 20 and 36 ms;
/// - nothing recorded end to end;
/// - utilisation 0.5, 0.6, 0.7;
/// - delivery: replication 0 has 5 delivered once and 1 duplicated by a visibility lapse;
///   replication 1 has 4 once, 1 duplicated by a crash, 1 expired, 1 queued and m8 lost (sent at
///   0.5 ms); replication 2 has 6 once and m6 duplicated by a failed delete, so processed twice.
func demoReplications() -> [ReplicationObservations] {
    let sent = [100, 120, 140], received = [120, 150, 200], deleted = [96, 150, 180]
    let elapsed = [12.0, 15, 20]
    let waits: [[Double]] = [[5, 15], [20, 20], [30, 42]]
    let utilisation = [0.5, 0.6, 0.7]
    var histories = (0..<3).map { _ in History(queue: "orders") }
    histories[0].deliveredOnce(5)
    histories[0].duplicated(by: .visibilityLapse)
    histories[1].deliveredOnce(4)
    histories[1].duplicated(by: .consumerCrashed)
    histories[1].expired()
    histories[1].queued()
    histories[1].deliveredOnce()
    histories[1].lost(sentAt: 0.0005)
    histories[2].deliveredOnce(6)
    histories[2].duplicated(by: .deleteFailed)
    return (0..<3).map { r in
        var queue = QueueObservations(name: "orders", type: "standard")
        queue.queueWait = series(waits[r])
        queue.messagesSent = sent[r]
        queue.messagesReceived = received[r]
        queue.messagesDeleted = deleted[r]
        queue.sendRequests = 10
        queue.receiveRequests = 20 + r
        queue.deleteRequests = 30
        queue.emptyReceives = r
        queue.depth = [DepthSample(time: 0, visible: 0, inFlight: 0, delayed: 0),
                       DepthSample(time: 1, visible: 3 + r, inFlight: 1, delayed: 0)]
        let fleet = FleetObservations(name: "workers", queue: "orders", count: 4, busySeconds: utilisation[r] * 40,
                                      busyCapacitySeconds: 40)
        let faults = [FaultEntry(kind: "crash", target: "consumers/workers", from: 900, to: 1080, detail: "crashed 1 of 4 consumers [0]"),
                      FaultEntry(kind: "pause", target: "consumers/workers", from: 3725.5, to: nil, detail: "paused 4 of 4 consumers")]
        var replication = ReplicationObservations(
            index: r, duration: 10, elapsed: elapsed[r], endReason: "drained", eventsRun: 1000 * (r + 1), queues: [queue],
            fleets: [fleet], delivery: [histories[r].check()], faults: faults)
        replication.callsFailed = r
        replication.callsRetried = r > 0 ? 1 : 0
        return replication
    }
}
