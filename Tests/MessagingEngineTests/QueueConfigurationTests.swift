import MessagingEngine
import SimKernel
import Testing

/// QueueConfiguration holds AWS's defaults and says which attributes lie outside AWS's ranges.
@Suite struct QueueConfigurationTests {
    @Test func theDefaultsAreAWSsDefaultsAndValid() {
        let configuration = QueueConfiguration(name: "orders")
        #expect(configuration.visibilityTimeout == .seconds(30))
        #expect(configuration.retention == .seconds(4 * 86_400))
        #expect(configuration.delay == .zero)
        #expect(configuration.receiveWaitTime == .zero)
        #expect(configuration.maximumMessageBytes == 1_048_576)
        #expect(configuration.inFlightMax == 120_000)
        #expect(configuration.problems().isEmpty)
    }

    @Test func theEndsOfEveryRangeAreValid() {
        var low = QueueConfiguration(name: "low")
        low.visibilityTimeout = .zero
        low.retention = .seconds(60)
        low.delay = .zero
        low.receiveWaitTime = .zero
        low.maximumMessageBytes = 1024
        low.inFlightMax = 1
        #expect(low.problems().isEmpty)

        var high = QueueConfiguration(name: "high")
        high.visibilityTimeout = .hours(12)
        high.retention = .days(14)
        high.delay = .seconds(900)
        high.receiveWaitTime = .seconds(20)
        high.maximumMessageBytes = 1_048_576
        #expect(high.problems().isEmpty)
    }

    static func changed(_ change: (inout QueueConfiguration) -> Void) -> QueueConfiguration {
        var configuration = QueueConfiguration(name: "q")
        change(&configuration)
        return configuration
    }

    @Test(arguments: [
        ("visibilityTimeout", changed { $0.visibilityTimeout = Span(nanoseconds: -1) }),
        ("visibilityTimeout", changed { $0.visibilityTimeout = .hours(12) + Span(nanoseconds: 1) }),
        ("retention", changed { $0.retention = .seconds(60) - Span(nanoseconds: 1) }),
        ("retention", changed { $0.retention = .days(14) + Span(nanoseconds: 1) }),
        ("delay", changed { $0.delay = Span(nanoseconds: -1) }),
        ("delay", changed { $0.delay = .seconds(900) + Span(nanoseconds: 1) }),
        ("receiveWaitTime", changed { $0.receiveWaitTime = Span(nanoseconds: -1) }),
        ("receiveWaitTime", changed { $0.receiveWaitTime = .seconds(21) }),
        ("maximumMessageSize", changed { $0.maximumMessageBytes = 1023 }),
        ("maximumMessageSize", changed { $0.maximumMessageBytes = 1_048_577 }),
        ("inFlightMax", changed { $0.inFlightMax = 0 }),
    ])
    func aValueOutOfRangeIsAProblemNamingItsAttribute(attribute: String, configuration: QueueConfiguration) {
        let problems = configuration.problems()
        #expect(problems.map(\.attribute) == [attribute])
        if attribute != "inFlightMax" {
            #expect(problems.first?.message.contains("between") == true, "the message gives the valid range")
        }
    }

    @Test func everyProblemIsReportedAtOnce() {
        var configuration = QueueConfiguration(name: "q")
        configuration.visibilityTimeout = .hours(13)
        configuration.retention = .seconds(1)
        configuration.delay = .seconds(901)
        configuration.receiveWaitTime = .seconds(30)
        configuration.maximumMessageBytes = 10
        configuration.inFlightMax = -3
        #expect(configuration.problems().map(\.attribute) ==
                ["visibilityTimeout", "retention", "delay", "receiveWaitTime", "maximumMessageSize", "inFlightMax"])
    }
}

/// SEMANTICS.md, SQS standard: the engine reports exact counts of visible, in-flight and delayed messages.
@Suite struct QueueCounterTests {
    @Test func countsAreExactThroughEveryStateChange() throws {
        let world = World()
        #expect(world.counts == [0, 0, 0])
        world.send()
        world.send()
        world.send(delay: .seconds(5))
        #expect(world.counts == [2, 0, 1])
        #expect(world.queue.storedCount == 3)

        let a = try world.receiveOne(visibilityTimeout: .seconds(10))
        #expect(world.counts == [1, 1, 1])
        world.advance(by: .seconds(5))
        #expect(world.counts == [2, 1, 0])
        #expect(world.delete(a) == .deleted(a.messageId))
        #expect(world.counts == [2, 0, 0])
        _ = world.receive(max: 2, visibilityTimeout: .seconds(1))
        #expect(world.counts == [0, 2, 0])
        world.advance(by: .seconds(1))
        #expect(world.counts == [2, 0, 0])
        #expect(world.queue.storedCount == 2)

        let counters = world.queue.counters
        #expect(counters.sendRequests == 3)
        #expect(counters.messagesSent == 3)
        #expect(counters.receiveRequests == 2)
        #expect(counters.messagesReceived == 3)
        #expect(counters.deleteRequests == 1)
        #expect(counters.messagesDeleted == 1)
        #expect(counters.visibilityLapses == 2)
        #expect(counters.messagesExpired == 0)
    }

    @Test func storedMessageIDsListsEveryStoredMessageInSendOrder() throws {
        let world = World()
        for delay in [Span.zero, .seconds(9), .zero, .zero] { world.send(delay: delay) }
        let first = try world.receiveOne()
        #expect(world.delete(first) == .deleted(first.messageId))
        _ = try world.receiveOne()
        world.send()
        // Message 4 took message 0's slot; the list is still in send order.
        #expect(numbers(world.queue.storedMessageIDs()) == [1, 2, 3, 4])
    }
}
