import Verification

/// A statistic across replications (or across batches of one long run): mean and 95% interval.
public struct Estimate: Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    public var n: Int
    /// How the interval was made: `replications` (Student-t over replication means) or
    /// `batchMeans` (Student-t over batch means of a single run).
    public var method: String

    public init(mean: Double, low: Double, high: Double, n: Int, method: String) {
        self.mean = mean
        self.low = low
        self.high = high
        self.n = n
        self.method = method
    }

    public var halfWidth: Double { (high - low) / 2 }
    public func contains(_ x: Double) -> Bool { low <= x && x <= high }
}

/// A latency metric across all replications.
public struct LatencySummary: Sendable, Equatable {
    /// The mean with its interval; nil when nothing was recorded.
    public var mean: Estimate?
    /// Percentiles over all messages of all replications, in seconds.
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var count: Int
    /// Leading observations (per replication, median) that MSER-5 would delete as warm-up; 0 when
    /// the series shows no initial transient. Compare with `count / replications`.
    public var mser5Truncation: Int
}

public struct ThroughputSummary: Sendable, Equatable {
    public var sent: Estimate?
    public var received: Estimate?
    public var deleted: Estimate?
}

public struct QueueReport: Sendable, Equatable {
    public var name: String
    public var type: String
    public var queueWait: LatencySummary
    public var endToEnd: LatencySummary
    public var throughput: ThroughputSummary
    /// Totals over all replications.
    public var messagesSent: Int
    public var messagesReceived: Int
    public var messagesDeleted: Int
    public var requests: Int
    public var emptyReceives: Int
    /// Deleted messages by receive count, over all replications: index k is "deleted after k receives".
    public var receiveCounts: [Int]
    /// The largest visible depth seen in any sample of any replication.
    public var visibleMax: Int
    /// Totals over all replications of what the queue did besides sends, receives and deletes.
    public var activity: QueueActivity
    /// Seconds from send to the dead-letter queue, for messages the redrive policy moved; nil when none.
    public var timeToDeadLetter: LatencySummary?
    /// FIFO queues: per-group ordering over all replications; nil for a standard queue.
    public var ordering: OrderingReport?
    /// Extended-client requests to the object store for this queue's messages; nil when there were none.
    public var objectStoreLatency: LatencySummary?
    /// Calls refused by the queue's access policies, per principal, summed over replications.
    public var deniedByPrincipal: [(principal: String, count: Int)] = []

    public static func == (a: QueueReport, b: QueueReport) -> Bool {
        a.name == b.name && a.type == b.type && a.queueWait == b.queueWait && a.endToEnd == b.endToEnd && a.throughput == b.throughput
            && a.messagesSent == b.messagesSent && a.messagesReceived == b.messagesReceived && a.messagesDeleted == b.messagesDeleted
            && a.requests == b.requests && a.emptyReceives == b.emptyReceives && a.receiveCounts == b.receiveCounts
            && a.visibleMax == b.visibleMax && a.activity == b.activity && a.timeToDeadLetter == b.timeToDeadLetter
            && a.ordering == b.ordering && a.objectStoreLatency == b.objectStoreLatency
            && a.deniedByPrincipal.elementsEqual(b.deniedByPrincipal, by: ==)
    }
}

/// An SNS topic over all replications: every count a total over them.
public struct TopicReport: Sendable, Equatable {
    public var name: String
    public var type: String
    public var publishRequests: Int
    /// Messages accepted (not deduplicated).
    public var published: Int
    /// Publish requests as billed: 64 KiB chunks of payload.
    public var billedPublishRequests: Int
    public var deduplicated: Int
    public var throttled: Int
    public var rejected: Int
    /// Messages producers gave up publishing (refused, or out of attempts).
    public var publishesAbandoned: Int = 0
    public var deniedCalls: Int
    /// Calls refused by the topic's access policies, per principal, in principal order (bytewise).
    public var deniedByPrincipal: [(principal: String, count: Int)]
    public var subscriptions: [SubscriptionReport]

    public static func == (a: TopicReport, b: TopicReport) -> Bool {
        a.name == b.name && a.type == b.type && a.publishRequests == b.publishRequests && a.published == b.published
            && a.billedPublishRequests == b.billedPublishRequests && a.deduplicated == b.deduplicated
            && a.throttled == b.throttled && a.rejected == b.rejected && a.deniedCalls == b.deniedCalls
            && a.publishesAbandoned == b.publishesAbandoned
            && a.deniedByPrincipal.elementsEqual(b.deniedByPrincipal, by: ==) && a.subscriptions == b.subscriptions
    }
}

/// One subscription of a topic over all replications: every count a total over them.
public struct SubscriptionReport: Sendable, Equatable {
    public var name: String
    public var protocolName: String
    public var endpoint: String
    public var rawMessageDelivery: Bool
    public var matched: Int
    public var filteredOut: Int
    public var attempts: Int
    public var retries: Int
    public var delivered: Int
    public var deadLettered: Int
    public var dropped: Int
    /// Still being retried when a replication ended.
    public var pending: Int
    public var deliveredBytes: Int
    public var billedDeliveries: Int
    /// Publish accepted → delivered, for messages published after the warm-up.
    public var deliveryLatency: LatencySummary
    /// FIFO topics: deliveries that came before an earlier message of their group.
    public var outOfOrder: Int = 0
    /// Why the topic refused to create the subscription; nil when it exists.
    public var subscribeRefusal: String? = nil
}

/// How FIFO message groups kept their order, over all replications.
public struct OrderingReport: Sendable, Equatable {
    /// Groups seen in receives, summed over replications.
    public var groups: Int
    public var groupsOutOfOrder: Int
    public var orderViolations: Int
}

public struct FleetReport: Sendable, Equatable {
    public var name: String
    public var queue: String
    public var count: Int
    public var utilisation: Estimate?
}

/// A function or an autoscaled fleet over all replications.
public struct ConcurrencyReport: Sendable, Equatable {
    public var name: String
    public var kind: ScalingObservations.Kind
    public var queue: String
    /// The largest count in any replication.
    public var peak: Int
    /// The mean over time of the count (time-weighted over each replication's elapsed time).
    public var mean: Estimate?
    /// Totals over all replications; zero for an autoscaled fleet except `scalingActions`.
    public var invocations: Int
    public var failedInvocations: Int
    public var coldStarts: Int
    public var throttles: Int
    public var scalingActions: Int

    /// What the count counts.
    public var unit: String { kind == .function ? "invocations" : "instances" }
}

/// The cost of a scenario at list prices: the mean over replications, and a month at its rates.
public struct CostReport: Sendable, Equatable {
    /// One queue's billed requests (64 KiB chunks), mean over replications, at its type's price.
    public struct QueueCost: Sendable, Equatable {
        public var name: String
        public var type: String
        public var billedRequests: Double
        public var usd: Double
    }

    /// One function's requests and GB-seconds, mean over replications.
    public struct FunctionCost: Sendable, Equatable {
        public var name: String
        public var memoryMB: Int
        public var requests: Double
        public var gbSeconds: Double
        public var usd: Double
    }

    public var prices: PriceTable
    /// The scenario as run, each quantity the mean over replications; no free tier.
    public var lines: [CostLine]
    /// The total of one replication, across replications.
    public var total: Estimate?
    /// A 30-day month at the scenario's rates (`CostModel.projectMonthly` over `duration`, and
    /// over the mean elapsed time for what is billed by the hour a stream or shard is open), with
    /// the SQS and SNS free tiers.
    public var monthly: [CostLine]
    public var queues: [QueueCost]
    public var functions: [FunctionCost]

    /// Lines summed by service (the first word of an item: SQS, SNS, KMS, S3, Lambda), in line order.
    public static func byService(_ lines: [CostLine]) -> [(service: String, usd: Double)] {
        var sums: [(service: String, usd: Double)] = []
        for line in lines {
            let service = String(line.item.prefix { $0 != " " })
            if let i = sums.firstIndex(where: { $0.service == service }) { sums[i].usd += line.usd } else { sums.append((service, line.usd)) }
        }
        return sums
    }
}

public struct ViolationReport: Sendable, Equatable {
    public var kind: String
    public var replication: Int
    public var seed: UInt64
    public var queue: String
    public var messageId: String?
    public var at: Double
    public var detail: String
    /// The command that runs just this replication again.
    public var replay: String
}

public struct DeliveryReport: Sendable, Equatable {
    public var sent = 0
    public var deliveredOnce = 0
    public var duplicated = 0
    public var lost = 0
    public var expired = 0
    public var queued = 0
    public var deadLettered = 0
    public var movedOut = 0
    public var purged = 0
    public var sendsDeduplicated = 0
    public var sendsAbandoned = 0
    public var staleDeletes = 0
    public var duplicatedBy: [(cause: String, count: Int)] = []
    public var violationCounts: [(kind: String, count: Int)] = []
    public var violations: [ViolationReport] = []

    public var violationTotal: Int { violationCounts.reduce(0) { $0 + $1.count } }

    public static func == (a: DeliveryReport, b: DeliveryReport) -> Bool {
        a.sent == b.sent && a.deliveredOnce == b.deliveredOnce && a.duplicated == b.duplicated && a.lost == b.lost
            && a.expired == b.expired && a.queued == b.queued && a.deadLettered == b.deadLettered
            && a.movedOut == b.movedOut && a.purged == b.purged && a.sendsDeduplicated == b.sendsDeduplicated
            && a.sendsAbandoned == b.sendsAbandoned && a.staleDeletes == b.staleDeletes
            && a.duplicatedBy.elementsEqual(b.duplicatedBy, by: ==) && a.violationCounts.elementsEqual(b.violationCounts, by: ==)
            && a.violations == b.violations
    }
}

public struct ReplicationSummary: Sendable, Equatable {
    public var index: Int
    public var elapsed: Double
    public var endReason: String
    /// Events the kernel ran. Not rendered into reports: it changes with how the engine is built,
    /// not with what the scenario does, and reports are golden files of behaviour.
    public var events: Int
    public var sent: Int
    public var deleted: Int
    public var queueWaitMean: Double?
}

/// The result of a run over all replications: what `report.json`, `report.md` and the CSV files show.
public struct Report: Sendable, Equatable {
    public static let schemaVersion = 1

    public var scenario: String
    public var description: String
    public var seed: UInt64
    public var replications: Int
    public var duration: Double
    public var drain: Double
    public var warmup: Double
    public var sampleInterval: Double
    public var queues: [QueueReport]
    /// SNS topics in the order of the scenario file; empty when it has none.
    public var topics: [TopicReport] = []
    public var consumers: [FleetReport]
    public var delivery: DeliveryReport
    /// Faults as they ran in the first replication (the schedule is the same in every one).
    public var faults: [FaultEntry]
    public var callsFailed: Int
    public var callsRetried: Int
    /// The extended client's object store, summed over replications.
    public var objectStore = ObjectStoreObservations()
    public var replicationSummaries: [ReplicationSummary]
    /// Depth samples per replication and queue, for the CSV time series.
    public var depthSeries: [(replication: Int, queue: String, samples: [DepthSample])]
    /// Functions and autoscaled fleets: autoscaled fleets first, then functions, in file order.
    public var concurrency: [ConcurrencyReport] = []
    /// Their counts per replication and name, for the CSV time series.
    public var concurrencySeries: [(replication: Int, name: String, samples: [CountSample])] = []
    /// Kinesis data streams, Firehose delivery streams and analytics applications, in the order of
    /// the scenario file; empty when it has none.
    public var streams: [StreamReport] = []
    public var deliveryStreams: [DeliveryStreamReport] = []
    public var analytics: [AnalyticsReport] = []
    /// Kinesis video stream entries in the order of the scenario file; empty when it has none.
    public var videoStreams: [VideoStreamReport] = []
    /// Every replication's per-shard write rates and consumers' iterator ages, for the CSV time series.
    public var streamRateSeries: [(replication: Int, stream: String, shards: [String], samples: [StreamRateSample])] = []
    public var iteratorAgeSeries: [(replication: Int, stream: String, consumer: String, shards: [String],
                                    samples: [IteratorAgeSample])] = []
    public var cost: CostReport

    public static func == (a: Report, b: Report) -> Bool {
        a.scenario == b.scenario && a.seed == b.seed && a.replications == b.replications && a.queues == b.queues
            && a.topics == b.topics && a.consumers == b.consumers && a.delivery == b.delivery && a.faults == b.faults
            && a.replicationSummaries == b.replicationSummaries && a.concurrency == b.concurrency && a.cost == b.cost
            && a.streams == b.streams && a.deliveryStreams == b.deliveryStreams && a.analytics == b.analytics
            && a.videoStreams == b.videoStreams
    }
}
