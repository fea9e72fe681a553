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
        return mean
    }

    /// Adds a function's invocations: GB-seconds are billed duration times configured memory,
    /// 1 GB being 1,024 MB.
    public mutating func addLambda(invocations: Int, billedDurationSeconds: Double, memoryMB: Int) {
        lambdaRequests += Double(invocations)
        lambdaGBSeconds += billedDurationSeconds * Double(memoryMB) / 1024
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
/// Not modelled: free tiers other than SQS's (KMS's 20,000 requests and Lambda's 1 million
/// requests and 400,000 GB-seconds a month), KMS key-months, S3 DELETE (free) and data transfer.
public struct CostModel: Sendable, Equatable {
    public var usage: ServiceUsage
    public var prices: PriceTable

    /// A 30-day month.
    public static let monthSeconds = 2_592_000.0
    /// Bytes in the GB of storage prices.
    public static let storageGBBytes = 1_073_741_824.0

    public init(usage: ServiceUsage, prices: PriceTable = PriceTable()) {
        self.usage = usage
        self.prices = prices
    }

    /// The cost of the scenario as run, without any free tier: a free tier is a monthly
    /// allowance of an account, not something one run can claim.
    ///
    /// Lines come in a fixed order; a line with nothing to bill is left out.
    public func lines() -> [CostLine] {
        Self.lines(usage, prices, freeSQSRequests: (standard: 0, fifo: 0))
    }

    /// The cost of a month running at the scenario's rates: every quantity scaled by
    /// `monthSeconds / scenarioSeconds` (storage scales to the run's mean bytes held for a month),
    /// then the first `sqsFreeRequestsPerMonth` SQS requests free, as a negative line.
    ///
    /// The free tier is shared by standard and FIFO requests and taken from standard requests
    /// first: the cheaper ones, so the projection errs high. It assumes the scenario is all the
    /// SQS use of its account.
    public func projectMonthly(scenarioSeconds: Double) -> [CostLine] {
        precondition(scenarioSeconds > 0 && scenarioSeconds.isFinite, "a scenario lasts a positive time, got \(scenarioSeconds)")
        let k = Self.monthSeconds / scenarioSeconds
        var monthly = usage
        monthly.sqsStandardRequests *= k
        monthly.sqsFifoRequests *= k
        monthly.kmsRequests *= k
        monthly.s3PutRequests *= k
        monthly.s3GetRequests *= k
        monthly.s3StoredByteSeconds *= k
        monthly.lambdaRequests *= k
        monthly.lambdaGBSeconds *= k
        let freeStandard = min(prices.sqsFreeRequestsPerMonth, monthly.sqsStandardRequests)
        let freeFifo = min(prices.sqsFreeRequestsPerMonth - freeStandard, monthly.sqsFifoRequests)
        return Self.lines(monthly, prices, freeSQSRequests: (freeStandard, freeFifo))
    }

    private static func lines(_ usage: ServiceUsage, _ prices: PriceTable,
                              freeSQSRequests free: (standard: Double, fifo: Double)) -> [CostLine] {
        let gbMonths = usage.s3StoredByteSeconds / storageGBBytes / monthSeconds
        let freeUSD = (free.standard * prices.sqsStandardPerMillionRequests + free.fifo * prices.sqsFifoPerMillionRequests) / 1e6
        let all = [
            CostLine(item: "SQS standard requests", quantity: usage.sqsStandardRequests, unit: "requests",
                     usd: usage.sqsStandardRequests * prices.sqsStandardPerMillionRequests / 1e6),
            CostLine(item: "SQS FIFO requests", quantity: usage.sqsFifoRequests, unit: "requests",
                     usd: usage.sqsFifoRequests * prices.sqsFifoPerMillionRequests / 1e6),
            CostLine(item: "SQS free tier", quantity: -(free.standard + free.fifo), unit: "requests", usd: -freeUSD),
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
}
