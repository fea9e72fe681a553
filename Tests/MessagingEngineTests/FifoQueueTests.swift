import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS FIFO: MessageGroupId required, no per-message delay, strict order within a
/// group, a group blocked while it has a message in flight, the scan window, deduplication,
/// transaction quotas, ReceiveRequestAttemptId and the in-flight limit.
@Suite struct FifoQueueTests {
    /// A FIFO queue named `orders.fifo`, with whatever else `configure` sets.
    static func fifoWorld(_ configure: (inout QueueConfiguration) -> Void = { _ in }) -> World {
        World { configuration in
            configuration.name = "orders.fifo"
            configuration.isFifo = true
            configure(&configuration)
        }
    }

    // MARK: Sends

    @Test func messageGroupIdIsRequired() {
        let world = Self.fifoWorld()
        let result = world.fifoSend(nil, dedup: "d0")
        #expect(result.errorCode == "MissingParameter")
        #expect(world.queue.storedCount == 0)
        #expect(world.fifoSend("A", dedup: "d0") == .sent(MessageID(0)))
    }

    @Test func deduplicationIdOrContentBasedDeduplicationIsRequired() {
        let world = Self.fifoWorld()
        #expect(world.fifoSend("A", dedup: nil).errorCode == "InvalidParameterValue")
        #expect(world.queue.storedCount == 0)

        let contentBased = Self.fifoWorld { $0.contentBasedDeduplication = true }
        #expect(contentBased.fifoSend("A", dedup: nil) == .sent(MessageID(0)))
        #expect(contentBased.queue.storedCount == 1)
    }

    @Test func perMessageDelayIsRejectedButTheQueueDelayApplies() {
        let world = Self.fifoWorld { $0.delay = .seconds(10) }
        #expect(world.fifoSend("A", dedup: "d0", delay: .seconds(5)).errorCode == "InvalidParameterValue")
        #expect(world.fifoSend("A", dedup: "d1", delay: .zero).errorCode == "InvalidParameterValue")
        #expect(world.queue.storedCount == 0)
        #expect(world.fifoSend("A", dedup: "d2") == .sent(MessageID(0)))
        #expect(world.counts == [0, 0, 1], "the queue's own delay holds the message back")
        world.advance(by: .seconds(10))
        #expect(numbers(world.receive()) == [0])
    }

    @Test func identifiersAreAtMost128Characters() {
        let world = Self.fifoWorld()
        let longest = String(repeating: "g", count: 128)
        let tooLong = String(repeating: "g", count: 129)
        #expect(world.fifoSend(longest, dedup: longest) == .sent(MessageID(0)))
        #expect(world.fifoSend(tooLong, dedup: "d1").errorCode == "InvalidParameterValue")
        #expect(world.fifoSend("A", dedup: tooLong).errorCode == "InvalidParameterValue")
        #expect(world.fifoSend("A", dedup: "").errorCode == "InvalidParameterValue")
        #expect(world.queue.storedCount == 1)

        let refused = world.queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero, receiveRequestAttemptId: tooLong), requester: nil)
        #expect(refused.errorCode == "InvalidParameterValue")
        let accepted = world.queue.receiveMessage(
            ReceiveMessageRequest(maxNumberOfMessages: 1, waitTime: .zero, receiveRequestAttemptId: longest), requester: nil)
        #expect(accepted.messageNumbers == [0])
    }

    // MARK: Order and groups

    @Test func orderIsStrictWithinAGroup() {
        let world = Self.fifoWorld()
        for index in 0..<20 { world.sendAccepted("A", dedup: "d\(index)") }
        var delivered: [Int] = []
        var batch = 1
        while delivered.count < 20 {
            let messages = world.receive(max: batch)
            #expect(!messages.isEmpty, "the group stalled after \(delivered)")
            if messages.isEmpty { break }
            delivered += numbers(messages)
            for message in messages { #expect(world.delete(message) == .deleted(message.messageId)) }
            batch = batch % 3 + 1
        }
        #expect(delivered == Array(0..<20))
    }

    @Test func aGroupWithAMessageInFlightDeliversNothingFurtherUntilItIsDeleted() throws {
        let world = Self.fifoWorld()
        world.sendAccepted("A", dedup: "d0")
        world.sendAccepted("A", dedup: "d1")
        let first = try world.receiveOne()
        #expect(first.messageId == MessageID(0))
        #expect(world.receive().isEmpty, "the group is blocked while message 0 is in flight")
        #expect(world.queue.counters.emptyReceivesWithMessagesStored == 1)
        #expect(world.delete(first) == .deleted(MessageID(0)))
        #expect(numbers(world.receive()) == [1])
    }

    @Test func aGroupWhoseVisibilityLapsesDeliversTheSameMessageAgainInOrder() throws {
        let world = Self.fifoWorld { $0.visibilityTimeout = .seconds(30) }
        for index in 0..<3 { world.sendAccepted("A", dedup: "d\(index)") }
        let first = try world.receiveOne()
        #expect(first.messageId == MessageID(0))
        world.advance(by: .seconds(29))
        #expect(world.receive().isEmpty)
        world.advance(by: .seconds(1))
        let again = world.receive()
        #expect(numbers(again) == [0, 1, 2])
        #expect(again.map(\.receiveCount) == [2, 1, 1])
        #expect(world.delete(first) == .acceptedStaleReceipt(MessageID(0)))
    }

    @Test func oneReceiveTakesAllItCanFromOneGroupThenFillsFromOthers() {
        let world = Self.fifoWorld()
        // A0 B0 A1 B1 A2 C0, numbered 0 to 5.
        for (index, group) in ["A", "B", "A", "B", "A", "C"].enumerated() { world.sendAccepted(group, dedup: "d\(index)") }
        let first = world.receive(max: 4)
        #expect(numbers(first) == [0, 2, 4, 1], "all of A, then B from its head")
        #expect(first.map(\.messageGroupId) == ["A", "A", "A", "B"])
        // B is blocked now by message 1 in flight; C can still deliver.
        #expect(numbers(world.receive(max: 10)) == [5])
    }

    @Test func groupsAreServedOldestHeadFirst() throws {
        let world = Self.fifoWorld()
        // A0 B0 A1 C0, numbered 0 to 3.
        for (index, group) in ["A", "B", "A", "C"].enumerated() { world.sendAccepted(group, dedup: "d\(index)") }
        let a0 = try world.receiveOne()
        #expect(a0.messageId == MessageID(0))
        let b0 = try world.receiveOne()
        #expect(b0.messageId == MessageID(1), "A is blocked, B's head is the oldest")
        #expect(world.delete(a0) == .deleted(MessageID(0)))
        let a1 = try world.receiveOne()
        #expect(a1.messageId == MessageID(2), "A's head (2) is older than C's (3)")
        let c0 = try world.receiveOne()
        #expect(c0.messageId == MessageID(3))
    }

    @Test func onlyTheScanWindowIsSearchedForAGroupThatCanDeliver() throws {
        let world = Self.fifoWorld { $0.fifoScanWindow = 5 }
        for index in 0..<5 { world.sendAccepted("A", dedup: "a\(index)") }
        world.sendAccepted("B", dedup: "b0")
        let a0 = try world.receiveOne()
        #expect(a0.messageId == MessageID(0))
        #expect(world.receive().isEmpty, "B's message is the sixth stored, past the window of 5")
        #expect(world.delete(a0) == .deleted(MessageID(0)))
        let a1 = try world.receiveOne()
        #expect(a1.messageId == MessageID(1))
        #expect(numbers(world.receive()) == [5], "with 5 stored, B's message is inside the window")
    }

    // MARK: Deduplication

    @Test func aDuplicateWithinTheIntervalIsAcceptedButNotEnqueuedEvenAfterTheFirstCopyWasDeleted() throws {
        let world = Self.fifoWorld()
        #expect(world.fifoSend("A", dedup: "x") == .sent(MessageID(0)))
        #expect(world.fifoSend("A", dedup: "x", tag: 9) == .deduplicated(MessageID(0)))
        #expect(world.queue.storedCount == 1)
        let message = try world.receiveOne()
        #expect(world.delete(message) == .deleted(MessageID(0)))
        world.advance(by: .seconds(240))
        #expect(world.fifoSend("B", dedup: "x") == .deduplicated(MessageID(0)))
        #expect(world.queue.storedCount == 0)
        #expect(world.queue.counters.messagesDeduplicated == 2)
        #expect(world.queue.counters.messagesSent == 1)
    }

    @Test func aDeduplicationIdIsEnqueuedAgainAfterTheInterval() {
        let world = Self.fifoWorld()
        #expect(world.fifoSend("A", dedup: "x") == .sent(MessageID(0)))
        world.advance(by: .seconds(300) - .milliseconds(1))
        #expect(world.fifoSend("A", dedup: "x") == .deduplicated(MessageID(0)))
        world.advance(by: .milliseconds(1))
        #expect(world.fifoSend("A", dedup: "x") == .sent(MessageID(1)))
        #expect(world.queue.storedCount == 2)
    }

    @Test func contentBasedDeduplicationComparesTheBodyAndAnExplicitIdOverridesIt() {
        let world = Self.fifoWorld { $0.contentBasedDeduplication = true }
        #expect(world.fifoSend("A", dedup: nil, tag: 7, bytes: 100) == .sent(MessageID(0)))
        let sameBodyOtherAttributes = SendMessageRequest(
            bodyBytes: 100, attributes: [MessageAttribute(name: "trace", dataType: .string, valueBytes: 20)], tag: 7,
            messageGroupId: "A")
        #expect(world.queue.sendMessage(sameBodyOtherAttributes) == .deduplicated(MessageID(0)),
                "attributes are not part of the body's digest")
        #expect(world.fifoSend("A", dedup: nil, tag: 7, bytes: 101) == .sent(MessageID(1)), "another size is another body")
        #expect(world.fifoSend("A", dedup: nil, tag: 8, bytes: 100) == .sent(MessageID(2)), "another tag is another body")
        #expect(world.fifoSend("A", dedup: "e1", tag: 7, bytes: 100) == .sent(MessageID(3)),
                "an explicit ID is used instead of the body")
        #expect(world.fifoSend("A", dedup: "e1", tag: 99, bytes: 5) == .deduplicated(MessageID(3)))
        #expect(world.queue.storedCount == 4)
    }

    @Test func deduplicationScopeMessageGroupLetsTheSameIdIntoTwoGroups() {
        let perGroup = Self.fifoWorld { $0.deduplicationScope = .messageGroup }
        #expect(perGroup.fifoSend("A", dedup: "x") == .sent(MessageID(0)))
        #expect(perGroup.fifoSend("B", dedup: "x") == .sent(MessageID(1)))
        #expect(perGroup.fifoSend("A", dedup: "x") == .deduplicated(MessageID(0)))
        #expect(perGroup.fifoSend("B", dedup: "x") == .deduplicated(MessageID(1)))

        let perQueue = Self.fifoWorld()
        #expect(perQueue.fifoSend("A", dedup: "x") == .sent(MessageID(0)))
        #expect(perQueue.fifoSend("B", dedup: "x") == .deduplicated(MessageID(0)))
        #expect(perQueue.queue.storedCount == 1)
    }

    // MARK: Throughput

    /// The quota is a sliding window: no second, wherever it starts, holds more than 300 sends.
    @Test func fifoSendsAreThrottledPast300TransactionsPerSecond() {
        let world = Self.fifoWorld()
        world.advance(by: .milliseconds(200))
        for index in 0..<300 {
            #expect(world.queue.sendMessage(Self.request("A", dedup: "d\(index)")) == .sent(MessageID(index)))
        }
        #expect(world.queue.sendMessage(Self.request("A", dedup: "d300")).errorCode == "ThrottlingException")
        #expect(world.receive().count == 10, "receives have a quota of their own")
        world.advance(by: .seconds(1) - Span(nanoseconds: 1))
        #expect(world.queue.sendMessage(Self.request("A", dedup: "d301")).errorCode == "ThrottlingException")
        world.advance(by: Span(nanoseconds: 1))
        #expect(world.queue.sendMessage(Self.request("A", dedup: "d302")) == .sent(MessageID(300)),
                "one second after the 300 sends")
        #expect(world.queue.counters.throttledRequests == 2)
        world.queue._checkInvariants()
    }

    @Test func aBatchCountsAsOneTransaction() {
        let world = Self.fifoWorld()
        for batch in 0..<300 {
            let requests = (0..<10).map { Self.request("G\($0)", dedup: "b\(batch)-\($0)") }
            guard case .entries(let results) = world.queue.sendMessageBatch(requests) else {
                Issue.record("batch \(batch) was rejected")
                return
            }
            #expect(results.allSatisfy { if case .sent = $0 { true } else { false } })
        }
        #expect(world.queue.storedCount == 3_000, "3,000 messages a second with batches of 10")
        guard case .rejected(let error) = world.queue.sendMessageBatch([Self.request("A", dedup: "last")]) else {
            Issue.record("the 301st batch was accepted")
            return
        }
        #expect(error.code == "ThrottlingException")
        world.queue._checkInvariants()
    }

    @Test func highThroughputModeLimitsEachMessageGroupAndTheQueue() {
        let world = Self.fifoWorld {
            $0.fifoThroughputLimit = .perMessageGroupId
            $0.deduplicationScope = .messageGroup
            $0.highThroughputTransactionsPerSecond = 700
        }
        for index in 0..<300 { #expect(world.queue.sendMessage(Self.request("A", dedup: "d\(index)")).isSent) }
        #expect(world.queue.sendMessage(Self.request("A", dedup: "over")).errorCode == "ThrottlingException",
                "group A is past its 300 per second")
        for index in 0..<300 { #expect(world.queue.sendMessage(Self.request("B", dedup: "d\(index)")).isSent) }
        for index in 0..<100 { #expect(world.queue.sendMessage(Self.request("C\(index)", dedup: "d")).isSent) }
        #expect(world.queue.sendMessage(Self.request("D", dedup: "d")).errorCode == "ThrottlingException",
                "the queue is past its 700 per second")
        #expect(world.queue.storedCount == 700)
        world.advance(by: .seconds(1))
        #expect(world.queue.sendMessage(Self.request("A", dedup: "next")).isSent)
        world.queue._checkInvariants()
    }

    // MARK: ReceiveRequestAttemptId and the in-flight limit

    @Test func aRetriedReceiveRequestAttemptIdReturnsTheSameMessagesAndHandlesAndRestartsTheirVisibility() {
        let world = Self.fifoWorld { $0.visibilityTimeout = .seconds(30) }
        for (index, group) in ["A", "A", "B"].enumerated() { world.sendAccepted(group, dedup: "d\(index)") }
        let request = ReceiveMessageRequest(maxNumberOfMessages: 2, waitTime: .zero, receiveRequestAttemptId: "attempt-1")
        guard case .messages(let first) = world.queue.receiveMessage(request, requester: nil) else {
            Issue.record("the receive did not return at once")
            return
        }
        #expect(numbers(first) == [0, 1])
        world.advance(by: .seconds(20))
        guard case .messages(let retried) = world.queue.receiveMessage(request, requester: nil) else {
            Issue.record("the retry did not return at once")
            return
        }
        #expect(numbers(retried) == [0, 1])
        #expect(retried.map(\.receiptHandle) == first.map(\.receiptHandle))
        #expect(world.queue.counters.messagesReceived == 2, "a retry hands out nothing new")
        // The first receive's deadline (30 s) has passed; the retry's (50 s) has not.
        world.advance(by: .seconds(20))
        #expect(world.counts == [1, 2, 0])
        #expect(numbers(world.receive()) == [2])
        world.advance(by: .seconds(10))
        #expect(world.queue.counters.visibilityLapses == 2)
        #expect(world.delete(first[0]) == .deleted(MessageID(0)), "the handle is still the latest")
    }

    @Test func theInFlightLimitOnAFifoQueueGivesNothingAndNoError() {
        let world = Self.fifoWorld { $0.inFlightMax = 2 }
        for (index, group) in ["A", "B", "C"].enumerated() { world.sendAccepted(group, dedup: "d\(index)") }
        let held = world.receive(max: 10)
        #expect(numbers(held) == [0, 1])
        let result = world.queue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: 10, waitTime: .zero), requester: nil)
        #expect(result.messageNumbers == [], "no OverLimit error on a FIFO queue")
        #expect(world.delete(held[0]) == .deleted(MessageID(0)))
        #expect(numbers(world.receive(max: 10)) == [2])
    }

    // MARK: Memory

    @Test func aQueueForgetsEveryGroupOnceItsMessagesAreDeleted() {
        let groupCount = 10_000
        let world = Self.fifoWorld { $0.fifoTransactionsPerSecond = 1_000_000 }
        for index in 0..<groupCount {
            #expect(world.queue.sendMessage(Self.request("group-\(index)", dedup: "d\(index)")) == .sent(MessageID(index)))
        }
        #expect(world.queue.activeGroupCount == groupCount)
        var deleted = 0
        for _ in 0..<(groupCount / 10 + 1) {
            guard case .messages(let messages) = world.queue.receiveMessage(
                ReceiveMessageRequest(maxNumberOfMessages: 10, waitTime: .zero), requester: nil), !messages.isEmpty else { break }
            for message in messages where world.queue.deleteMessage(message.receiptHandle) == .deleted(message.messageId) {
                deleted += 1
            }
        }
        #expect(deleted == groupCount)
        #expect(world.queue.storedCount == 0)
        #expect(world.queue.activeGroupCount == 0)
        world.queue._checkInvariants()
        #expect(world.queue.rememberedDeduplicationIDs == groupCount, "the IDs outlive the messages for the interval")

        // 10,000 groups never seen before take the slots the first 10,000 left.
        for index in 0..<groupCount {
            #expect(world.queue.sendMessage(Self.request("other-\(index)", dedup: "e\(index)")).isSent)
        }
        #expect(world.queue.activeGroupCount == groupCount)
        #expect(world.queue.groupSlotCount == groupCount)
        world.queue._checkInvariants()
    }

    @Test func deduplicationIdsAreForgottenAfterTheInterval() {
        let world = Self.fifoWorld { $0.fifoTransactionsPerSecond = 1_000_000 }
        for index in 0..<10_000 { _ = world.queue.sendMessage(Self.request("group-\(index % 100)", dedup: "d\(index)")) }
        #expect(world.queue.rememberedDeduplicationIDs == 10_000)
        world.advance(by: .seconds(300))
        // Expired IDs are dropped when the next send looks one up; that send's own ID stays.
        #expect(world.fifoSend("A", dedup: "d0") == .sent(MessageID(10_000)))
        #expect(world.queue.rememberedDeduplicationIDs == 1)
    }

    static func request(_ group: String?, dedup: String?, tag: UInt64 = 0, bytes: Int = 100, delay: Span? = nil) -> SendMessageRequest {
        SendMessageRequest(bodyBytes: bytes, delay: delay, tag: tag, messageGroupId: group, deduplicationId: dedup)
    }
}

extension World {
    /// A FIFO send; returns the queue's answer as it is.
    fileprivate func fifoSend(_ group: String?, dedup: String?, tag: UInt64 = 0, bytes: Int = 100,
                              delay: Span? = nil) -> SendMessageResult {
        let result = queue.sendMessage(FifoQueueTests.request(group, dedup: dedup, tag: tag, bytes: bytes, delay: delay))
        queue._checkInvariants()
        return result
    }

    /// A FIFO send that must be enqueued.
    fileprivate func sendAccepted(_ group: String, dedup: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let result = fifoSend(group, dedup: dedup)
        guard case .sent = result else {
            Issue.record("the send to \(group) was not enqueued: \(result)", sourceLocation: sourceLocation)
            return
        }
    }
}

extension SendMessageResult {
    /// The AWS error code of a rejected send; nil when it was accepted.
    var errorCode: String? {
        if case .rejected(let error) = self { return error.code }
        return nil
    }

    var isSent: Bool {
        if case .sent = self { return true }
        return false
    }
}

extension ReceiveMessageResult {
    /// The AWS error code of a rejected receive; nil otherwise.
    var errorCode: String? {
        if case .rejected(let error) = self { return error.code }
        return nil
    }

    /// The message numbers of a receive that returned at once; nil when it waited or was rejected.
    var messageNumbers: [Int]? {
        if case .messages(let messages) = self { return numbers(messages) }
        return nil
    }
}
