import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Verification
import Workloads

/// What the world keeps about one data stream while it runs: the ledger of accepted records, the
/// resharding calls made and what came of them, and the per-shard counts sampled for rates and the
/// hot-shard policy.
struct StreamTracking {
    var ledger = StreamRecordLedger()
    var reshards: [(time: Double, action: String, detail: String, outcome: String)] = []
    /// Per shard: records put, refused and bytes put at the last sample, for rates.
    var lastSampled: [ShardCounters] = []
    var lastSampleTime = 0.0
    /// Per shard: the same at the last hot-shard evaluation, and how many periods in a row the
    /// shard was hot.
    var lastEvaluated: [ShardCounters] = []
    var hotPeriods: [Int] = []
    var rateSamples: [(time: Double, recordsPerSecond: [Double], throttledPerSecond: [Double])] = []
    var recordsAbandoned = 0
}

/// What the world keeps about one stream consumer while it runs: the check of what it handled,
/// its end-to-end latencies and its lag.
struct StreamConsumerTracking {
    let stream: Int
    var check = StreamConsumerCheck()
    /// Record produced → first processed, for records produced after the warm-up.
    var endToEnd = LatencySeries()
    var readThrottled = 0
    var leaseTakeovers = 0
    /// The last millisBehindLatest reported for each shard (by shard index), nil before any.
    var lag: [Int64?] = []
    /// `lag` at each sample instant, from the first sample after any lag was reported; `perShard`
    /// runs to the last shard reported so far (the observations pad it to every shard).
    var iteratorAge: [IteratorAgeSample] = []
    init(stream: Int) { self.stream = stream }
}

extension World {
    /// Builds each stream with its access control, and the producers putting into it.
    func buildStreams(streams randomStreams: (String) -> RandomStream) {
        dataStreams = model.streams.enumerated().map { index, entry in
            let stream = DataStream(configuration: entry.configuration, token: index, clock: scheduler, timers: scheduler)
            if let policy = entry.policy {
                var evaluator = AccessEvaluator()
                for (principal, identity) in model.security.identityPolicies { evaluator.attachIdentityPolicy(identity, to: principal) }
                let arn = StreamAccessControl.arn(ofStream: entry.configuration.name)
                evaluator.setResourcePolicy(policy, for: arn)
                stream.accessControl = StreamAccessControl(evaluator: evaluator, resource: arn)
            }
            return stream
        }
        streamTracking = Array(repeating: StreamTracking(), count: dataStreams.count)
        streamConsumers = model.streamConsumers.map { StreamConsumerTracking(stream: $0.stream) }
        streamProducers = model.streamProducers.enumerated().map { index, entry in
            StreamProducer(specification: entry.specification, producerIndex: index, stream: dataStreams[entry.stream], streamIndex: entry.stream,
                           network: network, scheduler: scheduler, observer: self, streams: randomStreams, stop: stopInstant)
        }
    }

    func startStreams() {
        for producer in streamProducers { producer.start() }
        for (index, entry) in model.streams.enumerated() {
            for (position, operation) in entry.reshards.enumerated() {
                scheduler.schedule(at: operation.at, target: self, code: Code.reshard.rawValue, payload: index << 20 | position)
            }
            if let policy = entry.hotShardSplit {
                scheduler.schedule(at: .zero + policy.evaluationPeriod, target: self, code: Code.hotShardCheck.rawValue, payload: index)
            }
        }
    }

    /// Whether every stream producer has stopped with nothing left to put.
    var streamProducersIdle: Bool { streamProducers.allSatisfy(\.isIdle) }

    /// Whether a scripted resharding call is still to come.
    var reshardsPending: Bool {
        model.streams.contains { $0.reshards.contains { $0.at > scheduler.now } }
    }

    // MARK: Resharding

    func reshard(stream: Int, operation position: Int) {
        let operation = model.streams[stream].reshards[position]
        let target = dataStreams[stream]
        let detail: String, outcome: String
        switch operation.action {
        case .split(let shard):
            detail = describeSplit(target, shard)
            outcome = describe(split(target, shard))
        case .merge(let a, let b):
            detail = "\(ShardState.shardId(a)) and \(ShardState.shardId(b))"
            outcome = describe(target.mergeShards(a, b).map { [$0] })
        case .updateShardCount(let count):
            detail = "from \(target.openShards.count) to \(count) open shards"
            outcome = describe(target.updateShardCount(count))
        }
        streamTracking[stream].reshards.append((scheduler.now.seconds, kind(of: operation.action), detail, outcome))
        stopIfDrained()
    }

    /// The hash key at which `split` divides an open shard: the middle of its range, rounded up.
    func middleHashKey(of shard: ShardState) -> HashKey {
        shard.startingHashKey + (shard.endingHashKey - shard.startingHashKey) / 2 + 1
    }

    /// SplitShard at the middle of the shard's range (where the range has one key, it cannot split).
    func split(_ stream: DataStream, _ shard: Int) -> Result<[Int], StreamError> {
        guard stream.shards.indices.contains(shard) else { return .failure(.resourceNotFound("\(ShardState.shardId(shard)) does not exist")) }
        return stream.splitShard(shard, newStartingHashKey: middleHashKey(of: stream.shards[shard]))
    }

    /// What a split asks for, as the report writes it: the shard, and the key it is split at when
    /// the shard exists.
    func describeSplit(_ stream: DataStream, _ shard: Int) -> String {
        guard stream.shards.indices.contains(shard) else { return ShardState.shardId(shard) }
        return "\(ShardState.shardId(shard)) at \(middleHashKey(of: stream.shards[shard]))"
    }

    /// The action as the Kinesis API names it.
    func kind(of action: ReshardOperation.Action) -> String {
        switch action {
        case .split: "SplitShard"
        case .merge: "MergeShards"
        case .updateShardCount: "UpdateShardCount"
        }
    }

    /// `opened` and the new shards, or `refused:` and the stream's error (its code first).
    func describe(_ result: Result<[Int], StreamError>) -> String {
        switch result {
        case .success(let children): "opened " + children.map { ShardState.shardId($0) }.joined(separator: ", ")
        case .failure(let error): "refused: \(error)"
        }
    }

    /// Splits the shards that were hot in every period of the policy's `sustained`.
    func evaluateHotShards(stream index: Int) {
        guard let policy = model.streams[index].hotShardSplit else { return }
        let stream = dataStreams[index]
        var tracking = streamTracking[index]
        let periods = Int((policy.sustained.seconds / policy.evaluationPeriod.seconds).rounded(.up))
        pad(&tracking.lastEvaluated, to: stream.shards.count)
        while tracking.hotPeriods.count < stream.shards.count { tracking.hotPeriods.append(0) }
        let seconds = policy.evaluationPeriod.seconds
        var toSplit: [Int] = []
        for shard in stream.openShards {
            let now = stream.shards[shard].counters, before = tracking.lastEvaluated[shard]
            let records = Double(now.recordsPut - before.recordsPut + now.writeThrottled - before.writeThrottled)
            let bytes = Double(now.bytesPut - before.bytesPut)
            let configuration = stream.configuration
            let utilization = max(records / (Double(configuration.shardWriteRecordsPerSecond) * seconds),
                                  bytes / (Double(configuration.shardWriteBytesPerSecond) * seconds))
            tracking.hotPeriods[shard] = utilization >= policy.writeUtilization ? tracking.hotPeriods[shard] + 1 : 0
            if tracking.hotPeriods[shard] >= periods { toSplit.append(shard) }
        }
        for shard in stream.shards.indices { tracking.lastEvaluated[shard] = stream.shards[shard].counters }
        for shard in toSplit where stream.openShards.count + 1 <= policy.maxShards {
            let detail = "\(describeSplit(stream, shard)) (hot for \(Units.formatDuration(policy.sustained.seconds)))"
            tracking.reshards.append((scheduler.now.seconds, "SplitShard", detail, describe(split(stream, shard))))
        }
        streamTracking[index] = tracking
        if scheduler.now < stopInstant {
            scheduler.schedule(at: scheduler.now + policy.evaluationPeriod, target: self, code: Code.hotShardCheck.rawValue, payload: index)
        }
    }

    func pad(_ counters: inout [ShardCounters], to count: Int) {
        while counters.count < count { counters.append(ShardCounters()) }
    }

    // MARK: Sampling

    /// Each shard's write rate and refusals since the last sample, and each consumer's iterator age.
    func sampleStreams(time: Double) {
        for (index, stream) in dataStreams.enumerated() {
            var tracking = streamTracking[index]
            let elapsed = time - tracking.lastSampleTime
            pad(&tracking.lastSampled, to: stream.shards.count)
            if elapsed > 0 {
                var rates: [Double] = [], throttled: [Double] = []
                for shard in stream.shards.indices {
                    let now = stream.shards[shard].counters, before = tracking.lastSampled[shard]
                    rates.append(Double(now.recordsPut - before.recordsPut) / elapsed)
                    throttled.append(Double(now.writeThrottled - before.writeThrottled) / elapsed)
                    tracking.lastSampled[shard] = now
                }
                tracking.rateSamples.append((time, rates, throttled))
                tracking.lastSampleTime = time
            }
            streamTracking[index] = tracking
        }
        for index in streamConsumers.indices {
            let lag = streamConsumers[index].lag
            guard let maximum = lag.compactMap({ $0 }).max(), streamConsumers[index].iteratorAge.last?.time != time else { continue }
            streamConsumers[index].iteratorAge.append(IteratorAgeSample(time: time, maxMillisBehind: maximum, perShard: lag))
        }
    }

    /// Checks whether the run is drained once the event under way has finished. A consumer tells
    /// the observer what it read or processed in the middle of its own step (a poller reports its
    /// lag before it hands the records on), when the world cannot yet see it idle.
    func requestDrainCheck() {
        guard !drainCheckPending, !drained else { return }
        drainCheckPending = true
        scheduler.schedule(at: scheduler.now, target: self, code: Code.drainCheck.rawValue, payload: 0)
    }

    // MARK: StreamWorkloadObserver

    public func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant) {
        streamTracking[stream].ledger.recordAccepted(producer: tag.producer, record: tag.record, key: key,
                                                     partitionKey: self.partitionKey(producer: tag.producer, key: key), producedAt: producedAt)
    }

    public func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant) {
        streamTracking[stream].ledger.recordAbandoned()
        streamTracking[stream].recordsAbandoned += 1
        if at >= stopInstant { stopIfDrained() }
    }

    public func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant) {
        // In place: a copy of the consumer's tracking would copy its bit set on the first write.
        check(records, handledBy: &streamConsumers[consumer], ledger: streamTracking[stream].ledger, at: at)
        if at >= stopInstant { requestDrainCheck() }
    }

    func check(_ records: ArraySlice<StreamRecord>, handledBy tracking: inout StreamConsumerTracking, ledger: StreamRecordLedger, at: Instant) {
        for record in records {
            let tag = StreamRecordTag(rawValue: record.tag)
            switch tracking.check.handle(producer: tag.producer, record: tag.record, ledger: ledger) {
            case .first, .outOfOrder:
                let producedAt = ledger.producedAt(producer: tag.producer, record: tag.record)
                if producedAt >= warmup { tracking.endToEnd.record(nanoseconds: (at - producedAt).nanoseconds) }
            case .duplicate, .unknown:
                break
            }
        }
    }

    public func streamRecordsDiscarded(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, reason: String, at: Instant) {
        let ledger = streamTracking[stream].ledger
        for record in records {
            let tag = StreamRecordTag(rawValue: record.tag)
            _ = streamConsumers[consumer].check.handle(producer: tag.producer, record: tag.record, ledger: ledger, discarded: true)
        }
        if at >= stopInstant { requestDrainCheck() }
    }

    public func streamReadThrottled(stream: Int, consumer: Int, shard: Int, at: Instant) {
        streamConsumers[consumer].readThrottled += 1
    }

    public func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant) {
        while streamConsumers[consumer].lag.count <= shard { streamConsumers[consumer].lag.append(nil) }
        streamConsumers[consumer].lag[shard] = millisBehindLatest
        // A read that finds the tip may be the last thing the run waits for.
        if at >= stopInstant, millisBehindLatest == 0 { requestDrainCheck() }
    }

    public func streamLeaseTaken(stream: Int, consumer: Int, shard: Int, worker: Int, previous: Int?, at: Instant) {
        if previous != nil { streamConsumers[consumer].leaseTakeovers += 1 }
    }

    public func streamCallFailed(actor: String, operation: String, records: Int, willRetry: Bool, at: Instant) {
        callsFailed += 1
        if willRetry { callsRetried += 1 }
    }

    public func streamProducerFinished(_ name: String, at: Instant) {
        stopIfDrained()
    }
}
