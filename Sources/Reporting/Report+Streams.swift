// How streams, delivery streams and analytics applications appear in report.json, report.md and
// the CSV files. Each section is left out entirely when the scenario has none of its kind, so
// reports of scenarios without them keep their bytes.

extension SizeSummary {
    var json: JSONValue {
        .object([("mean", mean.map { .number($0.mean) } ?? .null), ("ci95", mean.map { .array([.number($0.low), .number($0.high)]) } ?? .null),
                 ("p50", .int(p50)), ("p90", .int(p90)), ("max", .int(max)), ("count", .int(count))])
    }
}

extension StreamReport {
    var json: JSONValue {
        .object([
            ("capacityMode", .string(capacityMode)),
            ("shardsAtStart", .int(shardsAtStart)),
            ("shardsAtEnd", shardsAtEnd.json),
            ("shardHours", shardHours.json),
            ("throughput", .object([("put", putRate.json), ("read", readRate.json)])),
            ("totals", .object([
                ("putRequests", .int(putRequests)), ("recordsPut", .int(recordsPut)), ("bytesPut", .int(bytesPut)),
                ("putPayloadUnits", .int(putPayloadUnits)), ("writeThrottled", .int(writeThrottled)),
                ("producerRetries", .int(producerRetries)), ("recordsAbandoned", .int(recordsAbandoned)),
                ("getRecordsRequests", .int(getRecordsRequests)), ("recordsRead", .int(recordsRead)), ("bytesRead", .int(bytesRead)),
                ("readThrottled", .int(readThrottled)), ("recordsExpired", .int(recordsExpired)),
                ("onDemandScalings", .int(onDemandScalings)),
            ])),
            ("reshards", .array(reshards.map { r in
                .object([("time", .number(r.time)), ("action", .string(r.action)), ("detail", .string(r.detail)),
                         ("outcome", .string(r.outcome))])
            })),
            ("shards", .array(shards.map(\.json))),
            ("writeRate", .array(writeRate.map { s in
                .object([("time", .number(s.time)), ("recordsPerSecond", .array(s.recordsPerSecond.map { .number($0) })),
                         ("throttledPerSecond", .array(s.throttledPerSecond.map { .number($0) }))])
            })),
            ("consumers", .object(consumers.map { ($0.name, $0.json) })),
        ])
    }
}

extension ShardReport {
    var json: JSONValue {
        .object([
            ("id", .string(id)), ("parents", .array(parents.map { .string($0) })),
            ("startingHashKey", .string(startingHashKey)), ("endingHashKey", .string(endingHashKey)),
            ("openedAt", .number(openedAt)), ("closedAt", closedAt.map { .number($0) } ?? .null),
            ("replications", .int(replications)), ("records", .int(recordsPut)), ("bytes", .int(bytesPut)),
            ("throttled", .int(writeThrottled)), ("peakRecordsPerSecond", .int(peakRecordsPerSecond)),
        ])
    }
}

extension StreamConsumerReport {
    var json: JSONValue {
        func millis(_ value: Int64?) -> JSONValue { value.map { .int(Int($0)) } ?? .null }
        return .object([
            ("kind", .string(kind)),
            ("processed", .int(recordsProcessed)),
            ("duplicates", .int(duplicates)),
            ("discarded", .int(discarded)),
            ("unprocessedAtEnd", .int(unprocessedAtEnd)),
            ("outOfOrder", .int(outOfOrder)),
            ("readThrottled", .int(readThrottled)),
            ("leaseTakeovers", .int(leaseTakeovers)),
            ("checkpoints", .int(checkpoints)),
            ("counters", .object(counters.map { ($0.name, .int($0.value)) })),
            ("endToEnd", endToEnd.json),
            ("iteratorAge", .object([
                ("maxMillis", millis(iteratorAgeMaxMillis)),
                ("atEndMillis", .array(iteratorAgeAtEnd.map(millis))),
                ("series", .array(iteratorAge.map { s in
                    .object([("time", .number(s.time)), ("maxMillis", millis(s.maxMillisBehind)),
                             ("perShard", .array(s.perShard.map(millis)))])
                })),
            ])),
        ])
    }
}

extension DeliveryStreamReport {
    var json: JSONValue {
        .object([
            ("source", .string(source)),
            ("destination", .string(destination)),
            ("recordsIn", .int(recordsIn)),
            ("bytesIn", .int(bytesIn)),
            ("billedBytes", .int(billedBytes)),
            ("recordsThrottled", .int(recordsThrottled)),
            ("transformation", .object([("ok", .int(transformedOk)), ("dropped", .int(transformedDropped)),
                                        ("processingFailed", .int(transformProcessingFailed))])),
            ("objectsDelivered", .int(objectsDelivered)),
            ("objectBytes", objectBytes.json),
            ("deliveryLatency", deliveryLatency.json),
            ("freshness", freshness.json),
            ("destinationAttempts", .int(destinationAttempts)),
            ("destinationFailures", .int(destinationFailures)),
            ("recordsBackedUp", .int(recordsBackedUp)),
            ("bytesBackedUp", .int(bytesBackedUp)),
            ("recordsExpired", .int(recordsExpired)),
            ("bytesDropped", .int(bytesDropped)),
        ])
    }
}

extension AnalyticsReport {
    var json: JSONValue {
        .object([
            ("source", .string(source)),
            ("window", .string(window)),
            ("output", .string(output)),
            ("recordsIn", .int(recordsIn)),
            ("recordsLate", .int(recordsLate)),
            ("windowsEmitted", .int(windowsEmitted)),
            ("updates", .int(updates)),
            ("keys", keys.json),
            ("resultLatency", resultLatency.json),
            ("sampleResults", .array(sampleResults.map { row in
                .object([("windowStart", .number(row.windowStart)), ("windowEnd", .number(row.windowEnd)),
                         ("key", .string(row.key)), ("values", .object(row.values.map { ($0.name, .number($0.value)) }))])
            })),
        ])
    }
}

extension Report {
    /// The `streams`, `deliveryStreams` and `analytics` members, each only when the scenario has
    /// any of its kind.
    var streamMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if !streams.isEmpty { members.append(("streams", .object(streams.map { ($0.name, $0.json) }))) }
        if !deliveryStreams.isEmpty { members.append(("deliveryStreams", .object(deliveryStreams.map { ($0.name, $0.json) }))) }
        if !analytics.isEmpty { members.append(("analytics", .object(analytics.map { ($0.name, $0.json) }))) }
        return members
    }

    /// Each stream's totals, shards, resharding and consumers; empty when the scenario has no streams.
    var streamsSection: String {
        guard !streams.isEmpty else { return "" }
        var out = "## Streams\n\n"
        out += "Counts are totals over all replications; shards at the end and shard-hours are means over them with a 95% "
        out += "interval. Resharding and the time series (`stream-rate.csv`, `iterator-age.csv`) are replication 0's. "
        out += "End-to-end runs from the record produced to its first processing, for records produced after the warm-up.\n\n"
        for s in streams {
            out += "### \(s.name) (\(s.capacityMode))\n\n"
            out += "\(s.shardsAtStart) shards at the start, \(Format.estimate(s.shardsAtEnd) { Format.fixed($0, 2) }) at the end; "
            out += "\(Format.estimate(s.shardHours) { Format.quantity($0) }) shard-hours per replication. "
            out += "Records put \(Format.estimate(s.putRate, Format.rate)) over the producers' run, read \(Format.estimate(s.readRate, Format.rate)) "
            out += "over the whole run (every consumer's reads counted). "
            out += "\(s.putRequests) put requests, \(s.recordsPut) records put (\(s.bytesPut) bytes, \(s.putPayloadUnits) PUT payload units), "
            out += "\(s.writeThrottled) write-throttled, \(s.producerRetries) retried by producers, \(s.recordsAbandoned) abandoned; "
            out += "\(s.getRecordsRequests) GetRecords calls returned \(s.recordsRead) records (\(s.bytesRead) bytes), "
            out += "\(s.readThrottled) read-throttled; \(s.recordsExpired) expired"
            out += s.capacityMode == "ON_DEMAND" ? "; \(s.onDemandScalings) on-demand scalings.\n\n" : ".\n\n"
            if !s.shards.isEmpty {
                out += "| shard | parents | hash keys (share of the key space) | opened | closed | replications | records | bytes | throttled "
                out += "| peak records/s |\n"
                out += "|---|---|---|---|---|---|---|---|---|---|\n"
                for shard in s.shards {
                    out += "| \(shard.id) | \(shard.parents.isEmpty ? "–" : shard.parents.joined(separator: ", ")) "
                    out += "| \(Self.keySpaceShare(shard.startingHashKey, shard.endingHashKey)) | \(Format.seconds(shard.openedAt)) "
                    out += "| \(shard.closedAt.map(Format.seconds) ?? "open") | \(shard.replications) | \(shard.recordsPut) "
                    out += "| \(shard.bytesPut) | \(shard.writeThrottled) | \(shard.peakRecordsPerSecond) |\n"
                }
                out += "\n"
                out += "Hash keys are shown as shares of 0 … 2^128−1; `report.json` has them exactly. Peak records/s is the most "
                out += "records a shard accepted within one second of simulated time, in any replication.\n\n"
            }
            if !s.reshards.isEmpty {
                out += "Resharding:\n\n"
                for r in s.reshards { out += "- \(Format.seconds(r.time)): \(r.action) \(r.detail): \(r.outcome)\n" }
                out += "\n"
            }
            if !s.consumers.isEmpty {
                out += "| consumer | kind | processed | duplicates | discarded | out of order | unprocessed | read throttled "
                out += "| iterator age max | end-to-end p50 | end-to-end p99 |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
                for c in s.consumers {
                    let l = c.endToEnd
                    out += "| \(c.name) | \(c.kind) | \(c.recordsProcessed) | \(c.duplicates) | \(c.discarded) | \(c.outOfOrder) "
                    out += "| \(c.unprocessedAtEnd) | \(c.readThrottled) | \(Format.seconds(Double(c.iteratorAgeMaxMillis) / 1e3)) "
                    out += "| \(l.count > 0 ? Format.seconds(l.p50) : "–") | \(l.count > 0 ? Format.seconds(l.p99) : "–") |\n"
                }
                out += "\n"
                for c in s.consumers where !c.counters.isEmpty || c.leaseTakeovers + c.checkpoints > 0 {
                    out += "\(c.name): " + ([("lease takeovers", c.leaseTakeovers), ("checkpoints", c.checkpoints)] + c.counters)
                        .map { "\($0.0) \($0.1)" }.joined(separator: ", ") + ".\n\n"
                }
            }
        }
        return out
    }

    /// A shard's inclusive hash-key range as shares of the key space, `25%–50%`: the 39-digit keys
    /// themselves do not read in a table. Shares are rounded to 3 decimals.
    static func keySpaceShare(_ startingHashKey: String, _ endingHashKey: String) -> String {
        let space = 340282366920938463463374607431768211456.0  // 2^128
        func share(_ key: Double) -> String {
            var text = Format.fixed(key / space * 100, 3)
            while text.contains("."), text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        guard let start = Double(startingHashKey), let end = Double(endingHashKey) else { return "\(startingHashKey) – \(endingHashKey)" }
        // The end is inclusive; as a Double it rounds to the next key, so 0 … 2^127−1 reads 0%–50%.
        return "\(share(start))%–\(share(end))%"
    }

    /// Each delivery stream's records, objects and latencies; empty when the scenario has none.
    var firehoseSection: String {
        guard !deliveryStreams.isEmpty else { return "" }
        var out = "## Firehose\n\n"
        out += "Counts are totals over all replications. Delivery runs from a record's arrival to the delivery of the object "
        out += "holding it; freshness is the age of each object's oldest record when it was delivered.\n\n"
        out += "| delivery stream | source | destination | records in | bytes in | billed bytes | throttled | objects "
        out += "| object bytes p50 | p90 | max | delivery p50 | delivery p99 | freshness max |\n"
        out += "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for d in deliveryStreams {
            let l = d.deliveryLatency, o = d.objectBytes
            out += "| \(d.name) | \(d.source) | \(d.destination) | \(d.recordsIn) | \(d.bytesIn) | \(d.billedBytes) "
            out += "| \(d.recordsThrottled) | \(d.objectsDelivered) | \(o.count > 0 ? "\(o.p50)" : "–") | \(o.count > 0 ? "\(o.p90)" : "–") "
            out += "| \(o.count > 0 ? "\(o.max)" : "–") | \(l.count > 0 ? Format.seconds(l.p50) : "–") "
            out += "| \(l.count > 0 ? Format.seconds(l.p99) : "–") | \(d.freshness.count > 0 ? Format.seconds(d.freshness.max) : "–") |\n"
        }
        out += "\n"
        for d in deliveryStreams {
            out += "\(d.name): transformation \(d.transformedOk) ok, \(d.transformedDropped) dropped, "
            out += "\(d.transformProcessingFailed) failed; \(d.destinationAttempts) destination attempts, \(d.destinationFailures) failed; "
            out += "\(d.recordsBackedUp) records (\(d.bytesBackedUp) bytes) to backup; \(d.recordsExpired) records expired after 24 h; "
            out += "\(d.bytesDropped) bytes dropped.\n\n"
        }
        return out
    }

    /// Each analytics application's counts and replication 0's first results; empty when the scenario has none.
    var analyticsSection: String {
        guard !analytics.isEmpty else { return "" }
        var out = "## Analytics\n\n"
        out += "Counts are totals over all replications, keys a mean over them. Result latency runs from a window's end in "
        out += "event time to its result, in simulated time.\n\n"
        out += "| application | source | window | output | records in | late | windows emitted | updates | keys "
        out += "| result p50 | result p99 |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
        for a in analytics {
            let l = a.resultLatency
            out += "| \(a.name) | \(a.source) | \(a.window) | \(a.output) | \(a.recordsIn) | \(a.recordsLate) | \(a.windowsEmitted) "
            out += "| \(a.updates) | \(Format.estimate(a.keys) { Format.quantity($0) }) "
            out += "| \(l.count > 0 ? Format.seconds(l.p50) : "–") | \(l.count > 0 ? Format.seconds(l.p99) : "–") |\n"
        }
        out += "\n"
        for a in analytics where !a.sampleResults.isEmpty {
            out += "### \(a.name): first results\n\n| window start | window end | key | values |\n|---|---|---|---|\n"
            for row in a.sampleResults {
                let values = row.values.map { "\($0.name) \(JSONValue.format($0.value))" }.joined(separator: ", ")
                out += "| \(JSONValue.format(row.windowStart)) | \(JSONValue.format(row.windowEnd)) | \(row.key) | \(values) |\n"
            }
            out += "\n"
        }
        return out
    }

    /// Kinesis and Firehose list prices, for the cost section; empty when the scenario uses neither.
    var streamPricesText: String {
        guard !streams.isEmpty || !deliveryStreams.isEmpty else { return "" }
        let p = cost.prices
        // Several of these prices have three decimals, so all are written in full rather than to the cent.
        func usd(_ price: Double) -> String { "$" + JSONValue.format(price) }
        var out = "Kinesis: \(usd(p.kinesisShardHour)) per shard-hour and \(usd(p.kinesisPerMillionPutPayloadUnits)) per million "
        out += "25 KB PUT payload units (provisioned), enhanced fan-out \(usd(p.kinesisEfoConsumerShardHour)) per consumer-shard-hour "
        out += "and \(usd(p.kinesisEfoPerGB)) per GB; on-demand \(usd(p.kinesisOnDemandStreamHour)) per stream-hour, "
        out += "\(usd(p.kinesisOnDemandPerGBIn)) per GB in and \(usd(p.kinesisOnDemandPerGBOut)) per GB out. "
        out += "Firehose: \(usd(p.firehosePerGBIngested)) per GB ingested, each record rounded up to 5 KB.\n\n"
        if !streams.isEmpty {
            out += "Shard-hours, consumer-shard-hours and stream-hours accrue while a stream exists, drain included: per month "
            out += "scales them by the run's elapsed time, not by how long the producers ran.\n\n"
        }
        return out
    }

    /// Each shard's write rate at each sample instant, one row per sample, shard, stream and
    /// replication; only the header when the scenario has no streams.
    public var streamRateCSV: String {
        var out = "replication,stream,time,shard,recordsPerSecond,throttledPerSecond\n"
        for series in streamRateSeries {
            for s in series.samples {
                for (i, rate) in s.recordsPerSecond.enumerated() {
                    let shard = i < series.shards.count ? series.shards[i] : "\(i)"
                    let throttled = i < s.throttledPerSecond.count ? s.throttledPerSecond[i] : 0
                    out += "\(series.replication),\(csvField(series.stream)),\(JSONValue.format(s.time)),\(csvField(shard)),"
                    out += "\(JSONValue.format(rate)),\(JSONValue.format(throttled))\n"
                }
            }
        }
        return out
    }

    /// Each stream consumer's iterator age per shard it reads, one row per sample, shard, consumer
    /// and replication; only the header when the scenario has no streams.
    public var iteratorAgeCSV: String {
        var out = "replication,stream,consumer,time,shard,millisBehind\n"
        for series in iteratorAgeSeries {
            for s in series.samples {
                for (i, age) in s.perShard.enumerated() {
                    guard let age else { continue }
                    let shard = i < series.shards.count ? series.shards[i] : "\(i)"
                    out += "\(series.replication),\(csvField(series.stream)),\(csvField(series.consumer)),"
                    out += "\(JSONValue.format(s.time)),\(csvField(shard)),\(age)\n"
                }
            }
        }
        return out
    }
}
