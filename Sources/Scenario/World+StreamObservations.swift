import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Verification
import Workloads

extension World {
    /// What each data stream, its shards and its consumers did, for the report. Expires the records
    /// whose retention has run out first, so `recordsExpired` and `unprocessedAtEnd` agree with an
    /// exact expiry rather than the lazy one the engine applies while it runs.
    func observeStreams(at now: Instant) -> [StreamObservations] {
        dataStreams.indices.map { observeStream($0, at: now) }
    }

    func observeStream(_ index: Int, at now: Instant) -> StreamObservations {
        let stream = dataStreams[index]
        stream.expireRecords()
        let configuration = stream.configuration
        let tracking = streamTracking[index]
        let counters = stream.counters
        var o = StreamObservations(name: configuration.name, capacityMode: configuration.capacityMode == .onDemand ? "ON_DEMAND" : "PROVISIONED")
        o.shardsAtStart = stream.shards.filter(\.parents.isEmpty).count
        o.shardsAtEnd = stream.openShards.count
        o.shardSeconds = stream.openShardSeconds(at: now)
        o.putRequests = counters.putRequests
        o.recordsPut = counters.recordsPut
        o.bytesPut = counters.bytesPut
        o.putPayloadUnits = counters.putPayloadUnits
        o.writeThrottled = counters.writeThrottled
        o.producerRetries = streamProducers.indices.filter { model.streamProducers[$0].stream == index }
            .reduce(0) { $0 + streamProducers[$1].recordsRetried }
            + analyticsRuns.filter { $0.entry.output == .stream(index) }.reduce(0) { $0 + ($1.writer?.recordsRetried ?? 0) }
        o.recordsAbandoned = tracking.recordsAbandoned
        o.getRecordsRequests = counters.getRecordsRequests
        o.recordsRead = counters.recordsRead
        o.bytesRead = counters.bytesRead
        o.readThrottled = counters.readThrottled
        o.recordsExpired = counters.recordsExpired
        o.onDemandScalings = counters.onDemandScalings
        o.reshards = tracking.reshards.map { ReshardObservation(time: $0.time, action: $0.action, detail: $0.detail, outcome: $0.outcome) }
        if configuration.capacityMode == .onDemand { o.reshards += onDemandScalings(of: stream) }
        o.shards = stream.shards.map { shard in
            ShardObservations(id: ShardState.shardId(shard.index), parents: shard.parents.map(ShardState.shardId),
                              startingHashKey: String(shard.startingHashKey), endingHashKey: String(shard.endingHashKey),
                              openedAt: shard.openedAt.seconds, closedAt: shard.closedAt?.seconds, recordsPut: shard.counters.recordsPut,
                              bytesPut: shard.counters.bytesPut, writeThrottled: shard.counters.writeThrottled,
                              peakRecordsPerSecond: shard.peakRecordsPerSecond)
        }
        // A sample has a rate for each shard that existed when it was taken (an iterator age, for
        // each shard read by then): later shards read 0 (nil), so every sample has one per shard.
        let shardCount = stream.shards.count
        o.writeRate = tracking.rateSamples.map { sample in
            StreamRateSample(time: sample.time,
                             recordsPerSecond: sample.recordsPerSecond + Array(repeating: 0, count: shardCount - sample.recordsPerSecond.count),
                             throttledPerSecond: sample.throttledPerSecond + Array(repeating: 0, count: shardCount - sample.throttledPerSecond.count))
        }
        for (consumer, entry) in model.streamConsumers.enumerated() where entry.stream == index {
            let t = streamConsumers[consumer]
            var c = StreamConsumerObservations(name: entry.name, kind: entry.kindName)
            c.recordsProcessed = t.check.processed
            c.duplicates = t.check.duplicates
            c.discarded = t.check.discarded
            c.outOfOrder = t.check.outOfOrder
            c.unprocessedAtEnd = unhandledRecordsHeld(by: stream, check: t.check)
            c.readThrottled = t.readThrottled
            c.leaseTakeovers = t.leaseTakeovers
            c.endToEnd = t.endToEnd
            c.iteratorAge = t.iteratorAge.map { sample in
                IteratorAgeSample(time: sample.time, maxMillisBehind: sample.maxMillisBehind,
                                  perShard: sample.perShard + Array(repeating: nil, count: shardCount - sample.perShard.count))
            }
            addConsumerFigures(to: &c, consumer: consumer)
            o.consumers.append(c)
        }
        return o
    }

    /// The records the stream still holds (expired ones dropped first) that the consumer neither
    /// processed nor discarded. The checker's `unhandled(ledger:)` would count records that
    /// expired unread as well, and cannot tell them apart: the stream's held records can.
    /// - Complexity: O(records held), once per consumer at the end of a run.
    func unhandledRecordsHeld(by stream: DataStream, check: StreamConsumerCheck) -> Int {
        var count = 0
        stream.forEachHeldRecordTag { raw in
            let tag = StreamRecordTag(rawValue: raw)
            if !check.hasHandled(producer: tag.producer, record: tag.record) { count += 1 }
        }
        return count
    }

    /// An on-demand stream's own scalings, read back from its shards: the engine only counts them,
    /// but each is an UpdateShardCount-like reshard that opens all its shards at one instant with
    /// parents (a scenario cannot reshard an on-demand stream, so nothing else opens shards).
    func onDemandScalings(of stream: DataStream) -> [ReshardObservation] {
        var scalings: [ReshardObservation] = []
        var position = 0
        let shards = stream.shards
        while position < shards.count {
            let openedAt = shards[position].openedAt
            var end = position + 1
            while end < shards.count, shards[end].openedAt == openedAt, !shards[end].parents.isEmpty { end += 1 }
            if !shards[position].parents.isEmpty {
                let closed = shards.filter { $0.closedAt == openedAt }.count
                let opened = end - position
                let ids = opened == 1 ? ShardState.shardId(position)
                    : "\(ShardState.shardId(position)) to \(ShardState.shardId(end - 1))"
                scalings.append(ReshardObservation(time: openedAt.seconds, action: "onDemandScaling",
                                                   detail: "from \(closed) to \(opened) open shards", outcome: "opened \(ids)"))
            }
            position = end
        }
        return scalings
    }
}

extension DeliveryStreamRun {
    /// The delivery stream's figures as the report takes them.
    var observations: DeliveryStreamObservations {
        let f = figures
        var o = DeliveryStreamObservations(name: f.name, source: f.source, destination: f.destination)
        o.recordsIn = f.recordsIn
        o.bytesIn = f.bytesIn
        o.billedBytes = f.billedBytes
        o.recordsThrottled = f.recordsThrottled
        o.transformedOk = f.transformedOk
        o.transformedDropped = f.transformationDropped
        o.transformProcessingFailed = f.transformationProcessingFailed
        o.objectsDelivered = f.objectsDelivered
        for bytes in objectBytes { o.objectBytes.record(bytes: bytes) }
        o.deliveryLatency = deliveryLatency
        o.freshness = freshnessAtDelivery
        o.destinationAttempts = f.destinationAttempts
        o.destinationFailures = f.destinationFailures
        o.recordsBackedUp = f.recordsBackedUp
        o.bytesBackedUp = f.bytesBackedUp
        o.recordsExpired = f.recordsExpired
        o.bytesDropped = f.bytesDropped
        return o
    }
}

extension AnalyticsRun {
    /// The application's figures as the report takes them.
    var observations: AnalyticsObservations {
        let f = figures
        var o = AnalyticsObservations(name: f.name, source: f.source, window: Self.describe(entry.specification.aggregation.window),
                                      output: f.output)
        o.recordsIn = f.recordsIn
        o.recordsLate = f.recordsLate
        o.windowsEmitted = f.windowsEmitted
        o.updates = f.updates
        o.keys = f.keys
        o.resultLatency = resultLatency
        let names = entry.specification.aggregation.aggregates.map(\.description)
        o.sampleResults = sampleResults.map { result in
            AnalyticsResultRow(windowStart: result.windowStart.seconds, windowEnd: result.windowEnd.seconds, key: result.key,
                               values: Array(zip(names, result.values)).map { (name: $0.0, value: $0.1) })
        }
        return o
    }

    /// The window as the report writes it: `tumbling 60s`, `sliding 60s every 10s`,
    /// `session gap 30s`, `stagger 60s`.
    static func describe(_ window: WindowKind) -> String {
        func text(_ span: Span) -> String { Units.formatDuration(span.seconds) }
        switch window {
        case .tumbling(let size): return "tumbling \(text(size))"
        case .sliding(let size, let slide): return "sliding \(text(size)) every \(text(slide))"
        case .session(let gap): return "session gap \(text(gap))"
        case .stagger(let size): return "stagger \(text(size))"
        }
    }
}
