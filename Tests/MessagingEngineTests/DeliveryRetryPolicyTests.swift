import MessagingEngine
import SimKernel
import Testing

/// SNS delivery retry policies: the phases of SEMANTICS.md (Topic — SNS), the backoff functions,
/// the limits of a custom HTTP/S policy, and jitter.
@Suite struct DeliveryRetryPolicyTests {
    static func seconds(_ values: [Double]) -> [Span] { values.map { Span(seconds: $0) } }

    static func instants(_ values: [Double]) -> [Instant] { values.map { Instant(seconds: $0) } }

    static func delays(_ policy: DeliveryRetryPolicy, _ retries: ClosedRange<Int>) -> [Span] {
        retries.map { policy.delay(beforeRetry: $0)! }
    }

    /// A policy that is all backoff, to show one function's delays on their own.
    static func backoffOnly(_ function: DeliveryRetryPolicy.BackoffFunction, retries: Int,
                            min: Int64, max: Int64) -> DeliveryRetryPolicy {
        DeliveryRetryPolicy(numRetries: retries, minDelayTarget: .seconds(min), maxDelayTarget: .seconds(max),
                            backoffFunction: function)
    }

    // MARK: AWS-managed endpoints

    @Test func awsManagedEndpointsRetry100015TimesAfterTheFirstAttempt() {
        let policy = DeliveryRetryPolicy.awsManaged
        #expect(policy.retriesTotal == 100_015)
        #expect(policy.attemptsTotal == 100_016)
        #expect(policy.numBackoffRetries == 10)
        #expect(policy.problems().isEmpty)
    }

    @Test func awsManagedRetriesRunThroughTheFourPhasesInOrder() {
        let policy = DeliveryRetryPolicy.awsManaged
        #expect(Self.delays(policy, 1...3) == [.zero, .zero, .zero])
        #expect(Self.delays(policy, 4...5) == [.seconds(1), .seconds(1)])
        // Exponential backoff from 1 s doubles and is capped at 20 s.
        #expect(Self.delays(policy, 6...15) == Self.seconds([1, 2, 4, 8, 16, 20, 20, 20, 20, 20]))
        #expect(policy.delay(beforeRetry: 16) == .seconds(20))
        #expect(policy.delay(beforeRetry: 100_015) == .seconds(20))
        #expect(policy.delay(beforeRetry: 100_016) == nil)
        #expect(policy.delay(beforeRetry: 0) == nil)
    }

    @Test func awsManagedRetriesLastAbout23Days() {
        let policy = DeliveryRetryPolicy.awsManaged
        // 3 × 0 s + 2 × 1 s + (1 + 2 + 4 + 8 + 16 + 5 × 20) s + 100,000 × 20 s.
        #expect(policy.duration == .seconds(2_000_133))
        #expect(policy.duration >= .seconds(23 * 86_400) && policy.duration < .seconds(24 * 86_400))
        let instants = policy.attemptInstants(firstAttempt: Instant(seconds: 7))
        #expect(instants.last! - instants.first! == policy.duration)
    }

    @Test func awsManagedAttemptInstantsFollowTheDocumentedPhases() {
        let instants = DeliveryRetryPolicy.awsManaged.attemptInstants(firstAttempt: Instant(seconds: 7))
        #expect(instants.count == 100_016)
        // The first attempt and 3 immediate retries share one instant.
        #expect(Array(instants[0...3]) == Self.instants([7, 7, 7, 7]))
        // 2 pre-backoff retries, 1 s apart.
        #expect(Array(instants[4...5]) == Self.instants([8, 9]))
        // 10 backoff retries waiting 1, 2, 4, 8, 16 s and then the 20 s cap.
        #expect(Array(instants[6...15]) == Self.instants([10, 12, 16, 24, 40, 60, 80, 100, 120, 140]))
        // 100,000 post-backoff retries, 20 s apart.
        #expect(instants[16...].enumerated().allSatisfy { $0.element == Instant(seconds: 140 + 20 * Double($0.offset + 1)) })
        #expect(instants.last == Instant(seconds: 7 + 2_000_133))
    }

    // MARK: Customer-managed endpoints

    @Test func customerManagedEndpointsRetry50TimesAfterTheFirstAttempt() {
        let policy = DeliveryRetryPolicy.customerManaged
        #expect(policy.retriesTotal == 50)
        #expect(policy.attemptsTotal == 51)
        #expect(policy.numNoDelayRetries == 0)
        #expect(policy.problems().isEmpty)
    }

    @Test func customerManagedRetriesHaveNoImmediatePhaseAndBackOffFrom10To600Seconds() {
        let policy = DeliveryRetryPolicy.customerManaged
        #expect(Self.delays(policy, 1...2) == [.seconds(10), .seconds(10)])
        #expect(Self.delays(policy, 3...12) == Self.seconds([10, 20, 40, 80, 160, 320, 600, 600, 600, 600]))
        #expect(Self.delays(policy, 13...50).allSatisfy { $0 == .seconds(600) })
        #expect(policy.delay(beforeRetry: 51) == nil)
    }

    @Test func customerManagedRetriesLastOverSixHours() {
        let policy = DeliveryRetryPolicy.customerManaged
        // 2 × 10 s + (10 + 20 + 40 + 80 + 160 + 320 + 4 × 600) s + 38 × 600 s = 7 h 10 min 50 s.
        #expect(policy.duration == .seconds(25_850))
        #expect(policy.duration > .seconds(6 * 3600) && policy.duration < .seconds(8 * 3600))
    }

    @Test func customerManagedAttemptInstantsFollowTheDocumentedPhases() {
        let instants = DeliveryRetryPolicy.customerManaged.attemptInstants(firstAttempt: .zero)
        #expect(instants.count == 51)
        // No immediate retries: the first attempt, then 2 pre-backoff retries 10 s apart.
        #expect(Array(instants[0...2]) == Self.instants([0, 10, 20]))
        // 10 backoff retries waiting 10, 20, 40, 80, 160, 320 s and then the 600 s cap.
        #expect(Array(instants[3...12]) == Self.instants([30, 50, 90, 170, 330, 650, 1250, 1850, 2450, 3050]))
        // 38 post-backoff retries, 600 s apart.
        #expect(Array(instants[13...]) == (1...38).map { Instant(seconds: 3050 + 600 * Double($0)) })
        #expect(instants.last == Instant(seconds: 25_850))
    }

    // MARK: HTTP/S

    @Test func httpDefaultRetriesThreeTimesTwentySecondsApart() {
        let policy = DeliveryRetryPolicy.httpDefault
        #expect(policy.retriesTotal == 3)
        #expect(policy.problems().isEmpty)
        #expect(policy.attemptInstants(firstAttempt: Instant(seconds: 5))
                == [5.0, 25, 45, 65].map { Instant(seconds: $0) })
        #expect(policy.delay(beforeRetry: 4) == nil)
    }

    @Test func customHttpPolicyRunsImmediatePreBackoffBackoffAndPostBackoffPhases() {
        let policy = DeliveryRetryPolicy(numRetries: 10, numNoDelayRetries: 2, minDelayTarget: .seconds(4),
                                         maxDelayTarget: .seconds(40), numMinDelayRetries: 3,
                                         numMaxDelayRetries: 2, backoffFunction: .linear)
        #expect(policy.problems().isEmpty)
        #expect(policy.numBackoffRetries == 3)
        // Linear from 4 s to 40 s over 3 retries: steps of 18 s.
        #expect(Self.delays(policy, 1...10) == Self.seconds([0, 0, 4, 4, 4, 4, 22, 40, 40, 40]))
        #expect(policy.attemptInstants(firstAttempt: .zero)
                == [0.0, 0, 0, 4, 8, 12, 16, 38, 78, 118, 158].map { Instant(seconds: $0) })
        #expect(policy.duration == .seconds(158))
    }

    @Test func customHttpPolicyWithGeometricBackoffAttemptsAtTheInstantsOfItsPhases() {
        let policy = DeliveryRetryPolicy(numRetries: 8, numNoDelayRetries: 1, minDelayTarget: .seconds(2),
                                         maxDelayTarget: .seconds(54), numMinDelayRetries: 1,
                                         numMaxDelayRetries: 2, backoffFunction: .geometric)
        #expect(policy.problems().isEmpty)
        #expect(policy.numBackoffRetries == 4)
        // 1 immediate; 1 after 2 s; backoff 2, 6, 18, 54 s (ratio (54 / 2)^(1/3) = 3); 2 after 54 s.
        #expect(policy.attemptInstants(firstAttempt: .zero) == Self.instants([0, 0, 2, 4, 10, 28, 82, 136, 190]))
    }

    @Test func customHttpPolicyWithExponentialBackoffAttemptsAtTheInstantsOfItsPhases() {
        let policy = DeliveryRetryPolicy(numRetries: 8, minDelayTarget: .seconds(5), maxDelayTarget: .seconds(60),
                                         numMinDelayRetries: 2, numMaxDelayRetries: 1, backoffFunction: .exponential)
        #expect(policy.problems().isEmpty)
        #expect(policy.numBackoffRetries == 5)
        // 2 after 5 s; backoff 5, 10, 20, 40 s and then the 60 s cap; 1 after 60 s.
        #expect(policy.attemptInstants(firstAttempt: Instant(seconds: 100))
                == Self.instants([100, 105, 110, 115, 125, 145, 185, 245, 305]))
    }

    @Test func customHttpPolicyWithArithmeticBackoffAttemptsAtTheInstantsOfItsPhases() {
        let policy = DeliveryRetryPolicy(numRetries: 6, numNoDelayRetries: 1, minDelayTarget: .seconds(1),
                                         maxDelayTarget: .seconds(10), numMaxDelayRetries: 1, backoffFunction: .arithmetic)
        #expect(policy.problems().isEmpty)
        #expect(policy.numBackoffRetries == 4)
        // 1 immediate; backoff 1 + 9 s × t² for t = 0, 1/3, 2/3, 1, that is 1, 2, 5, 10 s; 1 after 10 s.
        #expect(policy.attemptInstants(firstAttempt: .zero) == Self.instants([0, 0, 1, 3, 8, 18, 28]))
    }

    @Test func linearBackoffStepsEvenlyFromMinToMax() {
        let policy = Self.backoffOnly(.linear, retries: 5, min: 1, max: 9)
        #expect(Self.delays(policy, 1...5) == Self.seconds([1, 3, 5, 7, 9]))
    }

    @Test func arithmeticBackoffGrowsItsStepByAConstant() {
        // min + 8 s × t² for t = 0, 1/4, 1/2, 3/4, 1: steps 0.5, 1.5, 2.5, 3.5 s.
        let policy = Self.backoffOnly(.arithmetic, retries: 5, min: 1, max: 9)
        #expect(Self.delays(policy, 1...5) == Self.seconds([1, 1.5, 3, 5.5, 9]))
    }

    @Test func geometricBackoffMultipliesByAConstantRatioUpToMax() {
        // 16^(1/4) = 2.
        let policy = Self.backoffOnly(.geometric, retries: 5, min: 1, max: 16)
        #expect(Self.delays(policy, 1...5) == Self.seconds([1, 2, 4, 8, 16]))
        let uneven = Self.backoffOnly(.geometric, retries: 3, min: 4, max: 36)
        #expect(Self.delays(uneven, 1...3) == Self.seconds([4, 12, 36]))
    }

    @Test func exponentialBackoffDoublesFromMinAndIsCappedAtMax() {
        let policy = Self.backoffOnly(.exponential, retries: 5, min: 1, max: 10)
        #expect(Self.delays(policy, 1...5) == Self.seconds([1, 2, 4, 8, 10]))
        let short = Self.backoffOnly(.exponential, retries: 3, min: 3, max: 100)
        #expect(Self.delays(short, 1...3) == Self.seconds([3, 6, 12]))
    }

    @Test func everyBackoffFunctionIsMonotonicAndStaysBetweenMinAndMax() {
        for function in DeliveryRetryPolicy.BackoffFunction.allCases {
            for (retries, low, high) in [(1, 5, 5), (2, 1, 3600), (7, 3, 50), (40, 1, 90), (100, 10, 36)] as [(Int, Int64, Int64)] {
                let policy = Self.backoffOnly(function, retries: retries, min: low, max: high)
                let delays = Self.delays(policy, 1...retries)
                #expect(delays.first == .seconds(low), "\(function) \(retries) \(low)…\(high)")
                #expect(delays.allSatisfy { $0 >= .seconds(low) && $0 <= .seconds(high) }, "\(function) \(retries) \(low)…\(high)")
                #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 }, "\(function) \(retries) \(low)…\(high)")
                if function != .exponential && retries > 1 {
                    #expect(delays.last == .seconds(high), "\(function) \(retries) \(low)…\(high)")
                }
            }
        }
    }

    // MARK: Validation

    @Test func theEndsOfEveryHttpRangeAreValid() {
        #expect(DeliveryRetryPolicy(numRetries: 0, minDelayTarget: .seconds(1), maxDelayTarget: .seconds(3600)).problems().isEmpty)
        // 100 retries of 36 s is exactly the hour allowed.
        let full = DeliveryRetryPolicy(numRetries: 100, minDelayTarget: .seconds(36), maxDelayTarget: .seconds(36),
                                       maxReceivesPerSecond: 1)
        #expect(full.duration == .seconds(3600))
        #expect(full.problems().isEmpty)
        let allPhases = DeliveryRetryPolicy(numRetries: 6, numNoDelayRetries: 2, minDelayTarget: .seconds(1),
                                            maxDelayTarget: .seconds(10), numMinDelayRetries: 2, numMaxDelayRetries: 2)
        #expect(allPhases.numBackoffRetries == 0)
        #expect(allPhases.problems().isEmpty)
    }

    static func changed(_ change: (inout DeliveryRetryPolicy) -> Void) -> DeliveryRetryPolicy {
        var policy = DeliveryRetryPolicy(numRetries: 10, minDelayTarget: .seconds(5), maxDelayTarget: .seconds(60))
        change(&policy)
        return policy
    }

    @Test(arguments: [
        ("numRetries", "between 0 and 100", changed { $0.numRetries = 101 }),
        ("numRetries", "between 0 and 100", changed { $0.numRetries = -1; $0.numNoDelayRetries = 0 }),
        ("numNoDelayRetries", "between 0 and numRetries (10)", changed { $0.numNoDelayRetries = 11 }),
        ("numNoDelayRetries", "between 0 and numRetries (10)", changed { $0.numNoDelayRetries = -1 }),
        ("numMinDelayRetries", "(6)", changed { $0.numNoDelayRetries = 4; $0.numMinDelayRetries = 7 }),
        ("numMaxDelayRetries", "(3)", changed { $0.numNoDelayRetries = 4; $0.numMinDelayRetries = 3; $0.numMaxDelayRetries = 4 }),
        ("minDelayTarget", "between 1s and maxDelayTarget", changed { $0.minDelayTarget = .zero }),
        ("minDelayTarget", "between 1s and maxDelayTarget", changed { $0.minDelayTarget = .seconds(61) }),
        ("maxDelayTarget", "and 3600s", changed { $0.maxDelayTarget = .seconds(3601) }),
        ("maxReceivesPerSecond", "at least 1", changed { $0.maxReceivesPerSecond = 0 }),
        ("jitterFraction", "between 0 and 1", changed { $0.jitterFraction = 1.5 }),
        ("numRetries", "at most 3600s in total", changed { $0.numRetries = 100; $0.minDelayTarget = .seconds(60) }),
    ] as [(String, String, DeliveryRetryPolicy)])
    func anOutOfRangeFieldIsNamedWithItsValidRange(field: String, range: String, policy: DeliveryRetryPolicy) {
        let problems = policy.problems()
        #expect(problems.contains { $0.attribute == field && $0.message.contains(range) }, "\(problems)")
    }

    @Test func httpPolicyWhoseDelaysAddUpToMoreThanAnHourIsRejectedWithItsTotal() {
        // Linear over 2 retries: 1 s, then 3600 s, one second over the hour.
        let over = DeliveryRetryPolicy(numRetries: 2, minDelayTarget: .seconds(1), maxDelayTarget: .seconds(3600))
        #expect(over.problems().map(\.attribute) == ["numRetries"])
        #expect(over.problems().first?.message == "the retry delays add up to 3601.0s; an HTTP/S policy may take at most 3600s in total")
        // One retry after the longest delay allowed is exactly the hour.
        #expect(DeliveryRetryPolicy(numRetries: 1, minDelayTarget: .seconds(3600), maxDelayTarget: .seconds(3600)).problems().isEmpty)
        // Immediate retries add nothing to the total.
        let immediate = DeliveryRetryPolicy(numRetries: 100, numNoDelayRetries: 99, minDelayTarget: .seconds(3600),
                                            maxDelayTarget: .seconds(3600))
        #expect(immediate.duration == .seconds(3600))
        #expect(immediate.problems().isEmpty)
    }

    @Test func throttleAllowsAnyRateFromOneReceivePerSecondOrNone() {
        for rate in [nil, 1, 10, 1_000] as [Int?] {
            #expect(Self.changed { $0.maxReceivesPerSecond = rate }.problems().isEmpty, "\(String(describing: rate))")
        }
        for rate in [-1, Int.min] {
            #expect(Self.changed { $0.maxReceivesPerSecond = rate }.problems().map(\.attribute) == ["maxReceivesPerSecond"], "\(rate)")
        }
    }

    @Test func managedPoliciesAreNotHeldToTheHttpLimits() {
        // 100,015 retries over 23 days would break every HTTP/S limit; AWS fixes these policies.
        #expect(DeliveryRetryPolicy.awsManaged.problems().isEmpty)
        var asHttp = DeliveryRetryPolicy.awsManaged
        asHttp.endpoint = .http
        #expect(asHttp.problems().map(\.attribute) == ["numRetries"])
    }

    // MARK: Jitter

    @Test func jitterKeepsEveryDelayWithinTenPercentEitherWay() {
        for policy in [DeliveryRetryPolicy.customerManaged, .httpDefault,
                       Self.backoffOnly(.geometric, retries: 9, min: 3, max: 700)] {
            for retry in 1...policy.retriesTotal {
                let nominal = policy.delay(beforeRetry: retry)!
                let bound = Int64((Double(nominal.nanoseconds) * 0.1).rounded())
                var sum: Int64 = 0, deviationMax: Int64 = 0
                let draws = 1024
                for draw in 0..<draws {
                    let jittered = policy.jitteredDelay(beforeRetry: retry, uniform: Double(draw) / Double(draws))!
                    deviationMax = max(deviationMax, abs(jittered.nanoseconds - nominal.nanoseconds))
                    sum += jittered.nanoseconds - nominal.nanoseconds
                }
                #expect(deviationMax <= bound, "retry \(retry)")
                #expect(deviationMax >= bound * 99 / 100, "the draws reach the bound, retry \(retry)")
                // Symmetric jitter: the draws on an even grid average to the nominal delay.
                #expect(abs(sum / Int64(draws)) <= bound / 1000 + 1, "retry \(retry)")
            }
        }
    }

    @Test func aMidpointDrawLeavesEveryDelayUnjittered() {
        let aws = DeliveryRetryPolicy.awsManaged
        #expect((1...16).map { aws.jitteredDelay(beforeRetry: $0, uniform: 0.5)! }
                == Self.seconds([0, 0, 0, 1, 1, 1, 2, 4, 8, 16, 20, 20, 20, 20, 20, 20]))
        let customer = DeliveryRetryPolicy.customerManaged
        #expect((1...50).map { customer.jitteredDelay(beforeRetry: $0, uniform: 0.5)! }
                == Self.seconds([10, 10, 10, 20, 40, 80, 160, 320] + Array(repeating: 600, count: 42)))
        let arithmetic = Self.backoffOnly(.arithmetic, retries: 5, min: 1, max: 9)
        #expect((1...5).map { arithmetic.jitteredDelay(beforeRetry: $0, uniform: 0.5)! } == Self.seconds([1, 1.5, 3, 5.5, 9]))
    }

    @Test func jitterReachesItsBoundsAndLeavesImmediateRetriesImmediate() {
        let policy = DeliveryRetryPolicy.awsManaged
        #expect(policy.jitteredDelay(beforeRetry: 1, uniform: 0.999) == .zero)
        #expect(policy.jitteredDelay(beforeRetry: 20, uniform: 0) == .seconds(18))
        #expect(policy.jitteredDelay(beforeRetry: 20, uniform: 0.5) == .seconds(20))
        #expect(policy.jitteredDelay(beforeRetry: 20, uniform: 0.75) == .seconds(21))
        #expect(policy.jitteredDelay(beforeRetry: 100_016, uniform: 0.5) == nil)
        var none = policy
        none.jitterFraction = 0
        #expect(none.jitteredDelay(beforeRetry: 20, uniform: 0.3) == .seconds(20))
    }
}
