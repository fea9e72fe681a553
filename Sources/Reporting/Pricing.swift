/// List prices in USD, each overridable, with AWS's published defaults (us-east-1, as in
/// SEMANTICS.md). Prices are Doubles: sums of a few thousand lines keep far more precision than
/// the cent a report shows, and amounts are rounded only when rendered.
public struct PriceTable: Sendable, Equatable {
    public var sqsStandardPerMillionRequests = 0.40
    public var sqsFifoPerMillionRequests = 0.50
    /// Requests a month free, shared by standard and FIFO queues (applied by `projectMonthly` only).
    public var sqsFreeRequestsPerMonth = 1_000_000.0
    /// SQS bills each started chunk of this many payload bytes as one request.
    public var sqsPayloadChunkBytes = 65_536
    public var kmsPerTenThousandRequests = 0.03
    public var s3PutPerThousandRequests = 0.005
    public var s3GetPerThousandRequests = 0.0004
    /// Per GB-month, a GB being 2³⁰ bytes as AWS bills storage.
    public var s3StoragePerGBMonth = 0.023
    public var lambdaPerMillionRequests = 0.20
    public var lambdaPerGBSecond = 0.0000166667
    /// SNS publish requests, standard and FIFO topics alike. AWS prices FIFO topics differently
    /// (per request and per GB of payload); that is not modelled.
    public var snsPublishPerMillionRequests = 0.50
    /// SNS bills each started chunk of this many payload bytes as one request or one delivery.
    public var snsPayloadChunkBytes = 65_536
    /// Deliveries to `http` and `https` subscriptions.
    public var snsHttpPerHundredThousandDeliveries = 0.06
    /// Deliveries to `email` and `email-json` subscriptions.
    public var snsEmailPerHundredThousandDeliveries = 2.00
    /// An assumption: SMS is priced per country and sender type; this is the US transactional list
    /// price of one message, and each billed delivery counts as one message (parts of long
    /// messages are not modelled).
    public var snsSmsPerMessage = 0.00645
    /// Deliveries to `application` (mobile push) subscriptions.
    public var snsMobilePushPerMillionDeliveries = 0.50
    /// Bytes delivered to `firehose` subscriptions, per GB of 2³⁰ bytes. Not confirmed against
    /// AWS's price page when written; override it if it has changed.
    public var snsFirehosePerGB = 0.03
    /// Monthly free tiers of SNS (applied by `projectMonthly` only). Deliveries to `sqs` and
    /// `lambda` subscriptions are free; SMS and Firehose deliveries have no free tier here.
    public var snsFreePublishRequestsPerMonth = 1_000_000.0
    public var snsFreeHttpDeliveriesPerMonth = 100_000.0
    public var snsFreeEmailDeliveriesPerMonth = 1_000.0
    public var snsFreeMobilePushDeliveriesPerMonth = 1_000_000.0
    /// Kinesis Data Streams, provisioned mode: per open shard-hour, and per million PUT payload
    /// units (each record's payload in started 25 KB units).
    public var kinesisShardHour = 0.015
    public var kinesisPerMillionPutPayloadUnits = 0.014
    /// Enhanced fan-out on a provisioned stream: per consumer-shard-hour, and per GB pushed.
    public var kinesisEfoConsumerShardHour = 0.015
    public var kinesisEfoPerGB = 0.013
    /// On-demand mode: per stream-hour, per GB written and per GB read (enhanced fan-out included).
    public var kinesisOnDemandStreamHour = 0.04
    public var kinesisOnDemandPerGBIn = 0.08
    public var kinesisOnDemandPerGBOut = 0.04
    /// Firehose: per GB ingested, each record rounded up to 5 KB.
    public var firehosePerGBIngested = 0.029
    /// Kinesis Video Streams: per GB ingested, per GB consumed through GetMedia and
    /// GetMediaForFragmentList, and per GB-month stored, a GB being 2³⁰ bytes. These are the US East
    /// figures the worked examples of aws.amazon.com/kinesis/video-streams/pricing/ state (checked
    /// 2026). Consumption through HLS or DASH ($0.0119 per GB there) is not modelled: playback here
    /// reads with GetMedia and GetMediaForFragmentList.
    public var kinesisVideoPerGBIngested = 0.0085
    public var kinesisVideoPerGBConsumed = 0.0085
    public var kinesisVideoStoragePerGBMonth = 0.023

    public init() {}

    /// Requests SQS bills for one call carrying `payloadBytes`: one per started 64 KiB chunk, and
    /// at least one (a receive that returns nothing, a delete).
    public func sqsBilledRequests(payloadBytes: Int) -> Int {
        precondition(payloadBytes >= 0, "a payload cannot have \(payloadBytes) bytes")
        return max(1, (payloadBytes + sqsPayloadChunkBytes - 1) / sqsPayloadChunkBytes)
    }

    /// Requests SQS bills for one batch call: its total payload in 64 KiB chunks, at least one.
    public func sqsBilledRequests(batchPayloadBytes: [Int]) -> Int {
        sqsBilledRequests(payloadBytes: batchPayloadBytes.reduce(0, +))
    }

    /// Requests SNS bills for one Publish carrying `payloadBytes`, or deliveries it bills for one
    /// delivery of that many bytes: one per started 64 KiB chunk, and at least one.
    public func snsBilledRequests(payloadBytes: Int) -> Int {
        precondition(payloadBytes >= 0, "a payload cannot have \(payloadBytes) bytes")
        return max(1, (payloadBytes + snsPayloadChunkBytes - 1) / snsPayloadChunkBytes)
    }

    /// Requests SNS bills for one PublishBatch: its entries' total payload in 64 KiB chunks, at
    /// least one. A batch of ten small messages costs what one Publish does.
    public func snsBilledRequests(batchPayloadBytes: [Int]) -> Int {
        snsBilledRequests(payloadBytes: batchPayloadBytes.reduce(0, +))
    }
}

/// What a scenario used of each billed service: totals of one replication, or means across them.
public struct ServiceUsage: Sendable, Equatable {
    /// Billed requests (64 KiB chunks, see `PriceTable.sqsBilledRequests`), not calls.
    public var sqsStandardRequests = 0.0
    public var sqsFifoRequests = 0.0
    public var kmsRequests = 0.0
    public var s3PutRequests = 0.0
    public var s3GetRequests = 0.0
    /// Bytes stored integrated over the run (`ObjectStore.storedByteSeconds(until:)`).
    public var s3StoredByteSeconds = 0.0
    public var lambdaRequests = 0.0
    public var lambdaGBSeconds = 0.0
    /// Billed publish requests (64 KiB chunks, see `PriceTable.snsBilledRequests`), not calls.
    public var snsPublishRequests = 0.0
    /// Billed deliveries (64 KiB chunks) to `http` and `https` subscriptions.
    public var snsHttpDeliveries = 0.0
    /// Billed deliveries to `email` and `email-json` subscriptions.
    public var snsEmailDeliveries = 0.0
    /// Billed deliveries to `sms` subscriptions, each priced as one message.
    public var snsSmsDeliveries = 0.0
    /// Billed deliveries to `application` (mobile push) subscriptions.
    public var snsMobilePushDeliveries = 0.0
    /// Bytes delivered to `firehose` subscriptions.
    public var snsFirehoseBytes = 0.0
    /// Open shard-hours of provisioned streams.
    public var kinesisShardHours = 0.0
    /// PUT payload units (25 KB) of provisioned streams.
    public var kinesisPutPayloadUnits = 0.0
    /// Enhanced fan-out consumer-shard-hours and bytes pushed, on provisioned streams.
    public var kinesisEfoConsumerShardHours = 0.0
    public var kinesisEfoBytes = 0.0
    /// On-demand streams: hours each stream existed, bytes written, and bytes read by any consumer.
    public var kinesisOnDemandStreamHours = 0.0
    public var kinesisOnDemandBytesIn = 0.0
    public var kinesisOnDemandBytesOut = 0.0
    /// Bytes Firehose bills as ingested: each record rounded up to 5 KB.
    public var firehoseBilledBytes = 0.0
    /// Kinesis Video Streams: bytes ingested, bytes sent to consumers, and retained bytes integrated
    /// over their whole retention (byte-seconds).
    public var kinesisVideoBytesIngested = 0.0
    public var kinesisVideoBytesConsumed = 0.0
    public var kinesisVideoStoredByteSeconds = 0.0

    public init() {}

    /// The mean of each quantity over `usages` (replications); zero usage when there are none.
    public static func mean(_ usages: [ServiceUsage]) -> ServiceUsage {
        var mean = ServiceUsage()
        guard !usages.isEmpty else { return mean }
        let n = Double(usages.count)
        mean.sqsStandardRequests = usages.reduce(0) { $0 + $1.sqsStandardRequests } / n
        mean.sqsFifoRequests = usages.reduce(0) { $0 + $1.sqsFifoRequests } / n
        mean.kmsRequests = usages.reduce(0) { $0 + $1.kmsRequests } / n
        mean.s3PutRequests = usages.reduce(0) { $0 + $1.s3PutRequests } / n
        mean.s3GetRequests = usages.reduce(0) { $0 + $1.s3GetRequests } / n
        mean.s3StoredByteSeconds = usages.reduce(0) { $0 + $1.s3StoredByteSeconds } / n
        mean.lambdaRequests = usages.reduce(0) { $0 + $1.lambdaRequests } / n
        mean.lambdaGBSeconds = usages.reduce(0) { $0 + $1.lambdaGBSeconds } / n
        mean.snsPublishRequests = usages.reduce(0) { $0 + $1.snsPublishRequests } / n
        mean.snsHttpDeliveries = usages.reduce(0) { $0 + $1.snsHttpDeliveries } / n
        mean.snsEmailDeliveries = usages.reduce(0) { $0 + $1.snsEmailDeliveries } / n
        mean.snsSmsDeliveries = usages.reduce(0) { $0 + $1.snsSmsDeliveries } / n
        mean.snsMobilePushDeliveries = usages.reduce(0) { $0 + $1.snsMobilePushDeliveries } / n
        mean.snsFirehoseBytes = usages.reduce(0) { $0 + $1.snsFirehoseBytes } / n
        mean.kinesisShardHours = usages.reduce(0) { $0 + $1.kinesisShardHours } / n
        mean.kinesisPutPayloadUnits = usages.reduce(0) { $0 + $1.kinesisPutPayloadUnits } / n
        mean.kinesisEfoConsumerShardHours = usages.reduce(0) { $0 + $1.kinesisEfoConsumerShardHours } / n
        mean.kinesisEfoBytes = usages.reduce(0) { $0 + $1.kinesisEfoBytes } / n
        mean.kinesisOnDemandStreamHours = usages.reduce(0) { $0 + $1.kinesisOnDemandStreamHours } / n
        mean.kinesisOnDemandBytesIn = usages.reduce(0) { $0 + $1.kinesisOnDemandBytesIn } / n
        mean.kinesisOnDemandBytesOut = usages.reduce(0) { $0 + $1.kinesisOnDemandBytesOut } / n
        mean.firehoseBilledBytes = usages.reduce(0) { $0 + $1.firehoseBilledBytes } / n
        mean.kinesisVideoBytesIngested = usages.reduce(0) { $0 + $1.kinesisVideoBytesIngested } / n
        mean.kinesisVideoBytesConsumed = usages.reduce(0) { $0 + $1.kinesisVideoBytesConsumed } / n
        mean.kinesisVideoStoredByteSeconds = usages.reduce(0) { $0 + $1.kinesisVideoStoredByteSeconds } / n
        return mean
    }

    /// Adds a function's invocations: GB-seconds are billed duration times configured memory,
    /// 1 GB being 1,024 MB.
    public mutating func addLambda(invocations: Int, billedDurationSeconds: Double, memoryMB: Int) {
        lambdaRequests += Double(invocations)
        lambdaGBSeconds += billedDurationSeconds * Double(memoryMB) / 1024
    }

    /// Adds what a Kinesis data stream and its consumers bill over a replication of `elapsed`
    /// seconds. A provisioned stream bills its open shard-hours and PUT payload units, and each
    /// enhanced fan-out consumer its consumer-shard-hours and bytes pushed. An on-demand stream
    /// bills stream-hours for the whole run, bytes written, and bytes read by every consumer
    /// (enhanced fan-out included) at its own per-GB rate, an assumption: AWS prices on-demand
    /// enhanced fan-out retrievals separately, and rounds each on-demand record up to 1 KB, which is
    /// not modelled. Lambda functions reading the stream add to the Lambda lines.
    public mutating func addStream(_ stream: StreamObservations, elapsed: Double) {
        let efoBytes = stream.consumers.reduce(0) { $0 + $1.efoBytesRetrieved }
        switch stream.capacityMode {
        case "PROVISIONED":
            kinesisShardHours += stream.shardSeconds / 3600
            kinesisPutPayloadUnits += Double(stream.putPayloadUnits)
            kinesisEfoConsumerShardHours += stream.consumers.reduce(0) { $0 + $1.efoConsumerShardSeconds } / 3600
            kinesisEfoBytes += Double(efoBytes)
        case "ON_DEMAND":
            kinesisOnDemandStreamHours += elapsed / 3600
            kinesisOnDemandBytesIn += Double(stream.bytesPut)
            kinesisOnDemandBytesOut += Double(stream.bytesRead + efoBytes)
        default:
            preconditionFailure("stream \(stream.name) has capacity mode \(stream.capacityMode); expected PROVISIONED or ON_DEMAND")
        }
        for consumer in stream.consumers {
            lambdaRequests += Double(consumer.lambdaRequests)
            lambdaGBSeconds += consumer.lambdaGBSeconds
        }
    }

    /// Adds a subscription's deliveries at its protocol's rate: billed deliveries for `http`,
    /// `https`, `email`, `email-json`, `sms` and `application`, delivered bytes for `firehose`;
    /// `sqs` and `lambda` deliveries are free.
    public mutating func addSNSDeliveries(of subscription: SubscriptionObservations) {
        let billed = Double(subscription.billedDeliveries)
        switch subscription.protocolName {
        case "http", "https": snsHttpDeliveries += billed
        case "email", "email-json": snsEmailDeliveries += billed
        case "sms": snsSmsDeliveries += billed
        case "application": snsMobilePushDeliveries += billed
        case "firehose": snsFirehoseBytes += Double(subscription.deliveredBytes)
        case "sqs", "lambda": break
        default:
            preconditionFailure("subscription \(subscription.name) has protocol \(subscription.protocolName); expected one of "
                                + "sqs, lambda, firehose, http, https, email, email-json, sms, application")
        }
    }
}

/// One line of a cost breakdown. `usd` is unrounded.
public struct CostLine: Sendable, Equatable {
    public var item: String
    public var quantity: Double
    public var unit: String
    public var usd: Double

    public init(item: String, quantity: Double, unit: String, usd: Double) {
        self.item = item
        self.quantity = quantity
        self.unit = unit
        self.usd = usd
    }

    /// `usd` for people: to the cent, or to the millionth of a dollar below one cent so that small
    /// scenarios do not read as free.
    public var usdText: String { Self.usdText(usd) }

    public static func usdText(_ usd: Double) -> String {
        let decimals = usd != 0 && abs(usd) < 0.005 ? 6 : 2
        let text = Format.fixed(abs(usd), decimals)
        return (usd < 0 && text.contains(where: { $0 != "0" && $0 != "." }) ? "-$" : "$") + text
    }
}

extension [CostLine] {
    /// The sum of the lines, unrounded.
    public var totalUSD: Double { reduce(0) { $0 + $1.usd } }
}

/// Prices a `ServiceUsage`: for the scenario as run, and projected to a month.
///
/// Not modelled: free tiers other than SQS's and SNS's (KMS's 20,000 requests and Lambda's 1 million
/// requests and 400,000 GB-seconds a month), KMS key-months, S3 DELETE (free), data transfer, SNS
/// FIFO topics' own prices (they are billed here as standard topics), SMS prices outside the US, and
/// Kinesis's extended retention, on-demand enhanced fan-out rates and Firehose's format conversion.
public struct CostModel: Sendable, Equatable {
    public var usage: ServiceUsage
    public var prices: PriceTable

    /// A 30-day month.
    public static let monthSeconds = 2_592_000.0
    /// Bytes in the GB of storage prices.
    public static let storageGBBytes = 1_073_741_824.0
    /// Bytes in the GB of data prices (SNS deliveries to Firehose, Kinesis, Firehose): 2³⁰, as AWS bills data.
    public static let dataGBBytes = 1_073_741_824.0

    public init(usage: ServiceUsage, prices: PriceTable = PriceTable()) {
        self.usage = usage
        self.prices = prices
    }

    /// The cost of the scenario as run, without any free tier: a free tier is a monthly
    /// allowance of an account, not something one run can claim.
    ///
    /// Lines come in a fixed order; a line with nothing to bill is left out.
    public func lines() -> [CostLine] {
        Self.lines(usage, prices, free: FreeTier())
    }

    /// The cost of a month running at the scenario's rates: every quantity scaled by
    /// `monthSeconds / scenarioSeconds` (storage scales to the run's mean bytes held for a month),
    /// except what is billed by the hour a resource exists — Kinesis shard-hours, enhanced fan-out
    /// consumer-shard-hours and on-demand stream-hours — which accrue over the whole run, drain
    /// included, and so scale by `monthSeconds / elapsedSeconds` (a stream of 2 shards open all
    /// month is 1,440 shard-hours however long the producers ran); `elapsedSeconds` defaults to
    /// `scenarioSeconds`. Then the first `sqsFreeRequestsPerMonth` SQS requests free, as a
    /// negative line, and SNS's free publishes, HTTP/S, email and mobile push deliveries, each as a negative line.
    ///
    /// The SQS free tier is shared by standard and FIFO requests and taken from standard requests
    /// first: the cheaper ones, so the projection errs high. It assumes the scenario is all the
    /// SQS and SNS use of its account.
    public func projectMonthly(scenarioSeconds: Double, elapsedSeconds: Double? = nil) -> [CostLine] {
        precondition(scenarioSeconds > 0 && scenarioSeconds.isFinite, "a scenario lasts a positive time, got \(scenarioSeconds)")
        let elapsed = elapsedSeconds ?? scenarioSeconds
        precondition(elapsed > 0 && elapsed.isFinite, "a run lasts a positive time, got \(elapsed)")
        let k = Self.monthSeconds / scenarioSeconds, kHours = Self.monthSeconds / elapsed
        var monthly = usage
        monthly.sqsStandardRequests *= k
        monthly.sqsFifoRequests *= k
        monthly.kmsRequests *= k
        monthly.s3PutRequests *= k
        monthly.s3GetRequests *= k
        monthly.s3StoredByteSeconds *= k
        monthly.lambdaRequests *= k
        monthly.lambdaGBSeconds *= k
        monthly.snsPublishRequests *= k
        monthly.snsHttpDeliveries *= k
        monthly.snsEmailDeliveries *= k
        monthly.snsSmsDeliveries *= k
        monthly.snsMobilePushDeliveries *= k
        monthly.snsFirehoseBytes *= k
        monthly.kinesisShardHours *= kHours
        monthly.kinesisPutPayloadUnits *= k
        monthly.kinesisEfoConsumerShardHours *= kHours
        monthly.kinesisEfoBytes *= k
        monthly.kinesisOnDemandStreamHours *= kHours
        monthly.kinesisOnDemandBytesIn *= k
        monthly.kinesisOnDemandBytesOut *= k
        monthly.firehoseBilledBytes *= k
        monthly.kinesisVideoBytesIngested *= k
        monthly.kinesisVideoBytesConsumed *= k
        monthly.kinesisVideoStoredByteSeconds *= k
        var free = FreeTier()
        free.sqsStandard = min(prices.sqsFreeRequestsPerMonth, monthly.sqsStandardRequests)
        free.sqsFifo = min(prices.sqsFreeRequestsPerMonth - free.sqsStandard, monthly.sqsFifoRequests)
        free.snsPublishes = min(prices.snsFreePublishRequestsPerMonth, monthly.snsPublishRequests)
        free.snsHttp = min(prices.snsFreeHttpDeliveriesPerMonth, monthly.snsHttpDeliveries)
        free.snsEmail = min(prices.snsFreeEmailDeliveriesPerMonth, monthly.snsEmailDeliveries)
        free.snsMobilePush = min(prices.snsFreeMobilePushDeliveriesPerMonth, monthly.snsMobilePushDeliveries)
        return Self.lines(monthly, prices, free: free)
    }

    /// Quantities a month's free tiers cover; all zero for the scenario as run.
    private struct FreeTier {
        var sqsStandard = 0.0
        var sqsFifo = 0.0
        var snsPublishes = 0.0
        var snsHttp = 0.0
        var snsEmail = 0.0
        var snsMobilePush = 0.0
    }

    private static func lines(_ usage: ServiceUsage, _ prices: PriceTable, free: FreeTier) -> [CostLine] {
        let gbMonths = usage.s3StoredByteSeconds / storageGBBytes / monthSeconds
        let freeUSD = (free.sqsStandard * prices.sqsStandardPerMillionRequests + free.sqsFifo * prices.sqsFifoPerMillionRequests) / 1e6
        let firehoseGB = usage.snsFirehoseBytes / dataGBBytes
        let all = [
            CostLine(item: "SQS standard requests", quantity: usage.sqsStandardRequests, unit: "requests",
                     usd: usage.sqsStandardRequests * prices.sqsStandardPerMillionRequests / 1e6),
            CostLine(item: "SQS FIFO requests", quantity: usage.sqsFifoRequests, unit: "requests",
                     usd: usage.sqsFifoRequests * prices.sqsFifoPerMillionRequests / 1e6),
            CostLine(item: "SQS free tier", quantity: -(free.sqsStandard + free.sqsFifo), unit: "requests", usd: -freeUSD),
            CostLine(item: "SNS publish requests", quantity: usage.snsPublishRequests, unit: "requests",
                     usd: usage.snsPublishRequests * prices.snsPublishPerMillionRequests / 1e6),
            CostLine(item: "SNS publish free tier", quantity: -free.snsPublishes, unit: "requests",
                     usd: -free.snsPublishes * prices.snsPublishPerMillionRequests / 1e6),
            CostLine(item: "SNS HTTP/S deliveries", quantity: usage.snsHttpDeliveries, unit: "deliveries",
                     usd: usage.snsHttpDeliveries * prices.snsHttpPerHundredThousandDeliveries / 1e5),
            CostLine(item: "SNS HTTP/S free tier", quantity: -free.snsHttp, unit: "deliveries",
                     usd: -free.snsHttp * prices.snsHttpPerHundredThousandDeliveries / 1e5),
            CostLine(item: "SNS email deliveries", quantity: usage.snsEmailDeliveries, unit: "deliveries",
                     usd: usage.snsEmailDeliveries * prices.snsEmailPerHundredThousandDeliveries / 1e5),
            CostLine(item: "SNS email free tier", quantity: -free.snsEmail, unit: "deliveries",
                     usd: -free.snsEmail * prices.snsEmailPerHundredThousandDeliveries / 1e5),
            CostLine(item: "SNS SMS messages", quantity: usage.snsSmsDeliveries, unit: "messages",
                     usd: usage.snsSmsDeliveries * prices.snsSmsPerMessage),
            CostLine(item: "SNS mobile push deliveries", quantity: usage.snsMobilePushDeliveries, unit: "deliveries",
                     usd: usage.snsMobilePushDeliveries * prices.snsMobilePushPerMillionDeliveries / 1e6),
            CostLine(item: "SNS mobile push free tier", quantity: -free.snsMobilePush, unit: "deliveries",
                     usd: -free.snsMobilePush * prices.snsMobilePushPerMillionDeliveries / 1e6),
            CostLine(item: "SNS Firehose deliveries", quantity: firehoseGB, unit: "GB", usd: firehoseGB * prices.snsFirehosePerGB),
        ] + kinesisLines(usage, prices) + [
            CostLine(item: "KMS requests", quantity: usage.kmsRequests, unit: "requests",
                     usd: usage.kmsRequests * prices.kmsPerTenThousandRequests / 1e4),
            CostLine(item: "S3 PUT requests", quantity: usage.s3PutRequests, unit: "requests",
                     usd: usage.s3PutRequests * prices.s3PutPerThousandRequests / 1e3),
            CostLine(item: "S3 GET requests", quantity: usage.s3GetRequests, unit: "requests",
                     usd: usage.s3GetRequests * prices.s3GetPerThousandRequests / 1e3),
            CostLine(item: "S3 storage", quantity: gbMonths, unit: "GB-months", usd: gbMonths * prices.s3StoragePerGBMonth),
            CostLine(item: "Lambda requests", quantity: usage.lambdaRequests, unit: "requests",
                     usd: usage.lambdaRequests * prices.lambdaPerMillionRequests / 1e6),
            CostLine(item: "Lambda compute", quantity: usage.lambdaGBSeconds, unit: "GB-seconds",
                     usd: usage.lambdaGBSeconds * prices.lambdaPerGBSecond),
        ]
        return all.filter { $0.quantity != 0 }
    }

    /// Kinesis Data Streams (provisioned, enhanced fan-out, on-demand), Firehose and Kinesis Video
    /// Streams (KVS), in that order.
    private static func kinesisLines(_ usage: ServiceUsage, _ prices: PriceTable) -> [CostLine] {
        let efoGB = usage.kinesisEfoBytes / dataGBBytes
        let inGB = usage.kinesisOnDemandBytesIn / dataGBBytes, outGB = usage.kinesisOnDemandBytesOut / dataGBBytes
        let firehoseGB = usage.firehoseBilledBytes / dataGBBytes
        let videoInGB = usage.kinesisVideoBytesIngested / dataGBBytes, videoOutGB = usage.kinesisVideoBytesConsumed / dataGBBytes
        let videoGBMonths = usage.kinesisVideoStoredByteSeconds / storageGBBytes / monthSeconds
        return [
            CostLine(item: "Kinesis shard hours", quantity: usage.kinesisShardHours, unit: "shard-hours",
                     usd: usage.kinesisShardHours * prices.kinesisShardHour),
            CostLine(item: "Kinesis PUT payload units", quantity: usage.kinesisPutPayloadUnits, unit: "units",
                     usd: usage.kinesisPutPayloadUnits * prices.kinesisPerMillionPutPayloadUnits / 1e6),
            CostLine(item: "Kinesis enhanced fan-out consumer-shard hours", quantity: usage.kinesisEfoConsumerShardHours,
                     unit: "consumer-shard-hours", usd: usage.kinesisEfoConsumerShardHours * prices.kinesisEfoConsumerShardHour),
            CostLine(item: "Kinesis enhanced fan-out data", quantity: efoGB, unit: "GB", usd: efoGB * prices.kinesisEfoPerGB),
            CostLine(item: "Kinesis on-demand stream hours", quantity: usage.kinesisOnDemandStreamHours, unit: "stream-hours",
                     usd: usage.kinesisOnDemandStreamHours * prices.kinesisOnDemandStreamHour),
            CostLine(item: "Kinesis on-demand data in", quantity: inGB, unit: "GB", usd: inGB * prices.kinesisOnDemandPerGBIn),
            CostLine(item: "Kinesis on-demand data out", quantity: outGB, unit: "GB", usd: outGB * prices.kinesisOnDemandPerGBOut),
            CostLine(item: "Firehose ingestion", quantity: firehoseGB, unit: "GB", usd: firehoseGB * prices.firehosePerGBIngested),
            CostLine(item: "KVS data ingested", quantity: videoInGB, unit: "GB", usd: videoInGB * prices.kinesisVideoPerGBIngested),
            CostLine(item: "KVS data consumed", quantity: videoOutGB, unit: "GB", usd: videoOutGB * prices.kinesisVideoPerGBConsumed),
            CostLine(item: "KVS storage", quantity: videoGBMonths, unit: "GB-months", usd: videoGBMonths * prices.kinesisVideoStoragePerGBMonth),
        ]
    }
}
