// How video streams appear in report.json and report.md. The section is left out entirely when the
// scenario has none, so reports of scenarios without them keep their bytes.

extension VideoPlaybackReport {
    var json: JSONValue {
        .object([
            ("mode", .string(mode)),
            ("fragmentsPlayed", .int(fragmentsPlayed)),
            ("bytesPlayed", .int(bytesPlayed)),
            ("fragmentsSkipped", .int(fragmentsSkipped)),
            ("throttled", .int(throttled)),
            ("latency", latency.json),
            ("lag", lag.json),
        ])
    }
}

extension VideoStreamReport {
    var json: JSONValue {
        .object([
            ("streams", .int(streams)),
            ("retentionHours", .number(retentionHours)),
            ("throughput", .object([("ingestBytesPerSecond", ingestBytesPerSecond.json)])),
            ("totals", .object([
                ("fragmentsIngested", .int(fragmentsIngested)), ("bytesIngested", .int(bytesIngested)),
                ("fragmentsDropped", .int(fragmentsDropped)), ("fragmentsRefused", .int(fragmentsRefused)),
                ("ingestThrottled", .int(ingestThrottled)), ("putMediaThrottled", .int(putMediaThrottled)),
                ("connectionsRefused", .int(connectionsRefused)), ("putMediaCalls", .int(putMediaCalls)),
                ("getMediaCalls", .int(getMediaCalls)), ("listFragmentsCalls", .int(listFragmentsCalls)),
                ("getMediaForFragmentListCalls", .int(getMediaForFragmentListCalls)), ("fragmentsExpired", .int(fragmentsExpired)),
                ("fragmentsLeftHostBuffer", .int(fragmentsLeftHostBuffer)), ("bytesConsumed", .int(bytesConsumed)),
            ])),
            ("ingestLatency", ingestLatency.json),
            ("storage", .object([
                ("gbMonthsBilled", storageGBMonthsBilled.json), ("gbMonthsInRun", storageGBMonthsInRun.json),
                ("heldBytesMax", .int(heldBytesMax)),
                ("heldBytes", .array(heldBytes.map { .object([("time", .number($0.time)), ("bytes", .int($0.bytes))]) })),
            ])),
            ("playback", .object(playback.map { ($0.name, $0.json) })),
        ])
    }
}

extension Report {
    /// The `videoStreams` member, only when the scenario has video streams.
    var videoStreamMembers: [(String, JSONValue)] {
        videoStreams.isEmpty ? [] : [("videoStreams", .object(videoStreams.map { ($0.name, $0.json) }))]
    }

    /// Each video stream entry's ingestion, storage and playback; empty when the scenario has none.
    var videoStreamsSection: String {
        guard !videoStreams.isEmpty else { return "" }
        func latency(_ l: LatencySummary, _ value: (LatencySummary) -> Double) -> String { l.count > 0 ? Format.seconds(value(l)) : "–" }
        var out = "## Video streams\n\n"
        out += "Counts are totals over all replications and over each entry's streams (one per camera). Ingest latency runs from a "
        out += "fragment complete (its last frame captured) to the stream accepting it; playback latency from complete to shown; lag "
        out += "from its first frame captured to shown, how far behind the camera a viewer plays. Latencies count fragments complete "
        out += "after the warm-up. Storage is billed for each retained fragment's whole retention, most of it after the run; held "
        out += "bytes are replication 0's samples.\n\n"
        out += "| video stream | streams | retention | fragments | bytes | ingest bytes/s | dropped | refused | throttled "
        out += "| ingest p50 | ingest p99 | storage GB-months |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        for v in videoStreams {
            out += "| \(v.name) | \(v.streams) | \(v.retentionHours == 0 ? "none" : "\(Format.quantity(v.retentionHours)) h") "
            out += "| \(v.fragmentsIngested) | \(v.bytesIngested) | \(Format.estimate(v.ingestBytesPerSecond) { Format.quantity($0) }) "
            out += "| \(v.fragmentsDropped) | \(v.fragmentsRefused) | \(v.ingestThrottled) "
            out += "| \(latency(v.ingestLatency, \.p50)) | \(latency(v.ingestLatency, \.p99)) "
            out += "| \(Format.estimate(v.storageGBMonthsBilled) { Format.quantity($0) }) |\n"
        }
        out += "\n"
        for v in videoStreams {
            out += "\(v.name): \(v.putMediaCalls) PutMedia calls, \(v.putMediaThrottled) PutMedia refusals seen by producers, "
            out += "\(v.connectionsRefused) calls refused for a connection or call-rate limit; \(v.getMediaCalls) GetMedia, "
            out += "\(v.listFragmentsCalls) ListFragments and \(v.getMediaForFragmentListCalls) GetMediaForFragmentList calls, "
            out += "\(v.bytesConsumed) bytes sent to consumers; \(v.fragmentsExpired) fragments expired, "
            out += "\(v.fragmentsLeftHostBuffer) left the host buffer; at most \(v.heldBytesMax) bytes held; "
            out += "\(Format.estimate(v.storageGBMonthsInRun) { Format.quantity($0) }) GB-months held during the run.\n\n"
        }
        if videoStreams.contains(where: { !$0.playback.isEmpty }) {
            out += "| video stream | playback | mode | played | bytes | skipped | throttled | latency p50 | latency p99 "
            out += "| lag p50 | lag max |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
            for v in videoStreams {
                for p in v.playback {
                    out += "| \(v.name) | \(p.name) | \(p.mode) | \(p.fragmentsPlayed) | \(p.bytesPlayed) | \(p.fragmentsSkipped) "
                    out += "| \(p.throttled) | \(latency(p.latency, \.p50)) | \(latency(p.latency, \.p99)) "
                    out += "| \(latency(p.lag, \.p50)) | \(latency(p.lag, \.max)) |\n"
                }
            }
            out += "\n"
        }
        return out
    }

    /// Kinesis Video Streams list prices, for the cost section; empty when the scenario has no video streams.
    var videoPricesText: String {
        guard !videoStreams.isEmpty else { return "" }
        let p = cost.prices
        func usd(_ price: Double) -> String { "$" + JSONValue.format(price) }
        var out = "Kinesis Video Streams (KVS): \(usd(p.kinesisVideoPerGBIngested)) per GB ingested, "
        out += "\(usd(p.kinesisVideoPerGBConsumed)) per GB consumed (GetMedia, GetMediaForFragmentList) and "
        out += "\(usd(p.kinesisVideoStoragePerGBMonth)) per GB-month stored, each retained fragment billed for its whole retention.\n\n"
        return out
    }
}
