import SimKernel

/// An action a policy names, such as `sqs:SendMessage` or `sns:Publish`.
public protocol IAMAction: Hashable, Sendable {
    var iamName: String { get }
}

/// A resource's access control: the policies that decide who may call it, a cache of their
/// decisions, and the calls they refused. Queues and topics each hold one for their own actions.
public struct ResourceAccessControl<Action: IAMAction>: Sendable {
    public let evaluator: AccessEvaluator
    /// The ARN statements name the resource by.
    public let resource: String
    /// Policies do not change during a run, so each (principal, action) is decided once.
    var decisions: [DecisionKey: AccessEvaluator.Decision] = [:]
    public private(set) var denied = DeniedCallCounter()

    struct DecisionKey: Hashable, Sendable {
        var principal: String
        var action: Action
    }

    public init(evaluator: AccessEvaluator, resource: String) {
        self.evaluator = evaluator
        self.resource = resource
    }

    /// Decides a call and counts it when it is refused; the reason for a refusal, nil when allowed.
    /// Calls refused, per principal (sorted), as reports list them.
    public var deniedTotalsByPrincipal: [(principal: String, count: Int)] {
        denied.byPrincipal().map { ($0.principal, $0.counts.total) }
    }

    mutating func check(_ principal: String, _ action: Action, on name: String) -> String? {
        let key = DecisionKey(principal: principal, action: action)
        let decision: AccessEvaluator.Decision
        if let known = decisions[key] {
            decision = known
        } else {
            decision = evaluator.decide(principal: principal, action: action.iamName, resource: resource)
            decisions[key] = decision
        }
        switch decision {
        case .allowed:
            return nil
        case .explicitDeny(let statement):
            denied.record(decision, principal: principal, action: action.iamName)
            return "\(principal) may not \(action.iamName) on \(name): denied by the \(statement)"
        case .implicitDeny:
            denied.record(decision, principal: principal, action: action.iamName)
            return "\(principal) may not \(action.iamName) on \(name): no policy allows it"
        }
    }
}

extension SQSAction: IAMAction {}

public typealias QueueAccessControl = ResourceAccessControl<SQSAction>

extension ResourceAccessControl where Action == SQSAction {
    /// The ARN of a queue in the account every scenario runs in.
    public static func arn(ofQueue name: String) -> String { "arn:aws:sqs:us-east-1:123456789012:\(name)" }
}

extension Queue {
    /// Whether `principal` may call `action` on this queue; an AccessDenied error when not, counted
    /// per principal. A queue without access control lets every call through. Callers authorise
    /// a call where it reaches the queue, before making it.
    public func authorize(_ principal: String, _ action: SQSAction) -> QueueError? {
        guard accessControl != nil else { return nil }
        return accessControl!.check(principal, action, on: configuration.name).map(QueueError.accessDenied)
    }
}
