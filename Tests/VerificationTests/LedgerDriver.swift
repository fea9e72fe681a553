import MessagingEngine
import SimKernel
import Verification

/// A tiny simulated world around one queue under test: a producer sends a message every
/// `sendInterval`, and one consumer short-polls every `pollInterval`. Each poll first processes
/// and deletes the batch taken at the previous poll, then takes a new batch, so a message is held
/// for one poll interval. At `consumerStopsAt` the consumer walks away: the batch in its hand is
/// never processed and stays in flight. Everything is recorded in a `DeliveryLedger`, as the real
/// world does.
final class LedgerDriver: QueueObserver {
    struct Plan {
        var sends = 30
        var sendInterval = Span.milliseconds(100)
        var pollInterval = Span.milliseconds(250)
        var batchSize = 4
        var consumerStopsAt = Instant(seconds: 20)
        var runUntil = Instant(seconds: 30)
    }

    let scheduler: Scheduler
    let subject: QueueUnderTest
    private(set) var ledger: DeliveryLedger
    private var inHand: [ReceivedMessage] = []

    /// The messages the consumer held, unprocessed, when it walked away.
    var heldMessageIDs: [MessageID] { inHand.map(\.messageId) }

    /// Builds the real queue on a fresh scheduler and lets `wrap` put a (broken) engine around it.
    init(configuration: QueueConfiguration = QueueConfiguration(name: "orders"), wrap: (Queue) -> QueueUnderTest) {
        scheduler = Scheduler()
        let queue = Queue(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        subject = wrap(queue)
        ledger = DeliveryLedger(queueName: configuration.name)
        queue.observer = self
    }

    /// Runs the plan and checks the ledger against what the engine says it still holds.
    func run(_ plan: Plan = Plan()) -> DeliveryResult {
        for k in 0..<plan.sends {
            scheduler.schedule(at: .zero + plan.sendInterval * Int64(k)) { [self] in send() }
        }
        var pollAt = Instant.zero
        while pollAt < plan.consumerStopsAt {
            scheduler.schedule(at: pollAt) { [self] in poll(batchSize: plan.batchSize) }
            pollAt = pollAt + plan.pollInterval
        }
        let outcome = scheduler.run(until: plan.runUntil, eventBudget: 1_000_000)
        precondition(outcome == .idle || outcome == .reachedLimit, "the driver's run ended with \(outcome)")
        return DeliveryChecker.check(ledger, storedAtEnd: subject.storedMessageIDs())
    }

    private func send() {
        let now = scheduler.now
        switch subject.sendMessage(SendMessageRequest(bodyBytes: 100)) {
        case .sent(let id): ledger.recordSend(id, producedAt: now, at: now)
        case .deduplicated: ledger.recordSendDeduplicated()
        case .rejected: ledger.recordSendAbandoned()
        }
    }

    private func poll(batchSize: Int) {
        let now = scheduler.now
        for message in inHand {
            ledger.recordProcessed(message.messageId)
            ledger.recordDelete(message.messageId, result: subject.deleteMessage(message), at: now)
        }
        inHand = subject.receiveMessages(upTo: batchSize)
        for message in inHand { ledger.recordReceive(message.messageId, at: now) }
    }

    func queue(_ queue: Queue, didObserve event: QueueEvent) {
        switch event {
        case .expired(let id, _, let at): ledger.recordExpiry(id, at: at)
        case .visibilityLapsed(let id, _, _): ledger.recordVisibilityLapse(id)
        case .deadLettered(let id, _, _, _, let at): ledger.recordDeadLettered(id, at: at)
        case .movedOut(let id, _, _, let at): ledger.recordMovedOut(id, at: at)
        case .purged(let id, let at): ledger.recordPurged(id, at: at)
        case .spuriousDuplicate(let id, _): ledger.recordSpuriousDuplicate(id)
        }
    }
}
