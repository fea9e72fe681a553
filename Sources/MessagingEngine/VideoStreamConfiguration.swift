import SimKernel

/// A Kinesis video stream's settings (SEMANTICS.md, VideoStream — Kinesis Video Streams).
///
/// The limits are AWS's published quotas (Kinesis Video Streams Developer Guide, "service quotas",
/// docs.aws.amazon.com/kinesisvideostreams/latest/dg/limits.html), kept as overridable values so a
/// scenario can model a raised soft quota. AWS writes sizes and rates in decimal units: 12.5 MB/s is
/// given as "100 Mbps", so a megabyte here is 10^6 bytes throughout.
public struct VideoStreamConfiguration: Sendable {
    public var name: String
    /// DataRetentionInHours as a span: zero keeps nothing (live readers only, from the service's
    /// host buffer), otherwise a whole number of hours from 1 hour to 10 years (CreateStream,
    /// and the Producer SDK quotas: "0 or greater than one hour", "Max retention period 10 years").
    public var retention: Span = .zero

    // PutMedia (data plane quotas table).
    /// PutMedia calls a second per stream: 5 TPS [h].
    public var putMediaCallsPerSecond = 5
    /// Concurrent PutMedia connections per stream: 1 [h]; "Kinesis Video Streams throttles the
    /// latest connections with a ConnectionLimitExceededException".
    public var putMediaConnectionsMax = 1
    /// Bytes a second a stream ingests: 12.5 MB/s, or 100 Mbps [s].
    public var ingestBytesPerSecond = 12_500_000
    /// Fragments a second a stream ingests: 5 [h].
    public var ingestFragmentsPerSecond = 5
    /// Fragment duration bounds: 1 s [h] to 20 s [h]. (The older PutMedia API page says 10 s; the
    /// quotas table, which is newer, says 20 s.)
    public var fragmentDurationMin: Span = .seconds(1)
    public var fragmentDurationMax: Span = .seconds(20)
    /// Largest fragment: 50 MB [h].
    public var fragmentBytesMax = 50_000_000
    /// How long a PutMedia connection lives: the backend closes it after 45 minutes (Producer SDK
    /// quotas, "Max connection duration"), and the producer opens a new one.
    public var putMediaConnectionLifetime: Span = .seconds(45 * 60)

    // GetMedia (live reads).
    /// GetMedia calls a second per stream: 5 TPS [h].
    public var getMediaCallsPerSecond = 5
    /// Concurrent GetMedia connections per stream: 3 [h].
    public var getMediaConnectionsMax = 3
    /// Bytes a second one GetMedia connection sends: 25 MB/s, or 200 Mbps [s].
    public var getMediaBytesPerSecond = 25_000_000
    /// Fragments a second one GetMedia connection sends: 5 [h].
    public var getMediaFragmentsPerSecond = 5
    /// With no retention, what GetMedia can still read: the host buffer keeps a fragment for
    /// 5 minutes and holds at most 200 MB, dropping the oldest when either limit is reached
    /// (CreateStream, DataRetentionInHours).
    public var hostBufferLifetime: Span = .seconds(300)
    public var hostBufferBytesMax = 200_000_000

    // Archived media.
    /// Concurrent GetMediaForFragmentList connections per stream: 5 [s].
    public var getMediaForFragmentListConnectionsMax = 5
    /// Bytes a second one GetMediaForFragmentList connection sends: 25 MB/s [s].
    public var getMediaForFragmentListBytesPerSecond = 25_000_000
    /// Fragment-metadata quota: 10,000 points a second per stream [h]; ListFragments spends its
    /// MaxResults.
    public var fragmentMetadataPointsPerSecond = 10_000
    /// Fragment-media quota: 500 points a second per stream [h]; GetMediaForFragmentList spends
    /// one per fragment asked for.
    public var fragmentMediaPointsPerSecond = 500

    /// 10 years of 365 days, as 87,600 hours.
    public static let retentionMax = Span.seconds(87_600 * 3600)
    public static let retentionMinNonZero = Span.seconds(3600)
    /// ListFragments' MaxResults and GetMediaForFragmentList's Fragments: 1 to 1,000.
    public static let fragmentsPerRequestMax = 1000

    public init(name: String, retention: Span = .zero) {
        self.name = name
        self.retention = retention
    }

    /// Whether the stream archives what it ingests (a retention above zero).
    public var archives: Bool { retention > .zero }

    /// Problems with the settings, each naming the attribute and what would be valid; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        let validName = !name.isEmpty && name.utf8.count <= 256
            && name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.".unicodeScalars.contains($0) }
        if !validName { found.append(("name", "a video stream name is 1 to 256 letters, digits, hyphens, underscores and periods")) }
        if retention != .zero {
            let hour = Self.retentionMinNonZero.nanoseconds
            if retention < Self.retentionMinNonZero || retention > Self.retentionMax || retention.nanoseconds % hour != 0 {
                found.append(("retention", "must be 0 (no storage) or a whole number of hours from 1h to 87600h (10 years)"))
            }
        }
        if fragmentDurationMin <= .zero || fragmentDurationMin > fragmentDurationMax {
            found.append(("fragmentDurationMin", "must be positive and at most fragmentDurationMax"))
        }
        for (attribute, span) in [("putMediaConnectionLifetime", putMediaConnectionLifetime), ("hostBufferLifetime", hostBufferLifetime)]
        where span <= .zero {
            found.append((attribute, "must be positive"))
        }
        for (attribute, value) in [("putMediaCallsPerSecond", putMediaCallsPerSecond), ("putMediaConnectionsMax", putMediaConnectionsMax),
                                   ("ingestBytesPerSecond", ingestBytesPerSecond), ("ingestFragmentsPerSecond", ingestFragmentsPerSecond),
                                   ("fragmentBytesMax", fragmentBytesMax), ("getMediaCallsPerSecond", getMediaCallsPerSecond),
                                   ("getMediaConnectionsMax", getMediaConnectionsMax), ("getMediaBytesPerSecond", getMediaBytesPerSecond),
                                   ("getMediaFragmentsPerSecond", getMediaFragmentsPerSecond), ("hostBufferBytesMax", hostBufferBytesMax),
                                   ("getMediaForFragmentListConnectionsMax", getMediaForFragmentListConnectionsMax),
                                   ("getMediaForFragmentListBytesPerSecond", getMediaForFragmentListBytesPerSecond),
                                   ("fragmentMetadataPointsPerSecond", fragmentMetadataPointsPerSecond),
                                   ("fragmentMediaPointsPerSecond", fragmentMediaPointsPerSecond)] where value < 1 {
            found.append((attribute, "must be at least 1"))
        }
        return found
    }
}
