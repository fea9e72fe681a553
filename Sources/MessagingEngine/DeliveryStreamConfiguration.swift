import SimKernel

/// The settings of a Firehose stream with Direct PUT as its source, with AWS's defaults and ranges
/// (SEMANTICS.md, DeliveryStream — Kinesis Data Firehose).
///
/// Every limit AWS publishes is a default here that a scenario may override, so users can model
/// what AWS changes next; `problems()` holds the buffering and retry settings to the ranges the
/// API accepts.
public struct DeliveryStreamConfiguration: Sendable, Equatable {
    /// The optional transformation function's own buffer and retries (AWS's `ProcessingConfiguration`
    /// with a Lambda processor).
    public struct Transformation: Sendable, Equatable {
        /// `BufferSizeInMBs`: records are buffered until they total this many bytes, 0.2 – 3 MB,
        /// default 1 MB. AWS writes this hint in MB (unlike the destination's, in MiB), so the
        /// range is in decimal bytes: 200,000 – 3,000,000.
        public var bufferSizeBytes = 1_000_000
        /// `BufferIntervalInSeconds`: … or until this long after the first record of the buffer,
        /// default 60 s. SEMANTICS.md says "for up to 60 s"; AWS's developer guide now gives the
        /// range 0 – 900 s with 60 s the default, which is what is accepted here.
        public var bufferInterval: Span = .seconds(60)
        /// `NumberOfRetries`: a failed invocation is retried this many times, default 3, before
        /// its whole batch is ProcessingFailed. AWS documents only the default; 0 – 300 is
        /// accepted (an assumption).
        public var numberOfRetries = 3

        public init(bufferSizeBytes: Int = 1_000_000, bufferInterval: Span = .seconds(60), numberOfRetries: Int = 3) {
            self.bufferSizeBytes = bufferSizeBytes
            self.bufferInterval = bufferInterval
            self.numberOfRetries = numberOfRetries
        }

        public static let bufferSizeBytesRange = 200_000...3_000_000
        public static let bufferIntervalRange = Span.zero...Span.seconds(900)
        public static let numberOfRetriesRange = 0...300
    }

    public var name: String

    // MARK: Buffering (BufferingHints)
    /// `SizeInMBs`: the destination buffer is flushed into one object when its records total at
    /// least this many bytes, 1 – 128 MiB, default 5 MiB.
    public var bufferSizeBytes = 5 * 1_048_576
    /// `IntervalInSeconds`: … or this long after the first record entered the buffer, whichever
    /// comes first; 0 – 900 s, default 300 s.
    public var bufferInterval: Span = .seconds(300)

    // MARK: Transformation
    /// The transformation function's settings; nil for a stream without one.
    public var transformation: Transformation?

    // MARK: Destination failures
    /// `RetryOptions.DurationInSeconds`: how long a failed object is retried before it goes to
    /// the backup location, 0 – 7,200 s, default 300 s (the default of the HTTP endpoint,
    /// OpenSearch and Splunk destinations; Redshift's is 3,600 s). Nil retries until the data is
    /// `dataRetention` old and then gives it up as expired: what an S3 destination does.
    public var retryDuration: Span? = .seconds(300)
    /// The wait before the first retry; each later wait doubles, up to `retryDelayMax`. AWS
    /// publishes no backoff for Firehose destinations; 1 s doubling to 30 s is Sluice's choice.
    public var retryDelayInitial: Span = .seconds(1)
    public var retryDelayMax: Span = .seconds(30)
    /// Firehose keeps a Direct PUT record for 24 hours from when it was put; a record still not
    /// delivered then is gone.
    public var dataRetention: Span = .seconds(24 * 3600)

    // MARK: Quotas (PutRecord and PutRecordBatch together)
    /// Requests a second: 2,000.
    public var putRequestsPerSecondMax = 2_000
    /// Records a second: 5,000 (SEMANTICS.md; AWS's quota page has since raised it to 500,000 in
    /// us-east-1, us-west-2 and eu-west-1).
    public var recordsPerSecondMax = 5_000
    /// Bytes a second: 5 MiB, as AWS's quota page writes it.
    public var bytesPerSecondMax = 5 * 1_048_576

    public init(name: String) { self.name = name }

    /// A record's data is at most 1,000 KiB.
    public static let recordBytesMax = 1_024_000
    /// PutRecordBatch takes at most 500 records …
    public static let batchRecordsMax = 500
    /// … and 4 MiB in all.
    public static let batchBytesMax = 4 * 1_048_576
    /// Ingestion is billed per record in increments of 5 KB (5,120 bytes).
    public static let billingIncrementBytes = 5_120

    public static let nameLengthMax = 64
    public static let bufferSizeBytesRange = 1_048_576...(128 * 1_048_576)
    public static let bufferIntervalRange = Span.zero...Span.seconds(900)
    public static let retryDurationRange = Span.zero...Span.seconds(7_200)
    /// AWS keeps data 24 h; a scenario may model another retention, up to a year.
    public static let dataRetentionRange = Span.seconds(1)...Span.seconds(365 * 86_400)

    /// Problems with the configuration, each naming the attribute and the valid range; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        var found: [(String, String)] = []
        let validCharacters = name.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" || $0 == "."
        }
        if name.isEmpty || name.utf8.count > Self.nameLengthMax || !validCharacters {
            found.append(("name", "a delivery stream name is 1 to 64 letters, digits, hyphens, underscores and periods"))
        }
        if !Self.bufferSizeBytesRange.contains(bufferSizeBytes) {
            found.append(("bufferSize", "must be between 1MiB (1048576 B) and 128MiB (134217728 B), not \(bufferSizeBytes) B"))
        }
        if !Self.bufferIntervalRange.contains(bufferInterval) {
            found.append(("bufferInterval", "must be between 0s and 900s (15m), not \(bufferInterval)"))
        }
        if let transformation {
            if !Transformation.bufferSizeBytesRange.contains(transformation.bufferSizeBytes) {
                found.append(("transformation.bufferSize", "must be between 0.2MB (200000 B) and 3MB (3000000 B), not \(transformation.bufferSizeBytes) B"))
            }
            if !Transformation.bufferIntervalRange.contains(transformation.bufferInterval) {
                found.append(("transformation.bufferInterval", "must be between 0s and 900s (15m), not \(transformation.bufferInterval)"))
            }
            if !Transformation.numberOfRetriesRange.contains(transformation.numberOfRetries) {
                found.append(("transformation.numberOfRetries", "must be between 0 and 300, not \(transformation.numberOfRetries)"))
            }
        }
        if let retryDuration, !Self.retryDurationRange.contains(retryDuration) {
            found.append(("retryDuration", "must be between 0s and 7200s (2h), not \(retryDuration)"))
        }
        if retryDelayInitial <= .zero {
            found.append(("retryDelayInitial", "must be positive"))
        }
        if retryDelayMax < retryDelayInitial || retryDelayMax > Self.retryDurationRange.upperBound {
            found.append(("retryDelayMax", "must be between retryDelayInitial (\(retryDelayInitial)) and 7200s (2h)"))
        }
        if !Self.dataRetentionRange.contains(dataRetention) {
            found.append(("dataRetention", "must be between 1s and 365d, not \(dataRetention)"))
        }
        if putRequestsPerSecondMax < 1 { found.append(("putRequestsPerSecondMax", "must be at least 1")) }
        if recordsPerSecondMax < 1 { found.append(("recordsPerSecondMax", "must be at least 1")) }
        if bytesPerSecondMax < Self.recordBytesMax {
            found.append(("bytesPerSecondMax", "must be at least one largest record (1024000 B) a second, not \(bytesPerSecondMax)"))
        }
        return found
    }
}
