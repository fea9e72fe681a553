@testable import MessagingEngine
import Testing
import TestSupport

private let producer = "arn:aws:iam::111122223333:role/producer"
private let consumer = "arn:aws:iam::111122223333:role/consumer"
private let orders = "arn:aws:sqs:us-east-1:111122223333:orders"
private let invoices = "arn:aws:sqs:us-east-1:111122223333:invoices"

private func allow(_ actions: [String], on resources: [String] = [orders], for principals: [String] = []) -> PolicyStatement {
    PolicyStatement(effect: .allow, principals: principals, actions: actions, resources: resources)
}

private func deny(_ actions: [String], on resources: [String] = [orders], for principals: [String] = []) -> PolicyStatement {
    PolicyStatement(effect: .deny, principals: principals, actions: actions, resources: resources)
}

/// IAM-style evaluation: explicit deny wins, an allow in either policy grants, otherwise deny.
@Suite struct AccessEvaluatorTests {
    @Test func explicitDenyWinsOverAllow() {
        var evaluator = AccessEvaluator()
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:*"])]), to: producer)
        evaluator.setResourcePolicy(AccessPolicy([
            allow(["sqs:SendMessage"], for: ["*"]),
            deny(["sqs:SendMessage"], for: [producer]),
        ]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders)
            == .explicitDeny(.init(policy: .resource, statement: 1)))
        // The deny names the producer only; the allow for everyone still holds for others.
        #expect(evaluator.decide(principal: consumer, action: "sqs:SendMessage", resource: orders) == .allowed)
    }

    @Test func explicitDenyInAnIdentityPolicyWinsOverAResourcePolicyAllow() {
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:*"], for: ["*"])]), for: orders)
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:ReceiveMessage"])]), to: consumer)
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:ReceiveMessage"]), deny(["sqs:PurgeQueue"])]), to: consumer)
        #expect(evaluator.decide(principal: consumer, action: "sqs:PurgeQueue", resource: orders)
            == .explicitDeny(.init(policy: .identity(1), statement: 1)))
        #expect(evaluator.decide(principal: consumer, action: "sqs:ReceiveMessage", resource: orders) == .allowed)
    }

    @Test func theFirstApplicableDenyIsReportedIdentityPoliciesFirst() {
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([deny(["sqs:DeleteMessage"], for: ["*"])]), for: orders)
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:*"]), deny(["sqs:Delete*"]), deny(["sqs:DeleteMessage"])]), to: consumer)
        #expect(evaluator.decide(principal: consumer, action: "sqs:DeleteMessage", resource: orders)
            == .explicitDeny(.init(policy: .identity(0), statement: 1)))
    }

    @Test func implicitDenyWithoutAllow() {
        var evaluator = AccessEvaluator()
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .implicitDeny)
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:ReceiveMessage"])]), to: producer)
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:SendMessage"], for: [consumer])]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .implicitDeny)
    }

    @Test func anAllowInEitherPolicySufficesWithinOneAccount() {
        var evaluator = AccessEvaluator()
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:SendMessage"])]), to: producer)
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:ReceiveMessage"], for: [consumer])]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: consumer, action: "sqs:ReceiveMessage", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: consumer, action: "sqs:SendMessage", resource: orders) == .implicitDeny)
    }

    @Test func wildcardActionMatchesCaseInsensitively() {
        var evaluator = AccessEvaluator()
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["SQS:receive*"])]), to: consumer)
        #expect(evaluator.decide(principal: consumer, action: "sqs:ReceiveMessage", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: consumer, action: "Sqs:RECEIVEMESSAGE", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: consumer, action: "sqs:SendMessage", resource: orders) == .implicitDeny)
    }

    @Test func resourceWildcardsMatchCaseSensitively() {
        var evaluator = AccessEvaluator()
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:SendMessage"], on: ["arn:aws:sqs:*:111122223333:orders-?"])]), to: producer)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: "arn:aws:sqs:eu-west-1:111122223333:orders-7") == .allowed)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: "arn:aws:sqs:eu-west-1:111122223333:Orders-7") == .implicitDeny)
        // `?` is exactly one character.
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: "arn:aws:sqs:eu-west-1:111122223333:orders-") == .implicitDeny)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: "arn:aws:sqs:eu-west-1:111122223333:orders-17") == .implicitDeny)
    }

    @Test func principalWildcardsMatchCaseSensitively() {
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:SendMessage"], for: ["arn:aws:iam::111122223333:role/prod*"])]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: "arn:aws:iam::111122223333:role/Producer", action: "sqs:SendMessage", resource: orders) == .implicitDeny)
    }

    @Test func aResourcePolicyAppliesToTheResourceItIsSetFor() {
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:*"], on: ["*"], for: ["*"])]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .allowed)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: invoices) == .implicitDeny)
    }

    @Test func settingAResourcePolicyReplacesTheEarlierOne() {
        var evaluator = AccessEvaluator()
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:*"], for: ["*"])]), for: orders)
        evaluator.setResourcePolicy(AccessPolicy([allow(["sqs:ReceiveMessage"], for: ["*"])]), for: orders)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: orders) == .implicitDeny)
    }

    @Test func anIdentityStatementAppliesOnlyToItsResources() {
        var evaluator = AccessEvaluator()
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sqs:*"], on: [orders])]), to: producer)
        #expect(evaluator.decide(principal: producer, action: "sqs:SendMessage", resource: invoices) == .implicitDeny)
    }

    @Test(arguments: [
        ("sqs:SendMessageBatch", "sqs:SendMessage"),
        ("sqs:DeleteMessageBatch", "sqs:DeleteMessage"),
        ("SQS:changemessagevisibilitybatch", "sqs:ChangeMessageVisibility"),
    ])
    func aBatchOperationIsAuthorisedByItsSingleAction(batch: String, single: String) {
        var allowed = AccessEvaluator()
        allowed.attachIdentityPolicy(AccessPolicy([allow([single])]), to: producer)
        #expect(allowed.decide(principal: producer, action: batch, resource: orders) == .allowed)
        var denied = AccessEvaluator()
        denied.attachIdentityPolicy(AccessPolicy([allow(["sqs:*"]), deny([single])]), to: producer)
        #expect(denied.decide(principal: producer, action: batch, resource: orders)
            == .explicitDeny(.init(policy: .identity(0), statement: 1)))
    }

    @Test func theBatchOperationsMapToTheirSingleActions() {
        #expect(SQSAction.authorizing(operation: "SendMessageBatch") == .sendMessage)
        #expect(SQSAction.authorizing(operation: "purgequeue") == .purgeQueue)
        #expect(SQSAction.authorizing(operation: "Publish") == nil)
        #expect(SQSAction.sendMessage.iamName == "sqs:SendMessage")
    }
}

/// Policies are checked when set, with messages that say what is wrong and what would be right.
@Suite struct AccessPolicyValidationTests {
    @Test func aWellFormedPolicyHasNoProblems() {
        let resource = AccessPolicy([allow(["sqs:SendMessage", "sqs:Receive*", "sqs:*", "*", "SQS:purgequeue"], for: ["*"])])
        #expect(resource.problems(as: .resource).isEmpty)
        let identity = AccessPolicy([deny(["sqs:StartMessageMoveTask"], on: ["arn:aws:sqs:*:*:*"])])
        #expect(identity.problems(as: .identity).isEmpty)
    }

    @Test func anUnknownActionIsReportedWithTheListOfSQSActions() throws {
        let problems = AccessPolicy([allow(["sqs:SendMesage"])]).problems(as: .identity)
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.statement == 0)
        #expect(problem.field == "actions[0]")
        #expect(problem.message.hasPrefix("unknown action \"sqs:SendMesage\"; sqs actions are AddPermission, "))
        for action in ["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "PurgeQueue",
                       "GetQueueAttributes", "SetQueueAttributes", "StartMessageMoveTask"] {
            #expect(problem.message.contains(action))
        }
    }

    @Test func aBatchOperationInAPolicyPointsToTheActionThatAuthorisesIt() {
        let problems = AccessPolicy([allow(["sqs:ReceiveMessage", "sqs:SendMessageBatch"])]).problems(as: .identity)
        #expect(problems == [PolicyProblem(statement: 0, field: "actions[1]",
                                           message: "SendMessageBatch is authorised by sqs:SendMessage; name that action instead")])
    }

    @Test func aWildcardActionThatMatchesNothingIsReported() {
        let problems = AccessPolicy([allow(["sqs:Publish*"])]).problems(as: .identity)
        #expect(problems.count == 1)
        #expect(problems.first?.message.hasPrefix("\"sqs:Publish*\" matches no action; sqs actions are ") == true)
    }

    @Test func snsActionsAreKnownAndPublishBatchIsAuthorisedByPublish() {
        #expect(AccessPolicy([allow(["sns:Publish", "sns:Subscribe", "sns:*"])]).problems(as: .identity).isEmpty)
        let problems = AccessPolicy([allow(["sns:PublishBatch"])]).problems(as: .identity)
        #expect(problems.map(\.message) == ["PublishBatch is authorised by sns:Publish; name that action instead"])
        var evaluator = AccessEvaluator()
        let topic = "arn:aws:sns:us-east-1:123456789012:events"
        evaluator.attachIdentityPolicy(AccessPolicy([allow(["sns:Publish"], on: [topic])]), to: "app")
        #expect(evaluator.decide(principal: "app", action: "sns:PublishBatch", resource: topic) == .allowed)
        #expect(evaluator.decide(principal: "app", action: "sns:Subscribe", resource: topic) == .implicitDeny)
    }

    @Test func anUnknownServicePrefixOrAMissingPrefixIsReported() {
        let problems = AccessPolicy([allow(["kinesis-video:PutMedia", "SendMessage"])]).problems(as: .identity)
        #expect(problems.map(\.description) == [
            "statement 0, actions[0]: unknown service prefix \"kinesis-video\"; known: sqs, sns, kinesis",
            "statement 0, actions[1]: \"SendMessage\" is not of the form service:Action, such as sqs:SendMessage, or \"*\"",
        ])
    }

    @Test func aResourcePolicyStatementMustNameAPrincipal() {
        let problems = AccessPolicy([allow(["sqs:SendMessage"], for: ["*"]), allow(["sqs:SendMessage"])]).problems(as: .resource)
        #expect(problems.map(\.statement) == [1])
        #expect(problems.map(\.field) == ["principals"])
    }

    @Test func anIdentityPolicyStatementNamesNoPrincipal() {
        let problems = AccessPolicy([allow(["sqs:SendMessage"], for: [producer])]).problems(as: .identity)
        #expect(problems.map(\.field) == ["principals"])
    }

    @Test func emptyListsAndEmptyPatternsAreReported() {
        let problems = AccessPolicy([PolicyStatement(effect: .allow, principals: ["", "*"], actions: [], resources: [orders, ""])])
            .problems(as: .resource)
        #expect(problems.map(\.field) == ["actions", "principals[0]", "resources[1]"])
    }
}

/// The wildcard matcher against a plain recursive definition, over many random patterns.
@Suite struct WildcardPatternTests {
    /// `*` matches any run (also none), `?` one character, anything else itself.
    static func reference(_ pattern: Substring, _ text: Substring) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == "*" {
            return reference(pattern.dropFirst(), text) || (!text.isEmpty && reference(pattern, text.dropFirst()))
        }
        guard let head = text.first, first == "?" || first == head else { return false }
        return reference(pattern.dropFirst(), text.dropFirst())
    }

    @Test func wildcardMatchingAgreesWithARecursiveDefinition() {
        let patternAlphabet: [Character] = ["a", "b", "*", "?"]
        let textAlphabet: [Character] = ["a", "b"]
        for seed in UInt64(1)...3_000 {
            var random = SplitMix64(seed: seed)
            let pattern = String((0..<random.int(0...7)).map { _ in patternAlphabet[random.int(0...3)] })
            let text = String((0..<random.int(0...9)).map { _ in textAlphabet[random.int(0...1)] })
            let expected = Self.reference(pattern[...], text[...])
            #expect(WildcardPattern(pattern, caseSensitive: true).matches(text) == expected,
                    "seed \(seed): \"\(pattern)\" against \"\(text)\"")
        }
    }

    @Test func caseInsensitivePatternsIgnoreCaseOnBothSides() {
        #expect(WildcardPattern("sqs:Send*", caseSensitive: false).matches("SQS:SENDMESSAGE"))
        #expect(!WildcardPattern("sqs:Send*", caseSensitive: true).matches("SQS:SENDMESSAGE"))
    }
}

/// Refused calls are counted per principal and action and read out in a fixed order.
@Suite struct DeniedCallCounterTests {
    @Test func deniedCallsAreCountedPerPrincipalAndActionInSortedOrder() {
        var counter = DeniedCallCounter()
        let deny = AccessEvaluator.Decision.explicitDeny(.init(policy: .resource, statement: 0))
        counter.record(.implicitDeny, principal: producer, action: "sqs:SendMessage")
        counter.record(deny, principal: producer, action: "sqs:SendMessage")
        counter.record(.allowed, principal: producer, action: "sqs:SendMessage")
        counter.record(.implicitDeny, principal: consumer, action: "sqs:ReceiveMessage")
        counter.record(deny, principal: consumer, action: "sqs:DeleteMessage")
        counter.record(.implicitDeny, principal: "*anonymous", action: "sqs:PurgeQueue")

        typealias Counts = DeniedCallCounter.Counts
        let rows = counter.byPrincipal()
        #expect(rows.map(\.principal) == ["*anonymous", consumer, producer])
        #expect(rows.map(\.counts) == [Counts(implicitDenies: 1), Counts(explicitDenies: 1, implicitDenies: 1),
                                       Counts(explicitDenies: 1, implicitDenies: 1)])
        #expect(rows[1].actions.map(\.action) == ["sqs:DeleteMessage", "sqs:ReceiveMessage"])
        #expect(rows[2].actions.map(\.counts) == [Counts(explicitDenies: 1, implicitDenies: 1)])
        #expect(counter.total == Counts(explicitDenies: 2, implicitDenies: 3))
    }

    @Test func theOrderDoesNotDependOnTheOrderOfCalls() {
        let principals = (0..<50).map { "arn:aws:iam::111122223333:role/p\($0)" }
        var forward = DeniedCallCounter(), backward = DeniedCallCounter()
        for principal in principals { forward.record(.implicitDeny, principal: principal, action: "sqs:SendMessage") }
        for principal in principals.reversed() { backward.record(.implicitDeny, principal: principal, action: "sqs:SendMessage") }
        #expect(forward.byPrincipal() == backward.byPrincipal())
        #expect(forward.byPrincipal().map(\.principal) == principals.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
