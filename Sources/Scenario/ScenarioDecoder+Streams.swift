import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// Kinesis data streams, their resharding and their producers, in scenario files.
extension ScenarioBuilder {
    func stream(_ node: Node, _ path: String) -> ScenarioModel.StreamEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.stream) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every stream needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        var mode = StreamConfiguration.CapacityMode.provisioned
        if let n = fields["capacityMode"], let text = reader.string(n, fields.path("capacityMode")) {
            switch text {
            case "provisioned", "PROVISIONED": mode = .provisioned
            case "onDemand", "ON_DEMAND": mode = .onDemand
            default: reader.fail(n, fields.path("capacityMode"), "'\(text)' is not a capacity mode; expected provisioned or onDemand")
            }
        }
        var shardCount = StreamConfiguration.onDemandInitialShardCount
        if let n = fields["shards"] {
            if mode == .onDemand {
                reader.fail(n, fields.path("shards"), "an on-demand stream starts with 4 shards and adds its own; leave 'shards' out")
            } else {
                shardCount = reader.integer(n, fields.path("shards"), in: 1...StreamConfiguration.shardCountMax) ?? shardCount
            }
        } else if mode == .provisioned {
            reader.fail(node, fields.path("shards"), "missing; a provisioned stream needs its shard count, e.g. shards: 4")
        }
        var configuration = StreamConfiguration(name: name, shardCount: shardCount)
        configuration.capacityMode = mode
        if let n = fields["retention"] {
            configuration.retention = reader.duration(n, fields.path("retention"), in: StreamConfiguration.retentionRange) ?? configuration.retention
        }
        if let n = fields["maximumRecordSize"] {
            let range = StreamConfiguration.recordBytesMaxRange
            configuration.recordBytesMax = reader.size(n, fields.path("maximumRecordSize"), in: range) ?? configuration.recordBytesMax
        }
        if let n = fields["onDemandScalingDelay"] {
            if mode == .provisioned {
                reader.fail(n, fields.path("onDemandScalingDelay"), "applies to on-demand streams; '\(name)' is provisioned")
            } else {
                configuration.onDemandScalingDelay = reader.duration(n, fields.path("onDemandScalingDelay"), in: Span.zero...Span.seconds(86_400))
                    ?? configuration.onDemandScalingDelay
            }
        }
        for problem in configuration.problems() {
            let key = ["shardCount": "shards", "recordBytesMax": "maximumRecordSize"][problem.attribute] ?? problem.attribute
            reader.fail(fields[key] ?? nameNode, fields.path(key), problem.message)
        }
        var entry = ScenarioModel.StreamEntry(configuration: configuration)
        if let n = fields["policy"] {
            entry.policy = policy(n, fields.path("policy"), kind: .resource, defaultResource: StreamAccessControl.arn(ofStream: name))
        }
        if let n = fields["reshard"], let items = reader.sequence(n, fields.path("reshard")) {
            if mode == .onDemand {
                reader.fail(n, fields.path("reshard"), "an on-demand stream reshards itself; SplitShard, MergeShards and UpdateShardCount need a provisioned stream")
            }
            entry.reshards = reshards(items, fields.path("reshard"), initialShards: shardCount)
        }
        if let n = fields["hotShardSplit"] {
            if mode == .onDemand {
                reader.fail(n, fields.path("hotShardSplit"), "an on-demand stream reshards itself; a hot-shard policy needs a provisioned stream")
            }
            entry.hotShardSplit = hotShardSplit(n, fields.path("hotShardSplit"))
        }
        return entry
    }

    /// `- { at: 10m, split: shardId-000000000001 }`, `- { at: 20m, merge: [2, 3] }`,
    /// `- { at: 30m, updateShardCount: 8 }`. Shards that no earlier call can have made are refused
    /// here; a call the stream refuses when it runs (a shard already closed, say) is reported.
    func reshards(_ items: [Node], _ path: String, initialShards: Int) -> [ReshardOperation] {
        var operations: [ReshardOperation] = []
        var shardsMade = initialShards
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let fields = reader.mapping(item, itemPath, allowed: ScenarioKeys.reshard) else { continue }
            guard let atNode = fields["at"] else {
                reader.fail(item, fields.path("at"), "missing; a resharding call happens at an instant, e.g. at: 10m")
                continue
            }
            guard let at = reader.duration(atNode, fields.path("at")) else { continue }
            let instant = Instant(nanoseconds: at.nanoseconds)
            if let last = operations.last, instant < last.at {
                reader.fail(atNode, fields.path("at"), "resharding calls must be listed in time order")
            }
            func shard(_ node: Node, _ path: String) -> Int? {
                guard let text = reader.scalar(node, path, expected: "a shard, e.g. shardId-000000000001 or 1") else { return nil }
                let digits = text.hasPrefix("shardId-") ? String(text.dropFirst("shardId-".count)) : text
                guard let index = Int(digits), index >= 0, !digits.isEmpty, digits.allSatisfy(\.isNumber) else {
                    reader.fail(node, path, "'\(text)' is not a shard; write shardId-000000000001 or its number, 1")
                    return nil
                }
                guard index < shardsMade else {
                    reader.fail(node, path, "\(ShardState.shardId(index)) does not exist by then: the stream has made shards 0 to \(shardsMade - 1)")
                    return nil
                }
                return index
            }
            switch (fields["split"], fields["merge"], fields["updateShardCount"]) {
            case (let n?, nil, nil):
                guard let index = shard(n, fields.path("split")) else { continue }
                operations.append(ReshardOperation(at: instant, action: .split(shard: index)))
                shardsMade += 2
            case (nil, let n?, nil):
                guard let pair = reader.sequence(n, fields.path("merge")), pair.count == 2 else {
                    reader.fail(n, fields.path("merge"), "merge takes two adjacent shards, e.g. merge: [shardId-000000000002, shardId-000000000003]")
                    continue
                }
                guard let a = shard(pair[0], fields.path("merge") + "[0]"), let b = shard(pair[1], fields.path("merge") + "[1]") else { continue }
                operations.append(ReshardOperation(at: instant, action: .merge(a, b)))
                shardsMade += 1
            case (nil, nil, let n?):
                guard let target = reader.integer(n, fields.path("updateShardCount"), in: 1...StreamConfiguration.shardCountMax) else { continue }
                operations.append(ReshardOperation(at: instant, action: .updateShardCount(target)))
                shardsMade += target
            default:
                reader.fail(item, itemPath, "a resharding call does one thing: give exactly one of split, merge, updateShardCount")
            }
        }
        return operations
    }

    func hotShardSplit(_ node: Node, _ path: String) -> HotShardSplitPolicy? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.hotShardSplit) else { return nil }
        guard let utilizationNode = fields["writeUtilization"], let sustainedNode = fields["sustained"] else {
            reader.fail(node, path, "a hot-shard policy needs writeUtilization and sustained, e.g. { writeUtilization: 0.8, sustained: 5m }")
            return nil
        }
        let utilization = reader.number(utilizationNode, fields.path("writeUtilization"))
        if let utilization, !(utilization > 0 && utilization <= 1) {
            reader.fail(utilizationNode, fields.path("writeUtilization"), "a share of the shard's write capacity, above 0 and at most 1")
            return nil
        }
        let period = fields["evaluationPeriod"].map { reader.duration($0, fields.path("evaluationPeriod"), in: Span.seconds(1)...Span.seconds(86_400)) }
            ?? .seconds(60)
        let sustained = reader.duration(sustainedNode, fields.path("sustained"), in: Span.seconds(1)...Span.seconds(86_400))
        let maxShards = fields["maxShards"].map { reader.integer($0, fields.path("maxShards"), in: 1...StreamConfiguration.shardCountMax) }
            ?? StreamConfiguration.shardCountMax
        guard let utilization, let period, let sustained, let maxShards else { return nil }
        if sustained < period {
            reader.fail(sustainedNode, fields.path("sustained"), "must be at least one evaluationPeriod (\(Units.formatDuration(period.seconds)))")
            return nil
        }
        return HotShardSplitPolicy(writeUtilization: utilization, sustained: sustained, evaluationPeriod: period, maxShards: maxShards)
    }

    /// A producer whose target is `stream/<name>`.
    func streamProducer(_ node: Node, _ path: String, streams: [StreamConfiguration]) -> ScenarioModel.StreamProducerEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.streamProducer) else { return nil }
        func need(_ key: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every producer needs '\(key)'")
            return nil
        }
        let name = need("name").flatMap { reader.string($0, fields.path("name")) }
        let stream = need("target").flatMap { reference($0, fields.path("target"), prefix: "stream", names: streams.map(\.name)) }
        let arrivals = need("arrivals").flatMap { arrivalProcess($0, fields.path("arrivals")) }
        let size = fields["recordSize"].map { distribution($0, fields.path("recordSize"), kind: .size) } ?? .constant(1024)
        var schedule: RateSchedule?
        if let n = fields["schedule"] { schedule = rateSchedule(n, fields.path("schedule")) }
        let batchSize = fields["batchSize"].map { reader.integer($0, fields.path("batchSize"), in: 1...StreamConfiguration.putRecordsEntriesMax) } ?? 1
        let linger = fields["batchLinger"].map { reader.duration($0, fields.path("batchLinger"), in: Span.zero...Span.seconds(3600)) } ?? .zero
        var keys = PartitionKeyChoice(count: 1)
        if let n = fields["partitionKeys"] {
            guard let parsed = partitionKeys(n, fields.path("partitionKeys")) else { return nil }
            keys = parsed
        } else {
            reader.fail(node, fields.path("partitionKeys"), "missing; say how records are keyed, e.g. partitionKeys: { count: 10000, zipf: 1.1 }")
        }
        guard let name, let stream, let arrivals, let size, let batchSize, let linger else { return nil }
        if fields["schedule"] != nil, schedule == nil { return nil }
        if case .renewal = arrivals, schedule != nil, let n = fields["schedule"] {
            reader.fail(n, fields.path("schedule"), "a rate schedule applies to poisson(...) and constant(...) arrivals, not to renewal(...)")
            return nil
        }
        var specification = StreamProducerSpecification(name: name, arrivals: arrivals, schedule: schedule, recordSize: size,
                                                        partitionKeys: keys, batchSize: batchSize, batchLinger: linger)
        if let n = fields["retry"] { specification.retryPolicy = retry(n, fields.path("retry")) }
        if let n = fields["principal"] { specification.principal = reader.string(n, fields.path("principal")) }
        return ScenarioModel.StreamProducerEntry(specification: specification, stream: stream)
    }

    /// `{ count: 10000, zipf: 1.1, prefix: user- }`: keys `user-0` … `user-9999`, key k chosen
    /// with weight 1/(k+1)^1.1.
    func partitionKeys(_ node: Node, _ path: String) -> PartitionKeyChoice? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.partitionKeys) else { return nil }
        guard let countNode = fields["count"] else {
            reader.fail(node, fields.path("count"), "missing; how many distinct partition keys, e.g. count: 10000")
            return nil
        }
        let count = reader.integer(countNode, fields.path("count"), in: PartitionKeyChoice.countRange)
        var exponent = 0.0
        if let n = fields["zipf"] {
            guard let value = reader.number(n, fields.path("zipf")) else { return nil }
            guard value >= 0, value <= PartitionKeyChoice.exponentMax else {
                reader.fail(n, fields.path("zipf"), "Zipf's exponent is between 0 (uniform) and \(Int(PartitionKeyChoice.exponentMax)); about 1 is typical")
                return nil
            }
            exponent = value
        }
        var prefix = "key-"
        if let n = fields["prefix"], let text = reader.string(n, fields.path("prefix")) { prefix = text }
        guard let count else { return nil }
        let longest = prefix.unicodeScalars.count + String(count - 1).count
        if longest > StreamConfiguration.partitionKeyLengthMax || (prefix.isEmpty && count == 0) {
            reader.fail(fields["prefix"] ?? node, fields.path("prefix"), "keys would be up to \(longest) characters; a partition key is at most 256")
            return nil
        }
        return PartitionKeyChoice(count: count, exponent: exponent, prefix: prefix)
    }
}
