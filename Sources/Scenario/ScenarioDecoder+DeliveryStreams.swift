import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// Firehose delivery streams and analytics applications in scenario files.
extension ScenarioBuilder {
    /// A delivery stream: `source: direct` or `stream/<name>`, its buffering, its transformation
    /// function, its destination and its retries. Ranges are `DeliveryStreamConfiguration`'s own.
    func deliveryStream(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.DeliveryStreamEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.deliveryStream) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every delivery stream needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        // Past its name, a delivery stream with problems is still returned (the file fails as a
        // whole), so that what refers to it by name is not reported as well.
        var source = ScenarioModel.DeliveryStreamEntry.Source.direct
        if let n = fields["source"], let text = reader.string(n, fields.path("source")), text != "direct" {
            if !text.hasPrefix("stream/") {
                reader.fail(n, fields.path("source"), "'\(text)' is not a source; expected direct (Direct PUT) or stream/<name>")
            } else if let index = reference(n, fields.path("source"), prefix: "stream", names: streams.map(\.name)) {
                source = .stream(index)
            }
        } else if fields["source"] == nil {
            reader.fail(node, fields.path("source"), "missing; say where records come from: direct (Direct PUT) or stream/<name>")
        }
        var configuration = DeliveryStreamConfiguration(name: name)
        if let n = fields["bufferSize"] { configuration.bufferSizeBytes = reader.size(n, fields.path("bufferSize"), in: 0...Int.max) ?? configuration.bufferSizeBytes }
        if let n = fields["bufferInterval"] { configuration.bufferInterval = reader.duration(n, fields.path("bufferInterval")) ?? configuration.bufferInterval }
        if let n = fields["dataRetention"] { configuration.dataRetention = reader.duration(n, fields.path("dataRetention")) ?? configuration.dataRetention }
        if let n = fields["retryDelayInitial"] {
            configuration.retryDelayInitial = reader.duration(n, fields.path("retryDelayInitial")) ?? configuration.retryDelayInitial
        }
        if let n = fields["retryDelayMax"] { configuration.retryDelayMax = reader.duration(n, fields.path("retryDelayMax")) ?? configuration.retryDelayMax }
        if let n = fields["putRequestsPerSecond"] {
            configuration.putRequestsPerSecondMax = wholeRate(n, fields.path("putRequestsPerSecond")) ?? configuration.putRequestsPerSecondMax
        }
        if let n = fields["recordsPerSecond"] {
            configuration.recordsPerSecondMax = wholeRate(n, fields.path("recordsPerSecond")) ?? configuration.recordsPerSecondMax
        }
        if let n = fields["bytesPerSecond"] {
            configuration.bytesPerSecondMax = reader.size(n, fields.path("bytesPerSecond"), in: 0...Int.max) ?? configuration.bytesPerSecondMax
        }
        if case .stream = source {
            for key in ["putRequestsPerSecond", "recordsPerSecond", "bytesPerSecond"] {
                if let n = fields[key] { reader.fail(n, fields.path(key), "\(key) is a Direct PUT quota; a delivery stream reading a stream is limited by the stream's reads") }
            }
            // Firehose reading a stream is held back by the shards' read limits, not by the Direct
            // PUT quotas: those are lifted so the poller's hand-over never throttles.
            configuration.putRequestsPerSecondMax = .max / 2
            configuration.recordsPerSecondMax = .max / 2
            configuration.bytesPerSecondMax = .max / 2
        }
        var transformation: TransformationFunctionSpecification?
        if let n = fields["transformation"], let parsed = self.transformation(n, fields.path("transformation")) {
            configuration.transformation = parsed.configuration
            transformation = parsed.function
        }
        var destination = (name: "", endpoint: EndpointSpecification(latency: Self.defaultDestinationLatency))
        if let n = fields["destination"] {
            destination = self.destination(n, fields.path("destination"), configuration: &configuration) ?? destination
        } else {
            reader.fail(node, fields.path("destination"), "missing; e.g. destination: { name: s3/my-bucket, latency: lognormal(mean=200ms, sd=50ms) }")
        }
        let backup = fields["backup"].flatMap { reader.string($0, fields.path("backup")) }
        // Where each of the configuration's problems sits in the file: the key whose line is shown,
        // and the field path named.
        let places: [String: (key: String, path: String)] = [
            "putRequestsPerSecondMax": ("putRequestsPerSecond", "putRequestsPerSecond"),
            "recordsPerSecondMax": ("recordsPerSecond", "recordsPerSecond"),
            "bytesPerSecondMax": ("bytesPerSecond", "bytesPerSecond"),
            "retryDuration": ("destination", "destination.retryDuration"),
            "transformation.bufferSize": ("transformation", "transformation.bufferSize"),
            "transformation.bufferInterval": ("transformation", "transformation.bufferInterval"),
            "transformation.numberOfRetries": ("transformation", "transformation.retries"),
        ]
        for problem in configuration.problems() {
            let place = places[problem.attribute] ?? (problem.attribute, problem.attribute)
            reader.fail(fields[place.key] ?? nameNode, fields.path(place.path), problem.message)
        }
        return ScenarioModel.DeliveryStreamEntry(configuration: configuration, source: source, transformation: transformation,
                                                 destinationName: destination.name, destination: destination.endpoint, backup: backup)
    }

    /// `{ bufferSize: 1MB, bufferInterval: 60s, retries: 3, duration: …, droppedProbability: 0.01, … }`.
    func transformation(_ node: Node, _ path: String)
        -> (configuration: DeliveryStreamConfiguration.Transformation, function: TransformationFunctionSpecification)? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.transformation) else { return nil }
        var configuration = DeliveryStreamConfiguration.Transformation()
        if let n = fields["bufferSize"] { configuration.bufferSizeBytes = reader.size(n, fields.path("bufferSize"), in: 0...Int.max) ?? configuration.bufferSizeBytes }
        if let n = fields["bufferInterval"] { configuration.bufferInterval = reader.duration(n, fields.path("bufferInterval")) ?? configuration.bufferInterval }
        if let n = fields["retries"] { configuration.numberOfRetries = reader.integer(n, fields.path("retries")) ?? configuration.numberOfRetries }
        guard let durationNode = fields["duration"] else {
            reader.fail(node, fields.path("duration"), "missing; how long an invocation runs, e.g. duration: lognormal(mean=200ms, sd=80ms)")
            return nil
        }
        guard let duration = distribution(durationNode, fields.path("duration"), kind: .duration) else { return nil }
        var function = TransformationFunctionSpecification(duration: duration)
        if let n = fields["droppedProbability"] { function.droppedProbability = reader.probability(n, fields.path("droppedProbability")) ?? 0 }
        if let n = fields["processingFailedProbability"] {
            function.processingFailedProbability = reader.probability(n, fields.path("processingFailedProbability")) ?? 0
        }
        if let n = fields["failureProbability"] { function.failureProbability = reader.probability(n, fields.path("failureProbability")) ?? 0 }
        guard report(function.problems(), in: fields) else { return nil }
        return (configuration, function)
    }

    /// `{ name: s3/my-bucket, latency: …, failureProbability: 0.01, outages: [...], retryDuration: 300s }`;
    /// `retryDuration: none` retries until the data retention runs out, as an S3 destination does.
    func destination(_ node: Node, _ path: String, configuration: inout DeliveryStreamConfiguration)
        -> (name: String, endpoint: EndpointSpecification)? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.destination) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; name the destination, e.g. name: s3/my-bucket")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        var endpoint = EndpointSpecification(latency: Self.defaultDestinationLatency)
        if let n = fields["latency"] { endpoint.latency = distribution(n, fields.path("latency"), kind: .duration) ?? endpoint.latency }
        if let n = fields["failureProbability"] { endpoint.failureProbability = reader.probability(n, fields.path("failureProbability")) ?? 0 }
        if let n = fields["outages"] { endpoint.outages = outages(n, fields.path("outages")) }
        if let n = fields["retryDuration"] {
            if n.scalar?.string == "none" {
                configuration.retryDuration = nil
            } else if let duration = reader.duration(n, fields.path("retryDuration")) {
                configuration.retryDuration = duration
            }
        }
        return (name, endpoint)
    }

    /// An S3 PUT of an object of a few MiB from inside AWS: tens to hundreds of milliseconds. An
    /// assumption, not an AWS figure.
    static let defaultDestinationLatency = Distribution.lognormal(mean: 0.15, sd: 0.05)

    /// `[{ from: 5m, to: 8m }, …]`: intervals in which an endpoint fails every attempt.
    func outages(_ node: Node, _ path: String) -> [(from: Instant, to: Instant)] {
        guard let items = reader.sequence(node, path) else { return [] }
        var found: [(from: Instant, to: Instant)] = []
        for (i, item) in items.enumerated() {
            let itemPath = path + "[\(i)]"
            guard let outage = reader.mapping(item, itemPath, allowed: ScenarioKeys.outage) else { continue }
            guard let fromNode = outage["from"], let toNode = outage["to"] else {
                reader.fail(item, itemPath, "an outage needs from and to, e.g. { from: 5m, to: 8m }")
                continue
            }
            guard let from = reader.duration(fromNode, outage.path("from")), let to = reader.duration(toNode, outage.path("to")) else { continue }
            guard from < to else {
                reader.fail(toNode, outage.path("to"), "an outage must end after it starts")
                continue
            }
            found.append((Instant(nanoseconds: from.nanoseconds), Instant(nanoseconds: to.nanoseconds)))
        }
        return found
    }

    /// A producer whose target is `deliveryStream/<name>` (Direct PUT): the stream producer's keys
    /// less `partitionKeys`, which Firehose records do not have.
    func deliveryStreamProducer(_ node: Node, _ path: String, deliveryStreams: [ScenarioModel.DeliveryStreamEntry])
        -> ScenarioModel.DeliveryStreamProducerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.streamProducer) else { return nil }
        if let n = fields["partitionKeys"] {
            reader.fail(n, fields.path("partitionKeys"), "Firehose records have no partition key; leave partitionKeys out for a deliveryStream target")
            return nil
        }
        if let n = fields["principal"] {
            reader.fail(n, fields.path("principal"), "delivery streams take no access policy here; leave principal out for a deliveryStream target")
            return nil
        }
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every producer needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let target = need("target").flatMap {
            reference($0, fields.path("target"), prefix: "deliveryStream", names: deliveryStreams.map(\.configuration.name))
        }
        let arrivals = need("arrivals").flatMap { arrivalProcess($0, fields.path("arrivals")) }
        let size = fields["recordSize"].map { distribution($0, fields.path("recordSize"), kind: .size) } ?? .constant(1024)
        var schedule: RateSchedule?
        if let n = fields["schedule"] { schedule = rateSchedule(n, fields.path("schedule")) }
        let batchSize = fields["batchSize"].map { reader.integer($0, fields.path("batchSize"), in: 1...DeliveryStreamConfiguration.batchRecordsMax) } ?? 1
        let linger = fields["batchLinger"].map { reader.duration($0, fields.path("batchLinger"), in: Span.zero...Span.seconds(3600)) } ?? .zero
        guard let name, let target, let arrivals, let size, let batchSize, let linger else { return nil }
        if fields["schedule"] != nil, schedule == nil { return nil }
        if case .stream = deliveryStreams[target].source, let n = fields["target"] {
            reader.fail(n, fields.path("target"), "'\(deliveryStreams[target].configuration.name)' reads a stream; only a delivery stream with source: direct takes Direct PUT")
            return nil
        }
        var specification = StreamProducerSpecification(name: name, arrivals: arrivals, schedule: schedule, recordSize: size,
                                                        partitionKeys: PartitionKeyChoice(count: 1), batchSize: batchSize, batchLinger: linger)
        if let n = fields["retry"] { specification.retryPolicy = retry(n, fields.path("retry")) }
        return ScenarioModel.DeliveryStreamProducerEntry(specification: specification, deliveryStream: target)
    }
}

extension ScenarioBuilder {
    /// Puts the delivery streams, their Direct PUT producers and the analytics applications in the
    /// model, and adds a stream consumer for each delivery stream that reads a stream and for each
    /// application, in that order, after the stream consumers already there.
    func addDeliveryStreamsAndAnalytics(to model: inout ScenarioModel, deliveryStreams: [ScenarioModel.DeliveryStreamEntry],
                                        producers: [ScenarioModel.DeliveryStreamProducerEntry], analytics: [ScenarioModel.AnalyticsEntry]) {
        model.deliveryStreams = deliveryStreams
        model.deliveryStreamProducers = producers
        model.analytics = analytics
        for (index, entry) in deliveryStreams.enumerated() {
            guard case .stream(let stream) = entry.source else { continue }
            model.streamConsumers.append(.init(name: entry.configuration.name, stream: stream, kind: .deliveryStream(index)))
        }
        for (index, entry) in analytics.enumerated() {
            model.streamConsumers.append(.init(name: entry.specification.name, stream: entry.stream, kind: .analytics(index)))
        }
    }
}
