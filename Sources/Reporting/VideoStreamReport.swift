/// A video stream entry over all replications: counts are totals over them (and over the entry's
/// streams), rates and storage are per replication with an interval across them, and the held
/// bytes series is replication 0's.
public struct VideoStreamReport: Sendable, Equatable {
    public var name: String
    /// Identical streams the entry made (one per camera).
    public var streams: Int
    public var retentionHours: Double
    /// Bytes accepted per second of `duration`, all the entry's streams together.
    public var ingestBytesPerSecond: Estimate?
    public var fragmentsIngested: Int
    public var bytesIngested: Int
    public var fragmentsDropped: Int
    public var fragmentsRefused: Int
    public var ingestThrottled: Int
    public var putMediaThrottled: Int
    public var connectionsRefused: Int
    public var putMediaCalls: Int
    public var getMediaCalls: Int
    public var listFragmentsCalls: Int
    public var getMediaForFragmentListCalls: Int
    public var fragmentsExpired: Int
    public var fragmentsLeftHostBuffer: Int
    public var bytesConsumed: Int
    /// Fragment complete → accepted by the stream.
    public var ingestLatency: LatencySummary
    /// GB-months of one replication: billed (each retained fragment for its whole retention), and
    /// held during the run only.
    public var storageGBMonthsBilled: Estimate?
    public var storageGBMonthsInRun: Estimate?
    /// The most bytes held at any sample of any replication.
    public var heldBytesMax: Int
    /// Replication 0's held bytes at each sample instant.
    public var heldBytes: [VideoHeldBytesSample]
    public var playback: [VideoPlaybackReport]
}

/// A playback consumer of a video stream entry over all replications: counts are totals.
public struct VideoPlaybackReport: Sendable, Equatable {
    public var name: String
    /// `live` or `archived`.
    public var mode: String
    public var fragmentsPlayed: Int
    public var bytesPlayed: Int
    public var fragmentsSkipped: Int
    public var throttled: Int
    /// Fragment complete → shown.
    public var latency: LatencySummary
    /// First frame captured → shown.
    public var lag: LatencySummary
}

extension ReportBuilder {
    /// Adds the video stream entries of `replications` (ordered by index) to `report`, matched
    /// across replications by position as topics are.
    static func addVideoStreams(to report: inout Report, _ replications: [ReplicationObservations]) {
        report.videoStreams = replications[0].videoStreams.indices.map { v in
            videoStreamReport(replications.map { $0.videoStreams[v] }, replications: replications)
        }
    }

    static func videoStreamReport(_ all: [VideoStreamObservations], replications: [ReplicationObservations]) -> VideoStreamReport {
        let first = all[0]
        for v in all {
            precondition(v.name == first.name && v.playback.map(\.name) == first.playback.map(\.name),
                         "replications disagree on video stream \(first.name) and its playback: \(v.name) \(v.playback.map(\.name))")
        }
        func total(_ count: (VideoStreamObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        func gbMonths(_ byteSeconds: Double) -> Double { byteSeconds / CostModel.storageGBBytes / CostModel.monthSeconds }
        let playback = first.playback.indices.map { p -> VideoPlaybackReport in
            let each = all.map { $0.playback[p] }
            func total(_ count: (VideoPlaybackObservations) -> Int) -> Int { each.reduce(0) { $0 + count($1) } }
            return VideoPlaybackReport(
                name: each[0].name, mode: each[0].mode, fragmentsPlayed: total(\.fragmentsPlayed), bytesPlayed: total(\.bytesPlayed),
                fragmentsSkipped: total(\.fragmentsSkipped), throttled: total(\.throttled),
                latency: latencySummary(each.map(\.latency)), lag: latencySummary(each.map(\.lag)))
        }
        return VideoStreamReport(
            name: first.name, streams: first.streams, retentionHours: first.retentionSeconds / 3600,
            ingestBytesPerSecond: estimate(zip(all, replications).map { v, r in r.duration > 0 ? Double(v.bytesIngested) / r.duration : 0 }),
            fragmentsIngested: total(\.fragmentsIngested), bytesIngested: total(\.bytesIngested),
            fragmentsDropped: total(\.fragmentsDropped), fragmentsRefused: total(\.fragmentsRefused),
            ingestThrottled: total(\.ingestThrottled), putMediaThrottled: total(\.putMediaThrottled),
            connectionsRefused: total(\.connectionsRefused), putMediaCalls: total(\.putMediaCalls), getMediaCalls: total(\.getMediaCalls),
            listFragmentsCalls: total(\.listFragmentsCalls), getMediaForFragmentListCalls: total(\.getMediaForFragmentListCalls),
            fragmentsExpired: total(\.fragmentsExpired), fragmentsLeftHostBuffer: total(\.fragmentsLeftHostBuffer),
            bytesConsumed: total(\.bytesConsumed), ingestLatency: latencySummary(all.map(\.ingestLatency)),
            storageGBMonthsBilled: estimate(all.map { gbMonths($0.billedStorageByteSeconds) }),
            storageGBMonthsInRun: estimate(all.map { gbMonths($0.storedByteSecondsInRun) }),
            heldBytesMax: all.flatMap(\.heldBytes).map(\.bytes).max() ?? 0, heldBytes: first.heldBytes, playback: playback)
    }
}

extension ServiceUsage {
    /// Adds what a video stream entry bills: bytes ingested, bytes sent to consumers (GetMedia and
    /// GetMediaForFragmentList), and storage for each retained fragment's whole retention.
    public mutating func addVideoStream(_ video: VideoStreamObservations) {
        kinesisVideoBytesIngested += Double(video.bytesIngested)
        kinesisVideoBytesConsumed += Double(video.bytesConsumed)
        kinesisVideoStoredByteSeconds += video.billedStorageByteSeconds
    }
}
