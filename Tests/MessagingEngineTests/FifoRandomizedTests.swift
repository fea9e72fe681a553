import MessagingEngine
import SimKernel
import TestSupport
import Testing

/// Random sequences of FIFO sends (single and batched, to a few groups, deduplication IDs often
/// repeated), short-poll receives of 1 – 10 with and without ReceiveRequestAttemptId, deletes,
/// visibility changes and waits across visibility timeouts, the 5-minute deduplication interval and
/// retention, run against `Queue` and against `FifoReferenceModel`, compared after every step:
/// each call's result, the counts, the stored IDs, the counters, the deduplication IDs remembered
/// and the events observed.
///
/// The parameters are drawn from the seed and printed with a failure, with every step that led to
/// it. `SLUICE_SEED=n swift test --filter FifoRandomizedTests` replays seed n alone; `SLUICE_TRACE=1`
/// prints each seed to stderr as it starts, so a failed precondition names its seed.
@Suite struct FifoRandomizedTests {
    static let seedCount: UInt64 = 200
    static let stepsPerSeed = 300

    static var seeds: Range<UInt64> { RandomizedRuns.seeds(count: seedCount) }

    @Test func randomFifoOperationSequencesAgreeWithAReferenceModel() {
        var coverage: [String: Int] = [:]
        for seed in Self.seeds {
            RandomizedRuns.trace("FifoRandomizedTests", seed: seed)
            var run = FifoRandomRun(seed: seed)
            if let failure = run.check(steps: Self.stepsPerSeed) {
                Issue.record("seed \(seed) (replay with SLUICE_SEED=\(seed)): \(failure)")
                return
            }
            coverage.merge(run.model.coverage, uniquingKeysWith: +)
        }
        // A comparison that never meets a case proves nothing about it.
        guard Self.seeds.count == Self.seedCount else { return }
        for situation in FifoReferenceModel.situations {
            #expect(coverage[situation, default: 0] >= 10, "the random runs met \"\(situation)\" only \(coverage[situation, default: 0]) times")
        }
    }
}

/// A deliberately plain model of an SQS FIFO queue: messages by ID in a dictionary, each group an
/// ordered list of the IDs it stores, deduplication IDs in a map with their expiry. A receive looks
/// at every group: one can deliver when none of its messages is in flight, its head is visible and
/// its head is among the `fifoScanWindow` oldest stored messages; the one whose head was sent first
/// gives as many messages in order as it can, then the next.
///
/// Deadlines of one message (end of delay, end of visibility, end of retention) are applied in time
/// order; messages do not affect each other's deadlines, so the order across messages does not
/// matter, and events are compared as a set per step. Results are short strings, compared with the
/// engine's directly.
struct FifoReferenceModel {
    enum State { case delayed, visible, inFlight }

    struct Message {
        let id: Int
        let group: String
        let tag: UInt64
        let visibleAt: Instant
        let expiresAt: Instant
        var state: State
        var receiveCount = 0
        var firstReceivedAt: Instant?
        var visibilityDeadline = Instant.distantFuture
    }

    struct Attempt {
        var messages: [(id: Int, receiveCount: Int)]
        var expiresAt: Instant
    }

    struct Handle {
        let id: Int
        let receiveCount: Int
        let isForeign: Bool
    }

    struct Entry {
        let group: String?
        let deduplicationId: String?
        let tag: UInt64
        let bodyBytes: Int
        let delay: Span?
    }

    enum Action: String { case send, receive, delete, changeVisibility }

    static let situations = [
        "deduplicated", "deduplicated after the first copy left", "enqueued again after the interval",
        "deduplicated by content", "the same ID was enqueued in a second group", "throttled", "throttled by the group quota",
        "a blocked group was passed over", "the scan window hid a group", "a receive took from two groups",
        "redelivered after a lapse", "the in-flight limit stopped a receive", "a delayed message ended a group's run",
        "a retried attempt got the same messages", "a retried attempt found its messages gone",
        "stale delete", "delete of a message gone", "visibility changed to 0", "expired", "lapsed",
    ]

    let configuration: QueueConfiguration
    var now = Instant.zero
    var messages: [Int: Message] = [:]
    /// Stored message IDs of each group in send order; a group with none stored is dropped.
    var groups: [String: [Int]] = [:]
    var deduplication: [String: (id: Int, expiresAt: Instant)] = [:]
    var attempts: [String: Attempt] = [:]
    var admissions: [Action: [Instant]] = [:]
    /// Admissions of sends in high-throughput mode, by action and message group.
    var groupAdmissions: [String: [Instant]] = [:]
    var nextMessageID = 0
    var counters: QueueCounters
    /// No message has a deadline before this instant.
    var earliestDeadline = Instant.distantFuture
    /// Events since the last comparison, rendered as `FifoRandomRun.describe` renders the engine's.
    var events: [String] = []
    var coverage: [String: Int] = [:]

    init(configuration: QueueConfiguration, counters: QueueCounters) {
        self.configuration = configuration
        self.counters = counters
    }

    var visibleCount: Int { messages.values.count { $0.state == .visible } }
    var inFlightCount: Int { messages.values.count { $0.state == .inFlight } }
    var delayedCount: Int { messages.values.count { $0.state == .delayed } }
    var storedIDs: [Int] { messages.keys.sorted() }

    mutating func note(_ situation: String) { coverage[situation, default: 0] += 1 }

    static func billedRequests(_ bytes: Int) -> Int { max(1, (bytes + 65_535) / 65_536) }

    static func describe(_ messages: [(id: Int, receiveCount: Int)]) -> String {
        "messages [" + messages.map { "m\($0.id)#\($0.receiveCount)" }.joined(separator: ", ") + "]"
    }

    // MARK: Time

    /// Applies every deadline up to `instant`, each message's in time order.
    mutating func advance(to instant: Instant) {
        precondition(instant >= now, "the model's time only moves forward")
        now = instant
        guard earliestDeadline <= instant else { return }
        for id in messages.keys.sorted() {
            while var message = messages[id] {
                let pending: Instant
                switch message.state {
                case .delayed: pending = message.visibleAt
                case .inFlight: pending = message.visibilityDeadline
                case .visible: pending = .distantFuture
                }
                if message.expiresAt <= instant, message.expiresAt <= pending {
                    counters.messagesExpired += 1
                    events.append("expired m\(id) @\(message.expiresAt.nanoseconds)")
                    note("expired")
                    remove(id)
                    break
                }
                guard pending <= instant else { break }
                if message.state == .inFlight {
                    counters.visibilityLapses += 1
                    events.append("lapsed m\(id)#\(message.receiveCount) @\(pending.nanoseconds)")
                    note("lapsed")
                }
                message.state = .visible
                messages[id] = message
            }
        }
        earliestDeadline = messages.values.reduce(.distantFuture) { earliest, message in
            let pending = message.state == .delayed ? message.visibleAt : message.state == .inFlight ? message.visibilityDeadline : message.expiresAt
            return min(earliest, pending, message.expiresAt)
        }
    }

    /// Notes a deadline just set, so `advance(to:)` can skip the messages until the earliest one.
    mutating func noteDeadline(_ instant: Instant) { earliestDeadline = min(earliestDeadline, instant) }

    mutating func remove(_ id: Int) {
        let group = messages.removeValue(forKey: id)!.group
        groups[group]!.removeAll { $0 == id }
        if groups[group]!.isEmpty { groups.removeValue(forKey: group) }
    }

    // MARK: Quotas

    /// The FIFO quotas as sliding windows: a call is admitted when fewer than the limit were
    /// admitted in the second before it (now included), for its action and, in high-throughput
    /// mode, for each message group it names; a refused call takes no capacity.
    mutating func throttled(_ action: Action, groups: [String]) -> Bool {
        let highThroughput = configuration.fifoThroughputLimit == .perMessageGroupId
        let limit = highThroughput ? configuration.highThroughputTransactionsPerSecond : configuration.fifoTransactionsPerSecond
        let groupKeys = highThroughput ? Set(groups).map { "\(action) \($0)" } : []
        let now = now
        func recent(_ instants: [Instant]?) -> Int { instants?.count { $0 + .seconds(1) > now } ?? 0 }
        let groupsAdmit = groupKeys.allSatisfy { recent(groupAdmissions[$0]) < configuration.highThroughputPerGroupTransactionsPerSecond }
        guard recent(admissions[action]) < limit, groupsAdmit else {
            counters.throttledRequests += 1
            note(groupsAdmit ? "throttled" : "throttled by the group quota")
            return true
        }
        admissions[action] = (admissions[action] ?? []).filter { $0 + .seconds(1) > now } + [now]
        for key in groupKeys { groupAdmissions[key] = (groupAdmissions[key] ?? []).filter { $0 + .seconds(1) > now } + [now] }
        return false
    }

    // MARK: Sends

    func problem(_ entry: Entry) -> String? {
        if entry.bodyBytes < 1 { return "InvalidParameterValue" }
        guard let group = entry.group else { return "MissingParameter" }
        if !(1...128).contains(group.count) { return "InvalidParameterValue" }
        if let id = entry.deduplicationId {
            if !(1...128).contains(id.count) { return "InvalidParameterValue" }
        } else if !configuration.contentBasedDeduplication {
            return "InvalidParameterValue"
        }
        if entry.delay != nil { return "InvalidParameterValue" }
        return nil
    }

    mutating func accept(_ entry: Entry) -> String {
        if let problem = problem(entry) { return "rejected \(problem)" }
        let group = entry.group!
        let token = entry.deduplicationId.map { "id \($0)" } ?? "content \(entry.tag) \(entry.bodyBytes)"
        let key = (configuration.deduplicationScope == .messageGroup ? group : "") + " | " + token
        let hadExpired = deduplication[key].map { $0.expiresAt <= now } ?? false
        deduplication = deduplication.filter { $0.value.expiresAt > now }
        if let original = deduplication[key] {
            counters.messagesDeduplicated += 1
            note("deduplicated")
            if messages[original.id] == nil { note("deduplicated after the first copy left") }
            if entry.deduplicationId == nil { note("deduplicated by content") }
            return "deduplicated m\(original.id)"
        }
        if hadExpired { note("enqueued again after the interval") }
        if configuration.deduplicationScope == .messageGroup, deduplication.keys.contains(where: { $0.hasSuffix(" | " + token) }) {
            note("the same ID was enqueued in a second group")
        }
        let id = nextMessageID
        nextMessageID += 1
        counters.messagesSent += 1
        let delay = configuration.delay
        messages[id] = Message(id: id, group: group, tag: entry.tag, visibleAt: now + delay,
                               expiresAt: now + configuration.retention, state: delay > .zero ? .delayed : .visible)
        groups[group, default: []].append(id)
        noteDeadline(min(now + delay, now + configuration.retention))
        deduplication[key] = (id, now + configuration.deduplicationInterval)
        return "sent m\(id)"
    }

    mutating func send(_ entry: Entry) -> String {
        counters.sendRequests += 1
        counters.billedRequests += Self.billedRequests(entry.bodyBytes)
        if throttled(.send, groups: entry.group.map { [$0] } ?? []) { return "rejected ThrottlingException" }
        return accept(entry)
    }

    mutating func sendBatch(_ entries: [Entry]) -> String {
        counters.sendRequests += 1
        counters.billedRequests += Self.billedRequests(entries.reduce(0) { $0 + $1.bodyBytes })
        if throttled(.send, groups: entries.compactMap(\.group)) { return "rejected ThrottlingException" }
        var results: [String] = []
        for entry in entries { results.append(accept(entry)) }
        return "batch [" + results.joined(separator: ", ") + "]"
    }

    // MARK: Receives

    mutating func receive(max: Int, visibilityTimeout: Span?, attemptId: String?) -> String {
        counters.receiveRequests += 1
        counters.billedRequests += 1
        if throttled(.receive, groups: []) { return "rejected ThrottlingException" }
        guard (1...10).contains(max) else { return "rejected InvalidParameterValue" }
        let timeout = visibilityTimeout ?? configuration.visibilityTimeout
        guard timeout >= .zero, timeout <= .seconds(12 * 3600) else { return "rejected InvalidParameterValue" }
        if let attemptId {
            guard (1...128).contains(attemptId.count) else { return "rejected InvalidParameterValue" }
            attempts = attempts.filter { $0.value.expiresAt > now }
            if let previous = attempts[attemptId] {
                let held = previous.messages.allSatisfy { messages[$0.id]?.state == .inFlight && messages[$0.id]?.receiveCount == $0.receiveCount }
                if held {
                    for message in previous.messages { messages[message.id]!.visibilityDeadline = now + timeout }
                    noteDeadline(now + timeout)
                    note("a retried attempt got the same messages")
                    return Self.describe(previous.messages)
                }
                attempts.removeValue(forKey: attemptId)
                note("a retried attempt found its messages gone")
            }
        }
        let taken = take(upTo: max, visibilityTimeout: timeout)
        if taken.isEmpty {
            counters.emptyReceives += 1
            if visibleCount > 0 { counters.emptyReceivesWithMessagesStored += 1 }
        } else if let attemptId {
            attempts[attemptId] = Attempt(messages: taken, expiresAt: now + configuration.deduplicationInterval)
        }
        return Self.describe(taken)
    }

    mutating func take(upTo limit: Int, visibilityTimeout: Span) -> [(id: Int, receiveCount: Int)] {
        let stored = storedIDs
        // The last message a receive looks at, when more are stored than the window holds.
        let windowLast = stored.count > configuration.fifoScanWindow ? stored[configuration.fifoScanWindow - 1] : nil
        var inFlight = inFlightCount
        var taken: [(id: Int, receiveCount: Int)] = []
        var groupsTaken = 0
        while taken.count < limit, inFlight < configuration.inFlightMax, let group = nextAvailableGroup(windowLast: windowLast) {
            groupsTaken += 1
            for id in groups[group]! {
                guard taken.count < limit, inFlight < configuration.inFlightMax else { break }
                guard messages[id]!.state == .visible else {
                    if messages[id]!.state == .delayed { note("a delayed message ended a group's run") }
                    break
                }
                messages[id]!.state = .inFlight
                messages[id]!.receiveCount += 1
                if messages[id]!.firstReceivedAt == nil { messages[id]!.firstReceivedAt = now }
                messages[id]!.visibilityDeadline = now + visibilityTimeout
                noteDeadline(now + visibilityTimeout)
                counters.messagesReceived += 1
                inFlight += 1
                if messages[id]!.receiveCount > 1 { note("redelivered after a lapse") }
                taken.append((id, messages[id]!.receiveCount))
            }
        }
        if groupsTaken > 1 { note("a receive took from two groups") }
        if inFlight >= configuration.inFlightMax, nextAvailableGroup(windowLast: windowLast) != nil {
            note("the in-flight limit stopped a receive")
        }
        return taken
    }

    /// The group that can deliver whose head was sent first.
    mutating func nextAvailableGroup(windowLast: Int?) -> String? {
        var best: (group: String, head: Int)?
        for (group, ids) in groups {
            let head = ids[0]
            guard messages[head]!.state == .visible else { continue }
            if ids.contains(where: { messages[$0]!.state == .inFlight }) {
                note("a blocked group was passed over")
                continue
            }
            if let windowLast, head > windowLast {
                note("the scan window hid a group")
                continue
            }
            if best == nil || head < best!.head { best = (group, head) }
        }
        return best?.group
    }

    // MARK: Deletes and visibility

    mutating func deleteEntry(_ handle: Handle) -> String {
        if handle.isForeign { return "rejected ReceiptHandleIsInvalid" }
        guard let message = messages[handle.id] else {
            note("delete of a message gone")
            return "gone"
        }
        guard message.receiveCount == handle.receiveCount else {
            counters.staleReceiptDeletes += 1
            note("stale delete")
            return "stale m\(handle.id)"
        }
        counters.messagesDeleted += 1
        remove(handle.id)
        return "deleted m\(handle.id)"
    }

    mutating func delete(_ handle: Handle) -> String {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        if throttled(.delete, groups: []) { return "rejected ThrottlingException" }
        return deleteEntry(handle)
    }

    mutating func deleteBatch(_ handles: [Handle]) -> String {
        counters.deleteRequests += 1
        counters.billedRequests += 1
        if throttled(.delete, groups: []) { return "rejected ThrottlingException" }
        return "batch [" + handles.map { deleteEntry($0) }.joined(separator: ", ") + "]"
    }

    mutating func changeVisibility(_ handle: Handle, to timeout: Span) -> String {
        counters.changeVisibilityRequests += 1
        counters.billedRequests += 1
        if throttled(.changeVisibility, groups: []) { return "rejected ThrottlingException" }
        if handle.isForeign { return "rejected ReceiptHandleIsInvalid" }
        guard timeout >= .zero, timeout <= .seconds(12 * 3600) else { return "rejected InvalidParameterValue" }
        guard let message = messages[handle.id], message.state == .inFlight else { return "rejected MessageNotInflight" }
        guard message.receiveCount == handle.receiveCount else { return "rejected ReceiptHandleIsInvalid" }
        let deadline = now + timeout
        guard deadline <= message.firstReceivedAt! + .seconds(12 * 3600) || timeout == .zero else {
            return "rejected InvalidParameterValue"
        }
        if timeout == .zero { note("visibility changed to 0") }
        messages[handle.id]!.visibilityDeadline = deadline
        noteDeadline(deadline)
        return "changed"
    }
}

struct FifoRandomRun {
    let seed: UInt64
    var random: SplitMix64
    let configuration: QueueConfiguration
    let groupNames: [String]
    let scheduler = Scheduler()
    let queue: Queue
    let log = EventLog()
    var model: FifoReferenceModel
    /// Every message the engine has handed out, newest last; old ones become stale handles.
    var received: [ReceivedMessage] = []
    /// A handle issued by another queue, which this queue must refuse.
    let foreign: ReceivedMessage
    let otherQueue: Queue
    var eventsSeen = 0
    var freshDeduplicationIDs = 0
    var trace: [String] = []

    init(seed: UInt64) {
        self.seed = seed
        random = SplitMix64(seed: seed)
        var configuration = QueueConfiguration(name: "random.fifo")
        configuration.isFifo = true
        // Odd nanoseconds keep deadlines of different kinds apart (see `RandomRun.randomSpan`).
        configuration.visibilityTimeout = [.zero, .seconds(1), .seconds(5), .seconds(30)][random.int(0...3)] + Span(nanoseconds: 13)
        configuration.retention = [.seconds(60), .seconds(600), .days(4)][random.int(0...2)] + Span(nanoseconds: 5)
        configuration.delay = random.chance(70) ? .zero : .seconds(Int64(random.int(1...5))) + Span(nanoseconds: 3)
        configuration.contentBasedDeduplication = random.chance(50)
        configuration.deduplicationScope = random.chance(50) ? .queue : .messageGroup
        if configuration.deduplicationScope == .messageGroup, random.chance(50) {
            configuration.fifoThroughputLimit = .perMessageGroupId
            configuration.highThroughputTransactionsPerSecond = random.chance(50) ? 70_000 : random.int(5...15)
            configuration.highThroughputPerGroupTransactionsPerSecond = random.chance(50) ? 300 : random.int(2...6)
        }
        configuration.fifoTransactionsPerSecond = random.chance(70) ? 300 : random.int(5...15)
        configuration.fifoScanWindow = random.chance(50) ? 120_000 : random.int(1...8)
        configuration.inFlightMax = random.chance(60) ? 120_000 : random.int(1...5)
        self.configuration = configuration
        groupNames = Array(["A", "B", "C", "D"].prefix(random.int(1...4)))
        queue = Queue(configuration: configuration, token: 1, clock: scheduler, timers: scheduler)
        queue.observer = log
        model = FifoReferenceModel(configuration: configuration, counters: queue.counters)

        otherQueue = Queue(configuration: QueueConfiguration(name: "other"), token: 2, clock: scheduler, timers: scheduler)
        _ = otherQueue.sendMessage(SendMessageRequest(bodyBytes: 1))
        guard case .messages(let other) = otherQueue.receiveMessage(ReceiveMessageRequest(waitTime: .zero), requester: nil),
              let first = other.first else { preconditionFailure("the other queue gave no message") }
        foreign = first
    }

    var parameters: String {
        let c = configuration
        return "groups \(groupNames), visibilityTimeout \(c.visibilityTimeout), retention \(c.retention), delay \(c.delay), "
            + "contentBasedDeduplication \(c.contentBasedDeduplication), deduplicationScope \(c.deduplicationScope), "
            + "fifoThroughputLimit \(c.fifoThroughputLimit) (\(c.highThroughputTransactionsPerSecond)/s, "
            + "\(c.highThroughputPerGroupTransactionsPerSecond)/s per group), fifoTransactionsPerSecond \(c.fifoTransactionsPerSecond), "
            + "fifoScanWindow \(c.fifoScanWindow), inFlightMax \(c.inFlightMax)"
    }

    /// Runs `steps` random steps; returns what went wrong first, with every step before it, or nil.
    mutating func check(steps: Int) -> String? {
        for step in 0..<steps {
            let (operation, actual, expected) = randomStep()
            trace.append("[\(step) @\(scheduler.now.nanoseconds)ns] \(operation) -> \(actual)")
            let problem = actual != expected ? "the engine answered \(actual), the model \(expected)" : compareState()
            if let problem {
                return "step \(step): \(problem)\nparameters: \(parameters)\nsteps:\n" + trace.joined(separator: "\n")
            }
            queue._checkInvariants()
        }
        return nil
    }

    // MARK: Steps

    /// One random operation on the engine and the model, a few nanoseconds after the one before,
    /// then whatever is due at that instant.
    mutating func randomStep() -> (operation: String, actual: String, expected: String) {
        let nudge = scheduler.now + Span(nanoseconds: Int64(random.int(1...1_000)))
        scheduler.run(until: nudge)
        model.advance(to: nudge)
        let result: (String, String, String)
        switch random.int(0...99) {
        case 0..<30: result = send()
        case 30..<35: result = sendBatch()
        case 35..<57: result = receive()
        case 57..<72: result = delete()
        case 72..<75: result = deleteBatch()
        case 75..<83: result = changeVisibility()
        default: result = advance()
        }
        scheduler.run(until: scheduler.now)
        model.advance(to: scheduler.now)
        return result
    }

    /// A whole number of `unit`s from `range`, plus a random fraction of a millisecond.
    mutating func randomSpan(_ range: ClosedRange<Int>, _ unit: Span) -> Span {
        unit * Int64(random.int(range)) + Span(nanoseconds: Int64(random.int(0...999_999)))
    }

    mutating func randomEntry() -> FifoReferenceModel.Entry {
        let group: String?
        switch random.int(0...99) {
        case 0..<3: group = nil
        case 3..<5: group = String(repeating: "g", count: 129)
        default: group = groupNames[random.int(0...groupNames.count - 1)]
        }
        let deduplicationId: String?
        switch random.int(0...99) {
        case 0..<40:
            freshDeduplicationIDs += 1
            deduplicationId = "u\(freshDeduplicationIDs)"
        case 40..<75: deduplicationId = "p\(random.int(0...5))"
        case 75..<77: deduplicationId = ""
        case 77..<79: deduplicationId = String(repeating: "d", count: 129)
        default: deduplicationId = nil
        }
        let bodyBytes = random.chance(3) ? 0 : [100, 200][random.int(0...1)]
        let delay: Span? = random.chance(3) ? (random.chance(50) ? .zero : .seconds(5)) : nil
        return .init(group: group, deduplicationId: deduplicationId, tag: UInt64(random.int(0...3)), bodyBytes: bodyBytes, delay: delay)
    }

    static func request(_ entry: FifoReferenceModel.Entry) -> SendMessageRequest {
        SendMessageRequest(bodyBytes: entry.bodyBytes, delay: entry.delay, tag: entry.tag,
                           messageGroupId: entry.group, deduplicationId: entry.deduplicationId)
    }

    static func describe(_ entry: FifoReferenceModel.Entry) -> String {
        let group = entry.group.map { $0.count > 10 ? "g×\($0.count)" : $0 } ?? "nil"
        let id = entry.deduplicationId.map { $0.count > 10 ? "d×\($0.count)" : "\"\($0)\"" } ?? "nil"
        return "\(group) dedup \(id) tag \(entry.tag) \(entry.bodyBytes)B delay \(entry.delay.map { "\($0)" } ?? "nil")"
    }

    mutating func send() -> (String, String, String) {
        let entry = randomEntry()
        let actual = describe(queue.sendMessage(Self.request(entry)))
        let expected = model.send(entry)
        return ("send \(Self.describe(entry))", actual, expected)
    }

    mutating func sendBatch() -> (String, String, String) {
        var entries: [FifoReferenceModel.Entry] = []
        for _ in 0..<random.int(1...4) { entries.append(randomEntry()) }
        let actual: String
        switch queue.sendMessageBatch(entries.map(Self.request)) {
        case .entries(let results): actual = "batch [" + results.map(describe).joined(separator: ", ") + "]"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.sendBatch(entries)
        return ("send batch [\(entries.map(Self.describe).joined(separator: "; "))]", actual, expected)
    }

    mutating func receive() -> (String, String, String) {
        let max = random.chance(5) ? [0, 11][random.int(0...1)] : random.int(1...10)
        let visibilityTimeout: Span?
        switch random.int(0...19) {
        case 0...9: visibilityTimeout = nil
        case 10...11: visibilityTimeout = .zero
        case 12...18: visibilityTimeout = randomSpan(1...60_000, .milliseconds(1))
        default: visibilityTimeout = random.chance(50) ? Span(nanoseconds: -1) : .seconds(12 * 3600) + Span(nanoseconds: 1)
        }
        let attemptId: String?
        switch random.int(0...99) {
        case 0..<20: attemptId = "r\(random.int(0...2))"
        case 20..<22: attemptId = String(repeating: "r", count: 129)
        default: attemptId = nil
        }
        let result = queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: max, waitTime: .zero, visibilityTimeout: visibilityTimeout,
                                  receiveRequestAttemptId: attemptId),
            requester: nil)
        let actual: String
        switch result {
        case .messages(let messages):
            received += messages
            actual = FifoReferenceModel.describe(messages.map { ($0.messageId.rawValue, $0.receiveCount) })
        case .waiting(let id): actual = "waiting \(id.rawValue)"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.receive(max: max, visibilityTimeout: visibilityTimeout, attemptId: attemptId)
        let attempt = attemptId.map { $0.count > 10 ? " attempt r×\($0.count)" : " attempt \($0)" } ?? ""
        return ("receive max \(max) visibility \(visibilityTimeout.map { "\($0)" } ?? "nil")\(attempt)", actual, expected)
    }

    /// A handle: mostly a recent one, sometimes an old (likely stale or gone) one, rarely a foreign one.
    mutating func randomHandle() -> ReceivedMessage? {
        if random.chance(3) { return foreign }
        guard !received.isEmpty else { return nil }
        if random.chance(75) { return received[received.count - 1 - random.int(0...min(5, received.count - 1))] }
        return received[random.int(0...received.count - 1)]
    }

    func modelHandle(_ message: ReceivedMessage) -> FifoReferenceModel.Handle {
        .init(id: message.messageId.rawValue, receiveCount: message.receiveCount, isForeign: message.receiptHandle.queueToken != queue.token)
    }

    static func describe(_ message: ReceivedMessage) -> String {
        message.receiptHandle.queueToken == 1 ? "\(message.messageId)#\(message.receiveCount)" : "foreign"
    }

    mutating func delete() -> (String, String, String) {
        guard let message = randomHandle() else { return advance() }
        let actual = describe(queue.deleteMessage(message.receiptHandle))
        let expected = model.delete(modelHandle(message))
        return ("delete \(Self.describe(message))", actual, expected)
    }

    mutating func deleteBatch() -> (String, String, String) {
        var messages: [ReceivedMessage] = []
        for _ in 0..<random.int(1...3) {
            if let message = randomHandle() { messages.append(message) }
        }
        guard !messages.isEmpty else { return advance() }
        let actual: String
        switch queue.deleteMessageBatch(messages.map(\.receiptHandle)) {
        case .entries(let results): actual = "batch [" + results.map(describe).joined(separator: ", ") + "]"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.deleteBatch(messages.map(modelHandle))
        return ("delete batch \(messages.map(Self.describe))", actual, expected)
    }

    mutating func changeVisibility() -> (String, String, String) {
        guard let message = randomHandle() else { return advance() }
        let timeout: Span
        switch random.int(0...19) {
        case 0...5: timeout = .zero
        case 6...14: timeout = randomSpan(1...60_000, .milliseconds(1))
        case 15...16: timeout = randomSpan(3_600...12 * 3600 - 1, .seconds(1))
        case 17: timeout = .seconds(12 * 3600)
        default: timeout = random.chance(50) ? Span(nanoseconds: -1) : .seconds(12 * 3600) + Span(nanoseconds: 1)
        }
        let actual: String
        switch queue.changeMessageVisibility(message.receiptHandle, visibilityTimeout: timeout) {
        case .changed: actual = "changed"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.changeVisibility(modelHandle(message), to: timeout)
        return ("change visibility of \(Self.describe(message)) to \(timeout)", actual, expected)
    }

    /// Waits: often across a visibility timeout, sometimes across the deduplication interval or retention.
    mutating func advance() -> (String, String, String) {
        let span: Span
        switch random.int(0...19) {
        case 0...5: span = randomSpan(0...999, .milliseconds(1))
        case 6...13: span = randomSpan(1_000...40_000, .milliseconds(1))
        case 14...18: span = randomSpan(40...400, .seconds(1))
        default: span = randomSpan(400...4_000, .seconds(1))
        }
        let target = scheduler.now + span
        scheduler.run(until: target)
        model.advance(to: target)
        return ("advance \(span)", "", "")
    }

    // MARK: Comparison

    mutating func compareState() -> String? {
        let counts = [queue.visibleCount, queue.inFlightCount, queue.delayedCount]
        let modelCounts = [model.visibleCount, model.inFlightCount, model.delayedCount]
        if counts != modelCounts { return "(visible, in flight, delayed) are \(counts), the model has \(modelCounts)" }
        if queue.storedMessageIDs().map(\.rawValue) != model.storedIDs {
            return "stored IDs \(queue.storedMessageIDs()) but the model has \(model.storedIDs)"
        }
        if queue.counters != model.counters { return "counters \(queue.counters) but the model has \(model.counters)" }
        if queue.rememberedDeduplicationIDs != model.deduplication.count {
            return "\(queue.rememberedDeduplicationIDs) deduplication IDs remembered, the model has \(model.deduplication.count)"
        }
        let events = log.events.dropFirst(eventsSeen).map(Self.describe).sorted()
        eventsSeen = log.events.count
        let modelEvents = model.events.sorted()
        model.events.removeAll()
        if events != modelEvents { return "events \(events) but the model has \(modelEvents)" }
        return nil
    }

    static func describe(_ event: QueueEvent) -> String {
        switch event {
        case .expired(let id, _, let at): "expired \(id) @\(at.nanoseconds)"
        case .visibilityLapsed(let id, let receiveCount, let at): "lapsed \(id)#\(receiveCount) @\(at.nanoseconds)"
        default: "\(event)"
        }
    }

    func describe(_ result: SendMessageResult) -> String {
        switch result {
        case .sent(let id): "sent \(id)"
        case .deduplicated(let id): "deduplicated \(id)"
        case .rejected(let error): "rejected \(error.code)"
        }
    }

    func describe(_ result: DeleteMessageResult) -> String {
        switch result {
        case .deleted(let id): "deleted \(id)"
        case .acceptedStaleReceipt(let id): "stale \(id)"
        case .acceptedAlreadyGone: "gone"
        case .rejected(let error): "rejected \(error.code)"
        }
    }
}
