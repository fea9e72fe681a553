import MessagingEngine
import SimKernel

/// How a playback consumer reads: live from a GetMedia connection, or archived media by time range.
public enum VideoPlaybackKind: String, Sendable, Equatable {
    case live
    case archived
}

/// What the actors around a Kinesis video stream do that a metric needs: producers (cameras)
/// sending fragments, and playback consumers showing them.
///
/// Streams and consumers are numbered as the scenario numbers them: `stream` indexes the
/// scenario's video streams, `consumer` its video playback consumers. A fragment is known by the
/// tag its producer gave it (a `StreamRecordTag`: the producer's number and the fragment's), which
/// it keeps in the stream. `producedAt` is when the fragment's last frame was captured (its producer
/// timestamp plus its duration), the first instant it existed whole: ingestion latency is
/// `at − producedAt` when ingested, playback latency `at − producedAt` when played.
public protocol VideoWorkloadObserver: AnyObject {
    /// The stream accepted a producer's fragment at `at`, giving it `fragment.fragmentNumber`.
    func videoFragmentIngested(stream: Int, fragment: VideoFragment, producedAt: Instant, at: Instant)
    /// A producer gave up on a fragment: refused, throttled on every attempt, or dropped from its
    /// full buffer.
    func videoFragmentDropped(stream: Int, tag: StreamRecordTag, producedAt: Instant, reason: String, at: Instant)
    /// A playback consumer finished showing (processing) a fragment. An archived consumer that
    /// replays overlapping windows reports a fragment once per replay.
    func videoFragmentPlayed(stream: Int, consumer: Int, fragment: VideoFragment, producedAt: Instant, kind: VideoPlaybackKind,
                             at: Instant)
    /// A live consumer lost fragments that left the stream (retention, or the host buffer of a
    /// stream without retention) before its connection reached them; an archived one asked for
    /// fragments that had expired between listing and fetching.
    func videoFragmentsSkipped(stream: Int, consumer: Int, count: Int, at: Instant)
    /// A call was refused for a rate or connection limit (ClientLimitExceededException,
    /// ConnectionLimitExceededException); `operation` names the API.
    func videoThrottled(stream: Int, actor: String, operation: String, at: Instant)
    /// A video producer has stopped and nothing it made is still on its way to the stream.
    func videoProducerFinished(_ name: String, at: Instant)
}

extension VideoWorkloadObserver {
    public func videoFragmentDropped(stream: Int, tag: StreamRecordTag, producedAt: Instant, reason: String, at: Instant) {}
    public func videoFragmentsSkipped(stream: Int, consumer: Int, count: Int, at: Instant) {}
    public func videoThrottled(stream: Int, actor: String, operation: String, at: Instant) {}
    public func videoProducerFinished(_ name: String, at: Instant) {}
}
