import MessagingEngine
import SimKernel
import Stochastic
import Workloads

extension ScenarioModel {
    /// A Kinesis video stream as the scenario file creates it: `count` identical streams, each with
    /// its own copy of the producers (cameras) and playback consumers.
    ///
    /// A stream takes one PutMedia connection at a time, so each camera needs a stream of its own;
    /// `count` says "this many cameras like this one" without repeating the entry.
    public struct VideoStreamEntry: Sendable {
        /// The settings every copy has; a copy differs only in its name (`streamNames`).
        public var configuration: VideoStreamConfiguration
        /// The streams the entry makes: its name alone for one, else `<name>-1` … `<name>-<count>`.
        public var streamNames: [String]
        /// What each stream's producers and playback consumers do. Names are the file's, unique
        /// within the entry; the world gives each copy's actors names of their own
        /// (`videoActorName(stream:actor:)`) so that their random streams differ.
        public var producers: [VideoProducerSpecification]
        public var playback: [VideoPlaybackSpecification]

        public init(configuration: VideoStreamConfiguration, count: Int = 1, producers: [VideoProducerSpecification],
                    playback: [VideoPlaybackSpecification]) {
            precondition(count >= 1, "a video stream entry makes at least one stream")
            self.configuration = configuration
            streamNames = count == 1 ? [configuration.name] : (1...count).map { "\(configuration.name)-\($0)" }
            self.producers = producers
            self.playback = playback
        }

        public var count: Int { streamNames.count }

        /// An actor's name on one of the entry's streams: `<stream>/<actor>`, e.g. `lobby-3/camera`.
        public static func videoActorName(stream: String, actor: String) -> String { "\(stream)/\(actor)" }
    }

    /// The most streams one entry may make.
    public static let videoStreamCountMax = 1000
}

extension ScenarioKeys {
    /// The settings of `VideoStreamConfiguration`: retention, and the quotas, each overridable to
    /// model a raised soft quota.
    public static let videoStreamLimits = ["putMediaCallsPerSecond", "putMediaConnectionsMax", "ingestBytesPerSecond",
                                           "ingestFragmentsPerSecond", "fragmentDurationMin", "fragmentDurationMax",
                                           "fragmentBytesMax", "putMediaConnectionLifetime", "getMediaCallsPerSecond",
                                           "getMediaConnectionsMax", "getMediaBytesPerSecond", "getMediaFragmentsPerSecond",
                                           "hostBufferLifetime", "hostBufferBytesMax", "getMediaForFragmentListConnectionsMax",
                                           "getMediaForFragmentListBytesPerSecond", "fragmentMetadataPointsPerSecond",
                                           "fragmentMediaPointsPerSecond"]
    public static let videoStream = ["name", "count", "retention", "producers", "playback"] + videoStreamLimits
    public static let videoProducer = ["name", "fragmentDuration", "bitrate", "uploadLatency", "start", "stop", "bufferDuration", "retry"]
    public static let videoPlayback = ["name", "mode", "startSelector", "window", "every", "fragmentsPerRequest", "sessionStartLatency",
                                       "processing", "start", "stop", "retry"]
}
