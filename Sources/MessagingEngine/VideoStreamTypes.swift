import SimKernel

/// A fragment as the stream keeps it and readers get it (the Fragment of ListFragments, with the
/// media of GetMedia).
public struct VideoFragment: Sendable, Equatable {
    /// FragmentNumber: grows with the order in which the stream ingested fragments, from 0.
    public let fragmentNumber: Int
    /// ProducerTimestamp: when the fragment's first frame was captured, by the producer's clock.
    public let producerTimestamp: Instant
    /// ServerTimestamp: when the stream accepted the fragment.
    public let serverTimestamp: Instant
    /// FragmentLengthInMilliseconds, as a span.
    public let duration: Span
    /// FragmentSizeInBytes.
    public let sizeBytes: Int
    /// The producer's key for the fragment's content, carried to readers unchanged.
    public let tag: UInt64

    /// When the fragment's last frame was captured: the first instant it could be sent whole.
    public var completedAt: Instant { producerTimestamp + duration }
}

/// One fragment sent on a PutMedia connection.
public struct PutFragmentRequest: Sendable {
    public var producerTimestamp: Instant
    public var duration: Span
    public var sizeBytes: Int
    public var tag: UInt64

    public init(producerTimestamp: Instant, duration: Span, sizeBytes: Int, tag: UInt64 = 0) {
        self.producerTimestamp = producerTimestamp
        self.duration = duration
        self.sizeBytes = sizeBytes
        self.tag = tag
    }
}

/// A PutMedia connection, valid until it is closed or its lifetime ends.
public struct PutMediaConnection: Hashable, Sendable {
    public let id: Int
}

/// A GetMedia connection reading live media.
public struct MediaSession: Hashable, Sendable {
    public let id: Int
}

/// The error acknowledgements PutMedia sends for a fragment it refuses, by their AWS names.
public enum FragmentAckError: String, Sendable, Equatable {
    case minFragmentDurationReached = "MIN_FRAGMENT_DURATION_REACHED"
    case maxFragmentDurationReached = "MAX_FRAGMENT_DURATION_REACHED"
    case maxFragmentSizeReached = "MAX_FRAGMENT_SIZE_REACHED"
    case maxConnectionDurationReached = "MAX_CONNECTION_DURATION_REACHED"
    case fragmentTimecodeLesserThanPrevious = "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS"
}

/// PutMedia's answer for one fragment: PERSISTED with its number, or refused.
public enum PutFragmentResult: Sendable, Equatable {
    case persisted(VideoFragment)
    case rejected(VideoStreamError)
}

/// Where GetMedia starts (StartSelectorType).
public enum MediaStartSelector: Sendable, Equatable {
    /// NOW: the next fragment the stream ingests after the call.
    case now
    /// EARLIEST: the oldest fragment still readable.
    case earliest
    /// FRAGMENT_NUMBER: the fragment after AfterFragmentNumber.
    case afterFragmentNumber(Int)
    /// SERVER_TIMESTAMP: the first fragment accepted at or after the instant.
    case serverTimestamp(Instant)
    /// PRODUCER_TIMESTAMP: the first fragment whose producer timestamp is at or after the instant.
    case producerTimestamp(Instant)
}

/// What a live read gives.
public enum MediaReadResult: Sendable, Equatable {
    /// The next fragment, sent from now until `sentBy` at the connection's 25 MB/s. `skipped`
    /// counts fragments that left the stream (or its host buffer) before the connection reached
    /// them: a reader slower than retention loses them.
    case fragment(VideoFragment, sentBy: Instant, skipped: Int)
    /// The connection's send rate (25 MB/s, 5 fragments/s) lets the next fragment go at this instant.
    case notBefore(Instant)
    /// Nothing newer yet; the stream calls the session's receiver when a fragment arrives.
    case caughtUp
    case rejected(VideoStreamError)
}

/// Told when a live connection that had caught up has a fragment to read.
///
/// Called from inside `putFragment`: the receiver must not call the stream back from it, only
/// arrange to read later (a timer at the current instant).
public protocol VideoMediaReceiver: AnyObject {
    func videoFragmentAvailable(session: MediaSession)
}

/// Which timestamp a ListFragments range is over (FragmentSelectorType).
public enum FragmentTimestampType: String, Sendable, Equatable {
    case producerTimestamp = "PRODUCER_TIMESTAMP"
    case serverTimestamp = "SERVER_TIMESTAMP"
}

/// A ListFragments call: fragments whose timestamp lies in `range` (both ends included, as AWS's
/// example with fragments at 0, 2, 4 and 6 s and a range of 1 – 4 s returning 2 and 4 s shows).
public struct ListFragmentsRequest: Sendable, Equatable {
    public var timestampType: FragmentTimestampType
    public var range: ClosedRange<Instant>
    /// MaxResults, 1 – 1,000; it is also what the call spends of the fragment-metadata quota.
    public var maxResults: Int
    /// NextToken of the previous page, to go on after it.
    public var nextToken: Int?

    public init(timestampType: FragmentTimestampType = .serverTimestamp, range: ClosedRange<Instant>,
                maxResults: Int = VideoStreamConfiguration.fragmentsPerRequestMax, nextToken: Int? = nil) {
        self.timestampType = timestampType
        self.range = range
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
}

/// One page of ListFragments.
public struct ListFragmentsPage: Sendable, Equatable {
    /// In fragment-number order. (AWS does not promise an order; readers sort. Sluice gives the
    /// sorted order, which every correct reader ends up with.)
    public let fragments: [VideoFragment]
    /// Present when more fragments match: pass it back to read on.
    public let nextToken: Int?
}

/// GetMediaForFragmentList's answer.
public struct FragmentListMedia: Sendable, Equatable {
    /// The retained fragments asked for, in the order asked.
    public let fragments: [VideoFragment]
    /// Numbers asked for that the stream does not hold (expired, or never ingested).
    public let missing: [Int]
    /// When the last byte has been sent at the connection's 25 MB/s; the connection counts
    /// against the 5 concurrent ones until then.
    public let transferEndsAt: Instant
}

/// A Kinesis Video Streams error, named as the API names it.
public enum VideoStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stream-level request or throughput quota was exceeded: back off and retry.
    case clientLimitExceeded(String)
    /// Too many concurrent connections of one API on the stream.
    case connectionLimitExceeded(String)
    /// PutMedia's error acknowledgement for a fragment it will not take.
    case fragmentRefused(FragmentAckError, String)
    case invalidArgument(String)
    case resourceNotFound(String)

    public var isRetryable: Bool {
        switch self {
        case .clientLimitExceeded, .connectionLimitExceeded: true
        case .fragmentRefused(let ack, _): ack == .maxConnectionDurationReached
        default: false
        }
    }

    public var code: String {
        switch self {
        case .clientLimitExceeded: "ClientLimitExceededException"
        case .connectionLimitExceeded: "ConnectionLimitExceededException"
        case .fragmentRefused(let ack, _): ack.rawValue
        case .invalidArgument: "InvalidArgumentException"
        case .resourceNotFound: "ResourceNotFoundException"
        }
    }

    public var description: String {
        switch self {
        case .clientLimitExceeded(let why), .connectionLimitExceeded(let why), .fragmentRefused(_, let why),
             .invalidArgument(let why), .resourceNotFound(let why):
            "\(code): \(why)"
        }
    }
}

/// What a video stream counted.
///
/// For the reporting side, AWS's prices (US East, aws.amazon.com/kinesis/video-streams/pricing/,
/// as its worked examples state them): data ingested $0.0085 per GB; data consumed $0.0085 per GB
/// (GetMedia, GetMediaForFragmentList); data consumed through HLS $0.0119 per GB; data stored
/// $0.023 per GB-month. Storage bills what the retention keeps, so `storedByteSeconds` divided by
/// 10^9 and by the seconds of a month gives GB-months; the host buffer of a stream without
/// retention is not billed as storage (an assumption: AWS prices only retained data).
public struct VideoStreamCounters: Sendable, Equatable {
    public var putMediaCalls = 0
    public var fragmentsIngested = 0
    public var bytesIngested = 0
    /// Fragments refused for the stream's ingest rate (bytes or fragments a second).
    public var ingestThrottled = 0
    /// Fragments refused with an error acknowledgement (duration, size, timecode, connection age).
    public var fragmentsRefused = 0
    /// Calls refused for a connection limit or a call-rate limit, over every API.
    public var connectionsRefused = 0
    public var getMediaCalls = 0
    public var fragmentsReadLive = 0
    public var bytesReadLive = 0
    /// Fragments a live connection never sent because they left before it reached them.
    public var fragmentsSkippedLive = 0
    public var listFragmentsCalls = 0
    public var getMediaForFragmentListCalls = 0
    public var fragmentsReadArchived = 0
    public var bytesReadArchived = 0
    /// Archived-media calls refused for the fragment-metadata or fragment-media quota.
    public var archivedThrottled = 0
    /// Fragments whose retention ran out.
    public var fragmentsExpired = 0
    /// Fragments of a stream without retention that left the host buffer.
    public var fragmentsLeftHostBuffer = 0
    /// The integral of retained bytes over time, up to the last call (see `VideoStream.storedByteSeconds()`).
    public var storedByteSeconds = 0.0
}
