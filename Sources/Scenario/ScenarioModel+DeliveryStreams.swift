import MessagingEngine
import SimKernel
import Stochastic
import Workloads

extension ScenarioModel {
    /// A Firehose delivery stream as the scenario file creates it: its settings, its source, its
    /// transformation function and its destination.
    public struct DeliveryStreamEntry: Sendable {
        /// Where its records come from.
        public enum Source: Sendable, Equatable {
            /// Direct PUT: producers whose target is the delivery stream.
            case direct
            /// A data stream (index into `streams`), read by a `StreamPoller`.
            case stream(Int)
        }
        public var configuration: DeliveryStreamConfiguration
        public var source: Source
        /// The transformation function; present exactly when `configuration.transformation` is.
        public var transformation: TransformationFunctionSpecification?
        /// The destination as reports name it, e.g. `s3/my-bucket`.
        public var destinationName: String
        /// How the destination answers: its `latency`, `failureProbability` and `outages`.
        public var destination: EndpointSpecification
        /// Where objects go when the retry duration runs out, as reports name it; nil names none
        /// (the objects are still counted as backed up: Firehose always has an error output).
        public var backup: String?

        public init(configuration: DeliveryStreamConfiguration, source: Source, transformation: TransformationFunctionSpecification? = nil,
                    destinationName: String, destination: EndpointSpecification, backup: String? = nil) {
            self.configuration = configuration
            self.source = source
            self.transformation = transformation
            self.destinationName = destinationName
            self.destination = destination
            self.backup = backup
        }
    }

    /// A producer putting records into a delivery stream by Direct PUT.
    public struct DeliveryStreamProducerEntry: Sendable {
        public var specification: StreamProducerSpecification
        /// Index into `deliveryStreams`.
        public var deliveryStream: Int
        public init(specification: StreamProducerSpecification, deliveryStream: Int) {
            self.specification = specification
            self.deliveryStream = deliveryStream
        }
    }

    /// An analytics application: windowed aggregation over a stream, and where its results go.
    public struct AnalyticsEntry: Sendable {
        public enum Output: Sendable, Equatable {
            case none
            /// Index into `streams`: one record per result, by PutRecords.
            case stream(Int)
            /// Index into `deliveryStreams`: one record per result, by PutRecordBatch.
            case deliveryStream(Int)
        }
        public var specification: AnalyticsApplicationSpecification
        /// Index into `streams`.
        public var stream: Int
        public var output: Output
        /// The window as the file wrote it, for reports.
        public var windowText: String

        public init(specification: AnalyticsApplicationSpecification, stream: Int, output: Output, windowText: String) {
            self.specification = specification
            self.stream = stream
            self.output = output
            self.windowText = windowText
        }
    }
}

extension ScenarioKeys {
    public static let deliveryStream = ["name", "source", "bufferSize", "bufferInterval", "transformation", "destination", "backup",
                                        "dataRetention", "retryDelayInitial", "retryDelayMax", "putRequestsPerSecond",
                                        "recordsPerSecond", "bytesPerSecond"]
    public static let transformation = ["bufferSize", "bufferInterval", "retries", "duration", "droppedProbability",
                                        "processingFailedProbability", "failureProbability"]
    public static let destination = ["name", "latency", "failureProbability", "outages", "retryDuration"]
    public static let analytics = ["name", "source", "window", "aggregates", "groupBy", "value", "eventTimeSkew", "outOfOrderness",
                                   "allowedLateness", "referenceTable", "output"]
}
