import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Verification
import Workloads

/// One replication of a scenario: the kernel, the queues, the actors, the history and the
/// metrics, wired together. Build it, `run()` it once, read the observations.
public final class World: WorkloadObserver, StreamWorkloadObserver, QueueObserver, TopicObserver, TimerTarget {
    public let model: ScenarioModel
    public let replication: Int
    public let scheduler = Scheduler()
    public private(set) var queues: [Queue] = []
    public internal(set) var topics: [Topic] = []
    /// For each topic, for each subscription of the scenario: its index in the topic, nil when the
    /// topic refused it.
    var subscriptionIndex: [[Int?]] = []
    /// For each topic, when each of its messages was produced, by message number.
    var topicProducedAt: [[Instant]] = []
    /// FIFO topics: the last message each (subscription, group) received, to check group order.
    var fifoArrivals: [[FifoArrivalKey: TopicMessageID]] = []
    var topicObservations: [TopicObservations] = []
    /// Kinesis data streams, in the scenario's order.
    public internal(set) var dataStreams: [DataStream] = []
    public internal(set) var streamProducers: [StreamProducer] = []
    var streamTracking: [StreamTracking] = []
    /// One per stream consumer of the scenario, every kind in one list.
    var streamConsumers: [StreamConsumerTracking] = []
    /// The actor of each stream consumer declared under `consumers:` or `functions:`, by consumer
    /// number; nil for Firehose and analytics readers.
    var streamConsumerActors: [StreamConsumerActor?] = []
    /// KCL workers crashing, joining and leaving as it happened, for the report's fault log.
    var streamFaultLog: [FaultEntry] = []
    /// A drain check is scheduled at the current instant (see `requestDrainCheck`).
    var drainCheckPending = false
    /// Firehose delivery streams and analytics applications, in the scenario's order.
    public internal(set) var deliveryStreamRuns: [DeliveryStreamRun] = []
    public internal(set) var analyticsRuns: [AnalyticsRun] = []
    /// Kinesis video streams, entry by entry and each entry's `count` streams in order.
    public internal(set) var videoStreamRuns: [VideoStreamRun] = []
    public private(set) var producers: [Producer] = []
    /// One per consumer fleet of the scenario, autoscaled or not; its index is the fleet's index.
    public private(set) var fleets: [ConsumerFleet] = []
    /// The autoscaled fleet behind each of `fleets`, nil for a fleet of fixed size.
    public private(set) var autoscaledFleets: [AutoscaledFleet?] = []
    /// Function `i` reports to the observer as fleet `fleets.count + i`.
    public private(set) var functions: [LambdaEventSourceMapping] = []
    /// The count of each autoscaled fleet, then of each function, at each sample instant.
    var scalingSamples: [[CountSample]] = []
    let network: Network
    /// KMS and the object store, shared by every actor.
    var services = ClientServices()
    var faultInjector: FaultInjector!
    public internal(set) var ledgers: [DeliveryLedger]
    var observations: [QueueObservations]
    var callsFailed = 0
    var callsRetried = 0
    var operationsRefused = 0
    let warmup: Instant
    let stopInstant: Instant
    var drained = false

    /// Queues a run waits to see empty before it calls itself drained: those something reads.
    /// A queue no one consumes (a dead-letter queue, say) keeps what it holds.
    var drainedQueues: [Int] = []

    enum Code: Int { case sample, producersStopped, operation, reshard, hotShardCheck, kclWorkerEvent, drainCheck }

    public init(model: ScenarioModel, replication: Int) {
        self.model = model
        self.replication = replication
        network = Network(apiLatency: model.apiLatency, retryPolicy: model.retryPolicy)
        ledgers = model.queues.map { DeliveryLedger(queueName: $0.name, isFifo: $0.isFifo) }
        observations = model.queues.map { QueueObservations(name: $0.name, type: $0.typeName) }
        warmup = Instant(nanoseconds: model.warmup.nanoseconds)
        stopInstant = Instant(nanoseconds: model.duration.nanoseconds)
        let streams = { (name: String) in RandomStream(scenarioSeed: model.seed, replication: replication, name: name) }
        queues = model.queues.enumerated().map { index, configuration in
            let queue = Queue(configuration: configuration, token: index, clock: scheduler, timers: scheduler)
            queue.observer = self
            if configuration.partitions > 1 || configuration.spuriousDuplicateProbability > 0 || configuration.reorderWindow > .zero {
                queue.randomness = streams("queue/\(configuration.name)/delivery")
            }
            return queue
        }
        for (index, configuration) in model.queues.enumerated() {
            guard let redrive = configuration.redrivePolicy,
                  let target = queues.first(where: { $0.configuration.name == redrive.deadLetterQueue }) else { continue }
            if let problem = queues[index].setDeadLetterQueue(target) {
                preconditionFailure("the scenario decoder accepted an invalid redrive policy: \(problem)")
            }
        }
        let security = model.security
        if security.queuePolicies.contains(where: { $0 != nil }) {
            var evaluator = AccessEvaluator()
            for (principal, policy) in security.identityPolicies { evaluator.attachIdentityPolicy(policy, to: principal) }
            for (index, policy) in security.queuePolicies.enumerated() {
                guard let policy else { continue }
                let arn = QueueAccessControl.arn(ofQueue: model.queues[index].name)
                var forQueue = evaluator
                forQueue.setResourcePolicy(policy, for: arn)
                queues[index].accessControl = QueueAccessControl(evaluator: forQueue, resource: arn)
            }
        }
        services = ClientServices(
            kms: model.queues.contains { $0.kmsDataKeyReusePeriod != nil } ? KmsService(latency: security.kmsLatency) : nil,
            objectStore: security.objectStore.map { ObjectStore(specification: $0) })
        let services = self.services
        buildTopics(streams: streams)
        buildStreams(streams: streams)
        buildStreamConsumers(streams: streams)
        buildDeliveryStreams(streams: streams)
        buildAnalytics(streams: streams)
        buildVideoStreams(streams: streams)
        drainedQueues = queues.indices.filter { q in model.consumers.contains { $0.queue == q } || model.functions.contains { $0.queue == q } }
        producers = model.producers.enumerated().map { index, entry in
            let target: Producer.Target
            switch entry.target {
            case .queue(let queue): target = .queue(queues[queue], index: queue)
            case .topic(let topic): target = .topic(topics[topic], index: topic)
            }
            return Producer(specification: entry.specification, producerIndex: index, target: target, network: network,
                            scheduler: scheduler, observer: self, streams: streams, stop: stopInstant, services: services)
        }
        autoscaledFleets = model.consumers.enumerated().map { index, entry in
            entry.scaling.map { policy in
                AutoscaledFleet(consumer: entry.specification, policy: policy, fleetIndex: index, queue: queues[entry.queue],
                                queueIndex: entry.queue, network: network, scheduler: scheduler, observer: self, streams: streams,
                                services: services)
            }
        }
        fleets = model.consumers.enumerated().map { index, entry in
            autoscaledFleets[index]?.fleet
                ?? ConsumerFleet(specification: entry.specification, fleetIndex: index, queue: queues[entry.queue], queueIndex: entry.queue,
                                 network: network, scheduler: scheduler, observer: self, streams: streams, services: services)
        }
        functions = model.functions.enumerated().map { index, entry in
            LambdaEventSourceMapping(specification: entry.specification, fleetIndex: model.consumers.count + index,
                                     queue: queues[entry.queue], queueIndex: entry.queue, network: network, scheduler: scheduler,
                                     observer: self, streams: streams, services: services, principal: entry.principal)
        }
        scalingSamples = Array(repeating: [], count: autoscaledFleets.compactMap { $0 }.count + functions.count)
        faultInjector = FaultInjector(faults: model.faults, fleets: fleets, autoscaled: autoscaledFleets, network: network,
                                      scheduler: scheduler)
    }

    /// Runs the replication to its end: drained after the producers stopped, the drain limit, or
    /// the event budget, whichever comes first.
    public func run() -> ReplicationObservations {
        faultInjector.start()
        for producer in producers { producer.start() }
        for (index, fleet) in fleets.enumerated() {
            if let autoscaled = autoscaledFleets[index] { autoscaled.start() } else { fleet.start() }
        }
        for function in functions { function.start() }
        startStreamConsumers()
        startStreams()
        startDeliveryStreams()
        startAnalytics()
        startVideoStreams()
        scheduler.schedule(at: .zero, target: self, code: Code.sample.rawValue, payload: 0)
        scheduler.schedule(at: stopInstant, target: self, code: Code.producersStopped.rawValue, payload: 0)
        for (index, operation) in model.operations.enumerated() {
            scheduler.schedule(at: operation.at, target: self, code: Code.operation.rawValue, payload: index)
        }
        let limit = stopInstant + model.drain
        let outcome = scheduler.run(until: limit, eventBudget: model.eventBudget)
        let endReason: String
        switch outcome {
        case .stopped: endReason = "drained"
        case .budgetExhausted: endReason = "eventBudget"
        case .idle, .reachedLimit: endReason = "drainLimit"
        }
        sample()
        let observations = observe(endReason: endReason)
        // A fault's pending closure (a restart after the end, say) holds the fault injector, which
        // holds the scheduler: dropping what is left lets the whole world be freed.
        scheduler.discardPendingEvents()
        return observations
    }

    public func timerFired(code: Int, payload: Int) {
        switch Code(rawValue: code)! {
        case .sample:
            sample()
            scheduler.schedule(at: scheduler.now + model.sampleInterval, target: self, code: Code.sample.rawValue, payload: 0)
        case .producersStopped:
            stopIfDrained()
        case .operation:
            perform(model.operations[payload])
        case .reshard:
            reshard(stream: payload >> 20, operation: payload & (1 << 20 - 1))
        case .hotShardCheck:
            evaluateHotShards(stream: payload)
        case .kclWorkerEvent:
            changeKCLWorkers(payload)
        case .drainCheck:
            drainCheckPending = false
            stopIfDrained()
        }
    }

    /// Runs a scripted API call; a refusal (PurgeQueue within 60 s of the last) is counted by the
    /// queue and shows in the report.
    func perform(_ operation: QueueOperation) {
        switch operation.action {
        case .purge(let queue):
            _ = queues[queue].purgeQueue()
        case .startMessageMoveTask(let source, let destination, let rate):
            if queues[source].startMessageMoveTask(destination: destination.map { queues[$0] }, maxPerSecond: rate) != nil {
                operationsRefused += 1
            }
        }
        stopIfDrained()
    }

    func sample() {
        let time = scheduler.now.seconds
        for (index, queue) in queues.enumerated() {
            if let last = observations[index].depth.last, last.time == time { continue }
            observations[index].depth.append(DepthSample(time: time, visible: queue.visibleCount, inFlight: queue.inFlightCount,
                                                         delayed: queue.delayedCount))
        }
        sampleScaling(time: time)
        sampleStreams(time: time)
        sampleDeliveryStreams(time: time)
        sampleVideoStreams(time: time)
    }

    /// After the producers stop, the run is over once nothing is on its way and every queue is empty.
    func stopIfDrained() {
        finishAnalyticsWhoseInputEnded()
        guard !drained, scheduler.now >= stopInstant, producers.allSatisfy(\.isIdle), topicsIdle, streamProducersIdle, !reshardsPending,
              streamConsumersIdle,
              deliveryStreamsIdle, analyticsIdle, videoStreamsIdle,
              drainedQueues.allSatisfy({ queues[$0].storedCount == 0 }),
              queues.allSatisfy({ $0.moveTaskStatus == nil }),
              model.operations.allSatisfy({ $0.at <= scheduler.now }) else { return }
        drained = true
        scheduler.stop()
    }

    func observe(endReason: String) -> ReplicationObservations {
        let now = scheduler.now
        for (index, queue) in queues.enumerated() {
            let counters = queue.counters
            observations[index].sendRequests = counters.sendRequests
            observations[index].receiveRequests = counters.receiveRequests
            observations[index].emptyReceives = counters.emptyReceives
            observations[index].deleteRequests = counters.deleteRequests
            observations[index].messagesSent = counters.messagesSent
            observations[index].messagesReceived = counters.messagesReceived
            observations[index].messagesDeleted = counters.messagesDeleted
            var activity = QueueActivity()
            activity.billedRequests = counters.billedRequests
            activity.changeVisibilityRequests = counters.changeVisibilityRequests
            activity.deduplicated = counters.messagesDeduplicated
            activity.deadLettered = counters.messagesDeadLettered
            activity.movedIn = counters.messagesMovedIn
            activity.movedOut = counters.messagesMovedOut
            activity.purged = counters.messagesPurged
            activity.purgeRequests = counters.purgeRequests
            activity.throttled = counters.throttledRequests
            activity.spuriousDuplicates = counters.spuriousDuplicates
            activity.emptyWhileStored = counters.emptyReceivesWithMessagesStored
            activity.visibilityLapses = counters.visibilityLapses
            activity.kmsRequests = services.kms?.requests(queue: index) ?? 0
            if let control = queue.accessControl {
                activity.deniedCalls = control.denied.total.total
                observations[index].deniedByPrincipal = control.deniedTotalsByPrincipal
            }
            observations[index].activity = activity
        }
        let delivery = queues.indices.map { DeliveryChecker.check(ledgers[$0], storedAtEnd: queues[$0].storedMessageIDs()) }
        let fleetObservations = fleets.map { fleet in
            FleetObservations(name: fleet.specification.name, queue: model.queues[model.consumers[fleet.fleetIndex].queue].name,
                              count: fleet.specification.count, busySeconds: fleet.busyTime(at: now).seconds,
                              busyCapacitySeconds: autoscaledFleets[fleet.fleetIndex].map { $0.instanceSeries.integral(until: now) }
                                  ?? Double(fleet.specification.count) * now.seconds)
        }
        // Stable by start: entries of one instant keep the order they were made in.
        let faults = (faultInjector.orderedLog.map {
            FaultEntry(kind: $0.kind, target: $0.target, from: $0.from.seconds, to: $0.to?.seconds, detail: $0.detail)
        } + streamFaultLog).enumerated().sorted { ($0.element.from, $0.offset) < ($1.element.from, $1.offset) }.map(\.element)
        var result = ReplicationObservations(index: replication, duration: model.duration.seconds, elapsed: now.seconds,
                                             endReason: endReason, eventsRun: scheduler.eventsRun, queues: observations,
                                             fleets: fleetObservations, delivery: delivery, faults: faults)
        if let store = services.objectStore {
            result.objectStore.putRequests = store.putRequests
            result.objectStore.getRequests = store.getRequests
            result.objectStore.deleteRequests = store.deleteRequests
            result.objectStore.failedRequests = store.failedRequests
            result.objectStore.bytesStoredPeak = store.bytesStoredPeak
            result.objectStore.storedByteSeconds = store.storedByteSeconds(until: now)
        }
        result.callsFailed = callsFailed
        result.callsRetried = callsRetried
        result.scaling = scalingObservations(at: now)
        result.topics = observeTopics()
        result.streams = observeStreams(at: now)
        result.deliveryStreams = deliveryStreamRuns.map(\.observations)
        result.analytics = analyticsRuns.map(\.observations)
        result.videoStreams = observeVideoStreams()
        return result
    }

    // MARK: WorkloadObserver

    public func sendAccepted(queue: Int, messageId: MessageID, producedAt: Instant, at: Instant) {
        ledgers[queue].recordSend(messageId, producedAt: producedAt, at: at)
    }

    public func sendAbandoned(queue: Int, producedAt: Instant, reason: String, at: Instant) {
        ledgers[queue].recordSendAbandoned()
        if at >= stopInstant { stopIfDrained() }
    }

    public func sendDeduplicated(queue: Int, original: MessageID, at: Instant) {
        ledgers[queue].recordSendDeduplicated()
    }

    public func received(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant) {
        ledgers[queue].recordReceive(message, at: at)
        if message.receiveCount == 1, message.sentAt >= warmup {
            observations[queue].queueWait.record(nanoseconds: (at - message.sentAt).nanoseconds)
        }
    }

    public func processed(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant) {
        ledgers[queue].recordProcessed(message.messageId)
    }

    public func abandoned(queue: Int, fleet: Int, message: ReceivedMessage, why: Abandonment, at: Instant) {
        switch why {
        case .processingFailed: ledgers[queue].recordProcessingFailed(message.messageId)
        case .consumerCrashed: ledgers[queue].recordCrash(message.messageId)
        case .deleteFailed: ledgers[queue].recordDeleteFailed(message.messageId)
        case .groupFailed: ledgers[queue].recordGroupSkipped(message.messageId)
        }
    }

    public func deleteAnswered(queue: Int, fleet: Int, message: ReceivedMessage, result: DeleteMessageResult, at: Instant) {
        ledgers[queue].recordDelete(message.messageId, result: result, at: at)
        if case .deleted(let id) = result, message.sentAt >= warmup,
           let producedAt = ledgers[queue].entries.indices.contains(id.rawValue) ? ledgers[queue].entries[id.rawValue].producedAt : nil {
            observations[queue].endToEnd.record(nanoseconds: (at - producedAt).nanoseconds)
        }
        if at >= stopInstant { stopIfDrained() }
    }

    public func producerFinished(_ name: String, at: Instant) {
        stopIfDrained()
    }

    public func objectStoreUsed(queue: Int, latency: Span, at: Instant) {
        observations[queue].objectStoreLatency.record(nanoseconds: latency.nanoseconds)
    }

    public func callFailed(actor: String, operation: String, willRetry: Bool, at: Instant) {
        callsFailed += 1
        if willRetry { callsRetried += 1 }
    }

    // MARK: QueueObserver

    public func queue(_ queue: Queue, didObserve event: QueueEvent) {
        switch event {
        case .expired(let id, _, let at):
            ledgers[queue.token].recordExpiry(id, at: at)
            if at >= stopInstant { stopIfDrained() }
        case .visibilityLapsed(let id, _, _):
            ledgers[queue.token].recordVisibilityLapse(id)
        case .deadLettered(let id, _, let target, let newId, let at):
            ledgers[queue.token].recordDeadLettered(id, at: at)
            arrived(newId, in: target, from: id, of: queue.token, at: at)
            if at >= stopInstant { stopIfDrained() }
        case .movedOut(let id, let target, let newId, let at):
            ledgers[queue.token].recordMovedOut(id, at: at)
            arrived(newId, in: target, from: id, of: queue.token, at: at)
        case .purged(let id, let at):
            ledgers[queue.token].recordPurged(id, at: at)
        case .spuriousDuplicate(let id, _):
            ledgers[queue.token].recordSpuriousDuplicate(id)
        }
    }

    /// A message moved between queues starts a record of its own in the receiving queue's ledger,
    /// produced when the original was.
    func arrived(_ id: MessageID, in target: Int, from original: MessageID, of source: Int, at: Instant) {
        let producedAt = ledgers[source].entries.indices.contains(original.rawValue) ? ledgers[source].entries[original.rawValue].producedAt : at
        ledgers[target].recordSend(id, producedAt: producedAt, at: at)
    }
}
