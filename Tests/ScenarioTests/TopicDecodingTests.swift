import Foundation
import MessagingEngine
import Scenario
import SimKernel
import Stochastic
import Testing
import Workloads

/// SEMANTICS.md "Topic — SNS" as scenario files write it: every mistake is reported with the file,
/// the line, the field path and what would be valid, and nothing runs.
@Suite struct TopicDecodingTests: DecodingFixture {
    static let fileName = "topics.yaml"

    /// A small valid scenario with a topic. Line numbers the tests rely on:
    /// 4 `orders`, 5 `orders.fifo`, 7 `dlq`, 9 the topic, 11 the subscription's name, 12 and 13 its
    /// protocol and endpoint (replaced by `subscription(_:)`), 15 the producer, 16 its target.
    static let base = """
        name: t
        duration: 10s
        queues:
          - name: orders
          - name: orders.fifo
            type: fifo
          - name: dlq
        topics:
          - name: events
            subscriptions:
              - name: billing
                protocol: sqs
                endpoint: queue/orders
        producers:
          - name: shop
            target: topic/events
            arrivals: poisson(rate=5/s)
        """

    static let baseSubscription = "        protocol: sqs\n        endpoint: queue/orders\n"

    /// The base with the subscription's fields (after its name) replaced, from line 12 on.
    static func subscription(_ lines: String...) -> String {
        base.replacingOccurrences(of: baseSubscription, with: lines.map { "        \($0)\n" }.joined())
    }

    /// The base with fields added to the producer, from line 18 on.
    static func producer(_ lines: String..., to text: String = base) -> String {
        text + "\n" + lines.map { "    \($0)" }.joined(separator: "\n") + "\n"
    }

    /// The base with the topic made FIFO (`events.fifo`, line 9; `type: fifo`, line 10), so every
    /// later line moves down by one.
    static func fifo(_ text: String = base) -> String {
        text.replacingOccurrences(of: "  - name: events\n", with: "  - name: events.fifo\n    type: fifo\n")
            .replacingOccurrences(of: "target: topic/events\n", with: "target: topic/events.fifo\n")
    }

    static let subscriptionPath = "topics[0].subscriptions[0]"

    // MARK: The base and the bundled scenarios

    @Test func theBaseScenarioDecodesToATopicWithOneQueueSubscription() throws {
        let model = try ScenarioDecoder.decode(Self.base, file: "topics.yaml")
        #expect(model.topics.count == 1)
        let topic = try #require(model.topics.first)
        #expect(topic.configuration.name == "events" && !topic.configuration.isFifo)
        #expect(topic.subscriptions.map(\.configuration.name) == ["billing"])
        #expect(topic.subscriptions[0].queue == 0)
        #expect(topic.subscriptions[0].configuration.protocolName == .sqs)
        #expect(topic.subscriptions[0].configuration.endpointName == "queue/orders")
        #expect(model.producers[0].target == .topic(0))
    }

    @Test func fanoutNotificationsDecodesToTheTopicTheFileDescribes() throws {
        let model = try bundledScenario("fanout-notifications")
        #expect(model.name == "fanout-notifications")
        let topic = try #require(model.topics.first)
        #expect(model.topics.count == 1 && !topic.configuration.isFifo)
        let subscriptions = topic.subscriptions
        #expect(subscriptions.map(\.configuration.name) == ["billing", "analytics", "partner-webhook", "refunds-mail"])
        #expect(subscriptions.map(\.configuration.protocolName) == [.sqs, .sqs, .https, .email])
        #expect(subscriptions.map(\.queue) == [0, 1, nil, nil])
        #expect(subscriptions.map(\.configuration.rawMessageDelivery) == [false, true, false, false])

        let billing = try #require(subscriptions[0].configuration.filterPolicy)
        #expect(billing.scope == .messageAttributes)
        #expect(billing.matches(attributes: ["eventType": .string("order_placed")]))
        #expect(!billing.matches(attributes: ["eventType": .string("order_cancelled")]))
        #expect(subscriptions[1].configuration.filterPolicy == nil)

        let webhook = subscriptions[2]
        let partner = try #require(webhook.configuration.filterPolicy)
        #expect(partner.matches(attributes: ["eventType": .string("order_placed"), "amount": .number(200)]))
        #expect(!partner.matches(attributes: ["eventType": .string("order_placed"), "amount": .number(199.99)]))
        let policy = try #require(webhook.configuration.deliveryPolicy)
        #expect(policy.numRetries == 6 && policy.backoffFunction == .exponential && policy.maxReceivesPerSecond == 50)
        #expect(policy.minDelayTarget == .seconds(2) && policy.maxDelayTarget == .seconds(20))
        #expect(webhook.deadLetterQueue == 2)
        #expect(webhook.endpoint.failureProbability == 0.1)
        #expect(webhook.endpoint.concurrencyMax == 20)
        #expect(webhook.endpoint.latency == .lognormal(mean: 0.12, sd: 0.06))
        #expect(webhook.endpoint.outages.map(\.from) == [Instant(seconds: 240)])
        #expect(webhook.endpoint.outages.map(\.to) == [Instant(seconds: 360)])
        // Email is customer-managed: without a delivery policy it keeps the 50-retry default.
        #expect(subscriptions[3].configuration.retryPolicy == .customerManaged)

        let producer = model.producers[0]
        #expect(producer.target == .topic(0))
        #expect(producer.specification.messageAttributes.map(\.name) == ["eventType", "amount"])
        guard case .string(let weights) = producer.specification.messageAttributes[0].values else {
            Issue.record("eventType should be a weighted String")
            return
        }
        #expect(weights.map(\.value) == ["order_placed", "order_cancelled", "refund_issued"])
        #expect(weights.map(\.weight) == [0.7, 0.2, 0.1])
    }

    @Test func fifoFanoutDecodesToAFifoTopicWithFifoAndStandardSubscribers() throws {
        let model = try bundledScenario("fifo-fanout")
        #expect(model.name == "fifo-fanout")
        let topic = try #require(model.topics.first)
        #expect(topic.configuration.name == "price-updates.fifo" && topic.configuration.isFifo)
        // The quotas of a FIFO topic of topic scope.
        #expect(topic.configuration.messagesPerSecondMax == 3_000)
        #expect(topic.configuration.bytesPerSecondMax == 20_000_000)
        #expect(topic.subscriptions.map(\.configuration.name) == ["pricing", "search", "audit"])
        #expect(topic.subscriptions.map(\.queue) == [0, 1, 2])
        #expect(model.queues.map(\.isFifo) == [true, true, false])
        #expect(topic.subscriptions.map(\.configuration.rawMessageDelivery) == [false, false, true])
        let search = try #require(topic.subscriptions[1].configuration.filterPolicy)
        #expect(search.matches(attributes: ["category": .string("music")]))
        #expect(!search.matches(attributes: ["category": .string("garden")]))
        let producer = model.producers[0].specification
        #expect(producer.messageGroups == 500)
        #expect(producer.deduplicationId == .perMessage)
        #expect(producer.responseLoss == 0.01)
    }

    // MARK: Subscriptions

    @Test func anUnknownProtocolIsRejectedWithTheNearestProtocolSuggested() {
        expectOne(Self.subscription("protocol: htps", "endpoint: https://hooks.example.com"),
                  line: 12, path: "\(Self.subscriptionPath).protocol",
                  "'htps' is not a protocol", "expected one of sqs, lambda, firehose, http, https, email, email-json, sms, application",
                  "Did you mean 'https'?")
    }

    @Test func anSqsEndpointMustNameAQueueOfTheScenario() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/order"), line: 13, path: "\(Self.subscriptionPath).endpoint",
                  "'queue/order' names no queue", "expected one of queue/orders, queue/orders.fifo, queue/dlq", "Did you mean 'queue/orders'?")
        expectOne(Self.subscription("protocol: sqs", "endpoint: https://hooks.example.com"), line: 13, path: "\(Self.subscriptionPath).endpoint",
                  "names no queue", "queue/orders")
    }

    @Test func aFifoTopicDeliversOnlyToQueues() {
        // The subscription's protocol moves from line 12 to 13 when the topic gains `type: fifo`.
        let text = Self.producer("messageGroups: 4", to: Self.fifo(Self.subscription("protocol: https", "endpoint: https://hooks.example.com")))
        expectOne(text, line: 13, path: "\(Self.subscriptionPath).protocol",
                  "a FIFO topic delivers only to SQS queues, not to https endpoints")
    }

    @Test func aFifoTopicMayDeliverToFifoAndStandardQueues() throws {
        let text = Self.producer("messageGroups: 4", to: Self.fifo(Self.base))
            .replacingOccurrences(of: Self.baseSubscription,
                                  with: "        protocol: sqs\n        endpoint: queue/orders.fifo\n      - name: audit\n        protocol: sqs\n        endpoint: queue/orders\n")
        let model = try ScenarioDecoder.decode(text, file: "topics.yaml")
        #expect(model.topics[0].subscriptions.map(\.queue) == [1, 0])
    }

    @Test func aStandardTopicCannotSubscribeAFifoQueue() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders.fifo"), line: 13, path: "\(Self.subscriptionPath).endpoint",
                  "a standard topic cannot deliver to FIFO queue 'orders.fifo'")
    }

    @Test func aMalformedFilterPolicySaysWhereInThePolicyAndWhy() {
        // `"numric"` starts at the 14th character of the policy's only line.
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", #"filterPolicy: '{"amount": [{"numric": [">", 1]}]}'"#),
                  line: 14, path: "\(Self.subscriptionPath).filterPolicy",
                  "invalid filter policy at 1:14 of the policy", "unknown operator 'numric'", "expected one of prefix, suffix")
    }

    @Test func aFilterPolicyWrittenOverSeveralLinesGivesTheLineWithinThePolicy() {
        // The block scalar's lines lose the indentation of its first line: line 2 of the policy is
        // ` "amount": [{"numeric": [">", "ten"]}]}`, where "ten", which is not a number, starts at
        // the 31st character.
        let text = Self.subscription("protocol: sqs", "endpoint: queue/orders", "filterPolicy: |",
                                     #"  {"eventType": ["order_placed"],"#,
                                     #"   "amount": [{"numeric": [">", "ten"]}]}"#)
        let found = problems(text)
        #expect(found.count == 1, "\(found.map(\.description))")
        #expect(found.first?.line == 14)
        #expect(found.first?.path == "\(Self.subscriptionPath).filterPolicy")
        #expect(found.first?.message.hasPrefix("invalid filter policy at 2:31 of the policy: ") == true, "\(found)")
    }

    @Test func aFilterPolicyOverFiveKeysIsRejectedWithTheReason() {
        let policy = #"{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]}"#
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "filterPolicy: '\(policy)'"),
                  line: 14, path: "\(Self.subscriptionPath).filterPolicy", "at 1:1 of the policy", "at most 5 keys")
    }

    @Test func aFilterPolicyScopeNeedsAFilterPolicy() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "filterPolicyScope: MessageBody"),
                  line: 14, path: "\(Self.subscriptionPath).filterPolicyScope", "a scope applies to a filterPolicy; this subscription has none")
    }

    @Test func anUnknownFilterPolicyScopeListsTheTwoScopes() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", #"filterPolicy: '{"a": ["b"]}'"#, "filterPolicyScope: Body"),
                  line: 15, path: "\(Self.subscriptionPath).filterPolicyScope", "'Body' is not a scope; expected MessageAttributes or MessageBody")
    }

    @Test func onlyHttpAndHttpsSubscriptionsTakeADeliveryPolicy() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "deliveryPolicy: { numRetries: 5 }"),
                  line: 14, path: "\(Self.subscriptionPath).deliveryPolicy",
                  "only http and https subscriptions take a delivery policy; sqs is retried by the awsManaged policy")
        expectOne(Self.subscription("protocol: email", "endpoint: ops@example.com", "deliveryPolicy: { numRetries: 5 }"),
                  line: 14, path: "\(Self.subscriptionPath).deliveryPolicy",
                  "only http and https subscriptions take a delivery policy; email is retried by the customerManaged policy")
    }

    @Test func aCustomHttpDeliveryPolicyMayTakeAtMostAnHourInTotal() {
        // 100 retries 40 s apart add up to 4,000 s. The problem is the retry count, on line 17.
        let text = Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "deliveryPolicy:",
                                     "  minDelayTarget: 40s", "  maxDelayTarget: 40s", "  numRetries: 100")
        expectOne(text, line: 17, path: "\(Self.subscriptionPath).deliveryPolicy.numRetries",
                  "the retry delays add up to", "an HTTP/S policy may take at most 3600s in total")
    }

    @Test func aCustomHttpDeliveryPolicyMakesAtMostOneHundredRetries() {
        let text = Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "deliveryPolicy:",
                                     "  minDelayTarget: 1s", "  numRetries: 101")
        expectOne(text, line: 16, path: "\(Self.subscriptionPath).deliveryPolicy.numRetries", "must be between 0 and 100")
        let atTheLimit = Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "deliveryPolicy:",
                                           "  minDelayTarget: 1s", "  maxDelayTarget: 1s", "  numRetries: 100")
        #expect(problems(atTheLimit).isEmpty, "100 retries a second apart take 100 s: valid")
    }

    @Test func anUnknownBackoffFunctionListsTheFour() {
        expectOne(Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "deliveryPolicy: { backoffFunction: cubic }"),
                  line: 14, path: "\(Self.subscriptionPath).deliveryPolicy.backoffFunction",
                  "'cubic' is not a backoff function; expected linear, arithmetic, geometric or exponential")
    }

    @Test func rawMessageDeliveryIsNotForEmail() {
        expectOne(Self.subscription("protocol: email", "endpoint: ops@example.com", "rawMessageDelivery: true"),
                  line: 14, path: "\(Self.subscriptionPath).rawMessageDelivery",
                  "only sqs, firehose, http and https subscriptions deliver raw messages, not email")
    }

    @Test func endpointBehaviourIsNotForAnSqsSubscription() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "failureProbability: 0.1"),
                  line: 14, path: "\(Self.subscriptionPath).failureProbability",
                  "failureProbability describes an endpoint that is not a queue")
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "outages: [{ from: 1s, to: 2s }]"),
                  line: 14, path: "\(Self.subscriptionPath).outages", "outages describes an endpoint that is not a queue")
    }

    @Test func anEndpointMustSuitItsProtocol() {
        expectOne(Self.subscription("protocol: https", "endpoint: http://hooks.example.com"), line: 13,
                  path: "\(Self.subscriptionPath).endpoint", "an https endpoint is a URL starting with https://")
        expectOne(Self.subscription("protocol: sms", "endpoint: 5555550100"), line: 13,
                  path: "\(Self.subscriptionPath).endpoint", "E.164")
    }

    @Test func anOutageMustEndAfterItStarts() {
        expectOne(Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "outages: [{ from: 5s, to: 2s }]"),
                  line: 14, path: "\(Self.subscriptionPath).outages[0].to", "an outage must end after it starts")
    }

    @Test func aSubscriptionDeadLetterQueueMustBeOfTheTopicsType() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "deadLetterQueue: queue/orders.fifo"),
                  line: 14, path: "\(Self.subscriptionPath).deadLetterQueue",
                  "the dead-letter queue of a subscription to a standard topic must be a standard queue; 'orders.fifo' is fifo")
        let fifo = Self.producer("messageGroups: 4", to: Self.fifo(Self.subscription("protocol: sqs", "endpoint: queue/orders.fifo",
                                                                                      "deadLetterQueue: queue/dlq")))
        expectOne(fifo, line: 15, path: "\(Self.subscriptionPath).deadLetterQueue",
                  "the dead-letter queue of a subscription to a fifo topic must be a fifo queue; 'dlq' is standard")
    }

    @Test func aSubscriptionDeadLetterQueueMustExist() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", "deadLetterQueue: queue/dql"),
                  line: 14, path: "\(Self.subscriptionPath).deadLetterQueue", "'queue/dql' names no queue", "Did you mean 'queue/dlq'?")
    }

    @Test func subscriptionNamesAreUniqueWithinATopic() {
        let text = Self.base.replacingOccurrences(
            of: Self.baseSubscription,
            with: Self.baseSubscription + "      - name: billing\n        protocol: sqs\n        endpoint: queue/dlq\n")
        expectOne(text, line: 14, path: "topics[0].subscriptions[1].name",
                  "'billing' is used twice; subscription names must be unique within a topic")
    }

    @Test func aSubscriptionWithoutANameIsNamedAfterItsEndpointWhichMustThenBeUnique() {
        // Two unnamed subscriptions to the same queue both take the name queue/orders.
        let text = Self.base.replacingOccurrences(
            of: "      - name: billing\n" + Self.baseSubscription,
            with: "      - protocol: sqs\n        endpoint: queue/orders\n      - protocol: sqs\n        endpoint: queue/orders\n")
        expectOne(text, line: 13, path: "topics[0].subscriptions[1].name", "'queue/orders' is used twice")
    }

    // MARK: Topics

    @Test func topicNamesAreUnique() {
        let text = Self.base.replacingOccurrences(of: "producers:\n", with: "  - name: events\nproducers:\n")
        expectOne(text, line: 14, path: "topics[1].name", "a topic named 'events' already exists; names must be unique")
    }

    @Test func fifoSettingsOnAStandardTopicAreRejected() {
        let text = Self.base.replacingOccurrences(of: "  - name: events\n", with: "  - name: events\n    contentBasedDeduplication: true\n")
        expectOne(text, line: 10, path: "topics[0].contentBasedDeduplication", "contentBasedDeduplication applies to FIFO topics; 'events' is standard")
    }

    @Test func aFifoTopicNameMustEndInDotFifo() {
        let text = Self.producer("messageGroups: 4", to: Self.base)
            .replacingOccurrences(of: "  - name: events\n", with: "  - name: events\n    type: fifo\n")
        expectOne(text, line: 9, path: "topics[0].name", "a FIFO topic's name must end in .fifo")
    }

    // MARK: Producers

    @Test func aProducerToAFifoTopicMustNameItsMessageGroups() {
        let text = Self.fifo(Self.subscription("protocol: sqs", "endpoint: queue/orders.fifo"))
        expectOne(text, line: 16, path: "producers[0].messageGroups",
                  "a producer sending to FIFO topic 'events.fifo' needs messageGroups (how many MessageGroupIds it uses)")
    }

    @Test func aProducerToATopicTakesNeitherQueueAttributesNorADelay() {
        expectOne(Self.producer("attributes: { count: 2 }"), line: 18, path: "producers[0].attributes",
                  "attributes does not apply to a producer publishing to a topic", "give messageAttributes instead")
        expectOne(Self.producer("delay: 5s"), line: 18, path: "producers[0].delay",
                  "delay does not apply to a producer publishing to a topic", "Publish takes no delay")
    }

    @Test func aQueueProducerHasNoMessageBody() {
        let text = Self.producer("messageBody: { order.status: { type: String, values: { shipped: 1 } } }")
            .replacingOccurrences(of: "target: topic/events\n", with: "target: queue/orders\n")
        expectOne(text, line: 18, path: "producers[0].messageBody",
                  "messageBody gives the JSON fields topic filter policies read; this producer sends to a queue")
    }

    @Test func aProducerTargetNamesAQueueOrATopic() {
        let text = Self.base.replacingOccurrences(of: "target: topic/events\n", with: "target: topic/event\n")
        expectOne(text, line: 16, path: "producers[0].target", "'topic/event' names no topic", "Did you mean 'topic/events'?")
        let neither = Self.base.replacingOccurrences(of: "target: topic/events\n", with: "target: events\n")
        expectOne(neither, line: 16, path: "producers[0].target", "'events' names no queue or topic; write queue/<name> or topic/<name>")
    }

    @Test func anAttributeOfUnknownTypeListsTheFourTypes() {
        expectOne(Self.producer("messageAttributes:", "  eventType: { type: Strng, values: { a: 1 } }"),
                  line: 19, path: "producers[0].messageAttributes.eventType.type",
                  "'Strng' is not an attribute type; expected String, Number, String.Array or Binary")
    }

    @Test func aNumberAttributeNeedsAValueDistribution() {
        expectOne(Self.producer("messageAttributes:", "  amount: { type: Number }"),
                  line: 19, path: "producers[0].messageAttributes.amount.value",
                  "missing; give the distribution of the number, e.g. value: uniform(1, 500)")
    }

    @Test func aDistributionCutAtACommaInsideBracesSaysWhy() {
        // `{ type: Number, value: uniform(1, 100) }` on one line: YAML ends the value at the comma.
        let found = problems(Self.producer("messageAttributes:", "  amount: { type: Number, value: uniform(1, 100) }"))
        let cut = found.first { $0.path == "producers[0].messageAttributes.amount.value" }
        #expect(cut?.line == 19)
        #expect(cut?.message.contains("missing ')' to close 'uniform('") == true)
        #expect(cut?.message.contains("inside { … } on one line a comma ends the value") == true, "\(found.map(\.description))")
    }

    @Test func attributeWeightsMustBePositive() {
        expectOne(Self.producer("messageAttributes:", "  eventType: { type: String, values: { a: 0, b: 1 } }"),
                  line: 19, path: "producers[0].messageAttributes.eventType.values.a", "a weight must be a positive number")
        expectOne(Self.producer("messageAttributes:", "  eventType:", "    type: String", "    values:", "      a: 1", "      b: -0.5"),
                  line: 23, path: "producers[0].messageAttributes.eventType.values.b", "a weight must be a positive number")
    }

    @Test func fieldsOfAnotherAttributeTypeAreRejected() {
        expectOne(Self.producer("messageAttributes:", "  eventType: { type: String, values: { a: 1 }, value: constant(2) }"),
                  line: 19, path: "producers[0].messageAttributes.eventType.value", "value does not apply to type String")
    }

    @Test func aJsonBodyHasNoBinaryFields() {
        expectOne(Self.producer("messageBody:", "  blob: { type: Binary, size: 16B }"),
                  line: 19, path: "producers[0].messageBody.blob.type", "a JSON body has no Binary fields")
    }

    @Test func generatorsDecodeToTheirValues() throws {
        let text = Self.producer("messageAttributes:",
                                 "  tags: { type: String.Array, values: { x: 1, y: 3 }, count: 2 }",
                                 "  blob: { type: Binary, size: 64B }",
                                 "messageBody:",
                                 "  order.total:",
                                 "    type: Number",
                                 "    value: uniform(1, 100)")
        let specification = try ScenarioDecoder.decode(text, file: "topics.yaml").producers[0].specification
        #expect(specification.messageAttributes.map(\.name) == ["tags", "blob"])
        guard case .stringArray(let weights, count: 2) = specification.messageAttributes[0].values,
              case .binary(bytes: 64) = specification.messageAttributes[1].values,
              case .number(.uniform(low: 1, high: 100), _) = specification.bodyFields.first?.values else {
            Issue.record("generators decoded to \(specification.messageAttributes.map(\.values)), \(specification.bodyFields.map(\.values))")
            return
        }
        #expect(weights == [.init(value: "x", weight: 1), .init(value: "y", weight: 3)])
        #expect(specification.bodyFields.map(\.name) == ["order.total"])
    }

    // MARK: Unknown keys

    @Test func unknownKeysOfTopicsAndSubscriptionsSuggestTheNearestValidKey() {
        expectOne(Self.subscription("protocol: sqs", "endpoint: queue/orders", #"filterPolcy: '{"a": ["b"]}'"#),
                  line: 14, path: "\(Self.subscriptionPath).filterPolcy", "unknown key 'filterPolcy'; did you mean 'filterPolicy'?",
                  "valid keys here: " + ScenarioKeys.subscription.joined(separator: ", "))
        expectOne(Self.base.replacingOccurrences(of: "    subscriptions:\n", with: "    subscription:\n"),
                  line: 10, path: "topics[0].subscription", "unknown key 'subscription'; did you mean 'subscriptions'?")
        expectOne(Self.subscription("protocol: https", "endpoint: https://hooks.example.com", "deliveryPolicy: { numRetires: 3 }"),
                  line: 14, path: "\(Self.subscriptionPath).deliveryPolicy.numRetires", "did you mean 'numRetries'?",
                  "valid keys here: " + ScenarioKeys.deliveryPolicy.joined(separator: ", "))
    }

    @Test func anUnknownKeyOfAnAttributeSuggestsTheNearestValidKey() {
        let found = problems(Self.producer("messageAttributes:", "  eventType: { type: String, valeus: { a: 1 } }"))
        // The misspelt key, and the values it was meant to give, which are missing.
        #expect(Set(found.map(\.path)) == ["producers[0].messageAttributes.eventType.valeus", "producers[0].messageAttributes.eventType.values"])
        #expect(found.allSatisfy { $0.line == 19 })
        let unknown = found.first { $0.path.hasSuffix(".valeus") }
        #expect(unknown?.message.contains("unknown key 'valeus'; did you mean 'values'?") == true, "\(found)")
    }
}
