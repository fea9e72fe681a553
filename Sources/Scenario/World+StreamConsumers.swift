import MessagingEngine
import Reporting
import SimKernel
import Stochastic
import Workloads

/// The actor behind a stream consumer the scenario declares under `consumers:` or `functions:`.
/// Firehose and analytics read streams too, but are run by their own parts of the world.
enum StreamConsumerActor {
    case kcl(KinesisClientApplication)
    case enhancedFanOut(EnhancedFanOutConsumer)
    case lambda(StreamEventSourceMapping, memoryMB: Int)

    func start() {
        switch self {
        case .kcl(let application): application.start()
        case .enhancedFanOut(let consumer): consumer.start()
        case .lambda(let mapping, _): mapping.start()
        }
    }

    /// Nothing left to read: every shard finished, or read to its tip with every record handled.
    var isIdle: Bool {
        switch self {
        case .kcl(let application): application.isIdle
        case .enhancedFanOut(let consumer): consumer.isIdle
        case .lambda(let mapping, _): mapping.isIdle
        }
    }
}

extension World {
    /// Makes the KCL applications, enhanced fan-out consumers and Lambda mappings of the scenario,
    /// each under its number among the stream consumers.
    func buildStreamConsumers(streams randomStreams: @escaping (String) -> RandomStream) {
        streamConsumerActors = model.streamConsumers.enumerated().map { index, entry in
            let stream = dataStreams[entry.stream]
            switch entry.kind {
            case .kcl(let specification):
                return .kcl(KinesisClientApplication(specification: specification, consumerIndex: index, stream: stream, streamIndex: entry.stream,
                                                     network: network, scheduler: scheduler, observer: self, streams: randomStreams))
            case .enhancedFanOut(let specification):
                return .enhancedFanOut(EnhancedFanOutConsumer(specification: specification, consumerIndex: index, stream: stream,
                                                              streamIndex: entry.stream, network: network, scheduler: scheduler,
                                                              observer: self, streams: randomStreams))
            case .lambda(let specification, let memoryMB):
                return .lambda(StreamEventSourceMapping(specification: specification, consumerIndex: index, stream: stream,
                                                        streamIndex: entry.stream, network: network, scheduler: scheduler,
                                                        observer: self, streams: randomStreams), memoryMB: memoryMB)
            case .deliveryStream, .analytics:
                return nil
            }
        }
    }

    /// Starts the consumers at time zero, before any record is put, and schedules the KCL workers'
    /// crashes, joins and leaves.
    func startStreamConsumers() {
        for actor in streamConsumerActors { actor?.start() }
        for (index, event) in model.kclWorkerEvents.enumerated() {
            scheduler.schedule(at: event.at, target: self, code: Code.kclWorkerEvent.rawValue, payload: index)
        }
    }

    /// Whether every stream consumer has nothing left to read, and no change of KCL workers is
    /// still to come.
    var streamConsumersIdle: Bool {
        streamConsumerActors.allSatisfy { $0?.isIdle ?? true } && model.kclWorkerEvents.allSatisfy { $0.at <= scheduler.now }
    }

    /// Crashes, adds or removes the event's KCL workers and logs it with the run's faults.
    func changeKCLWorkers(_ index: Int) {
        let event = model.kclWorkerEvents[index]
        guard case .kcl(let application)? = streamConsumerActors[event.consumer] else { return }
        let name = application.specification.name
        switch event.action {
        case .crash(let restartAfter):
            for worker in 0..<min(event.count, application.workerCount) { application.crash(worker: worker, restartAfter: restartAfter) }
            let restart = restartAfter.map { " restarted after \(Units.formatDuration($0.seconds))" } ?? " not restarted"
            streamFaultLog.append(FaultEntry(kind: "crash", target: name, from: event.at.seconds, to: restartAfter.map { (event.at + $0).seconds },
                                             detail: (event.count == 1 ? "KCL worker 0" : "KCL workers 0 to \(event.count - 1)")
                                                 + " of \(application.workerCount);" + restart))
        case .join:
            let added = (0..<event.count).map { _ in application.addWorker() }
            streamFaultLog.append(FaultEntry(kind: "addWorkers", target: name, from: event.at.seconds, to: nil,
                                             detail: "KCL workers \(added.map(String.init).joined(separator: ", ")) joined"))
        case .leave:
            let running = (0..<application.workerCount).filter { application.isRunning(worker: $0) }
            let leaving = running.suffix(event.count)
            for worker in leaving { application.removeWorker(worker) }
            streamFaultLog.append(FaultEntry(kind: "removeWorkers", target: name, from: event.at.seconds, to: nil,
                                             detail: leaving.isEmpty ? "no running worker to remove"
                                                 : "KCL workers \(leaving.map(String.init).joined(separator: ", ")) left gracefully"))
        }
        stopIfDrained()
    }

    /// A consumer's own figures beyond what the checker counts: checkpoints and lease steals of a
    /// KCL application, subscriptions and billed consumer-shard time of an enhanced fan-out
    /// consumer, invocations and GB-seconds of a Lambda function.
    func addConsumerFigures(to observation: inout StreamConsumerObservations, consumer index: Int) {
        switch streamConsumerActors[index] {
        case .kcl(let application)?:
            let c = application.counters
            observation.checkpoints = c.checkpoints
            observation.counters = [("getRecordsCalls", c.getRecordsCalls), ("recordsReprocessed", c.recordsReprocessed),
                                    ("leasesTaken", c.leasesTaken), ("leaseSteals", c.leaseSteals),
                                    ("shardIteratorThrottles", c.shardIteratorThrottles), ("failedBatches", c.failedBatches), ("recordsSkipped", c.recordsSkipped),
                                    ("failedCalls", c.failedCalls)]
        case .enhancedFanOut(let consumer)?:
            let c = consumer.counters
            observation.counters = [("subscriptions", c.subscriptions), ("renewals", c.renewals), ("subscribeFailures", c.subscribeFailures),
                                    ("events", c.events), ("shardsFinished", c.shardsFinished)]
            if let billed = consumer.streamCounters {
                observation.efoConsumerShardSeconds = billed.consumerShardSeconds
                observation.efoBytesRetrieved = billed.bytesPushed
                observation.counters.append(("subscribeRefused", billed.subscribeRefused))
            }
        case .lambda(let mapping, let memoryMB)?:
            let c = mapping.counters
            observation.lambdaRequests = c.invocations
            observation.lambdaGBSeconds = Double(c.billedMilliseconds) / 1000 * Double(memoryMB) / 1024
            observation.counters = [("invocations", c.invocations), ("failedInvocations", c.failedInvocations), ("retries", c.retries),
                                    ("bisections", c.bisections), ("discardedBatches", c.discardedBatches), ("coldStarts", c.coldStarts),
                                    ("concurrencyThrottles", c.throttles), ("getRecordsCalls", c.getRecordsCalls)]
        case nil:
            break
        }
    }
}
