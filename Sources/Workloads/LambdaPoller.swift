import MessagingEngine
import SimKernel
import Stochastic

/// One poller of an event source mapping, worth one concurrent batch: it gathers a batch with long
/// polls, invokes the function with it, deletes what succeeded in batches of 10, and polls again.
///
/// Gathering: each receive asks for up to 10 messages, no more than the batch still lacks. With no
/// batching window the first non-empty receive makes the batch. With one, the window opens at the
/// batch's first message and the poller receives again, each wait ending no later than the window,
/// until the batch is full, the window has passed, or a receive brings more than the 6 MiB payload
/// holds; the messages that do not fit stay in hand and begin the next batch.
///
/// Like `Consumer`, the poller is a state machine whose waits are timers on itself, the code naming
/// the next step. Every step goes through the event list, even one due now, so a batch of 10,000
/// gathered or deleted at one instant never recurses. A poller has at most one step pending and
/// nothing withdraws one (it retires only when its receive has come back), so no timer can be
/// stale and none carries an epoch.
final class LambdaPoller: ReceiveRequester, TimerTarget {
    let index: Int
    /// Not reference-counted: the mapping owns its pollers and outlives them.
    unowned(unsafe) let mapping: LambdaEventSourceMapping
    let specification: LambdaEventSourceMappingSpecification
    unowned(unsafe) let scheduler: Scheduler
    unowned(unsafe) let queue: Queue
    let actorName: String
    let durationStream: RandomStream
    let coldStartStream: RandomStream
    /// Draws whether an invocation, and each message of it, fails.
    let outcomeStream: RandomStream
    let networkStream: RandomStream

    private(set) var isActive = false
    var pendingReceive: ReceiveRequestID?
    /// The batch being gathered or invoked, its payload, and when its batching window closes.
    var batch: [ReceivedMessage] = []
    var batchBytes = 0
    var windowEnd = Instant.distantFuture
    /// Messages received past the payload limit; they begin the next batch.
    var carried: [ReceivedMessage] = []
    /// The messages an invocation succeeded on, and how many of them the deletes have reached.
    var deletions: [ReceivedMessage] = []
    var deletePosition = 0
    /// The call under way: its attempt and when its answer arrives.
    var attempt = 1
    var answerAt = Instant.zero
    /// Positions in the batch whose extended-client body could not be fetched.
    var fetchFailed: [Int] = []

    enum Step: Int {
        case receiveArrives, receiveAnswered, receiveFailed, receiveRetry
        case invocationEnded
        case deleteArrives, deleteAnswered, deleteFailed, deleteRetry
    }

    init(index: Int, mapping: LambdaEventSourceMapping, streams: (String) -> RandomStream) {
        self.index = index
        self.mapping = mapping
        specification = mapping.specification
        scheduler = mapping.scheduler
        queue = mapping.queue
        let name = mapping.specification.name
        actorName = "lambda/\(name)/\(index)"
        durationStream = streams("lambda/\(name)/\(index)/duration")
        coldStartStream = streams("lambda/\(name)/\(index)/coldStart")
        outcomeStream = streams("lambda/\(name)/\(index)/outcome")
        networkStream = streams("lambda/\(name)/\(index)/network")
    }

    func take(_ step: Step, at instant: Instant) {
        scheduler.schedule(at: instant, target: self, code: step.rawValue, payload: 0)
    }

    func timerFired(code: Int, payload: Int) {
        switch Step(rawValue: code)! {
        case .receiveArrives: receiveArrives()
        case .receiveAnswered: receiveAnswered()
        case .receiveFailed: receiveFailed()
        case .receiveRetry: poll(attempt: attempt)
        case .invocationEnded: invocationEnded()
        case .deleteArrives: deleteArrives()
        case .deleteAnswered: deleteNextChunk()
        case .deleteFailed: deleteFailed()
        case .deleteRetry: deleteChunk(attempt: attempt)
        }
    }

    /// Starts a call: the request takes effect after half the round trip, the answer comes at its end.
    func call(_ arrives: Step, attempt: Int) {
        let start = scheduler.now
        let roundTrip = mapping.network.roundTrip(at: start, rng: networkStream)
        self.attempt = attempt
        answerAt = start + roundTrip
        take(arrives, at: start + Span(nanoseconds: roundTrip.nanoseconds / 2))
    }

    func activate() {
        precondition(!isActive && batch.isEmpty && carried.isEmpty, "a poller is activated only when retired and empty-handed")
        isActive = true
        poll()
    }

    // MARK: Gathering a batch

    func poll(attempt: Int = 1) {
        call(.receiveArrives, attempt: attempt)
    }

    func receiveArrives() {
        if mapping.network.fails(at: scheduler.now, rng: networkStream) {
            take(.receiveFailed, at: answerAt)
            return
        }
        if queue.authorize(mapping.principal, .receiveMessage) != nil {
            take(.receiveFailed, at: answerAt)
            return
        }
        // A request that reaches the queue after its batch's window has closed is a short poll.
        let wait = max(.zero, min(LambdaEventSourceMapping.receiveWaitTime, windowEnd - scheduler.now))
        let request = ReceiveMessageRequest(maxNumberOfMessages: min(QueueConfiguration.receiveMessagesRange.upperBound,
                                                                     specification.batchSize - batch.count),
                                            waitTime: wait)
        switch queue.receiveMessage(request, requester: self) {
        case .messages(let messages):
            gather(messages)
            take(.receiveAnswered, at: answerAt + decryptLatency(messages))
        case .waiting(let id):
            pendingReceive = id
        case .rejected:
            take(.receiveFailed, at: answerAt)
        }
    }

    func receiveCompleted(_ request: ReceiveRequestID, messages: [ReceivedMessage]) {
        guard pendingReceive == request else { return }
        pendingReceive = nil
        gather(messages)
        // The response leg of a long poll costs half a round trip.
        let roundTrip = mapping.network.roundTrip(at: scheduler.now, rng: networkStream)
        take(.receiveAnswered, at: scheduler.now + Span(nanoseconds: roundTrip.nanoseconds - roundTrip.nanoseconds / 2)
                + decryptLatency(messages))
    }

    /// Messages from an SSE-KMS queue need a data key, fetched when the role's cached one is stale.
    func decryptLatency(_ messages: [ReceivedMessage]) -> Span {
        guard !messages.isEmpty, let kms = mapping.services.kms else { return .zero }
        return kms.dataKeyLatency(principal: mapping.principal, queue: queue, side: .consumer, at: scheduler.now, rng: networkStream)
    }

    /// Adds received messages to the batch while the payload holds them; the rest are carried.
    /// They are the poller's from the moment the queue hands them out.
    func gather(_ messages: [ReceivedMessage]) {
        let now = scheduler.now
        for message in messages {
            mapping.observer.received(queue: mapping.queueIndex, fleet: mapping.fleetIndex, message: message, at: now)
        }
        add(messages)
    }

    func add(_ messages: [ReceivedMessage]) {
        for message in messages {
            if batch.isEmpty { windowEnd = scheduler.now + specification.batchingWindow }
            if carried.isEmpty && batchBytes + message.sizeBytes <= LambdaEventSourceMapping.payloadBytesMax {
                batch.append(message)
                batchBytes += message.sizeBytes
            } else {
                carried.append(message)
            }
        }
    }

    var isBatchReady: Bool {
        !batch.isEmpty && (batch.count >= specification.batchSize || !carried.isEmpty || scheduler.now >= windowEnd)
    }

    func receiveAnswered() {
        if isBatchReady {
            invoke()
        } else if !batch.isEmpty || !mapping.retireAfterEmptyReceive() {
            poll()
        } else {
            isActive = false
            windowEnd = .distantFuture
        }
    }

    func receiveFailed() {
        let retry = attempt < mapping.network.retryPolicy.maxAttempts
        mapping.observer.callFailed(actor: actorName, operation: "ReceiveMessage", willRetry: retry, at: scheduler.now)
        // A receive that failed on every attempt is given up; the poller polls afresh after a pause.
        let pause = mapping.network.retryPolicy.backoff(after: attempt, rng: networkStream)
        attempt = retry ? attempt + 1 : 1
        take(.receiveRetry, at: scheduler.now + pause)
    }

    // MARK: Invoking

    func invoke() {
        let now = scheduler.now
        let cold = mapping.invocationBegins()
        // The duration is drawn first and always, so a cold start never shifts the durations drawn.
        var seconds = specification.duration.sample(durationStream, truncatedAtZero: true)
        if cold { seconds += specification.coldStart.sample(coldStartStream, truncatedAtZero: true) }
        // The handler's extended client fetches each stored body first; a failed fetch fails that message.
        fetchFailed = []
        if let store = mapping.services.objectStore {
            for (position, message) in batch.enumerated() where message.extendedPayloadBytes > 0 {
                let get = store.get(ObjectKey(message.tag), rng: networkStream)
                seconds += get.latency.seconds
                if get.status != .succeeded { fetchFailed.append(position) }
                mapping.observer.objectStoreUsed(queue: mapping.queueIndex, latency: get.latency, at: now)
            }
        }
        let runTime = Span(seconds: seconds)
        mapping.invocationBilled(runTime)
        take(.invocationEnded, at: now + runTime)
    }

    /// Settles the batch: what failed stays in the queue, to reappear after its visibility timeout;
    /// what succeeded is deleted.
    func invocationEnded() {
        let now = scheduler.now
        let invocationFailed = specification.failureProbability > 0 && outcomeStream.bernoulli(specification.failureProbability)
        var itemFailed = [Bool](repeating: false, count: batch.count)
        if specification.partialBatchFailureProbability > 0 {
            for position in batch.indices { itemFailed[position] = outcomeStream.bernoulli(specification.partialBatchFailureProbability) }
        }
        for position in fetchFailed { itemFailed[position] = true }
        let batchFailed = invocationFailed || (!specification.reportBatchItemFailures && itemFailed.contains(true))
        mapping.invocationEnds(failed: batchFailed)
        // FIFO: a function reporting partial failures must report, with a failed message, every
        // later message of its group in the batch, or the group would be processed out of order.
        var failedGroups: [String] = []
        var groupFailed = [Bool](repeating: false, count: batch.count)
        for (position, message) in batch.enumerated() {
            guard let group = message.messageGroupId else { continue }
            if failedGroups.contains(group) {
                groupFailed[position] = !itemFailed[position]
                itemFailed[position] = true
            } else if itemFailed[position] {
                failedGroups.append(group)
            }
        }
        deletions = []
        for (position, message) in batch.enumerated() {
            if batchFailed || itemFailed[position] {
                mapping.observer.abandoned(queue: mapping.queueIndex, fleet: mapping.fleetIndex, message: message,
                                           why: groupFailed[position] && !batchFailed ? .groupFailed : .processingFailed, at: now)
            } else {
                mapping.observer.processed(queue: mapping.queueIndex, fleet: mapping.fleetIndex, message: message, at: now)
                deletions.append(message)
            }
        }
        batch = []
        batchBytes = 0
        windowEnd = .distantFuture
        let next = carried
        carried = []
        add(next)
        deletePosition = 0
        deleteNextChunk()
    }

    // MARK: Deleting

    var chunk: ArraySlice<ReceivedMessage> {
        deletions[deletePosition..<min(deletePosition + QueueConfiguration.batchEntriesMax, deletions.count)]
    }

    /// Deletes the next 10 messages, or, when all are deleted, goes on with the next batch.
    func deleteNextChunk() {
        guard deletePosition < deletions.count else {
            deletions = []
            if isBatchReady { invoke() } else { poll() }
            return
        }
        deleteChunk(attempt: 1)
    }

    func deleteChunk(attempt: Int) {
        call(.deleteArrives, attempt: attempt)
    }

    func deleteArrives() {
        let now = scheduler.now
        if mapping.network.fails(at: now, rng: networkStream) {
            take(.deleteFailed, at: answerAt)
            return
        }
        let messages = chunk
        let results: [DeleteMessageResult]
        if let denial = queue.authorize(mapping.principal, .deleteMessage) {
            results = Array(repeating: .rejected(denial), count: messages.count)
        } else {
            switch queue.deleteMessageBatch(messages.map(\.receiptHandle)) {
            case .entries(let entries): results = entries
            case .rejected(let problem) where problem.isRetryable:
                take(.deleteFailed, at: answerAt)
                return
            case .rejected(let problem): results = Array(repeating: .rejected(problem), count: messages.count)
            }
        }
        var answerAt = self.answerAt
        for (message, result) in zip(messages, results) {
            mapping.observer.deleteAnswered(queue: mapping.queueIndex, fleet: mapping.fleetIndex, message: message, result: result,
                                            at: now)
            if case .deleted = result, message.extendedPayloadBytes > 0, let store = mapping.services.objectStore {
                // The handler's extended client deletes the stored body after the message.
                let delete = store.delete(ObjectKey(message.tag), at: now, rng: networkStream)
                answerAt = answerAt + delete.latency
                mapping.observer.objectStoreUsed(queue: mapping.queueIndex, latency: delete.latency, at: now)
            }
        }
        deletePosition += messages.count
        take(.deleteAnswered, at: answerAt)
    }

    func deleteFailed() {
        let now = scheduler.now
        let retry = attempt < mapping.network.retryPolicy.maxAttempts
        mapping.observer.callFailed(actor: actorName, operation: "DeleteMessageBatch", willRetry: retry, at: now)
        guard retry else {
            for message in chunk {
                mapping.observer.abandoned(queue: mapping.queueIndex, fleet: mapping.fleetIndex, message: message, why: .deleteFailed,
                                           at: now)
            }
            deletePosition += chunk.count
            deleteNextChunk()
            return
        }
        let pause = mapping.network.retryPolicy.backoff(after: attempt, rng: networkStream)
        attempt += 1
        take(.deleteRetry, at: now + pause)
    }
}
