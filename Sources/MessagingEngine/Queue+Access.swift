import SimKernel

/// A queue's access control: the policies that decide who may call it, a cache of their
/// decisions, and the calls they refused.
public struct QueueAccessControl: Sendable {
    public let evaluator: AccessEvaluator
    /// The ARN statements name the queue by.
    public let resource: String
    /// Policies do not change during a run, so each (principal, action) is decided once.
    var decisions: [DecisionKey: AccessEvaluator.Decision] = [:]
    public private(set) var denied = DeniedCallCounter()

    struct DecisionKey: Hashable, Sendable {
        var principal: String
        var action: SQSAction
    }

    public init(evaluator: AccessEvaluator, resource: String) {
        self.evaluator = evaluator
        self.resource = resource
    }

    /// The ARN of a queue in the account every scenario runs in.
    public static func arn(ofQueue name: String) -> String { "arn:aws:sqs:us-east-1:123456789012:\(name)" }

    mutating func decide(_ principal: String, _ action: SQSAction) -> AccessEvaluator.Decision {
        let key = DecisionKey(principal: principal, action: action)
        if let known = decisions[key] { return known }
        let decision = evaluator.decide(principal: principal, action: action.iamName, resource: resource)
        decisions[key] = decision
        return decision
    }

    mutating func record(_ decision: AccessEvaluator.Decision, principal: String, action: SQSAction) {
        denied.record(decision, principal: principal, action: action.iamName)
    }
}

extension Queue {
    /// Whether `principal` may call `action` on this queue; an AccessDenied error when not, counted
    /// per principal. A queue without access control lets every call through. Callers authorise
    /// a call where it reaches the queue, before making it.
    public func authorize(_ principal: String, _ action: SQSAction) -> QueueError? {
        guard accessControl != nil else { return nil }
        let decision = accessControl!.decide(principal, action)
        switch decision {
        case .allowed:
            return nil
        case .explicitDeny(let statement):
            accessControl!.record(decision, principal: principal, action: action)
            return .accessDenied("\(principal) may not \(action.iamName) on \(configuration.name): denied by the \(statement)")
        case .implicitDeny:
            accessControl!.record(decision, principal: principal, action: action)
            return .accessDenied("\(principal) may not \(action.iamName) on \(configuration.name): no policy allows it")
        }
    }
}
