/// What one video stream entry of a scenario (`count` identical streams, each with its cameras and
/// playback consumers) did in one replication. Counts are over the replication and over the
/// entry's streams, summed over replications in the report.
public struct VideoStreamObservations: Sendable {
    public var name: String
    /// Identical streams the entry made (one per camera).
    public var streams: Int
    /// DataRetentionInHours as seconds; 0 keeps nothing (live reads from the host buffer only).
    public var retentionSeconds: Double
    /// Fragments the streams accepted (PERSISTED), and their bytes.
    public var fragmentsIngested = 0
    public var bytesIngested = 0
    /// Fragments producers gave up on: refused, throttled on every attempt, or older than their buffer.
    public var fragmentsDropped = 0
    /// Fragments refused with an error acknowledgement (duration, size, timecode, connection age).
    public var fragmentsRefused = 0
    /// Fragments refused for a stream's ingest rate (bytes or fragments a second).
    public var ingestThrottled = 0
    /// PutMedia calls and fragments refused for a rate or connection limit, as producers saw them.
    public var putMediaThrottled = 0
    /// Calls refused for a connection or call-rate limit, over every API of the streams.
    public var connectionsRefused = 0
    public var putMediaCalls = 0
    public var getMediaCalls = 0
    public var listFragmentsCalls = 0
    public var getMediaForFragmentListCalls = 0
    /// Fragments whose retention ran out, and those that left the host buffer of a stream without retention.
    public var fragmentsExpired = 0
    public var fragmentsLeftHostBuffer = 0
    /// Bytes the streams sent to consumers, as AWS bills data consumed: GetMedia and GetMediaForFragmentList.
    public var bytesConsumed = 0
    /// Fragment complete (its last frame captured) → accepted by the stream, for fragments
    /// complete after the warm-up.
    public var ingestLatency = LatencySeries()
    /// Retained bytes integrated over the run (byte-seconds), all streams together.
    public var storedByteSecondsInRun = 0.0
    /// What the storage bill covers: every retained fragment held for its whole retention, most of
    /// it after the run (bytes ingested × retention, in byte-seconds; 0 without retention).
    public var billedStorageByteSeconds = 0.0
    /// Bytes the streams held (retained, or in the host buffer) at each sample instant.
    public var heldBytes: [VideoHeldBytesSample] = []
    /// Every playback consumer of the entry, in the order of the scenario file; each sums its
    /// copies on the entry's streams.
    public var playback: [VideoPlaybackObservations] = []

    public init(name: String, streams: Int, retentionSeconds: Double) {
        self.name = name
        self.streams = streams
        self.retentionSeconds = retentionSeconds
    }
}

/// Bytes a video stream entry's streams held at one sample instant.
public struct VideoHeldBytesSample: Sendable, Equatable {
    public var time: Double
    public var bytes: Int

    public init(time: Double, bytes: Int) {
        self.time = time
        self.bytes = bytes
    }
}

/// What one playback consumer (on every stream of its entry) did in one replication.
public struct VideoPlaybackObservations: Sendable {
    public var name: String
    /// `live` (GetMedia) or `archived` (ListFragments, then GetMediaForFragmentList).
    public var mode: String
    /// Fragments shown, and their bytes. An archived consumer whose replays overlap shows a
    /// fragment once per replay.
    public var fragmentsPlayed = 0
    public var bytesPlayed = 0
    /// Fragments the consumer never got: they left the stream before its live connection reached
    /// them, or expired between listing and fetching.
    public var fragmentsSkipped = 0
    /// Calls refused for a rate or connection limit (GetMedia, ListFragments, GetMediaForFragmentList).
    public var throttled = 0
    /// Fragment complete → shown, for fragments complete after the warm-up.
    public var latency = LatencySeries()
    /// First frame captured → shown: how far behind the camera the consumer is when a fragment
    /// starts to play (the latency plus the fragment's duration); for a live consumer, its live lag.
    public var lag = LatencySeries()

    public init(name: String, mode: String) {
        self.name = name
        self.mode = mode
    }
}
