import DequeModule
import SimKernel

/// Deadlines that arrive almost always in time order, served by one kernel timer for the earliest.
///
/// All messages of a queue share its retention, and usually its visibility timeout and long-poll
/// wait, so their deadlines are appended in order. Keeping them in a FIFO instead of the kernel's
/// event list turns an O(log n) heap insertion per message into an O(1) append, and a deadline
/// that no longer matters (the message was deleted) costs nothing until it reaches the front,
/// where it is dropped without a wake-up of its own. A deadline earlier than the last one is
/// refused; its owner then sets an ordinary timer for it.
struct DeadlineList<Entry> {
    private(set) var entries = Deque<(at: Instant, entry: Entry)>()
    /// The instant of the kernel timer set for the front, if one is set.
    var timerSetFor: Instant?

    /// Appends a deadline if it is not earlier than the last; returns false otherwise.
    mutating func append(_ at: Instant, _ entry: Entry) -> Bool {
        if let last = entries.last, at < last.at { return false }
        entries.append((at, entry))
        return true
    }

    var first: (at: Instant, entry: Entry)? { entries.first }

    mutating func removeFirst() { entries.removeFirst() }

    /// Drops entries from the front while `isStale` says they no longer matter.
    mutating func dropStale(_ isStale: (Entry) -> Bool) {
        while let head = entries.first, isStale(head.entry) { entries.removeFirst() }
    }

    var count: Int { entries.count }
}
