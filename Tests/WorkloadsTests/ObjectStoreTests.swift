import SimKernel
import Stochastic
import Testing
import Workloads

private func seconds(_ s: Int64) -> Instant { Instant(nanoseconds: s * 1_000_000_000) }

private func store(failureProbability: Double = 0, latency: Distribution = .constant(0.01)) -> ObjectStore {
    ObjectStore(specification: ObjectStoreSpecification(
        putLatency: latency, getLatency: latency, deleteLatency: latency, failureProbability: failureProbability))
}

/// The S3 model behind the extended client: latencies, failures, request counts and bytes stored.
@Suite struct ObjectStoreTests {
    @Test func failuresOccurAtTheConfiguredRateWithinFourBinomialStandardDeviations() {
        let p = 0.05, n = 20_000
        let objects = store(failureProbability: p)
        let rng = RandomStream(seed: 11)
        let failures = (0..<n).filter { objects.put(ObjectKey(UInt64($0)), bytes: 1, at: .zero, rng: rng).failed }.count
        // Binomial(n, p): mean np = 1,000, standard deviation √(np(1−p)) ≈ 30.8.
        let mean = Double(n) * p, sd = (Double(n) * p * (1 - p)).squareRoot()
        #expect(abs(Double(failures) - mean) <= 4 * sd, "\(failures) failures in \(n), expected \(mean) ± \(4 * sd)")
        #expect(objects.failedRequests == failures)
        #expect(objects.putRequests == n)
        #expect(objects.objectCount == n - failures)
    }

    @Test func eachRequestKindTakesItsOwnLatency() {
        let objects = ObjectStore(specification: ObjectStoreSpecification(
            putLatency: .constant(0.020), getLatency: .constant(0.008), deleteLatency: .constant(0.015)))
        let rng = RandomStream(seed: 1)
        let key = ObjectKey(7)
        #expect(objects.put(key, bytes: 10, at: .zero, rng: rng) == ObjectStoreResult(latency: .milliseconds(20), status: .succeeded))
        #expect(objects.get(key, rng: rng) == ObjectStoreResult(latency: .milliseconds(8), status: .succeeded))
        #expect(objects.delete(key, at: .zero, rng: rng) == ObjectStoreResult(latency: .milliseconds(15), status: .succeeded))
        #expect([objects.putRequests, objects.getRequests, objects.deleteRequests] == [1, 1, 1])
    }

    @Test func aFailedPutStoresNothingAndAFailedDeleteRemovesNothing() {
        let rng = RandomStream(seed: 2)
        let failing = store(failureProbability: 1)
        #expect(failing.put(ObjectKey(1), bytes: 100, at: .zero, rng: rng).status == .failed)
        #expect(failing.objectCount == 0)
        #expect(failing.bytesStored == 0)
        #expect(failing.get(ObjectKey(1), rng: rng).status == .failed)

        let working = store()
        _ = working.put(ObjectKey(1), bytes: 100, at: .zero, rng: rng)
        let flaky = ObjectStore(specification: ObjectStoreSpecification(
            putLatency: .constant(0), getLatency: .constant(0), deleteLatency: .constant(0), failureProbability: 1))
        _ = flaky.put(ObjectKey(1), bytes: 100, at: .zero, rng: rng)
        #expect(flaky.delete(ObjectKey(1), at: .zero, rng: rng).failed)
        #expect(working.delete(ObjectKey(1), at: .zero, rng: rng).status == .succeeded)
        #expect(working.objectCount == 0)
        #expect(working.failedRequests == 0)
        #expect(flaky.failedRequests == 2)
    }

    @Test func aGetAfterTheObjectWasDeletedIsNotFoundAndASecondDeleteSucceeds() {
        let objects = store()
        let rng = RandomStream(seed: 3)
        let key = ObjectKey(42)
        #expect(objects.get(key, rng: rng).status == .notFound)
        _ = objects.put(key, bytes: 300_000, at: .zero, rng: rng)
        #expect(objects.delete(key, at: .zero, rng: rng).status == .succeeded)
        #expect(objects.get(key, rng: rng).status == .notFound)
        #expect(objects.delete(key, at: .zero, rng: rng).status == .succeeded)
        #expect(objects.deleteRequests == 2)
    }

    @Test func bytesStoredNowAndAtPeakFollowPutsOverwritesAndDeletes() {
        let objects = store()
        let rng = RandomStream(seed: 4)
        _ = objects.put(ObjectKey(1), bytes: 1_000, at: .zero, rng: rng)
        _ = objects.put(ObjectKey(2), bytes: 3_000, at: .zero, rng: rng)
        _ = objects.put(ObjectKey(1), bytes: 500, at: .zero, rng: rng)
        #expect(objects.bytesStored == 3_500)
        #expect(objects.bytesStoredPeak == 4_000)
        #expect(objects.objectCount == 2)
        _ = objects.delete(ObjectKey(2), at: .zero, rng: rng)
        #expect(objects.bytesStored == 500)
        #expect(objects.bytesStoredPeak == 4_000)
        #expect(objects.objectCount == 1)
    }

    @Test func storedByteSecondsIntegrateBytesOverTime() {
        let objects = store()
        let rng = RandomStream(seed: 5)
        _ = objects.put(ObjectKey(1), bytes: 1_000, at: seconds(0), rng: rng)
        _ = objects.put(ObjectKey(2), bytes: 500, at: seconds(10), rng: rng)
        _ = objects.delete(ObjectKey(1), at: seconds(20), rng: rng)
        // 1,000 B for 20 s and 500 B for 20 s.
        #expect(objects.storedByteSeconds(until: seconds(30)) == 30_000)
        #expect(objects.storedByteSeconds(until: seconds(20)) == 25_000)
    }

    @Test func everyRequestDrawsTheSameWhateverItsOutcome() {
        let latency = Distribution.exponential(mean: 0.02)
        let reliable = store(latency: latency), unreliable = store(failureProbability: 0.7, latency: latency)
        let a = RandomStream(seed: 9), b = RandomStream(seed: 9)
        for i in 0..<200 {
            let key = ObjectKey(UInt64(i % 7))
            let pair = switch i % 3 {
            case 0: (reliable.put(key, bytes: 1, at: .zero, rng: a), unreliable.put(key, bytes: 1, at: .zero, rng: b))
            case 1: (reliable.get(key, rng: a), unreliable.get(key, rng: b))
            default: (reliable.delete(key, at: .zero, rng: a), unreliable.delete(key, at: .zero, rng: b))
            }
            #expect(pair.0.latency == pair.1.latency, "request \(i)")
        }
        #expect(unreliable.failedRequests > 100)
        #expect(a.uniform() == b.uniform())
    }

    @Test func theFailureProbabilityLiesBetweenZeroAndOne() {
        let spec = { (p: Double) in
            ObjectStoreSpecification(putLatency: .constant(0), getLatency: .constant(0), deleteLatency: .constant(0), failureProbability: p)
        }
        #expect(spec(0).problems().isEmpty)
        #expect(spec(1).problems().isEmpty)
        #expect(spec(-0.01).problems().map(\.attribute) == ["failureProbability"])
        #expect(spec(1.01).problems().map(\.attribute) == ["failureProbability"])
        #expect(spec(.nan).problems().map(\.attribute) == ["failureProbability"])
    }
}

/// The extended client sends a pointer for bodies above its threshold.
@Suite struct ExtendedClientPolicyTests {
    @Test func theDefaultThresholdIsTwoHundredFiftySixKiB() {
        #expect(ExtendedClientPolicy() == ExtendedClientPolicy(thresholdBytes: 262_144, alwaysThroughS3: false))
        #expect(ExtendedClientPolicy().problems().isEmpty)
    }

    @Test func aMessageOfExactlyTheThresholdStaysInlineAndOneByteMoreGoesToTheStore() {
        let policy = ExtendedClientPolicy()
        #expect(!policy.storesExternally(bodyBytes: 262_144))
        #expect(policy.storesExternally(bodyBytes: 262_145))
    }

    @Test func attributesCountTowardsTheThreshold() {
        let policy = ExtendedClientPolicy(thresholdBytes: 1_000)
        #expect(!policy.storesExternally(bodyBytes: 900, attributeBytes: 100))
        #expect(policy.storesExternally(bodyBytes: 900, attributeBytes: 101))
    }

    @Test func alwaysThroughS3StoresEvenTheSmallestBody() {
        #expect(ExtendedClientPolicy(alwaysThroughS3: true).storesExternally(bodyBytes: 1))
    }

    @Test func aStoredBodyIsQueuedAsAPointerWithTheMessagesAttributes() {
        let policy = ExtendedClientPolicy()
        #expect(policy.queuedMessageBytes(bodyBytes: 1_000_000, attributeBytes: 40) == ExtendedClientPolicy.pointerMessageBytes + 40)
        #expect(policy.queuedMessageBytes(bodyBytes: 2_000, attributeBytes: 40) == 2_040)
        #expect(ExtendedClientPolicy.pointerMessageBytes == 300)
    }

    @Test func theThresholdLiesBetweenZeroAndOneMiB() {
        #expect(ExtendedClientPolicy(thresholdBytes: 0).problems().isEmpty)
        #expect(ExtendedClientPolicy(thresholdBytes: 1_048_576).problems().isEmpty)
        #expect(ExtendedClientPolicy(thresholdBytes: -1).problems().map(\.attribute) == ["thresholdBytes"])
        #expect(ExtendedClientPolicy(thresholdBytes: 1_048_577).problems().map(\.attribute) == ["thresholdBytes"])
    }
}
