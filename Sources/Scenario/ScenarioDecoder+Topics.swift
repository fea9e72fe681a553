import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// SNS topics, their subscriptions, and the message attributes producers publish, in scenario files.
extension ScenarioBuilder {
    func topic(_ node: Node, _ path: String, queues: [QueueConfiguration]) -> ScenarioModel.TopicEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.topic) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every topic needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        var isFifo = name.hasSuffix(".fifo")
        if let n = fields["type"], let text = reader.string(n, fields.path("type")) {
            switch text {
            case "standard": isFifo = false
            case "fifo": isFifo = true
            default: reader.fail(n, fields.path("type"), "'\(text)' is not a topic type; expected standard or fifo")
            }
        }
        func fifoOnly(_ key: String) -> Node? {
            guard let n = fields[key] else { return nil }
            if !isFifo {
                reader.fail(n, fields.path(key), "\(key) applies to FIFO topics; '\(name)' is standard")
                return nil
            }
            return n
        }
        var scope = TopicConfiguration.FifoThroughputScope.topic
        if let n = fifoOnly("fifoThroughputScope"), let text = reader.string(n, fields.path("fifoThroughputScope")) {
            if let value = TopicConfiguration.FifoThroughputScope(rawValue: text) {
                scope = value
            } else {
                reader.fail(n, fields.path("fifoThroughputScope"), "'\(text)' is not valid; expected Topic or MessageGroup")
            }
        }
        var configuration = TopicConfiguration(name: name, isFifo: isFifo, fifoThroughputScope: scope)
        if let n = fifoOnly("contentBasedDeduplication") {
            configuration.contentBasedDeduplication = reader.boolean(n, fields.path("contentBasedDeduplication")) ?? false
        }
        if let n = fields["messagesPerSecond"] { configuration.messagesPerSecondMax = wholeRate(n, fields.path("messagesPerSecond")) }
        if let n = fields["bytesPerSecond"] {
            configuration.bytesPerSecondMax = reader.size(n, fields.path("bytesPerSecond"), in: TopicConfiguration.messageSizeMax...Int(1) << 40)
        }
        if let n = fifoOnly("groupMessagesPerSecond") {
            configuration.groupMessagesPerSecondMax = wholeRate(n, fields.path("groupMessagesPerSecond")) ?? configuration.groupMessagesPerSecondMax
        }
        for problem in configuration.problems() {
            reader.fail(fields[problem.attribute] ?? nameNode, fields.path(problem.attribute == "name" ? "name" : problem.attribute), problem.message)
        }
        var entry = ScenarioModel.TopicEntry(configuration: configuration)
        if let n = fields["policy"] {
            entry.policy = policy(n, fields.path("policy"), kind: .resource, defaultResource: TopicAccessControl.arn(ofTopic: name))
        }
        let subscriptionNodes = fields["subscriptions"].flatMap { reader.sequence($0, fields.path("subscriptions")) } ?? []
        for (i, item) in subscriptionNodes.enumerated() {
            if let subscription = subscription(item, fields.path("subscriptions") + "[\(i)]", topic: configuration, queues: queues) {
                if entry.subscriptions.contains(where: { $0.configuration.name == subscription.configuration.name }) {
                    reader.fail(item, fields.path("subscriptions") + "[\(i)].name",
                                "'\(subscription.configuration.name)' is used twice; subscription names must be unique within a topic")
                }
                entry.subscriptions.append(subscription)
            }
        }
        return entry
    }

    /// A rate written as `300/s` that must be a whole number of events a second.
    func wholeRate(_ node: Node, _ path: String) -> Int? {
        guard let rate = reader.rate(node, path) else { return nil }
        guard rate >= 1, rate == rate.rounded(), rate < 1e12 else {
            reader.fail(node, path, "expected a whole number per second, at least 1/s")
            return nil
        }
        return Int(rate)
    }

    func subscription(_ node: Node, _ path: String, topic: TopicConfiguration,
                      queues: [QueueConfiguration]) -> ScenarioModel.SubscriptionEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.subscription) else { return nil }
        guard let protocolNode = fields["protocol"] else {
            reader.fail(node, fields.path("protocol"), "missing; a subscription needs a protocol: "
                        + SubscriptionProtocol.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        guard let protocolText = reader.string(protocolNode, fields.path("protocol")) else { return nil }
        guard let protocolName = SubscriptionProtocol(rawValue: protocolText) else {
            let known = SubscriptionProtocol.allCases.map(\.rawValue)
            let hint = nearest(protocolText, in: known).map { " Did you mean '\($0)'?" } ?? ""
            reader.fail(protocolNode, fields.path("protocol"), "'\(protocolText)' is not a protocol; expected one of \(known.joined(separator: ", ")).\(hint)")
            return nil
        }
        guard let endpointNode = fields["endpoint"] else {
            reader.fail(node, fields.path("endpoint"), protocolName == .sqs
                        ? "missing; an sqs subscription names its queue, e.g. endpoint: queue/orders"
                        : "missing; name what the subscription delivers to (a URL, an address, a function)")
            return nil
        }
        var queue: Int?
        var endpointName: String
        if protocolName == .sqs {
            guard let index = reference(endpointNode, fields.path("endpoint"), prefix: "queue", names: queues.map(\.name)) else { return nil }
            queue = index
            endpointName = "queue/\(queues[index].name)"
            if queues[index].isFifo && !topic.isFifo {
                reader.fail(endpointNode, fields.path("endpoint"), "a standard topic cannot deliver to FIFO queue '\(queues[index].name)'")
            }
        } else {
            guard let text = reader.string(endpointNode, fields.path("endpoint")) else { return nil }
            endpointName = text
            if let problem = Self.endpointProblem(text, protocolName) { reader.fail(endpointNode, fields.path("endpoint"), problem) }
            if topic.isFifo {
                reader.fail(protocolNode, fields.path("protocol"), "a FIFO topic delivers only to SQS queues, not to \(protocolName.rawValue) endpoints")
            }
        }
        let name = fields["name"].flatMap { reader.string($0, fields.path("name")) } ?? endpointName
        var configuration = SubscriptionConfiguration(name: name, protocolName: protocolName, endpointName: endpointName)
        var scope = FilterPolicy.Scope.messageAttributes
        if let n = fields["filterPolicyScope"], let text = reader.string(n, fields.path("filterPolicyScope")) {
            if let value = FilterPolicy.Scope(rawValue: text) {
                scope = value
            } else {
                reader.fail(n, fields.path("filterPolicyScope"), "'\(text)' is not a scope; expected MessageAttributes or MessageBody")
            }
        }
        if let n = fields["filterPolicy"], let text = reader.scalar(n, fields.path("filterPolicy"), expected: "a filter policy as JSON text, e.g. '{\"eventType\": [\"order_placed\"]}'") {
            do {
                configuration.filterPolicy = try FilterPolicy(text, scope: scope)
            } catch {
                reader.fail(n, fields.path("filterPolicy"), "invalid filter policy at \(error.position) of the policy: \(error.reason)")
            }
        } else if let n = fields["filterPolicyScope"], fields["filterPolicy"] == nil {
            reader.fail(n, fields.path("filterPolicyScope"), "a scope applies to a filterPolicy; this subscription has none")
        }
        if let n = fields["rawMessageDelivery"] { configuration.rawMessageDelivery = reader.boolean(n, fields.path("rawMessageDelivery")) ?? false }
        if let n = fields["deliveryPolicy"] { configuration.deliveryPolicy = deliveryPolicy(n, fields.path("deliveryPolicy")) }
        if let n = fields["principal"] { configuration.principal = reader.string(n, fields.path("principal")) }
        for problem in configuration.problems() {
            let key = String(problem.attribute.prefix { $0 != "." })
            // A delivery policy's problem names one of its fields: point at that field when it is written.
            let field = problem.attribute.dropFirst(key.count + 1)
            var place = fields[key]
            if !field.isEmpty, case .mapping(let mapping)? = place, let value = mapping.first(where: { $0.key.string == String(field) })?.value {
                place = value
            }
            reader.fail(place ?? node, fields.path(problem.attribute), problem.message)
        }
        var entry = ScenarioModel.SubscriptionEntry(configuration: configuration, queue: queue,
                                                    endpoint: EndpointSpecification(latency: EndpointSpecification.defaultLatency(protocolName)))
        if let n = fields["deadLetterQueue"] {
            if let index = reference(n, fields.path("deadLetterQueue"), prefix: "queue", names: queues.map(\.name)) {
                entry.deadLetterQueue = index
                if queues[index].isFifo != topic.isFifo {
                    reader.fail(n, fields.path("deadLetterQueue"), "the dead-letter queue of a subscription to a \(topic.typeName) topic must be a \(topic.typeName) queue; '\(queues[index].name)' is \(queues[index].typeName)")
                }
            }
        }
        if let n = fields["latency"] { entry.endpoint.latency = distribution(n, fields.path("latency"), kind: .duration) ?? entry.endpoint.latency }
        func remoteOnly(_ key: String) -> Node? {
            guard let n = fields[key] else { return nil }
            if protocolName == .sqs {
                reader.fail(n, fields.path(key), "\(key) describes an endpoint that is not a queue; an sqs subscription delivers into its queue, whose own limits apply")
                return nil
            }
            return n
        }
        if let n = remoteOnly("failureProbability") { entry.endpoint.failureProbability = reader.probability(n, fields.path("failureProbability")) ?? 0 }
        if let n = remoteOnly("clientErrorProbability") {
            entry.endpoint.clientErrorProbability = reader.probability(n, fields.path("clientErrorProbability")) ?? 0
        }
        if let n = remoteOnly("concurrency") { entry.endpoint.concurrencyMax = reader.integer(n, fields.path("concurrency"), in: 1...1_000_000) }
        if let n = remoteOnly("rateLimit") { entry.endpoint.rateLimit = wholeRate(n, fields.path("rateLimit")) }
        if let n = remoteOnly("outages") { entry.endpoint.outages = outages(n, fields.path("outages")) }
        return entry
    }

    /// Why an endpoint does not suit its protocol, or nil.
    static func endpointProblem(_ endpoint: String, _ protocolName: SubscriptionProtocol) -> String? {
        switch protocolName {
        case .http where !endpoint.hasPrefix("http://"): "an http endpoint is a URL starting with http://"
        case .https where !endpoint.hasPrefix("https://"): "an https endpoint is a URL starting with https://"
        case .email where !endpoint.contains("@"), .emailJson where !endpoint.contains("@"): "an email endpoint is an address such as ops@example.com"
        case .sms where !endpoint.hasPrefix("+"): "an sms endpoint is a phone number in E.164 form, such as +15555550100"
        default: endpoint.isEmpty ? "an endpoint cannot be empty" : nil
        }
    }

    /// An HTTP/S delivery policy: `{ numRetries: 10, minDelayTarget: 1s, maxDelayTarget: 60s,
    /// backoffFunction: exponential, maxReceivesPerSecond: 20 }`.
    func deliveryPolicy(_ node: Node, _ path: String) -> DeliveryRetryPolicy? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.deliveryPolicy) else { return nil }
        let start = DeliveryRetryPolicy.httpDefault
        func count(_ key: String, _ fallback: Int) -> Int? {
            fields[key].map { reader.integer($0, fields.path(key), in: 0...100_015) } ?? fallback
        }
        let numRetries = count("numRetries", start.numRetries)
        let noDelay = count("numNoDelayRetries", 0)
        let minDelayRetries = count("numMinDelayRetries", 0)
        let maxDelayRetries = count("numMaxDelayRetries", 0)
        let minDelay = fields["minDelayTarget"].map { reader.duration($0, fields.path("minDelayTarget")) } ?? start.minDelayTarget
        let maxDelay = fields["maxDelayTarget"].map { reader.duration($0, fields.path("maxDelayTarget")) } ?? start.maxDelayTarget
        var backoff = DeliveryRetryPolicy.BackoffFunction.linear
        if let n = fields["backoffFunction"], let text = reader.string(n, fields.path("backoffFunction")) {
            if let value = DeliveryRetryPolicy.BackoffFunction(rawValue: text) {
                backoff = value
            } else {
                reader.fail(n, fields.path("backoffFunction"), "'\(text)' is not a backoff function; expected linear, arithmetic, geometric or exponential")
            }
        }
        let receives = fields["maxReceivesPerSecond"].map { reader.integer($0, fields.path("maxReceivesPerSecond"), in: 1...1_000_000) }
        guard let numRetries, let noDelay, let minDelayRetries, let maxDelayRetries, let minDelay, let maxDelay else { return nil }
        if case .some(.none) = receives { return nil }
        return DeliveryRetryPolicy(endpoint: .http, numRetries: numRetries, numNoDelayRetries: noDelay, minDelayTarget: minDelay,
                                   maxDelayTarget: maxDelay, numMinDelayRetries: minDelayRetries, numMaxDelayRetries: maxDelayRetries,
                                   backoffFunction: backoff, maxReceivesPerSecond: receives ?? nil)
    }

    /// `messageAttributes:` / `messageBody:` on a producer: name → `{ type: String, values: { a: 0.7, b: 0.3 } }`,
    /// `{ type: Number, value: uniform(1, 500) }`, `{ type: String.Array, values: {…}, count: 2 }` or
    /// `{ type: Binary, size: 64B }`.
    func attributeGenerators(_ node: Node, _ path: String, body: Bool) -> [MessageAttributeGenerator]? {
        guard case .mapping(let mapping) = node else {
            reader.fail(node, path, "expected a mapping from \(body ? "body field paths" : "attribute names") to { type: …, values: … }")
            return nil
        }
        var generators: [MessageAttributeGenerator] = []
        for (keyNode, value) in mapping {
            guard let name = reader.string(keyNode, path), !name.isEmpty else { continue }
            let itemPath = "\(path).\(name)"
            guard let fields = reader.mapping(value, itemPath, allowed: ScenarioKeys.messageAttribute) else { continue }
            guard let typeNode = fields["type"], let type = reader.string(typeNode, fields.path("type")) else {
                reader.fail(value, fields.path("type"), "missing; give type: String, Number, String.Array or Binary")
                continue
            }
            func choices() -> [MessageAttributeGenerator.WeightedValue]? {
                guard let n = fields["values"] else {
                    reader.fail(value, fields.path("values"), "missing; give the values with their weights, e.g. values: { order_placed: 0.7, order_cancelled: 0.3 }")
                    return nil
                }
                guard case .mapping(let weights) = n, weights.count > 0 else {
                    reader.fail(n, fields.path("values"), "expected a mapping from values to weights, e.g. { order_placed: 0.7, order_cancelled: 0.3 }")
                    return nil
                }
                var list: [MessageAttributeGenerator.WeightedValue] = []
                for (valueNode, weightNode) in weights {
                    guard let text = reader.string(valueNode, fields.path("values")),
                          let weight = reader.number(weightNode, fields.path("values") + ".\(text)") else { return nil }
                    guard weight > 0, weight.isFinite else {
                        reader.fail(weightNode, fields.path("values") + ".\(text)", "a weight must be a positive number")
                        return nil
                    }
                    list.append(.init(value: text, weight: weight))
                }
                return list
            }
            func unexpected(_ keys: [String]) {
                for key in keys { if let n = fields[key] { reader.fail(n, fields.path(key), "\(key) does not apply to type \(type)") } }
            }
            switch type {
            case "String":
                unexpected(["value", "count", "size"])
                if let list = choices() { generators.append(.init(name: name, values: .string(list))) }
            case "String.Array":
                unexpected(["value", "size"])
                let count = fields["count"].map { reader.integer($0, fields.path("count"), in: 0...100) } ?? 1
                if let list = choices(), let count { generators.append(.init(name: name, values: .stringArray(list, count: count))) }
            case "Number":
                unexpected(["values", "count", "size"])
                guard let n = fields["value"] else {
                    reader.fail(value, fields.path("value"), "missing; give the distribution of the number, e.g. value: uniform(1, 500)")
                    continue
                }
                if let distribution = distribution(n, fields.path("value"), kind: .count) {
                    generators.append(.init(name: name, values: .number(distribution, decimalPlaces: 2)))
                }
            case "Binary":
                if body { reader.fail(typeNode, fields.path("type"), "a JSON body has no Binary fields"); continue }
                unexpected(["values", "value", "count"])
                let size = fields["size"].map { reader.size($0, fields.path("size"), in: 1...TopicConfiguration.messageSizeMax) } ?? 16
                if let size { generators.append(.init(name: name, values: .binary(bytes: size))) }
            default:
                reader.fail(typeNode, fields.path("type"), "'\(type)' is not an attribute type; expected String, Number, String.Array or Binary")
            }
        }
        return generators
    }
}
