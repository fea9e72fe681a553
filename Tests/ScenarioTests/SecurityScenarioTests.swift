import Foundation
import Reporting
import Scenario
import Testing

/// SEMANTICS.md "Security (all services)" as it applies to queues, and the SQS extended client,
/// end to end through scenario files.
@Suite struct SecurityScenarioTests {
    static let web = "arn:aws:iam::123456789012:role/web"
    static let workers = "arn:aws:iam::123456789012:role/workers"

    static func scenario(queueExtra: String = "", producerExtra: String = "", top: String = "", duration: String = "1m",
                         size: String = "constant(1KiB)") -> String {
        """
        name: secure
        duration: \(duration)
        drain: 2m
        replications: 1
        queues:
          - name: orders
        \(queueExtra)
        producers:
          - name: web
            target: queue/orders
            arrivals: constant(rate=10/s)
            messageSize: \(size)
        \(producerExtra)
        consumers:
          - name: workers
            source: queue/orders
            count: 2
            processing: constant(10ms)
        \(top)
        """
    }

    func run(_ text: String) throws -> Report {
        ScenarioRunner.run(try ScenarioDecoder.decode(text, file: "t"))
    }

    static let allowBoth = """
            policy:
              - { effect: allow, principals: [\(web)], actions: [sqs:SendMessage] }
              - { effect: allow, principals: [\(workers)], actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage"] }
        """

    /// Constant arrivals at 10/s for 60 s: the first at 100 ms, the last at 59.9 s.
    static let sends = 599

    @Test func aQueuePolicyThatAllowsEachActorsActionsLetsEverythingThrough() throws {
        let report = try run(Self.scenario(queueExtra: Self.allowBoth))
        #expect(report.delivery.sent == Self.sends)
        #expect(report.delivery.deliveredOnce == Self.sends)
        #expect(report.queues[0].activity.deniedCalls == 0)
        #expect(report.queues[0].deniedByPrincipal.isEmpty)
    }

    @Test func anExplicitDenyInAnIdentityPolicyWinsOverTheQueuePolicysAllow() throws {
        let top = """
            principals:
              \(Self.web):
                - { effect: deny, actions: ["sqs:Send*"], resources: ["*"] }
            """
        let report = try run(Self.scenario(queueExtra: Self.allowBoth, top: top))
        #expect(report.delivery.sent == 0)
        #expect(report.delivery.sendsAbandoned == Self.sends)
        #expect(report.queues[0].deniedByPrincipal.map(\.principal) == [Self.web])
        #expect(report.queues[0].deniedByPrincipal.first?.count == Self.sends)
    }

    @Test func aPrincipalNoPolicyAllowsIsDeniedImplicitlyAndCounted() throws {
        // Only the producer is allowed: the workers' receives are refused and the messages stay.
        let queueExtra = """
                policy:
                  - { effect: allow, principals: [\(Self.web)], actions: [sqs:SendMessage] }
            """
        let report = try run(Self.scenario(queueExtra: queueExtra))
        #expect(report.delivery.sent == Self.sends)
        #expect(report.delivery.deliveredOnce == 0)
        #expect(report.delivery.queued == Self.sends)
        let denied = try #require(report.queues[0].deniedByPrincipal.first)
        #expect(denied.principal == Self.workers)
        #expect(denied.count > 0)
        #expect(report.queues[0].activity.deniedCalls == denied.count)
    }

    @Test func aQueueWithoutAPolicyIsOpenToEveryone() throws {
        let report = try run(Self.scenario())
        #expect(report.delivery.deliveredOnce == Self.sends)
        #expect(report.queues[0].activity.deniedCalls == 0)
    }

    @Test func theDataKeyReusePeriodDrivesKmsCalls() throws {
        // 9 minutes of sends with a 5-minute reuse period: the producer refreshes its data key at
        // its first send and once more after 5 minutes (GenerateDataKey + Decrypt each time); the
        // two workers share one principal, hence one cached key, refreshed (Decrypt) at the first
        // receive and once more after 5 minutes.
        let queueExtra = "    kmsDataKeyReusePeriod: 5m\n"
        let report = try run(Self.scenario(queueExtra: queueExtra, duration: "9m"))
        #expect(report.queues[0].activity.kmsRequests == 2 * 2 + 2 * 1)
        #expect(report.delivery.deliveredOnce == 9 * 60 * 10 - 1)
        let line = try #require(report.cost.lines.first { $0.item.lowercased().contains("kms") })
        #expect(line.quantity == 6)
    }

    @Test func aShorterReusePeriodMeansMoreKmsCalls() throws {
        let long = try run(Self.scenario(queueExtra: "    kmsDataKeyReusePeriod: 5m\n", duration: "9m"))
        let short = try run(Self.scenario(queueExtra: "    kmsDataKeyReusePeriod: 1m\n", duration: "9m"))
        // With 1 minute: 9 refreshes each for the producer (2 requests) and the workers' principal (1).
        #expect(short.queues[0].activity.kmsRequests == 9 * 2 + 9 * 1)
        #expect(short.queues[0].activity.kmsRequests > long.queues[0].activity.kmsRequests)
    }

    static let objectStore = """
        objectStore:
          putLatency: constant(40ms)
          getLatency: constant(20ms)
          deleteLatency: constant(10ms)
        """

    @Test func theExtendedClientSendsLargeBodiesThroughTheObjectStore() throws {
        let producerExtra = "    extendedClient: { threshold: 256KiB }\n"
        let report = try run(Self.scenario(producerExtra: producerExtra, top: Self.objectStore, size: "constant(512KiB)"))
        #expect(report.delivery.deliveredOnce == Self.sends)
        // One put per send, one get per processing, one delete per deleted message.
        #expect(report.objectStore.putRequests == Self.sends)
        #expect(report.objectStore.getRequests == Self.sends)
        #expect(report.objectStore.deleteRequests == Self.sends)
        // The queue carries only 300-byte pointers: one billed request per send, not eight.
        #expect(report.queues[0].activity.billedRequests < 600 * 2 + 2_000)
        let latency = try #require(report.queues[0].objectStoreLatency)
        #expect(latency.count == 3 * Self.sends)
        // End to end (produced → delete reached the queue) includes the put, the get and processing.
        #expect(report.queues[0].endToEnd.p50 >= 0.040 + 0.020 + 0.010)
    }

    @Test func bodiesUnderTheThresholdStayInTheQueue() throws {
        let producerExtra = "    extendedClient: { threshold: 256KiB }\n"
        let report = try run(Self.scenario(producerExtra: producerExtra, top: Self.objectStore, size: "constant(100KiB)"))
        #expect(report.objectStore.putRequests == 0)
        #expect(report.queues[0].objectStoreLatency == nil)
        // A 100 KiB body is two 64 KiB chunks: every send is billed as 2 requests.
        #expect(report.queues[0].activity.billedRequests >= 1_200)
    }

    @Test func theExtendedClientNeedsAnObjectStore() {
        let text = Self.scenario(producerExtra: "    extendedClient: { threshold: 256KiB }\n")
        #expect(throws: ScenarioError.self) { try ScenarioDecoder.decode(text, file: "t") }
    }

    @Test func anUnknownActionInAPolicyIsRejectedWithItsPlace() throws {
        let queueExtra = """
                policy:
                  - { effect: allow, principals: ["*"], actions: [sqs:SendMesage] }
            """
        do {
            _ = try ScenarioDecoder.decode(Self.scenario(queueExtra: queueExtra), file: "t")
            Issue.record("a policy with an unknown action was accepted")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics.first?.path == "queues[0].policy[0].actions[0]")
        }
    }

    /// The scenario with a Lambda function in place of the worker fleet.
    static func functionScenario(queueExtra: String = "", producerExtra: String = "", top: String = "",
                                 size: String = "constant(1KiB)") -> String {
        scenario(queueExtra: queueExtra, producerExtra: producerExtra, top: top, size: size)
            .replacingOccurrences(of: """
                consumers:
                  - name: workers
                    source: queue/orders
                    count: 2
                    processing: constant(10ms)
                """, with: """
                functions:
                  - name: handler
                    source: queue/orders
                    duration: constant(10ms)
                """)
    }

    @Test func aFunctionIsAuthorisedAsItsExecutionRole() throws {
        let queueExtra = """
                policy:
                  - { effect: allow, principals: [\(Self.web)], actions: [sqs:SendMessage] }
            """
        let report = try run(Self.functionScenario(queueExtra: queueExtra))
        #expect(report.delivery.sent == Self.sends)
        #expect(report.delivery.deliveredOnce == 0)
        #expect(report.queues[0].deniedByPrincipal.map(\.principal) == ["arn:aws:iam::123456789012:role/handler"])
    }

    @Test func aFunctionsHandlerFetchesExtendedBodiesAndDeletesThem() throws {
        let producerExtra = "    extendedClient: { threshold: 256KiB }\n"
        let report = try run(Self.functionScenario(producerExtra: producerExtra, top: Self.objectStore, size: "constant(512KiB)"))
        #expect(report.delivery.deliveredOnce == Self.sends)
        #expect(report.objectStore.putRequests == Self.sends)
        #expect(report.objectStore.getRequests == Self.sends)
        #expect(report.objectStore.deleteRequests == Self.sends)
    }

    @Test func aFunctionOnAnSSEKMSQueueDecryptsOncePerReusePeriod() throws {
        let report = try run(Self.functionScenario(queueExtra: "    kmsDataKeyReusePeriod: 5m\n"))
        // One minute of traffic: one producer refresh (2 requests) and one for the function's role.
        #expect(report.queues[0].activity.kmsRequests == 2 + 1)
    }
}
