import MessagingEngine
import SimKernel
import Testing

private func at(_ seconds: Int64, plus nanoseconds: Int64 = 0) -> Instant {
    Instant(nanoseconds: seconds * 1_000_000_000 + nanoseconds)
}

/// SSE-KMS data key reuse: KMS is called when no key is cached or the cached one has outlived the
/// reuse period, separately per principal, queue and side.
@Suite struct DataKeyCacheTests {
    @Test func dataKeyReusedWithinReusePeriod() {
        var cache = DataKeyCache(reuse: KmsDataKeyReuse(period: .seconds(300)))
        let calls = [at(5), at(5), at(304, plus: 999_999_999), at(305), at(604), at(9_000)]
        #expect(calls.map { cache.needsKmsCall(at: $0) } == [true, false, false, true, false, true])
        #expect(cache.kmsCalls == 3)
        #expect(cache.fetchedAt == at(9_000))
    }

    @Test func theReusePeriodDefaultsToFiveMinutesAndLiesBetweenOneMinuteAndOneDay() {
        #expect(KmsDataKeyReuse().period == .seconds(300))
        #expect(KmsDataKeyReuse(period: .seconds(60)).problems().isEmpty)
        #expect(KmsDataKeyReuse(period: .seconds(86_400)).problems().isEmpty)
        for period in [Span.seconds(60) - Span(nanoseconds: 1), Span.seconds(86_400) + Span(nanoseconds: 1), .zero] {
            let problems = KmsDataKeyReuse(period: period).problems()
            #expect(problems.map(\.attribute) == ["kmsDataKeyReusePeriod"], "\(period)")
            #expect(problems.first?.message == "must be between 60s (1m) and 86400s (24h)")
        }
    }

    @Test func producerAndConsumerSidesAreCachedSeparately() {
        var caches = DataKeyCaches(reuse: KmsDataKeyReuse(period: .seconds(60)))
        let worker = "arn:aws:iam::111122223333:role/worker"
        let calls: [(DataKeyCaches.Side, Instant)] = [
            (.producer, at(0)),
            // The same principal receiving from the same queue needs a key of its own.
            (.consumer, at(1)),
            (.producer, at(59)),
            (.consumer, at(60)),
            (.producer, at(60)),
        ]
        let needed = calls.map { caches.needsKmsCall(principal: worker, queue: "orders", side: $0.0, at: $0.1) }
        #expect(needed == [true, true, false, false, true])
        #expect(caches.producerRefreshes == 2)
        #expect(caches.consumerRefreshes == 1)
    }

    @Test func eachPrincipalAndQueueHasItsOwnKey() {
        var caches = DataKeyCaches(reuse: KmsDataKeyReuse())
        let calls = [("a", "orders", at(0)), ("b", "orders", at(0)), ("a", "invoices", at(0)), ("a", "orders", at(1))]
        let needed = calls.map { caches.needsKmsCall(principal: $0.0, queue: $0.1, side: .producer, at: $0.2) }
        #expect(needed == [true, true, true, false])
        #expect(caches.producerRefreshes == 3)
    }

    @Test func kmsRequestsFollowAWSsEstimateOfTwoPerProducerAndOnePerConsumerPerPeriod() {
        // R = B / D × (2P + C): an hour, 300 s reuse, 2 producers and 3 consumers calling every
        // second: 12 × (2·2 + 3) = 84.
        var caches = DataKeyCaches(reuse: KmsDataKeyReuse(period: .seconds(300)))
        for second in Int64(0)..<3_600 {
            for producer in ["p1", "p2"] {
                _ = caches.needsKmsCall(principal: producer, queue: "orders", side: .producer, at: at(second))
            }
            for consumer in ["c1", "c2", "c3"] {
                _ = caches.needsKmsCall(principal: consumer, queue: "orders", side: .consumer, at: at(second))
            }
        }
        #expect(caches.generateDataKeyCalls == 24)
        #expect(caches.decryptCalls == 24 + 36)
        #expect(caches.kmsRequests == 84)
    }
}
