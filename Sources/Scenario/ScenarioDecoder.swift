import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// Turns scenario text into a validated `ScenarioModel`, or every problem found in it.
public enum ScenarioDecoder {
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: the name used in diagnostics.
    ///   - readFile: reads a file named in the scenario (empirical samples), relative to the scenario.
    ///     The decoder itself touches no files.
    public static func decode(_ text: String, file: String, readFile: @escaping (String) throws -> String = { name in
        throw ScenarioFileError("cannot read '\(name)': no file access here")
    }) throws(ScenarioError) -> ScenarioModel {
        let reader = NodeReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ScenarioError(diagnostics: [yamlDiagnostic(error, file: file)])
        } catch {
            throw ScenarioError(diagnostics: [ScenarioDiagnostic(file: file, line: 0, column: 0, path: "", message: "\(error)")])
        }
        guard let root else {
            throw ScenarioError(diagnostics: [ScenarioDiagnostic(file: file, line: 0, column: 0, path: "",
                                                                  message: "the file is empty; a scenario needs at least name, duration, queues")])
        }
        let model = ScenarioBuilder(reader: reader, readFile: readFile).build(root)
        if !reader.diagnostics.isEmpty || model == nil {
            throw ScenarioError(diagnostics: reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return model!
    }

    static func yamlDiagnostic(_ error: YamlError, file: String) -> ScenarioDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            var message = "YAML syntax: \(problem)"
            if problem.contains("mapping values are not allowed") {
                message += " (a ': ' inside a plain value starts a mapping; write distribution parameters as name=value)"
            }
            return ScenarioDiagnostic(file: file, line: mark.line, column: mark.column, path: "", message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ScenarioDiagnostic(file: file, line: context.mark.line, column: context.mark.column, path: "",
                                      message: "\(keys) appears more than once in this mapping (first here); each key may appear once")
        case .reader(let problem, _, _, _):
            return ScenarioDiagnostic(file: file, line: 0, column: 0, path: "", message: "unreadable text: \(problem)")
        default:
            return ScenarioDiagnostic(file: file, line: 0, column: 0, path: "", message: "YAML: \(error)")
        }
    }
}

/// An error reading a file the scenario names.
public struct ScenarioFileError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the model from the tree; problems go to the reader, and a nil result means "see them".
struct ScenarioBuilder {
    let reader: NodeReader
    let readFile: (String) throws -> String
    /// Queue policies found while queues are read, by queue name.
    let queuePolicies = PolicyDraft()

    func build(_ root: Node) -> ScenarioModel? {
        guard let top = reader.mapping(root, "", allowed: ScenarioKeys.top) else { return nil }
        func required(_ key: String) -> Node? {
            if let node = top[key] { return node }
            reader.fail(root, key, "missing; every scenario needs '\(key)'")
            return nil
        }
        let name = required("name").flatMap { reader.string($0, "name") }
        let description = top["description"].flatMap { reader.string($0, "description") } ?? ""
        let duration = required("duration").flatMap { reader.duration($0, "duration", in: Span(nanoseconds: 1)...Span.seconds(366 * 86_400)) }
        let drain = top["drain"].map { reader.duration($0, "drain", in: Span.zero...Span.seconds(366 * 86_400)) } ?? .zero
        let warmup = top["warmup"].map { reader.duration($0, "warmup", in: Span.zero...Span.seconds(366 * 86_400)) } ?? .zero
        let seed = top["seed"].map { reader.unsigned($0, "seed") } ?? ScenarioModel.defaultSeed
        let replications = top["replications"].map { reader.integer($0, "replications", in: 1...100_000) } ?? ScenarioModel.defaultReplications
        let sampleInterval = top["sampleInterval"].map { reader.duration($0, "sampleInterval", in: Span.milliseconds(1)...Span.seconds(366 * 86_400)) }
            ?? ScenarioModel.defaultSampleInterval
        let eventBudget = top["eventBudget"].map { reader.integer($0, "eventBudget", in: 1...Int.max) } ?? ScenarioModel.defaultEventBudget

        let streamNodes = top["streams"].flatMap { reader.sequence($0, "streams") } ?? []
        // Kept with their place in the file, so a duplicate name is reported where it is even when
        // an earlier stream failed to decode.
        let decodedStreams = streamNodes.enumerated().compactMap { i, node in stream(node, "streams[\(i)]").map { (index: i, entry: $0) } }
        for (i, s) in decodedStreams.enumerated()
        where decodedStreams[..<i].contains(where: { $0.entry.configuration.name == s.entry.configuration.name }) {
            reader.fail(streamNodes[s.index].mapping?["name"] ?? streamNodes[s.index], "streams[\(s.index)].name",
                        "a stream named '\(s.entry.configuration.name)' already exists; names must be unique")
        }
        let streams = decodedStreams.map(\.entry)
        // A scenario needs something to carry messages: queues, streams or delivery streams.
        let carriesRecords = !streamNodes.isEmpty || top["deliveryStreams"] != nil || top["videoStreams"] != nil
        let queueNodes = (carriesRecords ? top["queues"] : required("queues")).flatMap { reader.sequence($0, "queues") } ?? []
        let queues = queueNodes.enumerated().compactMap { queue($1, "queues[\($0)]") }
        if queueNodes.isEmpty, !carriesRecords, let node = top["queues"] { reader.fail(node, "queues", "a scenario needs at least one queue or stream") }
        for (i, q) in queues.enumerated() where queues[..<i].contains(where: { $0.name == q.name }) {
            reader.fail(queueNodes[i], "queues[\(i)].name", "a queue named '\(q.name)' already exists; names must be unique")
        }
        let queueNames = queues.map(\.name)
        for (i, q) in queues.enumerated() {
            guard let redrive = q.redrivePolicy else { continue }
            let path = "queues[\(i)].redrivePolicy.deadLetterQueue"
            guard let target = queues.first(where: { $0.name == redrive.deadLetterQueue }) else {
                let hint = nearest(redrive.deadLetterQueue, in: queueNames).map { " Did you mean 'queue/\($0)'?" } ?? ""
                reader.fail(queueNodes[i], path, "no queue named '\(redrive.deadLetterQueue)'; queues: \(queueNames.joined(separator: ", ")).\(hint)")
                continue
            }
            if target.name == q.name {
                reader.fail(queueNodes[i], path, "a queue cannot be its own dead-letter queue")
            } else if target.isFifo != q.isFifo {
                reader.fail(queueNodes[i], path, "the dead-letter queue of a \(q.typeName) queue must be \(q.typeName) too; '\(target.name)' is \(target.typeName)")
            } else if !target.redriveAllowPolicy.allows(source: q.name) {
                reader.fail(queueNodes[i], path, "'\(target.name)' has a redriveAllowPolicy that does not allow '\(q.name)' as a source")
            }
        }

        let topicNodes = top["topics"].flatMap { reader.sequence($0, "topics") } ?? []
        let topics = topicNodes.enumerated().compactMap { topic($1, "topics[\($0)]", queues: queues) }
        for (i, t) in topics.enumerated() where topics[..<i].contains(where: { $0.configuration.name == t.configuration.name }) {
            reader.fail(topicNodes[i], "topics[\(i)].name", "a topic named '\(t.configuration.name)' already exists; names must be unique")
        }
        let deliveryStreamNodes = top["deliveryStreams"].flatMap { reader.sequence($0, "deliveryStreams") } ?? []
        let deliveryStreams = deliveryStreamNodes.enumerated().compactMap {
            deliveryStream($1, "deliveryStreams[\($0)]", streams: streams.map(\.configuration))
        }
        uniqueNames(deliveryStreams.map(\.configuration.name), "deliveryStreams")
        let analytics = (top["analytics"].flatMap { reader.sequence($0, "analytics") } ?? []).enumerated().compactMap {
            self.analytics($1, "analytics[\($0)]", streams: streams.map(\.configuration), deliveryStreams: deliveryStreams)
        }
        uniqueNames(analytics.map(\.specification.name), "analytics")
        // A producer whose target is a stream is a Kinesis producer, with keys of its own; one whose
        // target is a delivery stream puts by Direct PUT.
        let producerNodes = Array((top["producers"].flatMap { reader.sequence($0, "producers") } ?? []).enumerated())
        let putsToDeliveryStream = { (node: Node) in node.mapping?["target"]?.string?.hasPrefix("deliveryStream/") == true }
        let putsToStream = { (node: Node) in node.mapping?["target"]?.string?.hasPrefix("stream/") == true || putsToDeliveryStream(node) }
        let deliveryStreamProducers = producerNodes.filter { putsToDeliveryStream($1) }.compactMap {
            deliveryStreamProducer($1, "producers[\($0)]", deliveryStreams: deliveryStreams)
        }
        let producers = producerNodes.filter { !putsToStream($1) }.compactMap {
            producer($1, "producers[\($0)]", queues: queues, topics: topics.map(\.configuration))
        }
        let streamProducers = producerNodes.filter { putsToStream($1) && !putsToDeliveryStream($1) }.compactMap {
            streamProducer($1, "producers[\($0)]", streams: streams.map(\.configuration))
        }
        // A consumer or function whose source is a stream reads it (KCL, enhanced fan-out, Lambda).
        let allConsumerNodes = Array((top["consumers"].flatMap { reader.sequence($0, "consumers") } ?? []).enumerated())
        let allFunctionNodes = Array((top["functions"].flatMap { reader.sequence($0, "functions") } ?? []).enumerated())
        let streamConfigurations = streams.map(\.configuration)
        let streamConsumerItems = allConsumerNodes.filter { Self.readsStream($1) }.compactMap { i, node in
            streamConsumer(node, "consumers[\(i)]", streams: streamConfigurations).map { (node: node, path: "consumers[\(i)]", entry: $0) }
        } + allFunctionNodes.filter { Self.readsStream($1) }.compactMap { i, node in
            streamFunction(node, "functions[\(i)]", streams: streamConfigurations).map { (node: node, path: "functions[\(i)]", entry: $0) }
        }
        let streamConsumers = streamConsumerItems.map(\.entry)
        let consumerNodes = allConsumerNodes.filter { !Self.readsStream($1) }
        let consumers = consumerNodes.compactMap { consumer($1, "consumers[\($0)]", queueNames: queueNames) }
        uniqueNames(producers.map(\.specification.name) + streamProducers.map(\.specification.name)
                    + deliveryStreamProducers.map(\.specification.name), "producers")
        uniqueNames(consumers.map(\.specification.name), "consumers")
        let functions = allFunctionNodes.filter { !Self.readsStream($1) }.compactMap {
            function($1, "functions[\($0)]", queues: queues, fleetNames: consumers.map(\.specification.name))
        }
        uniqueNames(functions.map(\.specification.name), "functions")
        checkStreamConsumers(streamConsumerItems, streams: streamConfigurations,
                             otherNames: consumers.map(\.specification.name) + functions.map(\.specification.name))

        var apiLatency = Distribution.constant(0)
        var retryPolicy = RetryPolicy.standard
        var kmsLatency = ScenarioModel.defaultKmsLatency
        if let networkNode = top["network"], let network = reader.mapping(networkNode, "network", allowed: ScenarioKeys.network) {
            if let node = network["apiLatency"] {
                apiLatency = distribution(node, network.path("apiLatency"), kind: .duration) ?? apiLatency
            }
            if let node = network["retry"] { retryPolicy = retry(node, network.path("retry")) ?? retryPolicy }
            if let node = network["kmsLatency"] {
                kmsLatency = distribution(node, network.path("kmsLatency"), kind: .duration) ?? kmsLatency
            }
        }
        let identityPolicies = top["principals"].map(identityPolicies) ?? []
        let objectStore = top["objectStore"].flatMap(objectStore)
        for (i, entry) in producers.enumerated() where entry.specification.extendedClient != nil && objectStore == nil {
            reader.fail(top["producers"], "producers[\(i)].extendedClient", "the extended client needs a top-level objectStore (its latencies and failure probability)")
        }

        // A short-polling consumer that never waits, over an API that takes no time, would poll
        // for ever at one instant.
        if case .constant(let latency) = apiLatency, latency == 0, consumers.count == consumerNodes.count {
            for (i, entry) in consumers.enumerated()
            where entry.specification.waitTime == .zero && entry.specification.emptyReceiveDelay == .zero {
                reader.fail(consumerNodes[i].element, "consumers[\(consumerNodes[i].offset)]", "short polling (waitTime: 0s) with no API latency would poll for ever at one "
                            + "instant; give an emptyReceiveDelay (e.g. 100ms), a waitTime, or network.apiLatency")
            }
        }

        let faultNodes = Array((top["faults"].flatMap { reader.sequence($0, "faults") } ?? []).enumerated())
        // From the file, not the decoded consumers: a KCL application with a mistake of its own
        // still owns its crashes, which are not then misread as a fleet's.
        let kclNames = allConsumerNodes.filter { Self.readsStream($1) && ($1.mapping?["type"]?.string ?? "kcl") == "kcl" }
            .compactMap { $1.mapping?["name"]?.string }
        let faults = faultNodes.filter { !Self.targetsStreamConsumer($1, names: kclNames) }.compactMap {
            fault($1, "faults[\($0)]", fleets: consumers.map(\.specification), functions: functions.map(\.specification.name),
                  streamConsumers: streamConsumers.map(\.name), end: (duration ?? .zero) + (drain ?? .zero))
        }
        let kclCrashes = faultNodes.filter { Self.targetsStreamConsumer($1, names: kclNames) }.compactMap {
            kclCrash($1, "faults[\($0)]", consumers: streamConsumers, declared: kclNames)
        }

        let operationNodes = Array((top["operations"].flatMap { reader.sequence($0, "operations") } ?? []).enumerated())
        let operations = operationNodes.filter { !Self.changesKCLWorkers($1) }.compactMap { operation($1, "operations[\($0)]", queues: queues) }
        let kclChanges = operationNodes.filter { Self.changesKCLWorkers($1) }.compactMap {
            kclWorkerChange($1, "operations[\($0)]", consumers: streamConsumers, declared: kclNames)
        }

        let videoStreams = top["videoStreams"].map { self.videoStreams($0, duration: duration, drain: drain) } ?? []
        if let warmup, let duration, warmup >= duration, let node = top["warmup"] {
            reader.fail(node, "warmup", "the warm-up must end before the producers stop (duration \(Units.formatDuration(duration.seconds)))")
        }
        guard let name, let duration, let drain, let warmup, let seed, let replications, let sampleInterval, let eventBudget else {
            return nil
        }
        var model = ScenarioModel(name: name, description: description, duration: duration, drain: drain, warmup: warmup, seed: seed,
                                  replications: replications, sampleInterval: sampleInterval, eventBudget: eventBudget,
                                  queues: queues, producers: producers, consumers: consumers, apiLatency: apiLatency,
                                  retryPolicy: retryPolicy, faults: faults)
        model.operations = operations
        model.security = SecurityModel(queuePolicies: queues.map { queuePolicies.policies[$0.name] }, identityPolicies: identityPolicies,
                                       kmsLatency: kmsLatency, objectStore: objectStore)
        model.functions = functions
        model.topics = topics
        model.streams = streams
        model.streamProducers = streamProducers
        model.streamConsumers = streamConsumers
        model.kclWorkerEvents = kclCrashes + kclChanges
        addDeliveryStreamsAndAnalytics(to: &model, deliveryStreams: deliveryStreams, producers: deliveryStreamProducers, analytics: analytics)
        model.videoStreams = videoStreams
        return model
    }

    /// `{ at: 10m, purge: queue/orders }` or
    /// `{ at: 30m, startMessageMoveTask: { source: queue/orders-dlq, destination: queue/orders, rate: 100/s } }`.
    func operation(_ node: Node, _ path: String, queues: [QueueConfiguration]) -> QueueOperation? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.operation) else { return nil }
        let names = queues.map(\.name)
        guard let atNode = fields["at"] else {
            reader.fail(node, fields.path("at"), "missing; an operation happens at an instant, e.g. at: 10m")
            return nil
        }
        guard let at = reader.duration(atNode, fields.path("at")) else { return nil }
        let instant = Instant(nanoseconds: at.nanoseconds)
        switch (fields["purge"], fields["startMessageMoveTask"]) {
        case (let purge?, nil):
            guard let queue = reference(purge, fields.path("purge"), prefix: "queue", names: names) else { return nil }
            return QueueOperation(at: instant, action: .purge(queue: queue))
        case (nil, let move?):
            guard let task = reader.mapping(move, fields.path("startMessageMoveTask"), allowed: ScenarioKeys.moveTask) else { return nil }
            guard let sourceNode = task["source"] else {
                reader.fail(move, task.path("source"), "missing; name the dead-letter queue to move messages out of")
                return nil
            }
            guard let source = reference(sourceNode, task.path("source"), prefix: "queue", names: names) else { return nil }
            if !queues.contains(where: { $0.redrivePolicy?.deadLetterQueue == queues[source].name }) {
                reader.fail(sourceNode, task.path("source"), "'\(queues[source].name)' is no queue's dead-letter queue; a move task starts from one")
            }
            var destination: Int?
            if let n = task["destination"] {
                guard let index = reference(n, task.path("destination"), prefix: "queue", names: names) else { return nil }
                destination = index
            }
            var rate = QueueConfiguration.moveTaskRateMax
            if let n = task["rate"] {
                guard let perSecond = reader.rate(n, task.path("rate")) else { return nil }
                guard perSecond >= 1, perSecond <= Double(QueueConfiguration.moveTaskRateMax), perSecond == perSecond.rounded() else {
                    reader.fail(n, task.path("rate"), "a move task runs at a whole number of messages per second from 1/s to 500/s")
                    return nil
                }
                rate = Int(perSecond)
            }
            return QueueOperation(at: instant, action: .startMessageMoveTask(source: source, destination: destination, rate: rate))
        default:
            reader.fail(node, path, "an operation does one thing: give exactly one of purge, startMessageMoveTask")
            return nil
        }
    }

    func uniqueNames(_ names: [String], _ section: String) {
        for (i, name) in names.enumerated() where names[..<i].contains(name) {
            reader.fail(nil, "\(section)[\(i)].name", "'\(name)' is used twice; names must be unique within \(section)")
        }
    }

    func distribution(_ node: Node, _ path: String, kind: QuantityKind) -> Distribution? {
        reader.distribution(node, path, kind: kind) { name in
            try EmpiricalSamples.parse(try readFile(name), file: name, kind: kind)
        }
    }

    // MARK: Queues

    func queue(_ node: Node, _ path: String) -> QueueConfiguration? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.queue) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every queue needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        guard isValidQueueName(name) else {
            reader.fail(nameNode, fields.path("name"), "'\(name)' is not a valid queue name: 1 to 80 letters, digits, '-' or '_'")
            return nil
        }
        var configuration = QueueConfiguration(name: name)
        if let typeNode = fields["type"], let type = reader.string(typeNode, fields.path("type")) {
            if type == "fifo" {
                configuration.isFifo = true
                if !name.hasSuffix(".fifo") {
                    reader.fail(nameNode, fields.path("name"), "a FIFO queue's name must end in .fifo, e.g. '\(name).fifo'")
                }
            } else if type != "standard" {
                reader.fail(typeNode, fields.path("type"), "unknown queue type '\(type)'; valid types: standard, fifo")
            }
        }
        if name.hasSuffix(".fifo") && !configuration.isFifo {
            reader.fail(nameNode, fields.path("name"), "'.fifo' names a FIFO queue; add type: fifo")
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
            guard let n = fields[key], let text = reader.string(n, fields.path(key)) else { return nil }
            guard let value = T(rawValue: text) else {
                reader.fail(n, fields.path(key), "'\(text)' is not valid; expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return value
        }
        func fifoOnly(_ key: String) -> Node? {
            guard let n = fields[key] else { return nil }
            if !configuration.isFifo { reader.fail(n, fields.path(key), "\(key) applies to FIFO queues only (type: fifo)") }
            return n
        }
        func standardOnly(_ key: String) -> Node? {
            guard let n = fields[key] else { return nil }
            if configuration.isFifo { reader.fail(n, fields.path(key), "\(key) applies to standard queues only") }
            return n
        }
        if let n = fifoOnly("contentBasedDeduplication") {
            configuration.contentBasedDeduplication = reader.boolean(n, fields.path("contentBasedDeduplication")) ?? false
        }
        if fifoOnly("deduplicationScope") != nil { configuration.deduplicationScope = choice("deduplicationScope", DeduplicationScope.self) ?? .queue }
        if fifoOnly("fifoThroughputLimit") != nil {
            configuration.fifoThroughputLimit = choice("fifoThroughputLimit", FifoThroughputLimit.self) ?? .perQueue
            if configuration.fifoThroughputLimit == .perMessageGroupId && configuration.deduplicationScope != .messageGroup {
                reader.fail(fields["fifoThroughputLimit"], fields.path("fifoThroughputLimit"),
                            "high-throughput mode (perMessageGroupId) needs deduplicationScope: messageGroup")
            }
        }
        if let n = fifoOnly("deduplicationInterval") {
            configuration.deduplicationInterval = reader.duration(n, fields.path("deduplicationInterval"), in: Span.seconds(1)...Span.seconds(86_400))
                ?? configuration.deduplicationInterval
        }
        if let n = fifoOnly("fifoScanWindow") {
            configuration.fifoScanWindow = reader.integer(n, fields.path("fifoScanWindow"), in: 1...100_000_000) ?? configuration.fifoScanWindow
        }
        if let n = fifoOnly("transactionsPerSecond") {
            let limit = reader.integer(n, fields.path("transactionsPerSecond"), in: 1...10_000_000)
            if configuration.fifoThroughputLimit == .perMessageGroupId {
                configuration.highThroughputTransactionsPerSecond = limit ?? configuration.highThroughputTransactionsPerSecond
            } else {
                configuration.fifoTransactionsPerSecond = limit ?? configuration.fifoTransactionsPerSecond
            }
        }
        if let n = fifoOnly("groupTransactionsPerSecond") {
            configuration.highThroughputPerGroupTransactionsPerSecond = reader.integer(n, fields.path("groupTransactionsPerSecond"), in: 1...10_000_000)
                ?? configuration.highThroughputPerGroupTransactionsPerSecond
        }
        if let n = fields["redrivePolicy"], let redrive = reader.mapping(n, fields.path("redrivePolicy"), allowed: ScenarioKeys.redrivePolicy) {
            let target = redrive["deadLetterQueue"].flatMap { reader.string($0, redrive.path("deadLetterQueue")) }
            let count = redrive["maxReceiveCount"].flatMap { reader.integer($0, redrive.path("maxReceiveCount"), in: QueueConfiguration.maxReceiveCountRange) }
            if redrive["deadLetterQueue"] == nil { reader.fail(n, redrive.path("deadLetterQueue"), "missing; name the dead-letter queue, e.g. queue/orders-dlq") }
            if redrive["maxReceiveCount"] == nil { reader.fail(n, redrive.path("maxReceiveCount"), "missing; a whole number from 1 to 1000") }
            if let target, let count {
                configuration.redrivePolicy = RedrivePolicy(deadLetterQueue: target.hasPrefix("queue/") ? String(target.dropFirst(6)) : target,
                                                            maxReceiveCount: count)
            }
        }
        if let n = fields["redriveAllowPolicy"] {
            if case .sequence = n, let items = reader.sequence(n, fields.path("redriveAllowPolicy")) {
                let names = items.enumerated().compactMap { reader.string($1, fields.path("redriveAllowPolicy") + "[\($0)]") }
                    .map { $0.hasPrefix("queue/") ? String($0.dropFirst(6)) : $0 }
                if !(1...QueueConfiguration.redriveSourcesMax).contains(names.count) {
                    reader.fail(n, fields.path("redriveAllowPolicy"), "byQueue names 1 to 10 source queues, not \(names.count)")
                }
                configuration.redriveAllowPolicy = .byQueue(names)
            } else if let text = reader.scalar(n, fields.path("redriveAllowPolicy"), expected: "allowAll, denyAll or a list of source queues") {
                switch text {
                case "allowAll": configuration.redriveAllowPolicy = .allowAll
                case "denyAll": configuration.redriveAllowPolicy = .denyAll
                default: reader.fail(n, fields.path("redriveAllowPolicy"), "'\(text)' is not valid; expected allowAll, denyAll or a list of source queues")
                }
            }
        }
        if let n = standardOnly("partitions") {
            configuration.partitions = reader.integer(n, fields.path("partitions"), in: 1...64) ?? 1
            configuration.shortPollSampledPartitions = configuration.partitions
        }
        if let n = standardOnly("shortPollSampledPartitions") {
            configuration.shortPollSampledPartitions = reader.integer(n, fields.path("shortPollSampledPartitions"), in: 1...configuration.partitions)
                ?? configuration.partitions
        }
        if let n = standardOnly("spuriousDuplicateProbability") {
            configuration.spuriousDuplicateProbability = reader.probability(n, fields.path("spuriousDuplicateProbability")) ?? 0
        }
        if let n = standardOnly("reorderWindow") {
            configuration.reorderWindow = reader.duration(n, fields.path("reorderWindow"), in: Span.zero...Span.seconds(900)) ?? .zero
        }
        if let n = fields["purgeCooldown"] {
            configuration.purgeCooldown = reader.duration(n, fields.path("purgeCooldown"), in: Span.zero...Span.seconds(86_400)) ?? configuration.purgeCooldown
        }
        if let n = fields["visibilityTimeout"] {
            configuration.visibilityTimeout = reader.duration(n, fields.path("visibilityTimeout"),
                                                              in: Span.zero...QueueConfiguration.visibilityTimeoutMax) ?? configuration.visibilityTimeout
        }
        if let n = fields["retention"] {
            configuration.retention = reader.duration(n, fields.path("retention"), in: QueueConfiguration.retentionRange) ?? configuration.retention
        }
        if let n = fields["delay"] {
            configuration.delay = reader.duration(n, fields.path("delay"), in: Span.zero...QueueConfiguration.delayMax) ?? configuration.delay
        }
        if let n = fields["receiveWaitTime"] {
            configuration.receiveWaitTime = reader.duration(n, fields.path("receiveWaitTime"), in: Span.zero...QueueConfiguration.waitTimeMax)
                ?? configuration.receiveWaitTime
        }
        if let n = fields["maximumMessageSize"] {
            configuration.maximumMessageBytes = reader.size(n, fields.path("maximumMessageSize"), in: QueueConfiguration.maximumMessageBytesRange)
                ?? configuration.maximumMessageBytes
        }
        if let n = fields["inFlightMax"] {
            configuration.inFlightMax = reader.integer(n, fields.path("inFlightMax"), in: 1...10_000_000) ?? configuration.inFlightMax
        }
        if let n = fields["kmsDataKeyReusePeriod"] {
            configuration.kmsDataKeyReusePeriod = reader.duration(n, fields.path("kmsDataKeyReusePeriod"), in: KmsDataKeyReuse.periodRange)
        }
        if let n = fields["policy"],
           let policy = policy(n, fields.path("policy"), kind: .resource, defaultResource: QueueAccessControl.arn(ofQueue: name)) {
            queuePolicies.policies[name] = policy
        }
        return configuration
    }

    func isValidQueueName(_ name: String) -> Bool {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return !base.isEmpty && name.count <= 80
            && base.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" }
    }

    func reference(_ node: Node, _ path: String, prefix: String, names: [String]) -> Int? {
        guard let text = reader.string(node, path) else { return nil }
        let name = text.hasPrefix(prefix + "/") ? String(text.dropFirst(prefix.count + 1)) : nil
        guard let name, let index = names.firstIndex(of: name) else {
            let guess = name.flatMap { nearest($0, in: names) }.map { " Did you mean '\(prefix)/\($0)'?" } ?? ""
            reader.fail(node, path, "'\(text)' names no \(prefix); expected one of \(names.map { "\(prefix)/\($0)" }.joined(separator: ", ")).\(guess)")
            return nil
        }
        return index
    }

    // MARK: Producers and consumers

    func producer(_ node: Node, _ path: String, queues: [QueueConfiguration], topics: [TopicConfiguration]) -> ScenarioModel.ProducerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.producer) else { return nil }
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every producer needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let destination = need("target").flatMap { producerTarget($0, fields.path("target"), queues: queues, topics: topics) }
        let arrivals = need("arrivals").flatMap { arrivalProcess($0, fields.path("arrivals")) }
        let size = fields["messageSize"].map { distribution($0, fields.path("messageSize"), kind: .size) } ?? .constant(1024)
        var schedule: RateSchedule?
        if let n = fields["schedule"] { schedule = rateSchedule(n, fields.path("schedule")) }
        var attributeCount = 0, attributeBytes = 0
        if let n = fields["attributes"], let attributes = reader.mapping(n, fields.path("attributes"), allowed: ScenarioKeys.attributes) {
            attributeCount = attributes["count"].flatMap { reader.integer($0, attributes.path("count"), in: 0...QueueConfiguration.attributesMax) } ?? 0
            attributeBytes = attributes["valueSize"].flatMap { reader.size($0, attributes.path("valueSize"), in: 1...QueueConfiguration.batchBytesMax) } ?? 16
        }
        let batchSize = fields["batchSize"].map { reader.integer($0, fields.path("batchSize"), in: 1...QueueConfiguration.batchEntriesMax) } ?? 1
        let linger = fields["batchLinger"].map { reader.duration($0, fields.path("batchLinger"), in: Span.zero...Span.seconds(3600)) } ?? .zero
        let delay = fields["delay"].map { reader.duration($0, fields.path("delay"), in: Span.zero...QueueConfiguration.delayMax) }
        guard let name, let destination, let arrivals, let size, let batchSize, let linger else { return nil }
        if let n = fields["schedule"], schedule == nil { _ = n; return nil }
        if case .renewal = arrivals, schedule != nil, let n = fields["schedule"] {
            reader.fail(n, fields.path("schedule"), "a rate schedule applies to poisson(...) and constant(...) arrivals, not to renewal(...)")
            return nil
        }
        if case .some(.none) = delay { return nil }
        var specification = ProducerSpecification(name: name, arrivals: arrivals, schedule: schedule, messageSize: size,
                                                  attributeCount: attributeCount, attributeBytes: attributeBytes,
                                                  batchSize: batchSize, batchLinger: linger, delay: delay ?? nil)
        let target: (name: String, isFifo: Bool, contentBasedDeduplication: Bool, kind: String)
        switch destination {
        case .queue(let index): target = (queues[index].name, queues[index].isFifo, queues[index].contentBasedDeduplication, "queue")
        case .topic(let index): target = (topics[index].name, topics[index].isFifo, topics[index].contentBasedDeduplication, "topic")
        }
        if let n = fields["messageGroups"] {
            specification.messageGroups = reader.integer(n, fields.path("messageGroups"), in: 1...100_000_000) ?? 0
        }
        if target.isFifo && specification.messageGroups == 0 {
            reader.fail(node, fields.path("messageGroups"), "a producer sending to FIFO \(target.kind) '\(target.name)' needs messageGroups (how many MessageGroupIds it uses)")
        }
        if !target.isFifo, let n = fields["messageGroups"] {
            reader.fail(n, fields.path("messageGroups"), "message groups apply to FIFO queues and topics; '\(target.name)' is standard")
        }
        if let n = fields["deduplicationId"], let text = reader.string(n, fields.path("deduplicationId")) {
            if let mode = ProducerSpecification.DeduplicationIDs(rawValue: text) {
                specification.deduplicationId = mode
            } else {
                reader.fail(n, fields.path("deduplicationId"), "'\(text)' is not valid; expected one of perMessage, perAttempt, none")
            }
            if !target.isFifo { reader.fail(n, fields.path("deduplicationId"), "deduplication IDs apply to FIFO queues and topics; '\(target.name)' is standard") }
        }
        if target.isFifo && specification.deduplicationId == .none && !target.contentBasedDeduplication {
            reader.fail(fields["deduplicationId"] ?? node, fields.path("deduplicationId"),
                        "with deduplicationId: none, FIFO \(target.kind) '\(target.name)' needs contentBasedDeduplication: true")
        }
        if target.isFifo, let n = fields["delay"] {
            reader.fail(n, fields.path("delay"), "FIFO queues take no per-message delay; set the queue's delay instead")
        }
        if let n = fields["responseLoss"] { specification.responseLoss = reader.probability(n, fields.path("responseLoss")) ?? 0 }
        if let n = fields["poisonFraction"] { specification.poisonFraction = reader.probability(n, fields.path("poisonFraction")) ?? 0 }
        if let n = fields["retry"] { specification.retryPolicy = retry(n, fields.path("retry")) }
        if let n = fields["principal"] { specification.principal = reader.string(n, fields.path("principal")) }
        if let n = fields["extendedClient"] { specification.extendedClient = extendedClient(n, fields.path("extendedClient")) }
        if let n = fields["messageAttributes"] {
            specification.messageAttributes = attributeGenerators(n, fields.path("messageAttributes"), body: false) ?? []
            if case .queue = destination, specification.attributeCount + specification.messageAttributes.count > QueueConfiguration.attributesMax {
                reader.fail(n, fields.path("messageAttributes"), "a queue message has at most \(QueueConfiguration.attributesMax) attributes")
            }
        }
        if let n = fields["messageBody"] { specification.bodyFields = attributeGenerators(n, fields.path("messageBody"), body: true) ?? [] }
        if case .topic = destination {
            for key in ["attributes", "delay", "extendedClient"] {
                guard let n = fields[key] else { continue }
                let why = key == "attributes" ? "a topic's filter policies need values: give messageAttributes instead"
                    : key == "delay" ? "Publish takes no delay; a subscribed queue's own delay applies"
                    : "the extended client here is for queues"
                reader.fail(n, fields.path(key), "\(key) does not apply to a producer publishing to a topic: \(why)")
            }
        } else if let n = fields["messageBody"] {
            reader.fail(n, fields.path("messageBody"), "messageBody gives the JSON fields topic filter policies read; this producer sends to a queue")
        }
        return ScenarioModel.ProducerEntry(specification: specification, target: destination)
    }

    /// `queue/<name>` or `topic/<name>`.
    func producerTarget(_ node: Node, _ path: String, queues: [QueueConfiguration], topics: [TopicConfiguration]) -> ScenarioModel.ProducerEntry.Target? {
        guard let text = reader.string(node, path) else { return nil }
        if text.hasPrefix("topic/") {
            return reference(node, path, prefix: "topic", names: topics.map(\.name)).map { .topic($0) }
        }
        if !text.hasPrefix("queue/") && !topics.isEmpty {
            reader.fail(node, path, "'\(text)' names no queue or topic; write queue/<name> or topic/<name>")
            return nil
        }
        return reference(node, path, prefix: "queue", names: queues.map(\.name)).map { .queue($0) }
    }

    /// `poisson(rate=40/s)`, `constant(rate=10/s)` or `renewal(<duration distribution>)`.
    func arrivalProcess(_ node: Node, _ path: String) -> ArrivalProcess? {
        guard let text = reader.scalar(node, path, expected: "an arrival process such as poisson(rate=40/s)") else { return nil }
        let kinds = ["poisson", "constant", "renewal"]
        let call: CallExpression
        do { call = try CallExpression.parse(text) } catch {
            reader.failInside(node, path, offset: error.offset, error.message)
            return nil
        }
        switch call.name {
        case "poisson", "constant":
            guard call.arguments.count == 1, let argument = call.arguments.first, argument.label == nil || argument.label == "rate",
                  case .atom(let rateText) = argument.value else {
                reader.failInside(node, path, offset: 0, "\(call.name) arrivals take one parameter, rate, e.g. \(call.name)(rate=40/s)")
                return nil
            }
            do {
                let rate = try Units.parseRate(rateText)
                guard rate > 0 else {
                    reader.failInside(node, path, offset: argument.offset, "the rate must be positive")
                    return nil
                }
                return call.name == "poisson" ? .poisson(ratePerSecond: rate) : .constant(ratePerSecond: rate)
            } catch {
                reader.failInside(node, path, offset: argument.offset, error.message)
                return nil
            }
        case "renewal":
            guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
                reader.failInside(node, path, offset: 0, "renewal arrivals take a distribution of gaps, e.g. renewal(gamma(shape=2, scale=10ms))")
                return nil
            }
            let inner = String(text[text.index(after: open)..<close])
            let innerOffset = text.distance(from: text.startIndex, to: open) + 1
            do {
                let gaps = try Distribution.parse(inner, kind: .duration) { name in
                    try EmpiricalSamples.parse(try readFile(name), file: name, kind: .duration)
                }
                return .renewal(gaps)
            } catch {
                reader.failInside(node, path, offset: innerOffset + error.offset, error.message)
                return nil
            }
        default:
            let hint = nearest(call.name, in: kinds).map { "did you mean '\($0)'? " } ?? ""
            reader.failInside(node, path, offset: 0, "unknown arrival process '\(call.name)'; \(hint)valid: poisson(rate=…), constant(rate=…), renewal(<distribution>)")
            return nil
        }
    }

    func rateSchedule(_ node: Node, _ path: String) -> RateSchedule? {
        guard let items = reader.sequence(node, path) else { return nil }
        var steps: [RateSchedule.Step] = []
        var ok = true
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let fields = reader.mapping(item, itemPath, allowed: ScenarioKeys.scheduleStep) else { ok = false; continue }
            guard let fromNode = fields["from"], let rateNode = fields["rate"] else {
                reader.fail(item, itemPath, "each step needs 'from' and 'rate', e.g. { from: 10m, rate: 200/s }")
                ok = false
                continue
            }
            guard let from = reader.duration(fromNode, fields.path("from")), let rate = reader.rate(rateNode, fields.path("rate")) else {
                ok = false
                continue
            }
            if let last = steps.last, Instant(nanoseconds: from.nanoseconds) <= last.from {
                reader.fail(fromNode, fields.path("from"), "steps must start at increasing times; this one starts no later than the one before")
                ok = false
                continue
            }
            steps.append(RateSchedule.Step(from: Instant(nanoseconds: from.nanoseconds), ratePerSecond: rate))
        }
        if items.isEmpty { reader.fail(node, path, "a schedule needs at least one step"); ok = false }
        return ok ? RateSchedule(steps: steps) : nil
    }

    func consumer(_ node: Node, _ path: String, queueNames: [String]) -> ScenarioModel.ConsumerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.consumer) else { return nil }
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every consumer fleet needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let queue = need("source").flatMap { reference($0, fields.path("source"), prefix: "queue", names: queueNames) }
        let processing = need("processing").flatMap { distribution($0, fields.path("processing"), kind: .duration) }
        let count = fields["count"].map { reader.integer($0, fields.path("count"), in: 1...100_000) } ?? 1
        let maxMessages = fields["maxMessages"].map { reader.integer($0, fields.path("maxMessages"), in: QueueConfiguration.receiveMessagesRange) } ?? 1
        let waitTime = fields["waitTime"].map { reader.duration($0, fields.path("waitTime"), in: Span.zero...QueueConfiguration.waitTimeMax) }
            ?? .seconds(20)
        let visibility = fields["visibilityTimeout"].map {
            reader.duration($0, fields.path("visibilityTimeout"), in: Span.zero...QueueConfiguration.visibilityTimeoutMax)
        }
        let failure = fields["failureProbability"].map { reader.probability($0, fields.path("failureProbability")) } ?? 0
        let emptyDelay = fields["emptyReceiveDelay"].map { reader.duration($0, fields.path("emptyReceiveDelay"), in: Span.zero...Span.seconds(3600)) }
            ?? .zero
        let scaling = fields["scaling"].map { autoscalingPolicy($0, fields.path("scaling")) }
        if scaling != nil, let n = fields["count"] {
            reader.fail(n, fields.path("count"), "an autoscaled fleet has no count: it runs from scaling.min to scaling.max consumers; remove count")
            return nil
        }
        guard let name, let queue, let processing, let count, let maxMessages, let waitTime, let failure, let emptyDelay else { return nil }
        if case .some(.none) = visibility { return nil }
        if case .some(.none) = scaling { return nil }
        var specification = ConsumerSpecification(name: name, count: scaling??.instanceCountMax ?? count, maxMessages: maxMessages,
                                                  waitTime: waitTime, visibilityTimeout: visibility ?? nil, processing: processing,
                                                  failureProbability: failure, emptyReceiveDelay: emptyDelay)
        if let n = fields["retry"] { specification.retryPolicy = retry(n, fields.path("retry")) }
        if let n = fields["principal"] { specification.principal = reader.string(n, fields.path("principal")) }
        return ScenarioModel.ConsumerEntry(specification: specification, queue: queue, scaling: scaling ?? nil)
    }

    /// `scaling: { min: 2, max: 40, targetBacklogPerInstance: 100, … }` inside a consumer fleet.
    /// Ranges are the policy's own (`AutoscalingPolicy.problems()`), reported at the key they name.
    func autoscalingPolicy(_ node: Node, _ path: String) -> AutoscalingPolicy? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.scaling) else { return nil }
        var valid = true
        for key in ["min", "max", "targetBacklogPerInstance"] where fields[key] == nil {
            reader.fail(node, fields.path(key), "missing; an autoscaled fleet needs '\(key)', e.g. scaling: { min: 2, max: 40, targetBacklogPerInstance: 100 }")
            valid = false
        }
        var policy = AutoscalingPolicy(instanceCountMin: 0, instanceCountMax: 1, targetBacklogPerInstance: 1)
        func set<T>(_ key: String, _ parse: (Node, String) -> T?, _ apply: (T) -> Void) {
            guard let n = fields[key] else { return }
            if let value = parse(n, fields.path(key)) { apply(value) } else { valid = false }
        }
        set("min", { reader.integer($0, $1) }) { policy.instanceCountMin = $0 }
        set("max", { reader.integer($0, $1) }) { policy.instanceCountMax = $0 }
        set("targetBacklogPerInstance", { reader.number($0, $1) }) { policy.targetBacklogPerInstance = $0 }
        set("metricPeriod", { reader.duration($0, $1) }) { policy.metricPeriod = $0 }
        set("scaleOutCooldown", { reader.duration($0, $1) }) { policy.scaleOutCooldown = $0 }
        set("scaleInCooldown", { reader.duration($0, $1) }) { policy.scaleInCooldown = $0 }
        set("warmup", { reader.duration($0, $1) }) { policy.warmup = $0 }
        guard valid else { return nil }
        guard report(policy.problems(), in: fields, keys: [("instanceCountMin", "min"), ("instanceCountMax", "max")]) else { return nil }
        // The fleet makes all its consumers at once, so max is bounded like a fixed fleet's count.
        if policy.instanceCountMax > Self.fleetSizeMax, let n = fields["max"] {
            reader.fail(n, fields.path("max"), "\(policy.instanceCountMax) is out of range; expected at most \(Self.fleetSizeMax)")
            return nil
        }
        return policy
    }

    /// The most consumers one fleet may have.
    static let fleetSizeMax = 100_000

    /// Reports a specification's problems, each at the key it names; returns whether there were none.
    /// `keys` renames a specification's field to the file's key where they differ, in the message too.
    func report(_ problems: [(field: String, message: String)], in fields: Fields, keys: [(field: String, key: String)] = []) -> Bool {
        for problem in problems {
            let key = keys.first { $0.field == problem.field }?.key ?? problem.field
            var message = problem.message
            for rename in keys { message = message.replacing(rename.field, with: rename.key) }
            reader.fail(fields[key] ?? fields.node, fields.path(key), message)
        }
        return problems.isEmpty
    }

    // MARK: Functions

    /// A Lambda function reading a queue through an event source mapping. Ranges are the
    /// specification's own (`LambdaEventSourceMappingSpecification.problems()`).
    func function(_ node: Node, _ path: String, queues: [QueueConfiguration], fleetNames: [String]) -> ScenarioModel.FunctionEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.function) else { return nil }
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every function needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let queue = need("source").flatMap { reference($0, fields.path("source"), prefix: "queue", names: queues.map(\.name)) }
        let duration = need("duration").flatMap { distribution($0, fields.path("duration"), kind: .duration) }
        var valid = name != nil && queue != nil && duration != nil
        var specification = LambdaEventSourceMappingSpecification(name: name ?? "", duration: duration ?? .constant(0))
        func set<T>(_ key: String, _ parse: (Node, String) -> T?, _ apply: (T) -> Void) {
            guard let n = fields[key] else { return }
            if let value = parse(n, fields.path(key)) { apply(value) } else { valid = false }
        }
        set("batchSize", { reader.integer($0, $1) }) { specification.batchSize = $0 }
        set("batchingWindow", { reader.duration($0, $1) }) { specification.batchingWindow = $0 }
        set("maximumConcurrency", { reader.integer($0, $1) }) { specification.maximumConcurrency = $0 }
        set("coldStart", { distribution($0, $1, kind: .duration) }) { specification.coldStart = $0 }
        set("failureProbability", { reader.number($0, $1) }) { specification.failureProbability = $0 }
        set("partialBatchFailureProbability", { reader.number($0, $1) }) { specification.partialBatchFailureProbability = $0 }
        set("reportBatchItemFailures", { reader.boolean($0, $1) }) { specification.reportBatchItemFailures = $0 }
        set("accountConcurrencyLimit", { reader.integer($0, $1) }) { specification.accountConcurrencyLimit = $0 }
        var memoryMB = ScenarioModel.defaultFunctionMemoryMB
        set("memory", functionMemoryMB) { memoryMB = $0 }
        guard valid, let name, let queue else { return nil }
        guard report(specification.problems(), in: fields) else { return nil }
        if queues[queue].isFifo && specification.batchSize > QueueConfiguration.receiveMessagesRange.upperBound {
            reader.fail(fields["batchSize"], fields.path("batchSize"),
                        "a function reading FIFO queue '\(queues[queue].name)' takes batches of 1 to 10, not \(specification.batchSize)")
            return nil
        }
        if fleetNames.contains(name) {
            reader.fail(fields["name"], fields.path("name"), "'\(name)' already names a consumer fleet; functions and fleets share one namespace in faults and reports")
            return nil
        }
        var entry = ScenarioModel.FunctionEntry(specification: specification, queue: queue, memoryMB: memoryMB)
        if let n = fields["principal"] { entry.principal = reader.string(n, fields.path("principal")) }
        return entry
    }

    /// A function's `memory`: 128 MiB to 10,240 MiB in whole MiB (Lambda's MB), in MB.
    func functionMemoryMB(_ node: Node, _ path: String) -> Int? {
        let mebibyte = 1_048_576, range = ScenarioModel.functionMemoryMBRange
        guard let bytes = reader.size(node, path, in: range.lowerBound * mebibyte...range.upperBound * mebibyte) else { return nil }
        guard bytes % mebibyte == 0 else {
            reader.fail(node, path, "Lambda memory comes in whole MiB (Lambda's MB), e.g. 512MiB")
            return nil
        }
        return bytes / mebibyte
    }

    func retry(_ node: Node, _ path: String) -> RetryPolicy? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.retry) else { return nil }
        let standard = RetryPolicy.standard
        let attempts = fields["maxAttempts"].map { reader.integer($0, fields.path("maxAttempts"), in: 1...100) } ?? standard.maxAttempts
        let base = fields["baseDelay"].map { reader.duration($0, fields.path("baseDelay"), in: Span.zero...Span.seconds(3600)) } ?? standard.baseDelay
        let cap = fields["maxBackoff"].map { reader.duration($0, fields.path("maxBackoff"), in: Span.zero...Span.seconds(3600)) } ?? standard.maxBackoff
        guard let attempts, let base, let cap else { return nil }
        return RetryPolicy(maxAttempts: attempts, baseDelay: base, maxBackoff: cap)
    }

    // MARK: Faults

    func fault(_ node: Node, _ path: String, fleets: [ConsumerSpecification], functions: [String], streamConsumers: [String] = [],
               end: Span) -> Fault? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.fault) else { return nil }
        let actions = ["crash", "pause", "apiLatency", "apiErrors"].filter { fields[$0] != nil }
        guard actions.count == 1, let action = actions.first else {
            reader.fail(node, path, actions.isEmpty
                ? "a fault needs one of crash, pause, apiLatency, apiErrors"
                : "a fault does one thing; this one has \(actions.joined(separator: " and ")): split it into separate faults")
            return nil
        }
        let at = fields["at"].map { reader.duration($0, fields.path("at")) }
        let from = fields["from"].map { reader.duration($0, fields.path("from")) }
        let to = fields["to"].map { reader.duration($0, fields.path("to")) }
        if case .some(.none) = at { return nil }
        if case .some(.none) = from { return nil }
        if case .some(.none) = to { return nil }

        func fleetIndex(_ spec: Fields) -> Int? {
            guard let n = spec["consumers"] else {
                reader.fail(spec.node, spec.path("consumers"), "missing; name the consumer fleet, e.g. consumers: workers")
                return nil
            }
            guard let name = reader.string(n, spec.path("consumers")) else { return nil }
            guard let index = fleets.firstIndex(where: { $0.name == name }) else {
                if functions.contains(name) {
                    reader.fail(n, spec.path("consumers"), "'\(name)' is a function; faults crash or pause consumer fleets, not functions")
                    return nil
                }
                if streamConsumers.contains(name) {
                    reader.fail(n, spec.path("consumers"), "'\(name)' reads a stream by enhanced fan-out or Lambda; faults crash or pause consumer fleets and crash KCL applications' workers")
                    return nil
                }
                let hint = nearest(name, in: fleets.map(\.name)).map { " Did you mean '\($0)'?" } ?? ""
                reader.fail(n, spec.path("consumers"), "no consumer fleet named '\(name)'; fleets: \(fleets.map(\.name).joined(separator: ", ")).\(hint)")
                return nil
            }
            return index
        }
        func interval() -> (Instant, Instant)? {
            guard let from = from ?? nil, let to = to ?? nil else {
                reader.fail(node, path, "\(action) lasts over an interval: give 'from' and 'to', e.g. from: 20m, to: 21m")
                return nil
            }
            guard from < to else {
                reader.fail(fields["to"], fields.path("to"), "'to' must come after 'from'")
                return nil
            }
            return (Instant(nanoseconds: from.nanoseconds), Instant(nanoseconds: to.nanoseconds))
        }

        switch action {
        case "crash":
            guard let spec = reader.mapping(fields["crash"]!, fields.path("crash"), allowed: ScenarioKeys.crash),
                  let fleet = fleetIndex(spec) else { return nil }
            guard let at = at ?? nil else {
                reader.fail(node, path, "a crash happens at an instant: give 'at', e.g. at: 15m")
                return nil
            }
            let count = spec["count"].map { reader.integer($0, spec.path("count"), in: 1...fleets[fleet].count) } ?? fleets[fleet].count
            let restart = fields["restartAfter"].map { reader.duration($0, fields.path("restartAfter"), in: Span(nanoseconds: 1)...Span.seconds(366 * 86_400)) }
            guard let count else { return nil }
            if case .some(.none) = restart { return nil }
            return .crash(fleet: fleet, count: count, at: Instant(nanoseconds: at.nanoseconds), restartAfter: restart ?? nil)
        case "pause":
            guard let spec = reader.mapping(fields["pause"]!, fields.path("pause"), allowed: ScenarioKeys.pause),
                  let fleet = fleetIndex(spec), let (from, to) = interval() else { return nil }
            let count = spec["count"].map { reader.integer($0, spec.path("count"), in: 1...fleets[fleet].count) }
            if case .some(.none) = count { return nil }
            return .pause(fleet: fleet, count: count ?? nil, from: from, to: to)
        case "apiLatency":
            guard let latency = distribution(fields["apiLatency"]!, fields.path("apiLatency"), kind: .duration),
                  let (from, to) = interval() else { return nil }
            return .apiLatency(latency, from: from, to: to)
        default:
            guard let fraction = reader.probability(fields["apiErrors"]!, fields.path("apiErrors")), let (from, to) = interval() else { return nil }
            return .apiErrors(fraction: fraction, from: from, to: to)
        }
    }
}
