import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: body 1 B to 1 MiB (MaximumMessageSize 1,024 B – 1 MiB, default 1 MiB);
/// a batch is at most 10 entries and 1 MiB in total; up to 10 message attributes.
@Suite struct QueueSizeLimitTests {
    func isInvalidParameter(_ result: SendMessageResult) -> Bool {
        if case .rejected(.invalidParameterValue) = result { return true }
        return false
    }

    @Test func aBodyMustHoldAtLeastOneByte() {
        let world = World()
        #expect(isInvalidParameter(world.queue.sendMessage(SendMessageRequest(bodyBytes: 0))))
        #expect(isInvalidParameter(world.queue.sendMessage(SendMessageRequest(bodyBytes: -5))))
        #expect(world.queue.sendMessage(SendMessageRequest(bodyBytes: 1)) == .sent(MessageID(0)))
        world.queue._checkInvariants()
        #expect(world.queue.counters.messagesSent == 1)
        #expect(world.queue.counters.sendRequests == 3, "rejected sends are requests too")
    }

    @Test func maximumMessageSizeDefaultsToOneMebibyte() {
        #expect(QueueConfiguration(name: "q").maximumMessageBytes == mebibyte)
        let world = World()
        #expect(world.queue.sendMessage(SendMessageRequest(bodyBytes: mebibyte)) == .sent(MessageID(0)))
        #expect(isInvalidParameter(world.queue.sendMessage(SendMessageRequest(bodyBytes: mebibyte + 1))))
        world.queue._checkInvariants()
        #expect(world.queue.storedMessageIDs() == [MessageID(0)])
    }

    @Test func aSmallerMaximumMessageSizeIsEnforced() {
        let world = World { $0.maximumMessageBytes = kibibyte }
        #expect(world.queue.sendMessage(SendMessageRequest(bodyBytes: kibibyte)) == .sent(MessageID(0)))
        #expect(isInvalidParameter(world.queue.sendMessage(SendMessageRequest(bodyBytes: kibibyte + 1))))
        world.queue._checkInvariants()
    }

    @Test func attributeNamesTypesAndValuesCountTowardsTheMessageSize() {
        let world = World { $0.maximumMessageBytes = kibibyte }
        // "trace" (5) + "String" (6) + 13 = 24 bytes.
        let attribute = MessageAttribute(name: "trace", dataType: .string, valueBytes: 13)
        #expect(attribute.sizeBytes == 24)
        #expect(MessageAttribute(name: "n", dataType: .number, valueBytes: 2).sizeBytes == 1 + 6 + 2)
        #expect(MessageAttribute(name: "blob", dataType: .binary, valueBytes: 10).sizeBytes == 4 + 6 + 10)

        let fits = SendMessageRequest(bodyBytes: kibibyte - 24, attributes: [attribute])
        #expect(fits.sizeBytes == kibibyte)
        #expect(world.queue.sendMessage(fits) == .sent(MessageID(0)))

        let tooBig = SendMessageRequest(bodyBytes: kibibyte - 23, attributes: [attribute])
        #expect(isInvalidParameter(world.queue.sendMessage(tooBig)), "the body alone fits; with its attribute it does not")
        world.queue._checkInvariants()
        #expect(world.queue.counters.messagesSent == 1)
    }

    @Test func theSizeAReceiverSeesIncludesAttributes() throws {
        let world = World()
        let attribute = MessageAttribute(name: "k", dataType: .string, valueBytes: 3)
        _ = world.queue.sendMessage(SendMessageRequest(bodyBytes: 100, attributes: [attribute], tag: 9))
        let message = try world.receiveOne()
        #expect(message.sizeBytes == 100 + 1 + 6 + 3)
        #expect(message.tag == 9)
    }

    @Test func aMessageCarriesAtMostTenAttributes() {
        let world = World()
        func attributes(_ count: Int) -> [MessageAttribute] {
            (0..<count).map { MessageAttribute(name: "a\($0)", dataType: .string, valueBytes: 1) }
        }
        #expect(world.queue.sendMessage(SendMessageRequest(bodyBytes: 10, attributes: attributes(10))) == .sent(MessageID(0)))
        #expect(isInvalidParameter(world.queue.sendMessage(SendMessageRequest(bodyBytes: 10, attributes: attributes(11)))))
        world.queue._checkInvariants()
        #expect(world.queue.storedCount == 1)
    }

    @Test func aBatchHoldsAtMostTenEntries() {
        let world = World()
        let entry = SendMessageRequest(bodyBytes: 10)
        guard case .rejected(let error) = world.queue.sendMessageBatch(Array(repeating: entry, count: 11)) else {
            Issue.record("a batch of 11 was accepted")
            return
        }
        #expect(error == .tooManyEntriesInBatchRequest(11))
        #expect(world.queue.storedCount == 0, "a rejected batch sends nothing")

        guard case .rejected(let empty) = world.queue.sendMessageBatch([]) else {
            Issue.record("an empty batch was accepted")
            return
        }
        #expect(empty == .emptyBatchRequest)

        guard case .entries(let results) = world.queue.sendMessageBatch(Array(repeating: entry, count: 10)) else {
            Issue.record("a batch of 10 was rejected")
            return
        }
        #expect(results == (0..<10).map { .sent(MessageID($0)) })
        world.queue._checkInvariants()
        #expect(world.queue.visibleCount == 10)
        #expect(world.queue.counters.sendRequests == 3)
    }

    @Test func aBatchTotalsAtMostOneMebibyteCountingAttributes() {
        let world = World()
        let attribute = MessageAttribute(name: "k", dataType: .string, valueBytes: 1)  // 8 bytes
        let half = SendMessageRequest(bodyBytes: mebibyte / 2 - 8, attributes: [attribute])

        guard case .entries(let results) = world.queue.sendMessageBatch([half, half]) else {
            Issue.record("a batch of exactly 1 MiB was rejected")
            return
        }
        #expect(results == [.sent(MessageID(0)), .sent(MessageID(1))])

        let oneMore = SendMessageRequest(bodyBytes: mebibyte / 2 - 7, attributes: [attribute])
        guard case .rejected(let error) = world.queue.sendMessageBatch([half, oneMore]) else {
            Issue.record("a batch one byte over 1 MiB was accepted")
            return
        }
        #expect(error == .batchRequestTooLong(mebibyte + 1))
        world.queue._checkInvariants()
        #expect(world.queue.storedCount == 2)
    }

    @Test func batchEntriesSucceedOrFailEachAlone() {
        let world = World()
        let batch = [
            SendMessageRequest(bodyBytes: 10, tag: 1),
            SendMessageRequest(bodyBytes: 0, tag: 2),
            SendMessageRequest(bodyBytes: 10, delay: .seconds(901), tag: 3),
            SendMessageRequest(bodyBytes: 10, delay: .seconds(5), tag: 4),
        ]
        guard case .entries(let results) = world.queue.sendMessageBatch(batch) else {
            Issue.record("the batch was rejected as a whole")
            return
        }
        #expect(results.count == 4)
        #expect(results[0] == .sent(MessageID(0)))
        #expect(isInvalidParameter(results[1]))
        #expect(isInvalidParameter(results[2]))
        #expect(results[3] == .sent(MessageID(1)), "IDs are given to accepted messages only")
        world.queue._checkInvariants()
        #expect(world.counts == [1, 0, 1])
        #expect(world.queue.counters.messagesSent == 2)
    }

    @Test func aDeleteBatchHoldsOneToTenEntriesAndReportsEachAlone() throws {
        let world = World()
        for _ in 0..<3 { world.send() }
        let received = world.receive()
        #expect(received.count == 3)

        let eleven = Array(repeating: received[0].receiptHandle, count: 11)
        guard case .rejected(let tooMany) = world.queue.deleteMessageBatch(eleven) else {
            Issue.record("a delete batch of 11 was accepted")
            return
        }
        #expect(tooMany == .tooManyEntriesInBatchRequest(11))
        guard case .rejected(let empty) = world.queue.deleteMessageBatch([]) else {
            Issue.record("an empty delete batch was accepted")
            return
        }
        #expect(empty == .emptyBatchRequest)
        #expect(world.queue.inFlightCount == 3, "a rejected batch deletes nothing")

        let other = World(token: 2)
        other.send()
        let foreign = try other.receiveOne()
        let handles = [received[0].receiptHandle, foreign.receiptHandle, received[0].receiptHandle, received[2].receiptHandle]
        guard case .entries(let results) = world.queue.deleteMessageBatch(handles) else {
            Issue.record("the delete batch was rejected as a whole")
            return
        }
        world.queue._checkInvariants()
        #expect(results.count == 4)
        #expect(results[0] == .deleted(received[0].messageId))
        if case .rejected(.receiptHandleIsInvalid) = results[1] {} else { Issue.record("a foreign handle gave \(results[1])") }
        #expect(results[2] == .acceptedAlreadyGone)
        #expect(results[3] == .deleted(received[2].messageId))
        #expect(world.queue.storedMessageIDs() == [received[1].messageId])
        #expect(world.queue.counters.messagesDeleted == 2)
    }
}
