import MessagingEngine
import SimKernel

/// One message through an SQS standard queue and out again: SendMessage, ReceiveMessage (short
/// poll, one message), DeleteMessage, one call per millisecond of virtual time.
///
/// The queue's clock and timers are a `Scheduler` that the cycle moves forward between calls, so
/// the queue's own deadline timers (visibility, retention) fire as they would in a run and its
/// deadline lists stay at their steady-state length instead of growing without bound. The queue
/// is empty between cycles: the figure is the engine's bookkeeping per message for a queue that
/// keeps up with its producers, plus a scheduler look-up per call.
public final class QueueCycle {
    /// What the cycles did, for a test to check that the work was done.
    public struct Result: Equatable, Sendable {
        /// Messages deleted by the cycles run so far.
        public var messagesDeleted: Int
        /// The queue's own counters, a second account of the same work.
        public var counters: QueueCounters
        /// Messages still stored; always 0 after whole cycles.
        public var storedCount: Int
        /// Queue timers that have fired (deadline lists reaching their front).
        public var timersFired: Int
        /// The virtual time the cycles took.
        public var now: Instant
    }

    /// Virtual time between two calls. With the default 30 s visibility timeout the visibility
    /// deadline list holds about 10⁴ entries at steady state (one per receive of the last 30 s).
    public static let callInterval = Span.milliseconds(1)

    public let scheduler = Scheduler()
    public let queue: Queue
    let request = SendMessageRequest(bodyBytes: 256)
    let receive = ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero)
    var messagesDeleted = 0

    public init() {
        queue = Queue(configuration: QueueConfiguration(name: "benchmark"), token: 0, clock: scheduler, timers: scheduler)
    }

    /// Sends, receives and deletes `messages` messages, one after another.
    @discardableResult
    public func run(messages: Int) -> Result {
        for _ in 0..<messages {
            advance()
            guard case .sent = queue.sendMessage(request) else { preconditionFailure("SendMessage was refused") }
            advance()
            guard case .messages(let received) = queue.receiveMessage(receive, requester: nil), received.count == 1 else {
                preconditionFailure("a short poll of a queue holding one visible message did not return it")
            }
            advance()
            guard case .deleted = queue.deleteMessage(received[0].receiptHandle) else {
                preconditionFailure("DeleteMessage with the current receipt handle did not delete")
            }
            messagesDeleted += 1
        }
        return Result(messagesDeleted: messagesDeleted, counters: queue.counters, storedCount: queue.storedCount,
                      timersFired: scheduler.eventsRun, now: scheduler.now)
    }

    /// Moves virtual time on by one call interval, running the queue's timers that fall due.
    func advance() {
        scheduler.run(until: scheduler.now + Self.callInterval)
    }
}
