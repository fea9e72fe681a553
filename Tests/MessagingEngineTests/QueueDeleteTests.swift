import MessagingEngine
import SimKernel
import Testing

/// SEMANTICS.md, SQS standard: deleting with a stale receipt handle of a redelivered message is
/// accepted and the message stays (modelled, and counted).
@Suite struct QueueDeleteTests {
    @Test func deleteWithTheCurrentHandleDeletesTheMessage() throws {
        let world = World()
        world.send()
        world.send()
        let message = try world.receiveOne()
        #expect(world.delete(message) == .deleted(message.messageId))
        #expect(world.queue.storedMessageIDs() == [MessageID(1)])
        #expect(world.counts == [1, 0, 0])
        #expect(world.queue.counters.messagesDeleted == 1)
        #expect(world.queue.counters.deleteRequests == 1)

        world.advance(by: .seconds(60))
        #expect(world.log.events.isEmpty, "a deleted message's visibility timer does nothing")
    }

    @Test func staleReceiptHandleDeleteIsAcceptedAndMessageStays() throws {
        let world = World()
        world.send()
        let first = try world.receiveOne()
        world.advance(by: .seconds(30))
        let second = try world.receiveOne()
        #expect(second.receiveCount == 2)

        #expect(world.delete(first) == .acceptedStaleReceipt(first.messageId))
        #expect(world.queue.storedMessageIDs() == [first.messageId])
        #expect(world.counts == [0, 1, 0], "the message stays in flight under the newer receive")
        #expect(world.queue.counters.staleReceiptDeletes == 1)
        #expect(world.queue.counters.messagesDeleted == 0)

        #expect(world.delete(second) == .deleted(second.messageId))
        #expect(world.queue.storedCount == 0)
    }

    @Test func aStaleHandleIsStaleWhileTheMessageWaitsVisibleAfterASecondLapse() throws {
        let world = World()
        world.send()
        let first = try world.receiveOne()
        world.advance(by: .seconds(30))
        _ = try world.receiveOne()
        world.advance(by: .seconds(30))
        #expect(world.counts == [1, 0, 0])
        #expect(world.delete(first) == .acceptedStaleReceipt(first.messageId))
        #expect(world.counts == [1, 0, 0])
    }

    @Test func theLatestHandleStillDeletesAfterItsTimeoutLapsedIfNoOneReceivedTheMessageSince() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        world.advance(by: .seconds(45))
        #expect(world.counts == [1, 0, 0])
        #expect(world.delete(message) == .deleted(message.messageId))
        #expect(world.counts == [0, 0, 0])
        #expect(world.receive().isEmpty)
    }

    @Test func deletingAnAlreadyDeletedMessageIsAccepted() throws {
        let world = World()
        world.send()
        let message = try world.receiveOne()
        #expect(world.delete(message) == .deleted(message.messageId))
        #expect(world.delete(message) == .acceptedAlreadyGone)
        #expect(world.queue.counters.messagesDeleted == 1)
        #expect(world.queue.counters.deleteRequests == 2)
        #expect(world.queue.counters.staleReceiptDeletes == 0)
    }

    @Test func aHandleOfADeletedMessageDoesNotDeleteTheMessageThatReusesItsSlot() throws {
        let world = World()
        world.send()
        let old = try world.receiveOne()
        #expect(world.delete(old) == .deleted(old.messageId))
        world.send()
        let new = try world.receiveOne()
        #expect(new.receiveCount == old.receiveCount, "same slot, same receive count: only the message tells them apart")

        #expect(world.delete(old) == .acceptedAlreadyGone)
        #expect(world.queue.storedMessageIDs() == [new.messageId])
        #expect(world.changeVisibility(old, to: .seconds(1)) == .rejected(.messageNotInflight))
        #expect(world.delete(new) == .deleted(new.messageId))
    }

    @Test func aHandleFromAnotherQueueIsReceiptHandleIsInvalid() throws {
        let world = World(token: 1)
        let other = World(token: 2)
        world.send()
        other.send()
        let mine = try world.receiveOne()
        let foreign = try other.receiveOne()
        guard case .rejected(let error) = world.delete(foreign) else {
            Issue.record("a handle of another queue was accepted")
            return
        }
        #expect(error.code == "ReceiptHandleIsInvalid")
        #expect(world.queue.storedMessageIDs() == [mine.messageId])
        #expect(other.queue.storedMessageIDs() == [foreign.messageId])
        #expect(world.queue.counters.messagesDeleted == 0)
    }

    @Test func queueErrorsUseTheAPIsCodes() {
        #expect(QueueError.invalidParameterValue("x").code == "InvalidParameterValue")
        #expect(QueueError.receiptHandleIsInvalid("x").code == "ReceiptHandleIsInvalid")
        #expect(QueueError.messageNotInflight.code == "MessageNotInflight")
        #expect(QueueError.emptyBatchRequest.code == "AWS.SimpleQueueService.EmptyBatchRequest")
        #expect(QueueError.tooManyEntriesInBatchRequest(11).code == "AWS.SimpleQueueService.TooManyEntriesInBatchRequest")
        #expect(QueueError.batchRequestTooLong(2).code == "AWS.SimpleQueueService.BatchRequestTooLong")
        #expect(QueueError.overLimit("x").code == "OverLimit")
        #expect(QueueError.tooManyEntriesInBatchRequest(11).description.contains("11 entries"))
    }
}
