import MessagingEngine
import SimKernel
import Stochastic
import Workloads

/// A scenario file, decoded and validated: everything needed to build a world.
public struct ScenarioModel: Sendable {
    public var name: String
    public var description: String
    /// Producers stop after this.
    public var duration: Span
    /// Consumers go on at most this long after the producers stop.
    public var drain: Span
    /// Messages sent before this are left out of latency statistics.
    public var warmup: Span
    public var seed: UInt64
    public var replications: Int
    public var sampleInterval: Span
    /// Events a replication may run before it is stopped (a bound, so no run can go on forever).
    public var eventBudget: Int
    public var queues: [QueueConfiguration]
    public var producers: [ProducerEntry]
    public var consumers: [ConsumerEntry]
    /// Lambda functions reading queues through event source mappings. In the observer's fleet
    /// numbering they come after the consumer fleets: function `i` is fleet `consumers.count + i`.
    public var functions: [FunctionEntry] = []
    public var apiLatency: Distribution
    public var retryPolicy: RetryPolicy
    public var faults: [Fault]
    /// API calls the scenario makes at set instants (PurgeQueue, StartMessageMoveTask).
    public var operations: [QueueOperation] = []
    /// Access policies, KMS and the object store.
    public var security = SecurityModel()
    /// SNS topics; producers may publish to them.
    public var topics: [TopicEntry] = []
    /// Kinesis data streams, with their resharding.
    public var streams: [StreamEntry] = []
    /// Producers putting records into streams. Their index is the producer number in the tags of
    /// the records they make.
    public var streamProducers: [StreamProducerEntry] = []
    /// Everything that reads a stream, every kind in one list: its index is the consumer number
    /// stream actors report with.
    public var streamConsumers: [StreamConsumerEntry] = []
    /// KCL workers crashing (`faults:`), joining and leaving (`operations:`) at set instants, in
    /// the order of the file within each list.
    public var kclWorkerEvents: [KCLWorkerEvent] = []
    /// Firehose delivery streams.
    public var deliveryStreams: [DeliveryStreamEntry] = []
    /// Producers putting records into delivery streams by Direct PUT. Their index is the producer
    /// number in their records' tags (a numbering of their own: their records never enter a data
    /// stream).
    public var deliveryStreamProducers: [DeliveryStreamProducerEntry] = []
    /// Analytics applications. Application `i` writes results to a data stream as producer
    /// `streamProducers.count + i` (see `AnalyticsOutputWriter`).
    public var analytics: [AnalyticsEntry] = []
    /// Kinesis video streams, each with its producers and playback consumers.
    public var videoStreams: [VideoStreamEntry] = []

    /// A reader of a data stream.
    public struct StreamConsumerEntry: Sendable {
        public enum Kind: Sendable {
            /// A KCL consumer application (`consumers:` with a stream source).
            case kcl(KinesisClientSpecification)
            /// An enhanced fan-out consumer (`consumers:` with `type: enhancedFanOut`).
            case enhancedFanOut(EnhancedFanOutSpecification)
            /// A Lambda function through an event source mapping (`functions:` with a stream
            /// source), with its memory in MB for GB-seconds in the cost.
            case lambda(StreamEventSourceMappingSpecification, memoryMB: Int)
            /// A Firehose delivery stream whose source is the stream (index into `deliveryStreams`).
            case deliveryStream(Int)
            /// An analytics application reading the stream (index into `analytics`).
            case analytics(Int)
        }
        public var name: String
        /// Index into `streams`.
        public var stream: Int
        public var kind: Kind
        public init(name: String, stream: Int, kind: Kind) {
            self.name = name
            self.stream = stream
            self.kind = kind
        }

        /// The kind as reports name it.
        public var kindName: String {
            switch kind {
            case .kcl: "kcl"
            case .enhancedFanOut: "enhancedFanOut"
            case .lambda: "lambda"
            case .deliveryStream: "firehose"
            case .analytics: "analytics"
            }
        }
    }

    /// A Kinesis data stream as the scenario file creates it.
    public struct StreamEntry: Sendable {
        public var configuration: StreamConfiguration
        /// Who may call the stream; nil leaves it open.
        public var policy: AccessPolicy?
        /// SplitShard, MergeShards and UpdateShardCount at set instants.
        public var reshards: [ReshardOperation] = []
        /// Splits hot shards on its own; nil for none.
        public var hotShardSplit: HotShardSplitPolicy?

        public init(configuration: StreamConfiguration) { self.configuration = configuration }
    }

    public struct StreamProducerEntry: Sendable {
        public var specification: StreamProducerSpecification
        /// Index into `streams`.
        public var stream: Int
    }

    public struct ProducerEntry: Sendable {
        public var specification: ProducerSpecification
        public var target: Target

        /// Where a producer sends: a queue or a topic, by index into `queues` or `topics`.
        public enum Target: Sendable, Equatable {
            case queue(Int)
            case topic(Int)
        }
    }

    /// An SNS topic with its subscriptions and resource policy.
    public struct TopicEntry: Sendable {
        public var configuration: TopicConfiguration
        public var subscriptions: [SubscriptionEntry] = []
        /// Who may publish and subscribe; nil leaves the topic open.
        public var policy: AccessPolicy?

        public init(configuration: TopicConfiguration) { self.configuration = configuration }
    }

    /// A subscription as the scenario file creates it.
    public struct SubscriptionEntry: Sendable {
        public var configuration: SubscriptionConfiguration
        /// The queue an sqs subscription delivers to (index into `queues`); nil for other protocols.
        public var queue: Int?
        /// How the endpoint answers; for an sqs subscription only `latency` counts (SNS to SQS).
        public var endpoint: EndpointSpecification
        /// The subscription's dead-letter queue (index into `queues`).
        public var deadLetterQueue: Int?

        public init(configuration: SubscriptionConfiguration, queue: Int?, endpoint: EndpointSpecification, deadLetterQueue: Int? = nil) {
            self.configuration = configuration
            self.queue = queue
            self.endpoint = endpoint
            self.deadLetterQueue = deadLetterQueue
        }
    }

    public struct ConsumerEntry: Sendable {
        /// For an autoscaled fleet, `count` is `scaling.instanceCountMax`: the consumers it has.
        public var specification: ConsumerSpecification
        /// Index into `queues`.
        public var queue: Int
        /// Target tracking on the queue's backlog; nil for a fleet of fixed size.
        public var scaling: AutoscalingPolicy? = nil
    }

    public struct FunctionEntry: Sendable {
        public var specification: LambdaEventSourceMappingSpecification
        /// Index into `queues`.
        public var queue: Int
        /// Configured memory in MB (MiB, as Lambda means it), for GB-seconds in the cost.
        public var memoryMB: Int
        /// The execution role; nil is `ClientServices.defaultPrincipal(name)`.
        public var principal: String? = nil
    }

    /// Lambda's memory setting: 128 MB to 10,240 MB in steps of 1 MB; 128 MB by default.
    public static let functionMemoryMBRange = 128...10_240
    public static let defaultFunctionMemoryMB = 128

    /// A GenerateDataKey or Decrypt call, when a file names no `network.kmsLatency`.
    public static let defaultKmsLatency = Distribution.lognormal(mean: 0.005, sd: 0.002)

    /// Defaults for the top-level keys a file leaves out.
    public static let defaultSeed: UInt64 = 42
    public static let defaultReplications = 10
    public static let defaultSampleInterval = Span.seconds(10)
    /// About 18 million messages when they flow (2 to 3 events each) and a minute of wall clock per
    /// replication. In the worst case, every event a message left waiting in the queue (about 230
    /// bytes each), it is 9 GB: a typo such as a rate of 4e9/s ends with a report that says
    /// `eventBudget`, not with the machine out of memory.
    public static let defaultEventBudget = 40_000_000
}

/// A resharding call at a set instant. Shards are named by their index (shardId-000000000003 is 3).
public struct ReshardOperation: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// SplitShard at the middle of the shard's hash-key range.
        case split(shard: Int)
        case merge(Int, Int)
        case updateShardCount(Int)
    }
    public var at: Instant
    public var action: Action
    public init(at: Instant, action: Action) {
        self.at = at
        self.action = action
    }
}

/// KCL workers of one application changing at an instant; their leases are rebalanced after.
public struct KCLWorkerEvent: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Workers 0 ..< count crash holding their leases (those already down stay down); with
        /// `restartAfter` they come back as new processes that hold no leases.
        case crash(restartAfter: Span?)
        /// `count` new workers join and take their share by stealing.
        case join
        /// The `count` highest-numbered running workers leave gracefully: each checkpoints what it
        /// processed and releases its leases.
        case leave
    }
    /// Index into `streamConsumers`; a KCL application.
    public var consumer: Int
    public var count: Int
    public var at: Instant
    public var action: Action
    public init(consumer: Int, count: Int, at: Instant, action: Action) {
        self.consumer = consumer
        self.count = count
        self.at = at
        self.action = action
    }
}

/// An operator's (or a Lambda's) rule for hot shards: every `evaluationPeriod`, a shard whose
/// write demand (records put and refused, against the shard's records and bytes limits) was at
/// least `writeUtilization` of its capacity in each period for `sustained` is split at the middle
/// of its hash-key range, as long as the stream stays within `maxShards` open shards.
public struct HotShardSplitPolicy: Sendable, Equatable {
    public var writeUtilization: Double
    public var sustained: Span
    public var evaluationPeriod: Span
    public var maxShards: Int
    public init(writeUtilization: Double, sustained: Span, evaluationPeriod: Span = .seconds(60), maxShards: Int = StreamConfiguration.shardCountMax) {
        self.writeUtilization = writeUtilization
        self.sustained = sustained
        self.evaluationPeriod = evaluationPeriod
        self.maxShards = maxShards
    }
}

/// The keys each part of a scenario file accepts. The decoder rejects any other key, and a test
/// checks that `scenarios/schema.json` lists exactly these.
/// Who may call what, KMS, and the extended client's object store, as a scenario sets them.
public struct SecurityModel: Sendable {
    /// The resource policy of each queue (by index into `queues`); nil leaves a queue open to every principal.
    public var queuePolicies: [AccessPolicy?] = []
    /// Identity policies, by principal ARN; they count only on queues that have a policy.
    public var identityPolicies: [(principal: String, policy: AccessPolicy)] = []
    public var kmsLatency: Distribution = ScenarioModel.defaultKmsLatency
    public var objectStore: ObjectStoreSpecification?

    public init(queuePolicies: [AccessPolicy?] = [], identityPolicies: [(principal: String, policy: AccessPolicy)] = [],
                kmsLatency: Distribution = ScenarioModel.defaultKmsLatency, objectStore: ObjectStoreSpecification? = nil) {
        self.queuePolicies = queuePolicies
        self.identityPolicies = identityPolicies
        self.kmsLatency = kmsLatency
        self.objectStore = objectStore
    }
}

/// Queue policies met while decoding, by queue name.
final class PolicyDraft {
    var policies: [String: AccessPolicy] = [:]
}

public enum ScenarioKeys {
    public static let top = ["name", "description", "duration", "drain", "warmup", "seed", "replications", "sampleInterval",
                             "eventBudget", "queues", "topics", "streams", "producers", "consumers", "functions", "network", "faults", "operations",
                             "principals", "objectStore", "deliveryStreams", "analytics", "videoStreams"]
    public static let queue = ["name", "type", "visibilityTimeout", "retention", "delay", "receiveWaitTime",
                               "maximumMessageSize", "inFlightMax", "contentBasedDeduplication", "deduplicationScope",
                               "fifoThroughputLimit", "deduplicationInterval", "fifoScanWindow", "transactionsPerSecond",
                               "groupTransactionsPerSecond", "redrivePolicy", "redriveAllowPolicy", "partitions",
                               "shortPollSampledPartitions", "spuriousDuplicateProbability", "reorderWindow", "purgeCooldown",
                               "kmsDataKeyReusePeriod", "policy"]
    public static let redrivePolicy = ["deadLetterQueue", "maxReceiveCount"]
    public static let producer = ["name", "target", "arrivals", "schedule", "messageSize", "attributes", "batchSize",
                                  "batchLinger", "delay", "messageGroups", "deduplicationId", "responseLoss", "poisonFraction", "retry",
                                  "principal", "extendedClient", "messageAttributes", "messageBody"]
    public static let topic = ["name", "type", "contentBasedDeduplication", "fifoThroughputScope", "messagesPerSecond", "bytesPerSecond",
                               "groupMessagesPerSecond", "policy", "subscriptions"]
    public static let subscription = ["name", "protocol", "endpoint", "filterPolicy", "filterPolicyScope", "rawMessageDelivery",
                                      "deliveryPolicy", "deadLetterQueue", "latency", "failureProbability", "clientErrorProbability",
                                      "outages", "concurrency", "rateLimit", "principal"]
    public static let deliveryPolicy = ["numRetries", "numNoDelayRetries", "numMinDelayRetries", "numMaxDelayRetries", "minDelayTarget",
                                        "maxDelayTarget", "backoffFunction", "maxReceivesPerSecond"]
    public static let stream = ["name", "shards", "capacityMode", "retention", "maximumRecordSize", "onDemandScalingDelay", "policy",
                                "reshard", "hotShardSplit"]
    public static let reshard = ["at", "split", "merge", "updateShardCount"]
    public static let hotShardSplit = ["writeUtilization", "sustained", "evaluationPeriod", "maxShards"]
    public static let streamProducer = ["name", "target", "arrivals", "schedule", "recordSize", "partitionKeys", "batchSize", "batchLinger",
                                        "retry", "principal"]
    public static let partitionKeys = ["count", "zipf", "prefix"]
    public static let outage = ["from", "to"]
    public static let messageAttribute = ["type", "values", "value", "count", "size"]
    public static let scheduleStep = ["from", "rate"]
    public static let attributes = ["count", "valueSize"]
    public static let consumer = ["name", "source", "count", "maxMessages", "waitTime", "visibilityTimeout", "processing",
                                  "failureProbability", "emptyReceiveDelay", "retry", "scaling", "principal"]
    public static let scaling = ["min", "max", "targetBacklogPerInstance", "metricPeriod", "scaleOutCooldown", "scaleInCooldown",
                                 "warmup"]
    public static let function = ["name", "source", "batchSize", "batchingWindow", "maximumConcurrency", "duration", "coldStart",
                                  "failureProbability", "partialBatchFailureProbability", "reportBatchItemFailures",
                                  "accountConcurrencyLimit", "memory", "principal"]
    /// A consumer whose source is a stream: a KCL application, or with `type: enhancedFanOut` an
    /// enhanced fan-out consumer.
    public static let kclConsumer = ["name", "source", "type", "workers", "pollInterval", "maxRecords", "processing", "batchOverhead",
                                     "failureProbability", "failedBatch", "taskBackoff", "checkpointEveryRecords", "checkpointInterval", "initialPosition",
                                     "failoverTime", "leaseRenewInterval", "maxLeasesForWorker"]
    public static let enhancedFanOutConsumer = ["name", "source", "type", "processing", "initialPosition", "pushInterval", "principal"]
    /// A function whose source is a stream.
    public static let streamFunction = ["name", "source", "batchSize", "batchingWindow", "parallelizationFactor", "startingPosition",
                                        "duration", "coldStart", "failureProbability", "maximumRetryAttempts", "maximumRecordAge",
                                        "bisectBatchOnFunctionError", "accountConcurrencyLimit", "memory", "principal"]
    public static let network = ["apiLatency", "retry", "kmsLatency"]
    public static let statement = ["effect", "principals", "actions", "resources"]
    public static let objectStore = ["putLatency", "getLatency", "deleteLatency", "failureProbability"]
    public static let extendedClient = ["threshold", "alwaysThroughS3"]
    public static let retry = ["maxAttempts", "baseDelay", "maxBackoff"]
    public static let fault = ["at", "from", "to", "crash", "restartAfter", "pause", "apiLatency", "apiErrors"]
    public static let crash = ["consumers", "count"]
    public static let pause = ["consumers", "count"]
    public static let operation = ["at", "purge", "startMessageMoveTask", "addWorkers", "removeWorkers"]
    public static let moveTask = ["source", "destination", "rate"]
}

/// An API call a scenario makes at a set instant.
public struct QueueOperation: Sendable {
    public enum Action: Sendable {
        /// PurgeQueue on the queue.
        case purge(queue: Int)
        /// StartMessageMoveTask from a dead-letter queue to `destination` (nil: back to each
        /// message's source) at `rate` messages per second.
        case startMessageMoveTask(source: Int, destination: Int?, rate: Int)
    }
    public var at: Instant
    public var action: Action
    public init(at: Instant, action: Action) {
        self.at = at
        self.action = action
    }
}
