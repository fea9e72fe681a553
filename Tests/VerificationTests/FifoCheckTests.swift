import MessagingEngine
import SimKernel
import Testing
import Verification

/// The checker's FIFO rules: order within a message group, and content enqueued twice.
@Suite final class FifoCheckTests {
    let scheduler = Scheduler()
    let queue: Queue
    var ledger = DeliveryLedger(queueName: "orders.fifo", isFifo: true)

    init() {
        var configuration = QueueConfiguration(name: "orders.fifo")
        configuration.isFifo = true
        queue = Queue(configuration: configuration, token: 0, clock: scheduler, timers: scheduler)
    }

    func send(tag: UInt64, group: String, id: String) {
        let result = queue.sendMessage(SendMessageRequest(bodyBytes: 10, tag: tag, messageGroupId: group, deduplicationId: id))
        if case .sent(let message) = result { ledger.recordSend(message, producedAt: .zero, at: .zero) }
    }

    func receiveAll() -> [ReceivedMessage] {
        guard case .messages(let messages) = queue.receiveMessage(ReceiveMessageRequest(maxNumberOfMessages: 10, waitTime: .zero),
                                                                 requester: nil) else { return [] }
        for message in messages { ledger.recordReceive(message, at: .zero) }
        return messages
    }

    @Test func aMessageProcessedBeforeAnEarlierOneOfItsGroupIsAnOrderViolation() {
        send(tag: 1, group: "a", id: "1")
        send(tag: 2, group: "a", id: "2")
        send(tag: 3, group: "b", id: "3")
        let batch = receiveAll()
        #expect(batch.map(\.messageId.rawValue) == [0, 1, 2])
        // A consumer that processes the group's second message first breaks the group's order.
        for index in [1, 0, 2] { ledger.recordProcessed(batch[index].messageId) }
        let result = DeliveryChecker.check(ledger, storedAtEnd: queue.storedMessageIDs())
        #expect(result.violationCounts[.orderViolation] == 1)
        let violation = result.violations.first { $0.kind == .orderViolation }
        #expect(violation?.messageId == MessageID(1))
        #expect(violation?.detail == "group a: m1 was processed before m0, which was sent earlier")
        #expect(result.groupsSeen == 2)
        #expect(result.groupsOutOfOrder == 1)
    }

    @Test func processingInSendOrderWithinEachGroupIsNoViolation() {
        send(tag: 1, group: "a", id: "1")
        send(tag: 2, group: "b", id: "2")
        send(tag: 3, group: "a", id: "3")
        let batch = receiveAll()
        // Across groups any order is fine.
        for message in batch.reversed() where message.messageGroupId == "b" { ledger.recordProcessed(message.messageId) }
        for message in batch where message.messageGroupId == "a" { ledger.recordProcessed(message.messageId) }
        let result = DeliveryChecker.check(ledger, storedAtEnd: queue.storedMessageIDs())
        #expect(result.violationCounts[.orderViolation] == nil)
        #expect(result.groupsOutOfOrder == 0)
    }

    @Test func theSameContentEnqueuedTwiceAndProcessedTwiceIsAContentDuplicate() {
        // Two deduplication IDs for the same content (tag): the queue cannot know they are one message.
        send(tag: 7, group: "a", id: "attempt-1")
        send(tag: 7, group: "a", id: "attempt-2")
        let batch = receiveAll()
        #expect(batch.count == 2)
        for message in batch { ledger.recordProcessed(message.messageId) }
        let result = DeliveryChecker.check(ledger, storedAtEnd: queue.storedMessageIDs())
        #expect(result.violationCounts[.duplicateContent] == 1)
        #expect(result.violations.first?.detail == "the same content was enqueued as m0, m1 and processed under each")
    }

    @Test func theSameContentDeduplicatedIsProcessedOnce() {
        send(tag: 7, group: "a", id: "order-7")
        send(tag: 7, group: "a", id: "order-7")
        let batch = receiveAll()
        #expect(batch.count == 1)
        for message in batch { ledger.recordProcessed(message.messageId) }
        let result = DeliveryChecker.check(ledger, storedAtEnd: queue.storedMessageIDs())
        #expect(result.violationCounts.isEmpty)
    }
}
