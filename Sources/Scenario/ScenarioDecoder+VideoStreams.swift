import MessagingEngine
import SimKernel
import Stochastic
import Workloads
import Yams

/// Kinesis video streams in scenario files: the top-level `videoStreams:` list, each entry with its
/// settings, its `producers:` (cameras) and its `playback:` consumers.
extension ScenarioBuilder {
    /// Every entry of `videoStreams:`. `duration` and `drain` (nil when the file's own are wrong)
    /// bound producers' and consumers' start and stop.
    func videoStreams(_ node: Node, duration: Span?, drain: Span?) -> [ScenarioModel.VideoStreamEntry] {
        guard let items = reader.sequence(node, "videoStreams") else { return [] }
        var entries: [ScenarioModel.VideoStreamEntry] = []
        var names: [String] = []
        for (i, item) in items.enumerated() {
            guard let entry = videoStream(item, "videoStreams[\(i)]", duration: duration, drain: drain) else { continue }
            // A copy's generated name (lobby-2) may meet another entry's name.
            if let taken = entry.streamNames.first(where: names.contains) {
                reader.fail(item.mapping?["name"] ?? item, "videoStreams[\(i)].name",
                            "a video stream named '\(taken)' already exists; names must be unique (an entry with count N makes <name>-1 … <name>-N)")
                continue
            }
            names += entry.streamNames
            entries.append(entry)
        }
        return entries
    }

    /// One entry: `{ name, count, retention, <quotas>, producers: [...], playback: [...] }`. Ranges
    /// are `VideoStreamConfiguration`'s own, reported at the key they name.
    func videoStream(_ node: Node, _ path: String, duration: Span?, drain: Span?) -> ScenarioModel.VideoStreamEntry? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.videoStream) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every video stream needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        var valid = true
        let count = fields["count"].map { reader.integer($0, fields.path("count"), in: 1...ScenarioModel.videoStreamCountMax) } ?? 1
        if count == nil { valid = false }
        var configuration = VideoStreamConfiguration(name: name)
        if let n = fields["retention"] {
            if let retention = reader.duration(n, fields.path("retention"), in: Span.zero...VideoStreamConfiguration.retentionMax) {
                configuration.retention = retention
            } else {
                valid = false
            }
        }
        valid = readVideoStreamLimits(fields, into: &configuration) && valid
        for problem in configuration.problems() {
            reader.fail(fields[problem.attribute] ?? nameNode, fields.path(problem.attribute), problem.message)
            valid = false
        }
        if let count, count > 1, "\(name)-\(count)".utf8.count > 256 {
            reader.fail(nameNode, fields.path("name"), "'\(name)-\(count)', the name of the last of \(count) streams, is longer than 256 characters")
            valid = false
        }

        let producers = namedItems(fields, "producers", what: "producer", valid: &valid, name: \.name) {
            videoProducer($0, $1, stream: configuration, duration: duration)
        }
        let playback = namedItems(fields, "playback", what: "playback", valid: &valid, name: \.name) {
            videoPlayback($0, $1, duration: duration, drain: drain)
        }
        guard valid, let count else { return nil }
        return ScenarioModel.VideoStreamEntry(configuration: configuration, count: count, producers: producers, playback: playback)
    }

    /// The quota keys, each into its field of the configuration; returns whether all read. Whole
    /// numbers per second are written as rates (`5/s`), bytes per second as sizes (`12.5MB`).
    func readVideoStreamLimits(_ fields: Fields, into configuration: inout VideoStreamConfiguration) -> Bool {
        var valid = true
        let rates: [(String, WritableKeyPath<VideoStreamConfiguration, Int>)] = [
            ("putMediaCallsPerSecond", \.putMediaCallsPerSecond), ("ingestFragmentsPerSecond", \.ingestFragmentsPerSecond),
            ("getMediaCallsPerSecond", \.getMediaCallsPerSecond), ("getMediaFragmentsPerSecond", \.getMediaFragmentsPerSecond),
            ("fragmentMetadataPointsPerSecond", \.fragmentMetadataPointsPerSecond),
            ("fragmentMediaPointsPerSecond", \.fragmentMediaPointsPerSecond),
        ]
        let counts: [(String, WritableKeyPath<VideoStreamConfiguration, Int>)] = [
            ("putMediaConnectionsMax", \.putMediaConnectionsMax), ("getMediaConnectionsMax", \.getMediaConnectionsMax),
            ("getMediaForFragmentListConnectionsMax", \.getMediaForFragmentListConnectionsMax),
        ]
        let sizes: [(String, WritableKeyPath<VideoStreamConfiguration, Int>)] = [
            ("ingestBytesPerSecond", \.ingestBytesPerSecond), ("fragmentBytesMax", \.fragmentBytesMax),
            ("getMediaBytesPerSecond", \.getMediaBytesPerSecond), ("hostBufferBytesMax", \.hostBufferBytesMax),
            ("getMediaForFragmentListBytesPerSecond", \.getMediaForFragmentListBytesPerSecond),
        ]
        let spans: [(String, WritableKeyPath<VideoStreamConfiguration, Span>)] = [
            ("fragmentDurationMin", \.fragmentDurationMin), ("fragmentDurationMax", \.fragmentDurationMax),
            ("putMediaConnectionLifetime", \.putMediaConnectionLifetime), ("hostBufferLifetime", \.hostBufferLifetime),
        ]
        for (key, field) in rates {
            guard let n = fields[key] else { continue }
            if let value = wholeRate(n, fields.path(key)) { configuration[keyPath: field] = value } else { valid = false }
        }
        for (key, field) in counts {
            guard let n = fields[key] else { continue }
            if let value = reader.integer(n, fields.path(key), in: 1...1_000_000) { configuration[keyPath: field] = value } else { valid = false }
        }
        for (key, field) in sizes {
            guard let n = fields[key] else { continue }
            if let value = reader.size(n, fields.path(key), in: 1...1_000_000_000_000) { configuration[keyPath: field] = value } else { valid = false }
        }
        for (key, field) in spans {
            guard let n = fields[key] else { continue }
            if let value = reader.duration(n, fields.path(key), in: Span(nanoseconds: 1)...Span.seconds(366 * 86_400)) {
                configuration[keyPath: field] = value
            } else {
                valid = false
            }
        }
        return valid
    }

    /// Seconds from a fragment's last frame to the stream accepting it, when a file names no
    /// `uploadLatency`: encoding what is left and a few hundred kilobytes over a home or office
    /// uplink. An assumption, not an AWS figure.
    static let defaultVideoUploadLatency = Distribution.lognormal(mean: 0.3, sd: 0.1)
    /// The Producer SDK's common fragment duration.
    static let defaultFragmentDuration = Span.seconds(2)

    /// A camera: `{ name, fragmentDuration: 2s, bitrate: 2Mbps, uploadLatency, start, stop, bufferDuration, retry }`.
    func videoProducer(_ node: Node, _ path: String, stream: VideoStreamConfiguration, duration: Span?) -> VideoProducerSpecification? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.videoProducer) else { return nil }
        func need(_ key: String, _ example: String) -> Node? {
            if let n = fields[key] { return n }
            reader.fail(node, fields.path(key), "missing; every video producer needs '\(key)', e.g. \(key): \(example)")
            return nil
        }
        let name = need("name", "camera").flatMap { reader.string($0, fields.path("name")) }
        let bitrate = need("bitrate", "2Mbps").flatMap { distribution($0, fields.path("bitrate"), kind: .bitrate) }
        var fragmentDuration: Span? = Self.defaultFragmentDuration
        if let n = fields["fragmentDuration"] {
            // Bounds the wrong way round are reported with the stream; the duration is then read unchecked.
            let (low, high) = (stream.fragmentDurationMin, stream.fragmentDurationMax)
            fragmentDuration = reader.duration(n, fields.path("fragmentDuration"), in: low <= high ? low...high : nil)
        }
        let upload = fields["uploadLatency"].map { distribution($0, fields.path("uploadLatency"), kind: .duration) } ?? Self.defaultVideoUploadLatency
        let end = duration ?? VideoStreamConfiguration.retentionMax
        let start = fields["start"].map { reader.duration($0, fields.path("start"), in: Span.zero...end) } ?? .zero
        let stop = fields["stop"].map { reader.duration($0, fields.path("stop"), in: Span.zero...end) } ?? end
        let buffer = fields["bufferDuration"].map { reader.duration($0, fields.path("bufferDuration"), in: Span(nanoseconds: 1)...Span.seconds(86_400)) }
        let retryPolicy = fields["retry"].map { retry($0, fields.path("retry")) }
        guard let name, let bitrate, let fragmentDuration, let upload, let start, let stop else { return nil }
        if case .some(.none) = buffer { return nil }
        if case .some(.none) = retryPolicy { return nil }
        if start >= stop {
            reader.fail(fields["stop"] ?? fields["start"] ?? node, fields.path(fields["stop"] != nil ? "stop" : "start"),
                        "a producer must stop after it starts (start \(Units.formatDuration(start.seconds)), stop \(Units.formatDuration(stop.seconds)))")
            return nil
        }
        // The mean fragment must fit the stream's largest: otherwise most fragments are refused.
        if let bitsPerSecond = bitrate.mean(truncatedAtZero: true) {
            let bytes = bitsPerSecond * fragmentDuration.seconds / 8
            if bytes > Double(stream.fragmentBytesMax) {
                reader.fail(fields["bitrate"], fields.path("bitrate"),
                            "a \(Units.formatDuration(fragmentDuration.seconds)) fragment at a mean of \(Units.formatBitrate(bitsPerSecond)) holds "
                            + "\(Units.formatSize(bytes.rounded())); the stream takes fragments of at most \(Units.formatSize(Double(stream.fragmentBytesMax))) "
                            + "(fragmentBytesMax): lower the bitrate or the fragmentDuration")
                return nil
            }
        }
        var specification = VideoProducerSpecification(name: name, fragmentDuration: fragmentDuration, bitrate: bitrate, uploadLatency: upload,
                                                       start: Instant(nanoseconds: start.nanoseconds), stop: Instant(nanoseconds: stop.nanoseconds))
        if let buffer = buffer ?? nil { specification.bufferDuration = buffer }
        specification.retryPolicy = retryPolicy ?? nil
        return specification
    }

    /// A playback consumer: `{ name, mode: live, startSelector: now, … }` or
    /// `{ name, mode: archived, window: 5m, every: 5m, fragmentsPerRequest, … }`.
    func videoPlayback(_ node: Node, _ path: String, duration: Span?, drain: Span?) -> VideoPlaybackSpecification? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.videoPlayback) else { return nil }
        guard let nameNode = fields["name"] else {
            reader.fail(node, fields.path("name"), "missing; every playback consumer needs a name")
            return nil
        }
        guard let name = reader.string(nameNode, fields.path("name")) else { return nil }
        guard let modeNode = fields["mode"] else {
            reader.fail(node, fields.path("mode"), "missing; say how it reads: mode: live (GetMedia) or mode: archived (ListFragments and GetMediaForFragmentList)")
            return nil
        }
        guard let modeText = reader.string(modeNode, fields.path("mode")) else { return nil }
        let liveKeys = ["startSelector"], archivedKeys = ["window", "every", "fragmentsPerRequest"]
        let mode: VideoPlaybackSpecification.Mode
        switch modeText {
        case "live":
            for key in archivedKeys where fields[key] != nil {
                reader.fail(fields[key], fields.path(key), "\(key) is for mode: archived; a live consumer reads from its startSelector")
                return nil
            }
            guard let start = fields["startSelector"].map({ startSelector($0, fields.path("startSelector")) }) ?? .now else { return nil }
            mode = .live(start: start)
        case "archived":
            for key in liveKeys where fields[key] != nil {
                reader.fail(fields[key], fields.path(key), "\(key) is for mode: live; an archived consumer reads the last window, every period")
                return nil
            }
            guard let windowNode = fields["window"] else {
                reader.fail(node, fields.path("window"), "missing; an archived consumer replays the last window of media, e.g. window: 5m")
                return nil
            }
            let longest = Span.seconds(366 * 86_400)
            guard let window = reader.duration(windowNode, fields.path("window"), in: Span(nanoseconds: 1)...longest) else { return nil }
            let every = fields["every"].map { reader.duration($0, fields.path("every"), in: Span(nanoseconds: 1)...longest) } ?? window
            guard let every else { return nil }
            mode = .archived(window: window, every: every)
        default:
            reader.fail(modeNode, fields.path("mode"), "'\(modeText)' is not a mode; expected live or archived")
            return nil
        }
        let requestSize = fields["fragmentsPerRequest"].map {
            reader.integer($0, fields.path("fragmentsPerRequest"), in: 1...VideoStreamConfiguration.fragmentsPerRequestMax)
        }
        let session = fields["sessionStartLatency"].map { distribution($0, fields.path("sessionStartLatency"), kind: .duration) } ?? .constant(0)
        let processing = fields["processing"].map { distribution($0, fields.path("processing"), kind: .duration) } ?? .constant(0)
        // A consumer may go on through the drain, to catch up with what was ingested last.
        let end = duration.map { $0 + (drain ?? .zero) } ?? VideoStreamConfiguration.retentionMax
        let start = fields["start"].map { reader.duration($0, fields.path("start"), in: Span.zero...end) } ?? .zero
        let stop = fields["stop"].map { reader.duration($0, fields.path("stop"), in: Span.zero...end) } ?? end
        let retryPolicy = fields["retry"].map { retry($0, fields.path("retry")) }
        guard let session, let processing, let start, let stop else { return nil }
        if case .some(.none) = requestSize { return nil }
        if case .some(.none) = retryPolicy { return nil }
        if start >= stop {
            reader.fail(fields["stop"] ?? fields["start"] ?? node, fields.path(fields["stop"] != nil ? "stop" : "start"),
                        "a playback consumer must stop after it starts (start \(Units.formatDuration(start.seconds)), "
                        + "stop \(Units.formatDuration(stop.seconds)); the run ends at duration + drain, \(Units.formatDuration(end.seconds)))")
            return nil
        }
        var specification = VideoPlaybackSpecification(name: name, mode: mode, sessionStartLatency: session, processing: processing,
                                                       start: Instant(nanoseconds: start.nanoseconds), stop: Instant(nanoseconds: stop.nanoseconds))
        if let requestSize = requestSize ?? nil { specification.fragmentsPerRequest = requestSize }
        specification.retryPolicy = retryPolicy ?? nil
        return specification
    }

    /// GetMedia's StartSelector: `now`, `earliest`, `serverTimestamp(5m)` or `producerTimestamp(5m)`.
    func startSelector(_ node: Node, _ path: String) -> MediaStartSelector? {
        let valid = "expected now, earliest, serverTimestamp(<instant>) or producerTimestamp(<instant>), e.g. serverTimestamp(5m)"
        guard let text = reader.string(node, path) else { return nil }
        switch text {
        case "now": return .now
        case "earliest": return .earliest
        default: break
        }
        for (prefix, make) in [("serverTimestamp(", MediaStartSelector.serverTimestamp), ("producerTimestamp(", MediaStartSelector.producerTimestamp)]
        where text.hasPrefix(prefix) && text.hasSuffix(")") {
            let inner = String(text.dropFirst(prefix.count).dropLast())
            do {
                return make(Instant(nanoseconds: Span(seconds: try Units.parseDuration(inner)).nanoseconds))
            } catch {
                reader.fail(node, path, "'\(inner)' in \(text): \(error.message)")
                return nil
            }
        }
        reader.fail(node, path, "'\(text)' is not a start selector; \(valid)")
        return nil
    }

    /// The items of the list under `key`, each decoded by `decode`; a name used twice within the
    /// list is reported. Clears `valid` when any item fails.
    func namedItems<T>(_ fields: Fields, _ key: String, what: String, valid: inout Bool, name: (T) -> String,
                       decode: (Node, String) -> T?) -> [T] {
        guard let n = fields[key], let items = reader.sequence(n, fields.path(key)) else { return [] }
        var decoded: [T] = []
        for (i, item) in items.enumerated() {
            let itemPath = fields.path(key) + "[\(i)]"
            guard let value = decode(item, itemPath) else {
                valid = false
                continue
            }
            if decoded.contains(where: { name($0) == name(value) }) {
                reader.fail(item.mapping?["name"] ?? item, itemPath + ".name", "'\(name(value))' is used twice; \(what) names must be unique within a video stream")
                valid = false
            }
            decoded.append(value)
        }
        return decoded
    }
}
