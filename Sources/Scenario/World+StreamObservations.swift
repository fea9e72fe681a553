import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

extension DeliveryStreamRun {
    /// The delivery stream's figures as the report takes them.
    var observations: DeliveryStreamObservations {
        let f = figures
        var o = DeliveryStreamObservations(name: f.name, source: f.source, destination: f.destination)
        o.recordsIn = f.recordsIn
        o.bytesIn = f.bytesIn
        o.billedBytes = f.billedBytes
        o.recordsThrottled = f.recordsThrottled
        o.transformedOk = f.transformedOk
        o.transformedDropped = f.transformationDropped
        o.transformProcessingFailed = f.transformationProcessingFailed
        o.objectsDelivered = f.objectsDelivered
        for bytes in objectBytes { o.objectBytes.record(bytes: bytes) }
        o.deliveryLatency = deliveryLatency
        o.freshness = freshnessAtDelivery
        o.destinationAttempts = f.destinationAttempts
        o.destinationFailures = f.destinationFailures
        o.recordsBackedUp = f.recordsBackedUp
        o.bytesBackedUp = f.bytesBackedUp
        o.recordsExpired = f.recordsExpired
        o.bytesDropped = f.bytesDropped
        return o
    }
}

extension AnalyticsRun {
    /// The application's figures as the report takes them.
    var observations: AnalyticsObservations {
        let f = figures
        var o = AnalyticsObservations(name: f.name, source: f.source, window: Self.describe(entry.specification.aggregation.window),
                                      output: f.output)
        o.recordsIn = f.recordsIn
        o.recordsLate = f.recordsLate
        o.windowsEmitted = f.windowsEmitted
        o.updates = f.updates
        o.keys = f.keys
        o.resultLatency = resultLatency
        let names = entry.specification.aggregation.aggregates.map(\.description)
        o.sampleResults = sampleResults.map { result in
            AnalyticsResultRow(windowStart: result.windowStart.seconds, windowEnd: result.windowEnd.seconds, key: result.key,
                               values: Array(zip(names, result.values)).map { (name: $0.0, value: $0.1) })
        }
        return o
    }

    /// The window as the report writes it: `tumbling 60s`, `sliding 60s every 10s`,
    /// `session gap 30s`, `stagger 60s`.
    static func describe(_ window: WindowKind) -> String {
        func text(_ span: Span) -> String { Units.formatDuration(span.seconds) }
        switch window {
        case .tumbling(let size): return "tumbling \(text(size))"
        case .sliding(let size, let slide): return "sliding \(text(size)) every \(text(slide))"
        case .session(let gap): return "session gap \(text(gap))"
        case .stagger(let size): return "stagger \(text(size))"
        }
    }
}
