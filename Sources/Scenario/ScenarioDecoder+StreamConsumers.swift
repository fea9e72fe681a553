import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// What reads a Kinesis data stream, in scenario files: `consumers:` whose source is
/// `stream/<name>` (a KCL application, or with `type: enhancedFanOut` an enhanced fan-out
/// consumer), `functions:` whose source is a stream (a Lambda event source mapping), and crashes
/// of KCL workers in `faults:`.
extension ScenarioBuilder {
    /// Whether a `consumers:` or `functions:` item reads a stream rather than a queue.
    static func readsStream(_ node: Node) -> Bool {
        node.mapping?["source"]?.string?.hasPrefix("stream/") == true
    }

    /// A `consumers:` item whose source is a stream.
    func streamConsumer(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.StreamConsumerEntry? {
        let typeNode = node.mapping?["type"]
        switch typeNode?.string ?? "kcl" {
        case "kcl": return kclConsumer(node, path, streams: streams)
        case "enhancedFanOut": return enhancedFanOutConsumer(node, path, streams: streams)
        default:
            reader.fail(typeNode, "\(path).type", "'\(typeNode?.string ?? "")' is not a stream consumer type; expected kcl (the default) or enhancedFanOut")
            return nil
        }
    }

    /// The name and the stream every stream consumer has; problems are reported.
    func consumerIdentity(_ fields: Fields, _ node: Node, streams: [StreamConfiguration], what: String) -> (name: String, stream: Int)? {
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every \(what) needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let stream = need("source").flatMap { reference($0, fields.path("source"), prefix: "stream", names: streams.map(\.name)) }
        guard let name, let stream else { return nil }
        return (name, stream)
    }

    /// A stream consumer's `processing`, the time one record takes; required.
    func recordProcessing(_ fields: Fields, _ node: Node) -> Distribution? {
        guard let n = fields["processing"] else {
            reader.fail(node, fields.path("processing"), "missing; how long one record takes to process, e.g. processing: 2ms")
            return nil
        }
        return distribution(n, fields.path("processing"), kind: .duration)
    }

    /// Reads the keys present with `parse`; returns whether every one parsed.
    func apply(_ fields: Fields, _ setters: [(key: String, set: (Node, String) -> Bool)]) -> Bool {
        var valid = true
        for (key, set) in setters {
            guard let n = fields[key] else { continue }
            if !set(n, fields.path(key)) { valid = false }
        }
        return valid
    }

    /// A KCL consumer application. Ranges are the specification's own
    /// (`KinesisClientSpecification.problems()`).
    func kclConsumer(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.StreamConsumerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.kclConsumer) else { return nil }
        let identity = consumerIdentity(fields, node, streams: streams, what: "KCL application")
        let processing = recordProcessing(fields, node)
        var specification = KinesisClientSpecification(name: identity?.name ?? "", processing: processing ?? .constant(0))
        var valid = identity != nil && processing != nil
        valid = apply(fields, [
            ("workers", { n, p in reader.integer(n, p, in: 1...Self.kclWorkersMax).map { specification.workers = $0 } != nil }),
            ("pollInterval", { n, p in reader.duration(n, p).map { specification.pollInterval = $0 } != nil }),
            ("maxRecords", { n, p in reader.integer(n, p).map { specification.maxRecords = $0 } != nil }),
            ("batchOverhead", { n, p in distribution(n, p, kind: .duration).map { specification.batchOverhead = $0 } != nil }),
            ("failureProbability", { n, p in reader.probability(n, p).map { specification.failureProbability = $0 } != nil }),
            ("failedBatch", { n, p in
                guard let text = reader.string(n, p) else { return false }
                guard let choice = KinesisClientSpecification.FailedBatch(rawValue: text) else {
                    reader.fail(n, p, "'\(text)' is not valid; expected retry (the application processes the batch again) or skip (the KCL's own behaviour)")
                    return false
                }
                specification.failedBatch = choice
                return true
            }),
            ("taskBackoff", { n, p in reader.duration(n, p).map { specification.taskBackoff = $0 } != nil }),
            ("checkpointEveryRecords", { n, p in reader.integer(n, p).map { specification.checkpointEveryRecords = $0 } != nil }),
            ("checkpointInterval", { n, p in
                if n.string == "none" { specification.checkpointInterval = nil; return true }
                return reader.duration(n, p).map { specification.checkpointInterval = $0 } != nil
            }),
            ("initialPosition", { n, p in
                guard let position = startingPosition(n, p) else { return false }
                switch position {
                case .trimHorizon: specification.initialPosition = .trimHorizon
                case .latest: specification.initialPosition = .latest
                case .atTimestamp(let instant): specification.initialPosition = .atTimestamp(instant)
                case .atSequenceNumber, .afterSequenceNumber: return false
                }
                return true
            }),
            ("failoverTime", { n, p in reader.duration(n, p).map { specification.failoverTime = $0 } != nil }),
            ("leaseRenewInterval", { n, p in reader.duration(n, p).map { specification.leaseRenewInterval = $0 } != nil }),
            ("maxLeasesForWorker", { n, p in reader.integer(n, p).map { specification.maxLeasesForWorker = $0 } != nil }),
        ]) && valid
        guard valid, let identity else { return nil }
        guard report(specification.problems(), in: fields) else { return nil }
        return ScenarioModel.StreamConsumerEntry(name: identity.name, stream: identity.stream, kind: .kcl(specification))
    }

    /// The most workers one KCL application starts with.
    static let kclWorkersMax = 10_000

    /// An enhanced fan-out consumer. At most 20 may be registered on a stream
    /// (`stream.enhancedFanOutConsumersMax`); the build checks the count per stream.
    func enhancedFanOutConsumer(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.StreamConsumerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.enhancedFanOutConsumer) else { return nil }
        let identity = consumerIdentity(fields, node, streams: streams, what: "enhanced fan-out consumer")
        let processing = recordProcessing(fields, node)
        var specification = EnhancedFanOutSpecification(name: identity?.name ?? "", processing: processing ?? .constant(0))
        var valid = identity != nil && processing != nil
        valid = apply(fields, [
            ("initialPosition", { n, p in startingPosition(n, p).map { specification.initialPosition = $0 } != nil }),
            ("pushInterval", { n, p in reader.duration(n, p).map { specification.pushInterval = $0 } != nil }),
            ("principal", { n, p in reader.string(n, p).map { specification.principal = $0 } != nil }),
        ]) && valid
        guard valid, let identity else { return nil }
        guard report(specification.problems(), in: fields) else { return nil }
        return ScenarioModel.StreamConsumerEntry(name: identity.name, stream: identity.stream, kind: .enhancedFanOut(specification))
    }

    /// A `functions:` item whose source is a stream. Ranges are the specification's own
    /// (`StreamEventSourceMappingSpecification.problems()`).
    func streamFunction(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.StreamConsumerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.streamFunction) else { return nil }
        let identity = consumerIdentity(fields, node, streams: streams, what: "function")
        var valid = identity != nil
        var specification = StreamEventSourceMappingSpecification(name: identity?.name ?? "", duration: .constant(0))
        if let n = fields["duration"] {
            if let duration = distribution(n, fields.path("duration"), kind: .duration) { specification.duration = duration } else { valid = false }
        } else {
            reader.fail(node, fields.path("duration"), "missing; every function needs 'duration'")
            valid = false
        }
        var memoryMB = ScenarioModel.defaultFunctionMemoryMB
        valid = apply(fields, [
            ("batchSize", { n, p in reader.integer(n, p).map { specification.batchSize = $0 } != nil }),
            ("batchingWindow", { n, p in reader.duration(n, p).map { specification.batchingWindow = $0 } != nil }),
            ("parallelizationFactor", { n, p in reader.integer(n, p).map { specification.parallelizationFactor = $0 } != nil }),
            ("startingPosition", { n, p in startingPosition(n, p).map { specification.startingPosition = $0 } != nil }),
            ("coldStart", { n, p in distribution(n, p, kind: .duration).map { specification.coldStart = $0 } != nil }),
            ("failureProbability", { n, p in reader.probability(n, p).map { specification.failureProbability = $0 } != nil }),
            ("maximumRetryAttempts", { n, p in reader.integer(n, p).map { specification.maximumRetryAttempts = $0 } != nil }),
            ("maximumRecordAge", { n, p in reader.duration(n, p).map { specification.maximumRecordAge = $0 } != nil }),
            ("bisectBatchOnFunctionError", { n, p in reader.boolean(n, p).map { specification.bisectBatchOnFunctionError = $0 } != nil }),
            ("accountConcurrencyLimit", { n, p in reader.integer(n, p).map { specification.accountConcurrencyLimit = $0 } != nil }),
            ("principal", { n, p in reader.string(n, p).map { specification.principal = $0 } != nil }),
            ("memory", { n, p in functionMemoryMB(n, p).map { memoryMB = $0 } != nil }),
        ]) && valid
        guard valid, let identity else { return nil }
        guard report(specification.problems(), in: fields) else { return nil }
        return ScenarioModel.StreamConsumerEntry(name: identity.name, stream: identity.stream, kind: .lambda(specification, memoryMB: memoryMB))
    }

    /// `TRIM_HORIZON` (or `trimHorizon`), `LATEST` (`latest`), or `{ atTimestamp: 5m }`: where a
    /// consumer starts in the shards it finds at the start.
    func startingPosition(_ node: Node, _ path: String) -> ShardIteratorType? {
        if case .mapping = node {
            guard let fields = reader.mapping(node, path, allowed: ["atTimestamp"]), let n = fields["atTimestamp"] else {
                reader.fail(node, path, "expected TRIM_HORIZON, LATEST or { atTimestamp: 5m }")
                return nil
            }
            return reader.duration(n, fields.path("atTimestamp")).map { .atTimestamp(Instant(nanoseconds: $0.nanoseconds)) }
        }
        guard let text = reader.scalar(node, path, expected: "TRIM_HORIZON, LATEST or { atTimestamp: 5m }") else { return nil }
        switch text {
        case "TRIM_HORIZON", "trimHorizon": return .trimHorizon
        case "LATEST", "latest": return .latest
        default:
            reader.fail(node, path, "'\(text)' is not a starting position; expected TRIM_HORIZON, LATEST or { atTimestamp: 5m }")
            return nil
        }
    }

    /// Every stream's enhanced fan-out consumers fit its 20 registrations; consumer names are
    /// unique among stream consumers and apart from queue consumers and functions.
    func checkStreamConsumers(_ items: [(node: Node, path: String, entry: ScenarioModel.StreamConsumerEntry)], streams: [StreamConfiguration],
                              otherNames: [String]) {
        for (index, stream) in streams.enumerated() {
            let registered = items.filter { if case .enhancedFanOut = $0.entry.kind { $0.entry.stream == index } else { false } }
            if registered.count > stream.enhancedFanOutConsumersMax {
                let extra = registered[stream.enhancedFanOutConsumersMax]
                reader.fail(extra.node, extra.path, "stream '\(stream.name)' has \(registered.count) enhanced fan-out consumers; "
                            + "a stream registers at most \(stream.enhancedFanOutConsumersMax)")
            }
        }
        for (i, item) in items.enumerated()
        where items[..<i].contains(where: { $0.entry.name == item.entry.name }) || otherNames.contains(item.entry.name) {
            reader.fail(item.node.mapping?["name"] ?? item.node, item.path + ".name",
                        "a consumer or function named '\(item.entry.name)' already exists; names must be unique")
        }
    }

    // MARK: Faults

    /// Whether a `faults:` item crashes or pauses one of `names` (the KCL applications).
    static func targetsStreamConsumer(_ node: Node, names: [String]) -> Bool {
        guard let fields = node.mapping else { return false }
        let target = fields["crash"]?.mapping?["consumers"]?.string ?? fields["pause"]?.mapping?["consumers"]?.string
        return target.map(names.contains) ?? false
    }

    /// `{ at: 5m, crash: { consumers: app, count: 1 }, restartAfter: 2m }` for a KCL application:
    /// workers 0 ..< count crash. Pauses are for consumer fleets.
    func kclCrash(_ node: Node, _ path: String, consumers: [ScenarioModel.StreamConsumerEntry], declared: [String]) -> KCLWorkerEvent? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.fault) else { return nil }
        guard let crashNode = fields["crash"] else {
            reader.fail(node, path, "a KCL application's workers crash (crash: { consumers: …, count: … }); pause, apiLatency and apiErrors do not apply to them")
            return nil
        }
        for key in ["from", "to", "pause", "apiLatency", "apiErrors"] where fields[key] != nil {
            reader.fail(fields[key], fields.path(key), "a crash happens at an instant ('at'); remove '\(key)'")
            return nil
        }
        guard let spec = reader.mapping(crashNode, fields.path("crash"), allowed: ScenarioKeys.crash),
              let (index, count) = kclWorkers(spec, consumers: consumers, declared: declared) else { return nil }
        guard let at = instant(fields, node, path, what: "a crash") else { return nil }
        let restart = fields["restartAfter"].map { reader.duration($0, fields.path("restartAfter"), in: Span(nanoseconds: 1)...Span.seconds(366 * 86_400)) }
        if case .some(.none) = restart { return nil }
        return KCLWorkerEvent(consumer: index, count: count, at: at, action: .crash(restartAfter: restart ?? nil))
    }

    /// Whether an `operations:` item adds or removes KCL workers.
    static func changesKCLWorkers(_ node: Node) -> Bool {
        node.mapping?["addWorkers"] != nil || node.mapping?["removeWorkers"] != nil
    }

    /// `{ at: 5m, addWorkers: { consumers: app, count: 2 } }` or
    /// `{ at: 8m, removeWorkers: { consumers: app, count: 1 } }`.
    func kclWorkerChange(_ node: Node, _ path: String, consumers: [ScenarioModel.StreamConsumerEntry], declared: [String]) -> KCLWorkerEvent? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.operation) else { return nil }
        let actions = ["purge", "startMessageMoveTask", "addWorkers", "removeWorkers"].filter { fields[$0] != nil }
        guard actions.count == 1, let key = actions.first else {
            reader.fail(node, path, "an operation does one thing; this one has \(actions.joined(separator: " and ")): split it")
            return nil
        }
        guard let spec = reader.mapping(fields[key]!, fields.path(key), allowed: ScenarioKeys.crash),
              let (index, count) = kclWorkers(spec, consumers: consumers, declared: declared, capped: key == "removeWorkers"),
              let at = instant(fields, node, path, what: "a change of workers") else { return nil }
        return KCLWorkerEvent(consumer: index, count: count, at: at, action: key == "addWorkers" ? .join : .leave)
    }

    /// The KCL application `consumers` names and how many workers `count` says (all of them by
    /// default when `capped`; one to add otherwise). `declared` names the KCL applications of the
    /// file, decoded or not: one with a mistake of its own was reported where it is.
    func kclWorkers(_ spec: Fields, consumers: [ScenarioModel.StreamConsumerEntry], declared: [String], capped: Bool = true) -> (Int, Int)? {
        guard let n = spec["consumers"] else {
            reader.fail(spec.node, spec.path("consumers"), "missing; name the KCL application, e.g. consumers: sessionizer")
            return nil
        }
        guard let name = reader.string(n, spec.path("consumers")) else { return nil }
        guard let index = consumers.firstIndex(where: { $0.name == name }) else {
            if !declared.contains(name) {
                let hint = nearest(name, in: declared).map { " Did you mean '\($0)'?" } ?? ""
                reader.fail(n, spec.path("consumers"), "no KCL application named '\(name)'; KCL applications: \(declared.joined(separator: ", ")).\(hint)")
            }
            return nil
        }
        guard case .kcl(let specification) = consumers[index].kind else {
            reader.fail(n, spec.path("consumers"), "'\(name)' is not a KCL application; only KCL applications have workers")
            return nil
        }
        let range = capped ? 1...specification.workers : 1...Self.kclWorkersMax
        let count = spec["count"].map { reader.integer($0, spec.path("count"), in: range) } ?? (capped ? specification.workers : 1)
        guard let count else { return nil }
        return (index, count)
    }

    /// The `at` of an event that happens at an instant.
    func instant(_ fields: Fields, _ node: Node, _ path: String, what: String) -> Instant? {
        guard let atNode = fields["at"] else {
            reader.fail(node, path, "\(what) happens at an instant: give 'at', e.g. at: 15m")
            return nil
        }
        return reader.duration(atNode, fields.path("at")).map { Instant(nanoseconds: $0.nanoseconds) }
    }
}
