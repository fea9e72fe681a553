import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// Analytics applications in scenario files.
extension ScenarioBuilder {
    /// An application over `source: stream/<name>` with its window, aggregates, grouping, value,
    /// event time, watermark, reference table and output.
    func analytics(_ node: Node, _ path: String, streams: [StreamConfiguration], deliveryStreams: [ScenarioModel.DeliveryStreamEntry])
        -> ScenarioModel.AnalyticsEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.analytics) else { return nil }
        func need(_ key: String, _ example: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every analytics application needs '\(key)', e.g. \(key): \(example)")
            return nil
        }
        let name = need("name", "per-key-counts").flatMap { reader.string($0, fields.path("name")) }
        let stream = need("source", "stream/clicks").flatMap { reference($0, fields.path("source"), prefix: "stream", names: streams.map(\.name)) }
        let windowNode = need("window", "tumbling(60s)")
        let windowText = windowNode.flatMap { reader.string($0, fields.path("window")) }
        let window = windowNode.flatMap { self.window($0, fields.path("window")) }
        let aggregates = need("aggregates", "[count, p99]").flatMap { self.aggregates($0, fields.path("aggregates")) }
        var groupBy = AnalyticsApplicationSpecification.GroupBy.partitionKey
        if let n = fields["groupBy"], let text = reader.string(n, fields.path("groupBy")) {
            switch text {
            case "partitionKey": groupBy = .partitionKey
            case "none": groupBy = .none
            default: reader.fail(n, fields.path("groupBy"), "'\(text)' is not a grouping; expected partitionKey or none")
            }
        }
        var value = AnalyticsApplicationSpecification.Value.recordSize
        if let n = fields["value"], let text = reader.string(n, fields.path("value")) {
            if text != "recordSize" {
                guard let distribution = distribution(n, fields.path("value"), kind: .count) else { return nil }
                value = .distribution(distribution)
            }
        }
        let skew = fields["eventTimeSkew"].map { distribution($0, fields.path("eventTimeSkew"), kind: .duration) }
        let outOfOrderness = fields["outOfOrderness"].map { reader.duration($0, fields.path("outOfOrderness"), in: Span.zero...Span.seconds(366 * 86_400)) }
            ?? .zero
        let lateness = fields["allowedLateness"].map { reader.duration($0, fields.path("allowedLateness"), in: Span.zero...Span.seconds(366 * 86_400)) }
            ?? .zero
        let table = fields["referenceTable"].map { referenceTable($0, fields.path("referenceTable")) }
        var output = ScenarioModel.AnalyticsEntry.Output.none
        if let n = fields["output"], let text = reader.string(n, fields.path("output")) {
            if text.hasPrefix("stream/") {
                guard let index = reference(n, fields.path("output"), prefix: "stream", names: streams.map(\.name)) else { return nil }
                if index == stream {
                    reader.fail(n, fields.path("output"), "an application cannot write its results to the stream it reads")
                    return nil
                }
                output = .stream(index)
            } else if text.hasPrefix("deliveryStream/") {
                let names = deliveryStreams.map(\.configuration.name)
                guard let index = reference(n, fields.path("output"), prefix: "deliveryStream", names: names) else { return nil }
                guard deliveryStreams[index].source == .direct else {
                    reader.fail(n, fields.path("output"), "'\(names[index])' reads a stream; results go by PutRecordBatch to a delivery stream with source: direct")
                    return nil
                }
                output = .deliveryStream(index)
            } else if text != "none" {
                reader.fail(n, fields.path("output"), "'\(text)' is not an output; expected stream/<name>, deliveryStream/<name> or none")
                return nil
            }
        }
        guard let name, let stream, let windowText, let window, let aggregates, let outOfOrderness, let lateness else { return nil }
        if fields["eventTimeSkew"] != nil, skew == nil { return nil }
        if fields["referenceTable"] != nil, table == nil { return nil }
        let configuration = WindowedAggregationConfiguration(window: window, aggregates: aggregates, outOfOrdernessMax: outOfOrderness,
                                                             allowedLateness: lateness, referenceTable: table ?? nil)
        let places = ["window.size": "window", "window.gap": "window", "window.slide": "window", "outOfOrdernessMax": "outOfOrderness"]
        guard report(configuration.problems().map { (places[$0.field] ?? $0.field, $0.message) }, in: fields) else { return nil }
        let specification = AnalyticsApplicationSpecification(name: name, aggregation: configuration, groupBy: groupBy, value: value,
                                                              eventTimeSkew: skew ?? nil)
        return ScenarioModel.AnalyticsEntry(specification: specification, stream: stream, output: output, windowText: windowText)
    }

    /// `tumbling(60s)`, `sliding(size=60s, slide=10s)`, `session(gap=30s)`, `stagger(60s)`: the
    /// one parameter of tumbling, session and stagger windows may be written with or without its
    /// name (`size`, `gap`, `size`).
    func window(_ node: Node, _ path: String) -> WindowKind? {
        let expected = "a window: tumbling(60s), sliding(size=60s, slide=10s), session(gap=30s) or stagger(60s)"
        guard let text = reader.scalar(node, path, expected: expected) else { return nil }
        guard let call = try? CallExpression.parse(text) else {
            reader.fail(node, path, "'\(text)' is not \(expected)")
            return nil
        }
        var spans: [String: Span] = [:]
        var positional: [Span] = []
        for argument in call.arguments {
            guard case .atom(let word) = argument.value, let seconds = try? Units.parseDuration(word), seconds > 0 else {
                reader.fail(node, path, "'\(text)': window parameters are positive durations such as 60s")
                return nil
            }
            if let label = argument.label { spans[label] = Span(seconds: seconds) } else { positional.append(Span(seconds: seconds)) }
        }
        func one(_ label: String) -> Span? {
            if spans.count + positional.count == 1, let span = spans[label] ?? positional.first { return span }
            reader.fail(node, path, "\(call.name) takes one duration, e.g. \(call.name)(\(label)=60s) or \(call.name)(60s)")
            return nil
        }
        switch call.name {
        case "tumbling": return one("size").map { .tumbling(size: $0) }
        case "stagger": return one("size").map { .stagger(size: $0) }
        case "session": return one("gap").map { .session(gap: $0) }
        case "sliding", "hopping":
            guard positional.isEmpty, spans.count == 2, let size = spans["size"], let slide = spans["slide"] else {
                reader.fail(node, path, "\(call.name) takes size and slide by name, e.g. sliding(size=60s, slide=10s)")
                return nil
            }
            return .sliding(size: size, slide: slide)
        default:
            let hint = nearest(call.name, in: ["tumbling", "sliding", "session", "stagger"]).map { " Did you mean '\($0)'?" } ?? ""
            reader.fail(node, path, "'\(call.name)' is not a window; expected tumbling, sliding, session or stagger.\(hint)")
            return nil
        }
    }

    /// `[count, sum, min, max, mean, p99, p99.9]`.
    func aggregates(_ node: Node, _ path: String) -> [AggregateFunction]? {
        guard let items = reader.sequence(node, path) else { return nil }
        var found: [AggregateFunction] = []
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let text = reader.scalar(item, itemPath, expected: "an aggregate: count, sum, min, max, mean or a percentile such as p99") else {
                return nil
            }
            switch text {
            case "count": found.append(.count)
            case "sum": found.append(.sum)
            case "min": found.append(.min)
            case "max": found.append(.max)
            case "mean", "avg": found.append(.mean)
            default:
                guard text.hasPrefix("p"), let p = Double(text.dropFirst()), AggregateFunction.isValidPercentile(p) else {
                    reader.fail(item, itemPath, "'\(text)' is not an aggregate; expected count, sum, min, max, mean or a percentile p1 … p100 such as p99 or p99.9")
                    return nil
                }
                found.append(.percentile(p))
            }
        }
        if found.isEmpty {
            reader.fail(node, path, "name at least one aggregate, e.g. [count, p99]")
            return nil
        }
        return found
    }

    /// `{ key-0: { region: eu-west-1, tier: gold }, key-1: { … } }`: attributes by key.
    func referenceTable(_ node: Node, _ path: String) -> ReferenceTable? {
        guard case .mapping(let mapping) = node else {
            reader.fail(node, path, "expected a mapping from key to attributes, e.g. { key-0: { region: eu-west-1 } }")
            return nil
        }
        var rows: [String: [String: String]] = [:]
        for (keyNode, rowNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                reader.fail(keyNode, path, "a key of the reference table is a plain word")
                return nil
            }
            guard case .mapping(let attributes) = rowNode else {
                reader.fail(rowNode, "\(path).\(key)", "expected the key's attributes as a mapping, e.g. { region: eu-west-1 }")
                return nil
            }
            var row: [String: String] = [:]
            for (nameNode, valueNode) in attributes {
                guard let name = nameNode.scalar?.string, let value = valueNode.scalar?.string else {
                    reader.fail(nameNode, "\(path).\(key)", "attribute names and values are plain scalars")
                    return nil
                }
                row[name] = value
            }
            rows[key] = row
        }
        return ReferenceTable(rows)
    }
}
