import Benchmark
import BenchmarkSupport

// The bodies are BenchmarkSupport's, which BenchmarkSupportTests also runs with tiny parameters.
// Each benchmark builds its state once in `setup` (filling an event list of 10⁶ is not a hold) and
// its measured loop continues from where the previous iteration stopped.
//
// Scaled metrics (marked * in the output) are per inner iteration: per hold, per message cycle,
// and for the scenario per simulated message (1 inner iteration = about one message sent).
let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal]

    for pending in [1_000, 100_000, 1_000_000] {
        Benchmark(
            "Kernel hold, \(pending) pending",
            configuration: .init(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 100_000),
            closure: { benchmark, model in
                // One inner iteration is one hold.
                blackHole(model.hold(operations: benchmark.scaledIterations.count))
            },
            setup: {
                let model = HoldModel(pending: pending)
                // Steady state: every event of the initial fill has been replaced by one a hold made.
                model.hold(operations: pending)
                return model
            })
    }

    Benchmark(
        "Queue send-receive-delete cycle",
        configuration: .init(metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(5), maxIterations: 100_000),
        closure: { benchmark, cycle in
            // One inner iteration is one message sent, received and deleted.
            blackHole(cycle.run(messages: benchmark.scaledIterations.count))
        },
        setup: {
            let cycle = QueueCycle()
            cycle.run(messages: 1_000)
            return cycle
        })

    Benchmark(
        "M/M/1 scenario, 1M messages",
        configuration: .init(metrics: metrics, warmupIterations: 1, scalingFactor: .mega, maxDuration: .seconds(30), maxIterations: 10),
        closure: { benchmark, model in
            // One outer iteration is a whole replication sending about 10⁶ messages, so the scaled
            // throughput reads as simulated messages per wall-clock second.
            let result = ScenarioBenchmark.run(model)
            precondition(result.messagesDeleted == result.messagesSent && result.messagesLost == 0,
                         "the M/M/1 benchmark lost messages: \(result)")
            blackHole(result)
        },
        setup: {
            ScenarioBenchmark.mm1Model(messages: benchmarkMessagesMM1)
        })
}

/// Messages the M/M/1 benchmark sends per replication; the `.mega` scaling factor assumes 10⁶.
let benchmarkMessagesMM1 = 1_000_000
