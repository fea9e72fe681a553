import MessagingEngine
import SimKernel

/// One message through an SQS standard queue and out again: SendMessage, ReceiveMessage (short
/// poll, one message), DeleteMessage, with the queue under a `ManualClock` that moves a microsecond
/// per call and timers that are never fired.
///
/// It measures the engine's own bookkeeping per message; the queue is empty between cycles, so the
/// figure is the steady state of a queue that keeps up with its producers.
public final class QueueCycle {
    /// What the cycles did, for a test to check that the work was done.
    public struct Result: Equatable, Sendable {
        /// Messages deleted by the cycles run so far.
        public var messagesDeleted: Int
        /// The queue's own counters, a second account of the same work.
        public var counters: QueueCounters
        /// Messages still stored; always 0 after whole cycles.
        public var storedCount: Int
        /// Wake-ups the queue asked for (retention and visibility deadlines; never fired here).
        public var timersScheduled: Int
    }

    public let clock = ManualClock()
    public let timers = DiscardingTimers()
    public let queue: Queue
    let request = SendMessageRequest(bodyBytes: 256)
    let receive = ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero)
    var messagesDeleted = 0

    public init() {
        queue = Queue(configuration: QueueConfiguration(name: "benchmark"), token: 0, clock: clock, timers: timers)
    }

    /// Sends, receives and deletes `messages` messages, one after another.
    @discardableResult
    public func run(messages: Int) -> Result {
        let tick = Span(nanoseconds: 1_000)
        for _ in 0..<messages {
            clock.advance(by: tick)
            guard case .sent = queue.sendMessage(request) else { preconditionFailure("SendMessage was refused") }
            clock.advance(by: tick)
            guard case .messages(let received) = queue.receiveMessage(receive, requester: nil), received.count == 1 else {
                preconditionFailure("a short poll of a queue holding one visible message did not return it")
            }
            clock.advance(by: tick)
            guard case .deleted = queue.deleteMessage(received[0].receiptHandle) else {
                preconditionFailure("DeleteMessage with the current receipt handle did not delete")
            }
            messagesDeleted += 1
        }
        return Result(messagesDeleted: messagesDeleted, counters: queue.counters, storedCount: queue.storedCount,
                      timersScheduled: timers.scheduledCount)
    }
}
