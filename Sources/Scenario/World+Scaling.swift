import Reporting
import SimKernel
import Workloads

/// Functions and autoscaled fleets: their counts sampled with the queues' depth, and what they did.
extension World {
    /// The count of each autoscaled fleet (instances launched), then of each function (concurrent
    /// invocations), in the order of `scalingSamples`.
    var scalingCounts: [Int] {
        autoscaledFleets.compactMap { $0?.instanceCount } + functions.map(\.concurrency)
    }

    /// Records the counts at `time`, once per instant.
    func sampleScaling(time: Double) {
        for (index, count) in scalingCounts.enumerated() {
            if let last = scalingSamples[index].last, last.time == time { continue }
            scalingSamples[index].append(CountSample(time: time, value: count))
        }
    }

    func scalingObservations(at now: Instant) -> [ScalingObservations] {
        var result: [ScalingObservations] = []
        for (index, autoscaled) in autoscaledFleets.enumerated() {
            guard let autoscaled else { continue }
            let entry = model.consumers[index]
            var observations = ScalingObservations(name: entry.specification.name, kind: .autoscaledFleet,
                                                   queue: model.queues[entry.queue].name)
            observations.peak = autoscaled.instanceSeries.peak
            observations.countSeconds = autoscaled.instanceSeries.integral(until: now)
            observations.scalingActions = autoscaled.actions.count
            result.append(observations)
        }
        for (index, function) in functions.enumerated() {
            let entry = model.functions[index]
            var observations = ScalingObservations(name: entry.specification.name, kind: .function, queue: model.queues[entry.queue].name)
            observations.peak = function.concurrencySeries.peak
            observations.countSeconds = function.concurrencySeries.integral(until: now)
            observations.invocations = function.counters.invocations
            observations.failedInvocations = function.counters.failedInvocations
            observations.coldStarts = function.counters.coldStarts
            observations.throttles = function.counters.throttles
            // The first sample is the pollers the mapping starts with; each later one is a change.
            observations.scalingActions = max(0, function.pollerSeries.samples.count - 1)
            observations.billedDurationSeconds = Double(function.counters.billedMilliseconds) / 1000
            observations.memoryMB = entry.memoryMB
            result.append(observations)
        }
        for (index, samples) in scalingSamples.enumerated() { result[index].samples = samples }
        return result
    }
}

extension CountSeries {
    /// The count integrated over time from the first sample to `end`, in count-seconds.
    ///
    /// - Complexity: O(*n*) in the number of samples.
    func integral(until end: Instant) -> Double {
        var total = 0.0
        for (position, sample) in samples.enumerated() where sample.at < end {
            let next = position + 1 < samples.count ? min(samples[position + 1].at, end) : end
            total += Double(sample.count) * (next - sample.at).seconds
        }
        return total
    }
}
