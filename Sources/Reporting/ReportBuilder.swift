import Stochastic
import Verification

/// What a report needs to know about the scenario besides the replications' observations.
public struct RunDescription: Sendable {
    public var scenario: String
    public var description: String
    public var seed: UInt64
    public var duration: Double
    public var drain: Double
    public var warmup: Double
    public var sampleInterval: Double
    /// The command that reruns one replication, for violation reports.
    public var replayCommand: @Sendable (Int) -> String

    public init(scenario: String, description: String, seed: UInt64, duration: Double, drain: Double, warmup: Double,
                sampleInterval: Double, replayCommand: @escaping @Sendable (Int) -> String) {
        self.scenario = scenario
        self.description = description
        self.seed = seed
        self.duration = duration
        self.drain = drain
        self.warmup = warmup
        self.sampleInterval = sampleInterval
        self.replayCommand = replayCommand
    }
}

/// Combines replications into a report. The result depends only on the observations and their
/// order (by replication index), never on how they were computed.
public enum ReportBuilder {
    /// Batches used for a single run's latency interval.
    public static let batchCount = 20

    public static func build(_ run: RunDescription, replications: [ReplicationObservations]) -> Report {
        let ordered = replications.sorted { $0.index < $1.index }
        precondition(!ordered.isEmpty, "a report needs at least one replication")
        let queueNames = ordered[0].queues.map(\.name)
        let queues = queueNames.indices.map { q in queueReport(ordered.map { $0.queues[q] }, replications: ordered) }
        let fleets = ordered[0].fleets.indices.map { f in
            let all = ordered.map { $0.fleets[f] }
            return FleetReport(name: all[0].name, queue: all[0].queue, count: all[0].count,
                               utilisation: estimate(all.map(\.utilisation)))
        }
        var report = Report(
            scenario: run.scenario, description: run.description, seed: run.seed, replications: ordered.count,
            duration: run.duration, drain: run.drain, warmup: run.warmup, sampleInterval: run.sampleInterval,
            queues: queues, topics: ordered[0].topics.indices.map { t in topicReport(ordered.map { $0.topics[t] }) },
            consumers: fleets, delivery: delivery(ordered, run: run), faults: ordered[0].faults,
            callsFailed: ordered.reduce(0) { $0 + $1.callsFailed }, callsRetried: ordered.reduce(0) { $0 + $1.callsRetried },
            replicationSummaries: ordered.map { r in
                ReplicationSummary(index: r.index, elapsed: r.elapsed, endReason: r.endReason, events: r.eventsRun,
                                   sent: r.queues.reduce(0) { $0 + $1.messagesSent },
                                   deleted: r.queues.reduce(0) { $0 + $1.messagesDeleted },
                                   queueWaitMean: r.queues.first?.queueWait.mean)
            },
            depthSeries: ordered.flatMap { r in r.queues.map { (r.index, $0.name, $0.depth) } },
            concurrency: ordered[0].scaling.indices.map { s in concurrencyReport(ordered.map { $0.scaling[s] }, replications: ordered) },
            concurrencySeries: ordered.flatMap { r in r.scaling.map { (r.index, $0.name, $0.samples) } },
            cost: cost(ordered, scenarioSeconds: run.duration, prices: PriceTable()))
        for r in ordered {
            report.objectStore.putRequests += r.objectStore.putRequests
            report.objectStore.getRequests += r.objectStore.getRequests
            report.objectStore.deleteRequests += r.objectStore.deleteRequests
            report.objectStore.failedRequests += r.objectStore.failedRequests
            report.objectStore.bytesStoredPeak = max(report.objectStore.bytesStoredPeak, r.objectStore.bytesStoredPeak)
            report.objectStore.storedByteSeconds += r.objectStore.storedByteSeconds
        }
        addStreams(to: &report, ordered)
        addVideoStreams(to: &report, ordered)
        return report
    }

    static func concurrencyReport(_ all: [ScalingObservations], replications: [ReplicationObservations]) -> ConcurrencyReport {
        ConcurrencyReport(
            name: all[0].name, kind: all[0].kind, queue: all[0].queue,
            peak: all.map(\.peak).max() ?? 0,
            mean: estimate(zip(all, replications).map { s, r in r.elapsed > 0 ? s.countSeconds / r.elapsed : 0 }),
            invocations: all.reduce(0) { $0 + $1.invocations },
            failedInvocations: all.reduce(0) { $0 + $1.failedInvocations },
            coldStarts: all.reduce(0) { $0 + $1.coldStarts },
            throttles: all.reduce(0) { $0 + $1.throttles },
            scalingActions: all.reduce(0) { $0 + $1.scalingActions })
    }

    /// What one replication used of each billed service: every queue's billed requests at its
    /// type's rate, every topic's billed publishes and its subscriptions' deliveries at their
    /// protocol's rate, every function's invocations and GB-seconds.
    static func usage(_ replication: ReplicationObservations) -> ServiceUsage {
        var usage = ServiceUsage()
        for queue in replication.queues {
            if queue.type == "fifo" {
                usage.sqsFifoRequests += Double(queue.activity.billedRequests)
            } else {
                usage.sqsStandardRequests += Double(queue.activity.billedRequests)
            }
            usage.kmsRequests += Double(queue.activity.kmsRequests)
        }
        usage.s3PutRequests += Double(replication.objectStore.putRequests)
        // S3 bills DELETE as free and GET at the GET rate.
        usage.s3GetRequests += Double(replication.objectStore.getRequests)
        usage.s3StoredByteSeconds += replication.objectStore.storedByteSeconds
        for topic in replication.topics {
            usage.snsPublishRequests += Double(topic.billedPublishRequests)
            for subscription in topic.subscriptions { usage.addSNSDeliveries(of: subscription) }
        }
        for stream in replication.streams { usage.addStream(stream, elapsed: replication.elapsed) }
        for deliveryStream in replication.deliveryStreams { usage.firehoseBilledBytes += Double(deliveryStream.billedBytes) }
        for video in replication.videoStreams { usage.addVideoStream(video) }
        for function in replication.scaling where function.kind == .function {
            usage.addLambda(invocations: function.invocations, billedDurationSeconds: function.billedDurationSeconds,
                            memoryMB: function.memoryMB)
        }
        return usage
    }

    static func cost(_ replications: [ReplicationObservations], scenarioSeconds: Double, prices: PriceTable) -> CostReport {
        let usages = replications.map(usage)
        let model = CostModel(usage: ServiceUsage.mean(usages), prices: prices)
        let n = Double(replications.count)
        let queues = replications[0].queues.indices.map { q in
            let queue = replications[0].queues[q]
            let billed = replications.reduce(0.0) { $0 + Double($1.queues[q].activity.billedRequests) } / n
            let perMillion = queue.type == "fifo" ? prices.sqsFifoPerMillionRequests : prices.sqsStandardPerMillionRequests
            return CostReport.QueueCost(name: queue.name, type: queue.type, billedRequests: billed, usd: billed * perMillion / 1e6)
        }
        let functions = replications[0].scaling.indices.filter { replications[0].scaling[$0].kind == .function }.map { f in
            let function = replications[0].scaling[f]
            var usage = ServiceUsage()
            for r in replications {
                usage.addLambda(invocations: r.scaling[f].invocations, billedDurationSeconds: r.scaling[f].billedDurationSeconds,
                                memoryMB: r.scaling[f].memoryMB)
            }
            let requests = usage.lambdaRequests / n, gbSeconds = usage.lambdaGBSeconds / n
            return CostReport.FunctionCost(name: function.name, memoryMB: function.memoryMB, requests: requests, gbSeconds: gbSeconds,
                                           usd: requests * prices.lambdaPerMillionRequests / 1e6 + gbSeconds * prices.lambdaPerGBSecond)
        }
        return CostReport(prices: prices, lines: model.lines(),
                          total: estimate(usages.map { CostModel(usage: $0, prices: prices).lines().totalUSD }),
                          monthly: scenarioSeconds > 0
                              ? model.projectMonthly(scenarioSeconds: scenarioSeconds, elapsedSeconds: replications.reduce(0) { $0 + $1.elapsed } / n)
                              : [],
                          queues: queues, functions: functions)
    }

    /// Mean and Student-t interval over per-replication values.
    static func estimate(_ values: [Double]) -> Estimate? {
        guard let ci = Statistics.confidenceInterval95(values) else { return nil }
        return Estimate(mean: ci.mean, low: ci.low, high: ci.high, n: ci.n, method: "replications")
    }

    static func latencySummary(_ series: [LatencySeries]) -> LatencySummary {
        var merged = LatencyHistogram.latency()
        for s in series { merged.add(s.histogram) }
        let count = series.reduce(0) { $0 + $1.count }
        var mean: Estimate?
        let means = series.compactMap(\.mean)
        if series.count == 1, let only = series.first, only.count >= batchCount * 2,
           let ci = Statistics.batchMeans(only.values.map(Double.init), batchCount: batchCount, warmup: 0) {
            // One replication: the interval comes from batch means of the run's own sequence.
            mean = Estimate(mean: only.mean ?? ci.mean, low: ci.low, high: ci.high, n: ci.n, method: "batchMeans")
        } else if means.count == series.count {
            mean = estimate(means)
        }
        func seconds(_ ns: UInt64) -> Double { Double(ns) / 1e9 }
        return LatencySummary(
            mean: mean,
            p50: count > 0 ? seconds(merged.valueAtPercentile(50)) : 0,
            p90: count > 0 ? seconds(merged.valueAtPercentile(90)) : 0,
            p99: count > 0 ? seconds(merged.valueAtPercentile(99)) : 0,
            p999: count > 0 ? seconds(merged.valueAtPercentile(99.9)) : 0,
            max: count > 0 ? seconds(merged.max) : 0,
            count: count,
            mser5Truncation: mser5Truncation(series))
    }

    /// How many leading observations MSER-5 would delete as warm-up, as the median over the
    /// replications (the lower middle one for an even count): a share near half the observations
    /// says the run never settled.
    static func mser5Truncation(_ series: [LatencySeries]) -> Int {
        let truncations = series.map { Statistics.mser5WarmupLength($0.values.map(Double.init)) }.sorted()
        return truncations.isEmpty ? 0 : truncations[(truncations.count - 1) / 2]
    }

    static func queueReport(_ all: [QueueObservations], replications: [ReplicationObservations]) -> QueueReport {
        func rate(_ value: (QueueObservations) -> Int, over span: (ReplicationObservations) -> Double) -> Estimate? {
            estimate(zip(all, replications).map { q, r in span(r) > 0 ? Double(value(q)) / span(r) : 0 })
        }
        var receiveCounts: [Int] = []
        let deliveries = replications.compactMap { r in r.delivery.first { $0.queue == all[0].name } }
        for d in deliveries {
            for (k, n) in d.receiveCountHistogram.enumerated() {
                if receiveCounts.count <= k { receiveCounts.append(contentsOf: Array(repeating: 0, count: k + 1 - receiveCounts.count)) }
                receiveCounts[k] += n
            }
        }
        return QueueReport(
            name: all[0].name, type: all[0].type,
            queueWait: latencySummary(all.map(\.queueWait)),
            endToEnd: latencySummary(all.map(\.endToEnd)),
            throughput: ThroughputSummary(
                sent: rate(\.messagesSent, over: \.duration),
                received: rate(\.messagesReceived, over: \.elapsed),
                deleted: rate(\.messagesDeleted, over: \.elapsed)),
            messagesSent: all.reduce(0) { $0 + $1.messagesSent },
            messagesReceived: all.reduce(0) { $0 + $1.messagesReceived },
            messagesDeleted: all.reduce(0) { $0 + $1.messagesDeleted },
            requests: all.reduce(0) { $0 + $1.sendRequests + $1.receiveRequests + $1.deleteRequests },
            emptyReceives: all.reduce(0) { $0 + $1.emptyReceives },
            receiveCounts: receiveCounts,
            visibleMax: all.flatMap(\.depth).map(\.visible).max() ?? 0,
            activity: all.reduce(QueueActivity()) { $0 + $1.activity },
            timeToDeadLetter: timeToDeadLetter(deliveries),
            ordering: all[0].type == "fifo" ? OrderingReport(
                groups: deliveries.reduce(0) { $0 + $1.groupsSeen },
                groupsOutOfOrder: deliveries.reduce(0) { $0 + $1.groupsOutOfOrder },
                orderViolations: deliveries.reduce(0) { $0 + $1.violationCounts[.orderViolation, default: 0] }) : nil,
            objectStoreLatency: all.contains { $0.objectStoreLatency.count > 0 } ? latencySummary(all.map(\.objectStoreLatency)) : nil,
            deniedByPrincipal: deniedByPrincipal(all))
    }

    /// Denials per principal over all replications, in principal order (bytewise).
    static func deniedByPrincipal(_ all: [QueueObservations]) -> [(principal: String, count: Int)] {
        deniedByPrincipal(all.map(\.deniedByPrincipal))
    }

    static func deniedByPrincipal(_ all: [[(principal: String, count: Int)]]) -> [(principal: String, count: Int)] {
        var totals: [String: Int] = [:]
        for denials in all { for (principal, count) in denials { totals[principal, default: 0] += count } }
        return totals.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }
    }

    /// One topic and its subscriptions over all replications, matched by position: every
    /// replication runs the same scenario, so the same topics and subscriptions in the same order.
    static func topicReport(_ all: [TopicObservations]) -> TopicReport {
        let first = all[0]
        for topic in all {
            precondition(topic.name == first.name && topic.subscriptions.map(\.name) == first.subscriptions.map(\.name),
                         "replications disagree on topic \(first.name) and its subscriptions: \(topic.name) \(topic.subscriptions.map(\.name))")
        }
        func total(_ count: (TopicObservations) -> Int) -> Int { all.reduce(0) { $0 + count($1) } }
        let subscriptions = first.subscriptions.indices.map { s -> SubscriptionReport in
            let each = all.map { $0.subscriptions[s] }
            func total(_ count: (SubscriptionObservations) -> Int) -> Int { each.reduce(0) { $0 + count($1) } }
            return SubscriptionReport(
                name: each[0].name, protocolName: each[0].protocolName, endpoint: each[0].endpoint,
                rawMessageDelivery: each[0].rawMessageDelivery,
                matched: total(\.matched), filteredOut: total(\.filteredOut), attempts: total(\.attempts),
                retries: total(\.retries), delivered: total(\.delivered), deadLettered: total(\.deadLettered),
                dropped: total(\.dropped), pending: total(\.pendingAtEnd), deliveredBytes: total(\.deliveredBytes),
                billedDeliveries: total(\.billedDeliveries), deliveryLatency: latencySummary(each.map(\.deliveryLatency)),
                outOfOrder: total(\.outOfOrder), subscribeRefusal: each[0].subscribeRefusal)
        }
        var report = TopicReport(
            name: first.name, type: first.type, publishRequests: total(\.publishRequests), published: total(\.messagesPublished),
            billedPublishRequests: total(\.billedPublishRequests), deduplicated: total(\.deduplicated),
            throttled: total(\.throttled), rejected: total(\.rejected), deniedCalls: total(\.deniedCalls),
            deniedByPrincipal: deniedByPrincipal(all.map(\.deniedByPrincipal)), subscriptions: subscriptions)
        report.publishesAbandoned = total(\.publishesAbandoned)
        return report
    }

    static func timeToDeadLetter(_ deliveries: [DeliveryResult]) -> LatencySummary? {
        guard deliveries.contains(where: { !$0.timesToDeadLetter.isEmpty }) else { return nil }
        return latencySummary(deliveries.map { d in
            var series = LatencySeries()
            for seconds in d.timesToDeadLetter { series.record(nanoseconds: Int64((seconds * 1e9).rounded())) }
            return series
        })
    }

    static func delivery(_ replications: [ReplicationObservations], run: RunDescription) -> DeliveryReport {
        var report = DeliveryReport()
        var causes: [RedeliveryCause: Int] = [:]
        var kinds: [Violation.Kind: Int] = [:]
        for r in replications {
            for d in r.delivery {
                report.sent += d.sent
                report.deliveredOnce += d.count(.deliveredOnce)
                report.duplicated += d.count(.duplicated)
                report.lost += d.count(.lost)
                report.expired += d.count(.expired)
                report.queued += d.count(.queued)
                report.deadLettered += d.count(.deadLettered)
                report.movedOut += d.count(.movedOut)
                report.purged += d.count(.purged)
                report.sendsDeduplicated += d.sendsDeduplicated
                report.sendsAbandoned += d.sendsAbandoned
                report.staleDeletes += d.staleDeletes
                for (cause, n) in d.duplicatedBy { causes[cause, default: 0] += n }
                for (kind, n) in d.violationCounts { kinds[kind, default: 0] += n }
                for v in d.violations {
                    report.violations.append(ViolationReport(
                        kind: v.kind.rawValue, replication: r.index, seed: run.seed, queue: v.queue,
                        messageId: v.messageId?.description, at: v.at.seconds, detail: v.detail,
                        replay: run.replayCommand(r.index)))
                }
            }
        }
        report.duplicatedBy = RedeliveryCause.allCases.compactMap { c in causes[c].map { (c.rawValue, $0) } }
        report.violationCounts = kinds.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key.rawValue, $0.value) }
        return report
    }
}
