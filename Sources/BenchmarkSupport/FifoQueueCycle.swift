import MessagingEngine
import SimKernel

/// `QueueCycle` for a FIFO queue with many active message groups: each cycle sends a message to
/// the next group in turn (with its own deduplication ID), receives one message (the oldest head
/// of an unblocked group) and deletes it.
///
/// Before the cycles start every group gets one message, so `groups` groups hold messages all the
/// time: the receive picks among that many unblocked groups, and each send joins a group that
/// already exists. The deduplication map holds the IDs of the last 5 minutes of virtual time
/// (100,000 sends at one call per millisecond), as it would in a run.
///
/// The transaction quota is raised out of the way: the cycle measures bookkeeping, and at one call
/// per millisecond of virtual time the default 300 per second would throttle it.
public final class FifoQueueCycle {
    public let scheduler = Scheduler()
    public let queue: Queue
    public let groups: Int
    let groupIDs: [String]
    /// Deduplication IDs, reused in turn; the pool outlasts the deduplication interval, so no ID
    /// comes back while it is remembered. Built once, so the cycle measures the queue, not the
    /// formatting of strings.
    let deduplicationIDs: [String]
    var sent = 0
    var messagesDeleted = 0

    public static let deduplicationPool = 200_000

    public init(groups: Int, deduplicationInterval: Span = .seconds(300)) {
        precondition(groups >= 1)
        self.groups = groups
        var configuration = QueueConfiguration(name: "benchmark.fifo")
        configuration.isFifo = true
        configuration.fifoTransactionsPerSecond = 1_000_000
        configuration.deduplicationInterval = deduplicationInterval
        queue = Queue(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
        groupIDs = (0..<groups).map { "group-\($0)" }
        deduplicationIDs = (0..<Self.deduplicationPool).map { "dedup-\($0)" }
        for _ in 0..<groups { send() }
    }

    func send() {
        let request = SendMessageRequest(bodyBytes: 256, messageGroupId: groupIDs[sent % groups],
                                         deduplicationId: deduplicationIDs[sent % Self.deduplicationPool])
        sent += 1
        guard case .sent = queue.sendMessage(request) else { preconditionFailure("SendMessage was refused or deduplicated") }
    }

    /// Sends, receives and deletes `messages` messages; the queue keeps `groups` messages throughout.
    @discardableResult
    public func run(messages: Int) -> QueueCycle.Result {
        let receive = ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero)
        for _ in 0..<messages {
            advance()
            send()
            advance()
            guard case .messages(let received) = queue.receiveMessage(receive, requester: nil), received.count == 1 else {
                preconditionFailure("a FIFO queue with unblocked groups returned nothing")
            }
            advance()
            guard case .deleted = queue.deleteMessage(received[0].receiptHandle) else {
                preconditionFailure("DeleteMessage with the current receipt handle did not delete")
            }
            messagesDeleted += 1
        }
        return QueueCycle.Result(messagesDeleted: messagesDeleted, counters: queue.counters, storedCount: queue.storedCount,
                                 timersFired: scheduler.eventsRun, now: scheduler.now)
    }

    func advance() {
        scheduler.run(until: scheduler.now + QueueCycle.callInterval)
    }
}
