import Testing
import Workloads

/// The AWS SDK standard retry mode's retry quota.
@Suite struct RetryQuotaTests {
    @Test func aFullBucketPaysForOneHundredRetriesThenRefuses() {
        let quota = RetryQuota()
        for _ in 0..<100 { #expect(quota.spend(timeout: false)) }
        #expect(quota.tokens == 0)
        #expect(!quota.spend(timeout: false))
        #expect(quota.refusals == 1)
    }

    @Test func aRetryAfterATimeoutCostsTenTokens() {
        let quota = RetryQuota()
        #expect(quota.spend(timeout: true))
        #expect(quota.tokens == RetryQuota.capacity - 10)
    }

    @Test func aSuccessRefundsItsRetryOrOneTokenUpToTheCapacity() {
        let quota = RetryQuota()
        _ = quota.spend(timeout: false)
        _ = quota.spend(timeout: false)
        quota.succeeded(afterRetry: true)
        #expect(quota.tokens == RetryQuota.capacity - 5)
        quota.succeeded(afterRetry: false)
        #expect(quota.tokens == RetryQuota.capacity - 4)
        for _ in 0..<10 { quota.succeeded(afterRetry: false) }
        #expect(quota.tokens == RetryQuota.capacity)
    }
}
