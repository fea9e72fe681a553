import Histogram

extension ReportBuilder {
    /// Adds the streams, delivery streams and analytics applications of `replications` (ordered by
    /// index) to `report`. Each is matched across replications by position, as topics are: every
    /// replication runs the same scenario. Shards are matched by ID instead, since an on-demand
    /// stream may scale differently in each replication.
    static func addStreams(to report: inout Report, _ replications: [ReplicationObservations]) {
        let first = replications[0]
        report.streams = first.streams.indices.map { s in streamReport(replications.map { $0.streams[s] }, replications: replications) }
        report.deliveryStreams = first.deliveryStreams.indices.map { d in deliveryStreamReport(replications.map { $0.deliveryStreams[d] }) }
        report.analytics = first.analytics.indices.map { a in analyticsReport(replications.map { $0.analytics[a] }) }
        report.streamRateSeries = replications.flatMap { r in
            r.streams.map { (r.index, $0.name, $0.shards.map(\.id), $0.writeRate) }
        }
        report.iteratorAgeSeries = replications.flatMap { r in
            r.streams.flatMap { stream in
                stream.consumers.map { (r.index, stream.name, $0.name, stream.shards.map(\.id), $0.iteratorAge) }
            }
        }
    }

    static func streamReport(_ all: [StreamObservations], replications: [ReplicationObservations]) -> StreamReport {
        let first = all[0]
        for stream in all {
            precondition(stream.name == first.name && stream.consumers.map(\.name) == first.consumers.map(\.name),
                         "replications disagree on stream \(first.name) and its consumers: \(stream.name) \(stream.consumers.map(\.name))")
        }
        func total(_ count: (StreamObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        func rate(_ count: (StreamObservations) -> Int, over span: (ReplicationObservations) -> Double) -> Estimate? {
            estimate(zip(all, replications).map { s, r in span(r) > 0 ? Double(count(s)) / span(r) : 0 })
        }
        let consumers = first.consumers.indices.map { c in streamConsumerReport(all.map { $0.consumers[c] }) }
        return StreamReport(
            name: first.name, capacityMode: first.capacityMode, shardsAtStart: first.shardsAtStart,
            shardsAtEnd: estimate(all.map { Double($0.shardsAtEnd) }),
            shardHours: estimate(all.map { $0.shardSeconds / 3600 }),
            putRate: rate(\.recordsPut, over: \.duration), readRate: rate(\.recordsRead, over: \.elapsed),
            putRequests: total(\.putRequests), recordsPut: total(\.recordsPut), bytesPut: total(\.bytesPut),
            putPayloadUnits: total(\.putPayloadUnits), writeThrottled: total(\.writeThrottled),
            producerRetries: total(\.producerRetries), recordsAbandoned: total(\.recordsAbandoned),
            getRecordsRequests: total(\.getRecordsRequests), recordsRead: total(\.recordsRead), bytesRead: total(\.bytesRead),
            readThrottled: total(\.readThrottled), recordsExpired: total(\.recordsExpired),
            onDemandScalings: total(\.onDemandScalings), reshards: first.reshards, shards: shardReports(all),
            writeRate: first.writeRate, consumers: consumers)
    }

    /// Shards matched by ID over the replications, in the order each ID first appears.
    static func shardReports(_ all: [StreamObservations]) -> [ShardReport] {
        var reports: [ShardReport] = []
        var position: [String: Int] = [:]
        for shard in all.flatMap(\.shards) {
            if let i = position[shard.id] {
                reports[i].replications += 1
                reports[i].recordsPut += shard.recordsPut
                reports[i].bytesPut += shard.bytesPut
                reports[i].writeThrottled += shard.writeThrottled
                reports[i].peakRecordsPerSecond = max(reports[i].peakRecordsPerSecond, shard.peakRecordsPerSecond)
            } else {
                position[shard.id] = reports.count
                reports.append(ShardReport(
                    id: shard.id, parents: shard.parents, startingHashKey: shard.startingHashKey, endingHashKey: shard.endingHashKey,
                    openedAt: shard.openedAt, closedAt: shard.closedAt, replications: 1, recordsPut: shard.recordsPut,
                    bytesPut: shard.bytesPut, writeThrottled: shard.writeThrottled, peakRecordsPerSecond: shard.peakRecordsPerSecond))
            }
        }
        return reports
    }

    static func streamConsumerReport(_ all: [StreamConsumerObservations]) -> StreamConsumerReport {
        let first = all[0]
        func total(_ count: (StreamConsumerObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        var counters: [(name: String, value: Int)] = []
        for (name, value) in all.flatMap(\.counters) {
            if let i = counters.firstIndex(where: { $0.name == name }) { counters[i].value += value } else { counters.append((name, value)) }
        }
        return StreamConsumerReport(
            name: first.name, kind: first.kind, recordsProcessed: total(\.recordsProcessed), duplicates: total(\.duplicates),
            discarded: total(\.discarded), unprocessedAtEnd: total(\.unprocessedAtEnd), outOfOrder: total(\.outOfOrder),
            readThrottled: total(\.readThrottled), leaseTakeovers: total(\.leaseTakeovers), checkpoints: total(\.checkpoints),
            endToEnd: latencySummary(all.map(\.endToEnd)),
            iteratorAgeMaxMillis: all.flatMap(\.iteratorAge).map(\.maxMillisBehind).max() ?? 0,
            iteratorAgeAtEnd: first.iteratorAge.last?.perShard ?? [],
            iteratorAge: first.iteratorAge, counters: counters)
    }

    static func sizeSummary(_ series: [SizeSeries]) -> SizeSummary {
        var merged = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 1 << 40, numberOfSignificantValueDigits: .three)
        for s in series { merged.add(s.histogram) }
        let count = series.reduce(0) { $0 + $1.count }
        let means = series.compactMap(\.mean)
        return SizeSummary(
            mean: means.count == series.count ? estimate(means) : nil,
            p50: count > 0 ? Int(merged.valueAtPercentile(50)) : 0,
            p90: count > 0 ? Int(merged.valueAtPercentile(90)) : 0,
            max: count > 0 ? Int(merged.max) : 0,
            count: count)
    }

    static func deliveryStreamReport(_ all: [DeliveryStreamObservations]) -> DeliveryStreamReport {
        let first = all[0]
        for d in all {
            precondition(d.name == first.name, "replications disagree on delivery stream \(first.name): \(d.name)")
        }
        func total(_ count: (DeliveryStreamObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        return DeliveryStreamReport(
            name: first.name, source: first.source, destination: first.destination, recordsIn: total(\.recordsIn),
            bytesIn: total(\.bytesIn), billedBytes: total(\.billedBytes), recordsThrottled: total(\.recordsThrottled),
            transformedOk: total(\.transformedOk), transformedDropped: total(\.transformedDropped),
            transformProcessingFailed: total(\.transformProcessingFailed), objectsDelivered: total(\.objectsDelivered),
            objectBytes: sizeSummary(all.map(\.objectBytes)), deliveryLatency: latencySummary(all.map(\.deliveryLatency)),
            freshness: latencySummary(all.map(\.freshness)), destinationAttempts: total(\.destinationAttempts),
            destinationFailures: total(\.destinationFailures), recordsBackedUp: total(\.recordsBackedUp),
            bytesBackedUp: total(\.bytesBackedUp), recordsExpired: total(\.recordsExpired), bytesDropped: total(\.bytesDropped))
    }

    static func analyticsReport(_ all: [AnalyticsObservations]) -> AnalyticsReport {
        let first = all[0]
        for a in all {
            precondition(a.name == first.name, "replications disagree on analytics application \(first.name): \(a.name)")
        }
        func total(_ count: (AnalyticsObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        return AnalyticsReport(
            name: first.name, source: first.source, window: first.window, output: first.output, recordsIn: total(\.recordsIn),
            recordsLate: total(\.recordsLate), windowsEmitted: total(\.windowsEmitted), updates: total(\.updates),
            keys: estimate(all.map { Double($0.keys) }), resultLatency: latencySummary(all.map(\.resultLatency)),
            sampleResults: Array(first.sampleResults.prefix(20)))
    }
}
