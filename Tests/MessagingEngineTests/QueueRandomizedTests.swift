import TestSupport
import MessagingEngine
import SimKernel
import Testing

/// Random sequences of sends, receives, deletes, visibility changes, cancellations and waits, run
/// against `Queue` and against `QueueReferenceModel`, compared after every step: each call's
/// result, the counts, the counters, the stored IDs, the events observed and the long polls completed.
///
/// The parameters are drawn from the seed and printed with a failure, with the steps that led to it.
/// `SLUICE_SEED=n swift test --filter QueueRandomizedTests` replays seed n alone. A failed
/// precondition (in `_checkInvariants()`, say) ends the test process before the test can name the
/// seed; `SLUICE_TRACE=1` prints each seed to stderr as it starts, so the last one printed is it.
/// Slot reuse is exercised hard: deletes and expiries free slots that the next sends take while the
/// old occupants' timers and handles are still about.
@Suite struct QueueRandomizedTests {
    static let seedCount: UInt64 = 200
    static let stepsPerSeed = 300

    static var seeds: Range<UInt64> { RandomizedRuns.seeds(count: seedCount) }

    @Test func randomOperationSequencesAgreeWithAReferenceModel() {
        var coverage: [String: Int] = [:]
        for seed in Self.seeds {
            RandomizedRuns.trace("QueueRandomizedTests", seed: seed)
            var run = RandomRun(seed: seed)
            if let failure = run.check(steps: Self.stepsPerSeed) {
                Issue.record("seed \(seed): \(failure)")
                return
            }
            coverage.merge(run.model.coverage, uniquingKeysWith: +)
        }
        // A comparison that never meets a case proves nothing about it.
        guard Self.seeds.count == Self.seedCount else { return }
        for situation in QueueReferenceModel.situations {
            #expect(coverage[situation, default: 0] >= 10, "the random runs met \"\(situation)\" only \(coverage[situation, default: 0]) times")
        }
    }
}

struct RandomRun {
    let seed: UInt64
    var random: SplitMix64
    let configuration: QueueConfiguration
    let scheduler = Scheduler()
    let queue: Queue
    let log = EventLog()
    let requester: Requester
    var model: QueueReferenceModel
    /// Every message the engine has handed out, newest last; old ones become stale handles.
    var received: [ReceivedMessage] = []
    /// A handle issued by another queue, which this queue must refuse.
    let foreign: ReceivedMessage
    let otherQueue: Queue
    var trace: [String] = []
    /// The IDs the queue gave long polls that waited, by raw value.
    var pollIDs: [UInt64: ReceiveRequestID] = [:]
    var completionsSeen = 0

    init(seed: UInt64) {
        self.seed = seed
        random = SplitMix64(seed: seed)
        var configuration = QueueConfiguration(name: "random")
        // Each default gets its own odd nanoseconds, to keep deadlines of different kinds apart (see `randomSpan`).
        configuration.visibilityTimeout = [.zero, .seconds(1), .seconds(5), .seconds(30), .milliseconds(2_500)][random.int(0...4)]
            + Span(nanoseconds: 13)
        configuration.retention = [.seconds(60), .seconds(61), .seconds(300), .seconds(3_600), .seconds(14 * 86_400 - 1)][random.int(0...4)]
            + Span(nanoseconds: 5)
        configuration.delay = random.chance(70) ? .zero : .seconds(Int64(random.int(1...10))) + Span(nanoseconds: 3)
        configuration.inFlightMax = random.chance(50) ? random.int(1...6) : 120_000
        configuration.maximumMessageBytes = random.chance(50) ? 1024 : 1_048_576
        self.configuration = configuration
        queue = Queue(configuration: configuration, token: 1, clock: scheduler, timers: scheduler)
        queue.observer = log
        requester = Requester(scheduler)
        model = QueueReferenceModel(configuration: configuration, counters: queue.counters)

        otherQueue = Queue(configuration: QueueConfiguration(name: "other"), token: 2, clock: scheduler, timers: scheduler)
        _ = otherQueue.sendMessage(SendMessageRequest(bodyBytes: 1))
        guard case .messages(let other) = otherQueue.receiveMessage(ReceiveMessageRequest(waitTime: .zero), requester: nil),
              let first = other.first else { preconditionFailure("the other queue gave no message") }
        foreign = first
    }

    var parameters: String {
        let c = configuration
        return "visibilityTimeout \(c.visibilityTimeout), retention \(c.retention), delay \(c.delay), "
            + "inFlightMax \(c.inFlightMax), maximumMessageBytes \(c.maximumMessageBytes)"
    }

    /// Runs `steps` random steps; returns what went wrong first, or nil.
    mutating func check(steps: Int) -> String? {
        for step in 0..<steps {
            let (operation, actual, expected) = randomStep()
            trace.append("[\(step) @\(scheduler.now.nanoseconds)ns] \(operation) -> \(actual)")
            if trace.count > 12 { trace.removeFirst() }
            let problem = actual != expected ? "the engine answered \(actual), the model \(expected)" : compareState()
            if let problem {
                return "step \(step): \(problem)\nparameters: \(parameters)\nlast steps:\n" + trace.joined(separator: "\n")
            }
            queue._checkInvariants()
        }
        return nil
    }

    // MARK: Steps

    /// Performs one random operation on both the engine and the model, then lets the kernel run what
    /// is due at this instant, so long polls served by the operation are told.
    ///
    /// Each operation comes a few nanoseconds after the one before, so no two calls share an instant
    /// and two deadlines of the same length set by different calls never coincide (see `randomSpan`).
    mutating func randomStep() -> (operation: String, actual: String, expected: String) {
        let nudge = scheduler.now + Span(nanoseconds: Int64(random.int(1...1_000)))
        scheduler.run(until: nudge)
        model.advance(to: nudge)
        let roll = random.int(0...99)
        let result: (String, String, String)
        switch roll {
        case 0..<20: result = send()
        case 20..<24: result = sendBatch()
        case 24..<38: result = receive(wait: .zero)
        case 38..<48: result = receive(wait: randomSpan(1...19_999, .milliseconds(1)))
        case 48..<62: result = delete()
        case 62..<65: result = deleteBatch()
        case 65..<74: result = changeVisibility()
        case 74..<77: result = cancelReceive()
        case 77..<79: result = sendAndCancelTheOldestPoll()
        default: result = advance()
        }
        scheduler.run(until: scheduler.now)
        model.advance(to: scheduler.now)
        return result
    }

    /// A whole number of `unit`s from `range`, plus a random fraction of a millisecond.
    ///
    /// The fraction, the odd nanoseconds of the queue's defaults and the nudge before every call keep
    /// deadlines set by different calls from falling on the same nanosecond. Which of two deadlines
    /// due at one instant the engine takes first is an accident of its timer bookkeeping, not a rule,
    /// so the model should not have to predict it. Deadlines set by one call still coincide (a receive
    /// of several messages, a batch of sends), and zero spans still make things happen at the instant
    /// of the call: there the engine must keep the order of the call. Long polls that wait always name
    /// their own visibility timeout, for the same reason.
    mutating func randomSpan(_ range: ClosedRange<Int>, _ unit: Span) -> Span {
        unit * Int64(random.int(range)) + Span(nanoseconds: Int64(random.int(0...999_999)))
    }

    mutating func randomDelay() -> Span? {
        switch random.int(0...19) {
        case 0...7: return nil
        case 8...10: return .zero
        case 11...15: return randomSpan(1...10_000, .milliseconds(1))
        case 16...17: return randomSpan(10...899, .seconds(1))
        case 18: return .seconds(900)
        default: return random.chance(50) ? Span(nanoseconds: -1) : .seconds(900) + Span(nanoseconds: 1)
        }
    }

    mutating func randomBodyBytes() -> Int {
        switch random.int(0...19) {
        case 0: return 0
        case 1: return configuration.maximumMessageBytes + 1
        case 2: return configuration.maximumMessageBytes
        default: return random.int(1...1000)
        }
    }

    mutating func send() -> (String, String, String) {
        let bytes = randomBodyBytes(), delay = randomDelay(), tag = random.next() % 1000
        let actual = describe(queue.sendMessage(SendMessageRequest(bodyBytes: bytes, delay: delay, tag: tag)))
        let expected = model.send(bodyBytes: bytes, delay: delay, tag: tag)
        return ("send \(bytes)B delay \(String(describing: delay))", actual, expected)
    }

    mutating func sendBatch() -> (String, String, String) {
        var entries: [(bodyBytes: Int, delay: Span?, tag: UInt64)] = []
        for _ in 0..<random.int(1...4) { entries.append((randomBodyBytes(), randomDelay(), random.next() % 1000)) }
        // Stay within the batch limits: this test is about state, the limits have their own tests.
        entries = entries.map { ($0.bodyBytes > 200_000 ? 200_000 : $0.bodyBytes, $0.delay, $0.tag) }
        let requests = entries.map { SendMessageRequest(bodyBytes: $0.bodyBytes, delay: $0.delay, tag: $0.tag) }
        let actual: String
        switch queue.sendMessageBatch(requests) {
        case .entries(let results): actual = "batch [\(results.map(describe).joined(separator: ", "))]"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.sendBatch(entries)
        return ("send batch \(entries.map { "\($0.bodyBytes)B \(String(describing: $0.delay))" })", actual, expected)
    }

    mutating func randomVisibilityTimeout() -> Span? {
        switch random.int(0...19) {
        case 0...9: return nil
        case 10...11: return .zero
        case 12...17: return randomSpan(1...60_000, .milliseconds(1))
        case 18: return randomSpan(1...12 * 3600 - 1, .seconds(1))
        default: return random.chance(50) ? Span(nanoseconds: -1) : .seconds(12 * 3600 + 1)
        }
    }

    mutating func receive(wait: Span) -> (String, String, String) {
        let max = random.chance(5) ? [0, 11][random.int(0...1)] : random.int(1...10)
        let wait = random.chance(3) ? .seconds(20) + Span(nanoseconds: 1) : wait
        var visibilityTimeout = randomVisibilityTimeout()
        if wait > .zero, visibilityTimeout == nil || visibilityTimeout == .zero {
            // Waiting polls are served inside the queue's timers, often several at one instant; with a
            // shared timeout their messages' deadlines would coincide (see `randomSpan`).
            visibilityTimeout = randomSpan(1...60_000, .milliseconds(1))
        }
        let result = queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: max, waitTime: wait, visibilityTimeout: visibilityTimeout),
            requester: requester)
        let actual: String
        switch result {
        case .messages(let messages):
            received += messages
            actual = "messages \(messages.map(QueueReferenceModel.describe))"
        case .waiting(let id):
            pollIDs[id.rawValue] = id
            actual = "waiting \(id.rawValue)"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.receive(max: max, wait: wait, visibilityTimeout: visibilityTimeout)
        return ("receive max \(max) wait \(wait) visibility \(String(describing: visibilityTimeout))", actual, expected)
    }

    /// A handle: mostly a recent one, sometimes an old (likely stale or gone) one, rarely a foreign one.
    mutating func randomHandle() -> ReceivedMessage? {
        if random.chance(4) { return foreign }
        guard !received.isEmpty else { return nil }
        if random.chance(75) { return received[received.count - 1 - random.int(0...min(5, received.count - 1))] }
        return received[random.int(0...received.count - 1)]
    }

    func modelHandle(_ message: ReceivedMessage) -> QueueReferenceModel.Handle {
        .init(messageID: message.messageId.rawValue, receiveCount: message.receiveCount,
              isForeign: message.receiptHandle.queueToken != queue.token)
    }

    mutating func delete() -> (String, String, String) {
        guard let message = randomHandle() else { return advance() }
        let actual = describe(queue.deleteMessage(message.receiptHandle))
        let expected = model.delete(modelHandle(message))
        return ("delete \(message.messageId)#\(message.receiveCount)", actual, expected)
    }

    mutating func deleteBatch() -> (String, String, String) {
        var messages: [ReceivedMessage] = []
        for _ in 0..<random.int(1...3) {
            if let message = randomHandle() { messages.append(message) }
        }
        guard !messages.isEmpty else { return advance() }
        let actual: String
        switch queue.deleteMessageBatch(messages.map(\.receiptHandle)) {
        case .entries(let results): actual = "batch [\(results.map(describe).joined(separator: ", "))]"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.deleteBatch(messages.map(modelHandle))
        return ("delete batch \(messages.map { "\($0.messageId)#\($0.receiveCount)" })", actual, expected)
    }

    mutating func changeVisibility() -> (String, String, String) {
        guard let message = randomHandle() else { return advance() }
        let timeout: Span
        switch random.int(0...9) {
        case 0...2: timeout = .zero
        case 3...6: timeout = randomSpan(1...60_000, .milliseconds(1))
        case 7: timeout = randomSpan(3_600...12 * 3600 - 1, .seconds(1))
        case 8: timeout = .seconds(12 * 3600)
        default: timeout = random.chance(50) ? Span(nanoseconds: -1) : .seconds(12 * 3600) + Span(nanoseconds: 1)
        }
        let actual: String
        switch queue.changeMessageVisibility(message.receiptHandle, visibilityTimeout: timeout) {
        case .changed: actual = "changed"
        case .rejected(let error): actual = "rejected \(error.code)"
        }
        let expected = model.changeVisibility(modelHandle(message), to: timeout)
        return ("change visibility of \(message.messageId)#\(message.receiveCount) to \(timeout)", actual, expected)
    }

    mutating func cancelReceive() -> (String, String, String) {
        guard model.nextWaiterID > 0 else { return advance() }
        // Any poll ever made: waiting, completed or cancelled already.
        let id = UInt64(random.int(0...Int(model.nextWaiterID) - 1))
        let waiting = model.waiters.contains { $0.id == id } || random.chance(20)
        let chosen = waiting ? id : (model.waiters.first?.id ?? id)
        queue.cancelReceive(pollIDs[chosen]!)
        model.cancelReceive(chosen)
        return ("cancel poll \(chosen)", "", "")
    }

    /// A send that serves the oldest waiting poll, whose caller then goes away before being told.
    mutating func sendAndCancelTheOldestPoll() -> (String, String, String) {
        guard let oldest = model.waiters.first?.id else { return send() }
        let (operation, actual, expected) = send()
        queue.cancelReceive(pollIDs[oldest]!)
        model.cancelReceive(oldest)
        return ("\(operation), then cancel poll \(oldest)", actual, expected)
    }

    mutating func advance() -> (String, String, String) {
        let span: Span
        switch random.int(0...19) {
        case 0...2: span = .zero
        case 3...9: span = randomSpan(1...1_000, .milliseconds(1))
        case 10...16: span = randomSpan(1_000...40_000, .milliseconds(1))
        case 17...18: span = randomSpan(40...900, .seconds(1))
        default: span = randomSpan(3_600...13 * 3600, .seconds(1))
        }
        let target = scheduler.now + span
        scheduler.run(until: target)
        model.advance(to: target)
        return ("advance \(span)", "", "")
    }

    // MARK: Comparison

    mutating func compareState() -> String? {
        for completion in requester.completions.dropFirst(completionsSeen) {
            received += completion.messages
        }
        completionsSeen = requester.completions.count
        let counts = [queue.visibleCount, queue.inFlightCount, queue.delayedCount]
        let modelCounts = [model.visibleCount, model.inFlightCount, model.delayedCount]
        if counts != modelCounts { return "(visible, in flight, delayed) are \(counts), the model has \(modelCounts)" }
        if queue.storedMessageIDs().map(\.rawValue) != model.storedIDs {
            return "stored IDs \(queue.storedMessageIDs()) but the model has \(model.storedIDs)"
        }
        if queue.counters != model.counters { return "counters \(queue.counters) but the model has \(model.counters)" }
        if queue.waitingReceiveCount != model.waiters.count {
            return "\(queue.waitingReceiveCount) polls waiting, the model has \(model.waiters.count)"
        }
        if log.events != model.events {
            return "events \(log.events.suffix(3)) but the model has \(model.events.suffix(3))"
        }
        let completions = requester.completions.map {
            "poll \($0.request.rawValue) @\($0.at.nanoseconds): \($0.messages.map(QueueReferenceModel.describe))"
        }
        let modelCompletions = model.delivered.map { "poll \($0.request) @\($0.at.nanoseconds): \($0.messages)" }
        if completions != modelCompletions {
            return "completions end \(completions.suffix(2)) but the model's end \(modelCompletions.suffix(2))"
        }
        return nil
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
