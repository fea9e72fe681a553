import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

/// One analytics application of a world: the application, its output writer and what the world
/// measured of it.
public final class AnalyticsRun {
    public let entry: ScenarioModel.AnalyticsEntry
    public internal(set) var application: AnalyticsApplication!
    /// Writes results to the output; nil for `output: none`.
    public internal(set) var writer: AnalyticsOutputWriter?
    /// From a window's end (in event time) to the instant its result was delivered.
    public internal(set) var resultLatency = LatencySeries()
    /// The first results delivered, in delivery order.
    public internal(set) var sampleResults: [WindowResult] = []
    public internal(set) var resultKeys = Set<String>()
    public static let sampleResultsMax = 20

    init(entry: ScenarioModel.AnalyticsEntry) { self.entry = entry }

    /// Finished (its windows flushed) and with every result written.
    var isIdle: Bool { application.isFinished && (writer?.isIdle ?? true) }

    public var figures: AnalyticsFigures {
        let counters = application.aggregation.counters
        let output: String
        switch entry.output {
        case .none: output = "none"
        case .stream(let index): output = "stream/\(writerTargetName(index, isStream: true))"
        case .deliveryStream(let index): output = "deliveryStream/\(writerTargetName(index, isStream: false))"
        }
        return AnalyticsFigures(name: entry.specification.name, source: "stream/\(application.poller.stream.configuration.name)",
                                window: entry.windowText, output: output, recordsIn: application.recordsIn,
                                recordsWithoutValue: application.recordsWithoutValue, recordsLate: counters.lateRecordsDropped,
                                windowsEmitted: counters.resultsDelivered - counters.updatesDelivered, updates: counters.updatesDelivered,
                                keys: resultKeys.count, resultsWritten: writer?.recordsWritten ?? 0,
                                resultsAbandoned: writer?.recordsAbandoned ?? 0)
    }

    func writerTargetName(_ index: Int, isStream: Bool) -> String {
        switch writer?.target {
        case .dataStream(let stream, _): stream.configuration.name
        case .deliveryStream(let stream): stream.configuration.name
        case nil: "\(index)"
        }
    }
}

/// What one analytics application did in one replication.
public struct AnalyticsFigures: Sendable, Equatable {
    public var name: String
    public var source: String
    /// The window as the scenario wrote it.
    public var window: String
    public var output: String
    public var recordsIn: Int
    /// Records whose drawn value was NaN, left out.
    public var recordsWithoutValue: Int
    /// Records too late for every window they belong to.
    public var recordsLate: Int
    /// First results of windows, and updates of results delivered before.
    public var windowsEmitted: Int
    public var updates: Int
    /// Distinct keys with results.
    public var keys: Int
    public var resultsWritten: Int
    public var resultsAbandoned: Int
}

extension World {
    /// Builds each application and its output writer. Streams and delivery streams must be built
    /// first. Application `i` writes to a data stream as producer `streamProducers.count + i`.
    func buildAnalytics(streams randomStreams: (String) -> RandomStream) {
        analyticsRuns = model.analytics.enumerated().map { index, entry in
            let run = AnalyticsRun(entry: entry)
            switch entry.output {
            case .none: break
            case .stream(let target):
                run.writer = AnalyticsOutputWriter(target: .dataStream(dataStreams[target], index: target),
                                                   producerNumber: model.streamProducers.count + index, scheduler: scheduler, observer: self)
            case .deliveryStream(let target):
                run.writer = AnalyticsOutputWriter(target: .deliveryStream(deliveryStreamRuns[target].stream),
                                                   producerNumber: model.streamProducers.count + index, scheduler: scheduler, observer: self)
            }
            run.writer?.onIdle = { [unowned self] in if scheduler.now >= stopInstant { stopIfDrained() } }
            let consumer = model.streamConsumers.firstIndex {
                if case .analytics(index) = $0.kind { return true }
                return false
            }!
            let source = entry.stream
            run.application = AnalyticsApplication(
                specification: entry.specification, stream: dataStreams[source], streamIndex: source, consumerIndex: consumer,
                scheduler: scheduler, observer: self, streams: randomStreams,
                producedAt: { [unowned self] record in
                    let tag = StreamRecordTag(rawValue: record.tag)
                    return streamTracking[source].ledger.producedAt(producer: tag.producer, record: tag.record)
                },
                output: { [unowned run] result, at in
                    run.resultLatency.record(nanoseconds: max(0, (at - result.windowEnd).nanoseconds))
                    run.resultKeys.insert(result.key)
                    if run.sampleResults.count < AnalyticsRun.sampleResultsMax { run.sampleResults.append(result) }
                    run.writer?.write(result, at: at)
                })
            run.application.poller.onCaughtUp = { [unowned self] in if scheduler.now >= stopInstant { stopIfDrained() } }
            return run
        }
    }

    func startAnalytics() {
        for run in analyticsRuns { run.application.start() }
    }

    /// The spelling of partition key `key` of the records tagged with producer `producer`: a stream
    /// producer's key, or, past the stream producers, an analytics application's result key.
    func partitionKey(producer: Int, key: Int) -> String {
        if producer < streamProducers.count { return streamProducers[producer].keys[key] }
        return analyticsRuns[producer - streamProducers.count].writer!.keys[key]
    }

    /// Ends the input of every application whose source can bring nothing more: the producers have
    /// stopped, no resharding is to come, the application has read its stream to the end, and every
    /// application writing into that stream has ended and written all its results. Repeats until
    /// no more end, so chains of applications end in order.
    func finishAnalyticsWhoseInputEnded() {
        guard scheduler.now >= stopInstant, streamProducersIdle, !reshardsPending else { return }
        var finishedOne = true
        while finishedOne {
            finishedOne = false
            for run in analyticsRuns where !run.application.isFinished && run.application.poller.isIdle {
                let writersDone = analyticsRuns.allSatisfy { other in
                    guard case .stream(let target) = other.entry.output, target == run.entry.stream else { return true }
                    return other.isIdle
                }
                guard writersDone else { continue }
                run.application.finish(at: scheduler.now)
                finishedOne = true
            }
        }
    }

    /// Whether every application has ended its input and written all its results.
    var analyticsIdle: Bool { analyticsRuns.allSatisfy(\.isIdle) }
}
