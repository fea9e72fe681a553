/// Decides whether a principal may make a call, from the resource policies of queues and the
/// identity policies of principals, the way IAM does for calls within one account.
///
/// The order of evaluation, as in IAM:
/// 1. An explicit `Deny` in any applicable statement — of the principal's identity policies or of
///    the resource's policy — refuses the call, whatever allows it.
/// 2. Otherwise an `Allow` in any applicable statement of either kind permits it.
/// 3. Otherwise the call is refused by default (implicit deny).
///
/// Same-account simplification: every principal and resource is taken to be in one account, where
/// an allow in *either* the identity policy or the resource policy suffices. Across accounts IAM
/// needs an allow on *both* sides; that is not modelled. Principal patterns are matched against
/// the caller's ARN as written; an account principal (`arn:aws:iam::111122223333:root`) is not
/// expanded to the roles and users of that account.
///
/// Policies are looked up by the exact strings a call names, so a scenario attaches resource
/// policies under the same queue ARN or name its calls use. Decisions depend only on the policies
/// and the call, so a caller may cache them per (principal, action, resource) until a policy
/// changes.
public struct AccessEvaluator: Sendable {
    /// Which policy a statement belongs to, and its index there.
    public struct StatementReference: Hashable, Sendable, CustomStringConvertible {
        public enum Policy: Hashable, Sendable {
            /// The resource policy of the resource the call names.
            case resource
            /// The principal's identity policy at this index, in the order they were attached.
            case identity(Int)
        }

        public var policy: Policy
        /// Index of the statement in its policy, from 0.
        public var statement: Int

        public init(policy: Policy, statement: Int) {
            self.policy = policy
            self.statement = statement
        }

        public var description: String {
            switch policy {
            case .resource: "resource policy, statement \(statement)"
            case .identity(let index): "identity policy \(index), statement \(statement)"
            }
        }
    }

    public enum Decision: Hashable, Sendable {
        case allowed
        /// Refused by this `Deny` statement: the first applicable one, taking identity policies in
        /// the order attached, then the resource policy, each in statement order.
        case explicitDeny(StatementReference)
        /// Refused because no statement allows the call.
        case implicitDeny

        public var isAllowed: Bool { self == .allowed }
    }

    /// A statement with its patterns prepared for matching.
    struct CompiledStatement: Sendable {
        var effect: PolicyStatement.Effect
        var principals: [WildcardPattern]
        var actions: [WildcardPattern]
        var resources: [WildcardPattern]

        init(_ statement: PolicyStatement) {
            effect = statement.effect
            principals = statement.principals.map { WildcardPattern($0, caseSensitive: true) }
            actions = statement.actions.map { WildcardPattern($0, caseSensitive: false) }
            resources = statement.resources.map { WildcardPattern($0, caseSensitive: true) }
        }
    }

    private var resourcePolicies: [String: [CompiledStatement]] = [:]
    private var identityPolicies: [String: [[CompiledStatement]]] = [:]

    public init() {}

    /// Sets the policy of `resource`, replacing any earlier one (as SetQueueAttributes does).
    ///
    /// - Precondition: `policy.problems(as: .resource)` is empty; callers validate user input first.
    public mutating func setResourcePolicy(_ policy: AccessPolicy, for resource: String) {
        let problems = policy.problems(as: .resource)
        precondition(problems.isEmpty, "invalid resource policy for \(resource): \(problems)")
        resourcePolicies[resource] = policy.statements.map(CompiledStatement.init)
    }

    /// Attaches one more identity policy to `principal`; it gets the next index.
    ///
    /// - Precondition: `policy.problems(as: .identity)` is empty; callers validate user input first.
    public mutating func attachIdentityPolicy(_ policy: AccessPolicy, to principal: String) {
        let problems = policy.problems(as: .identity)
        precondition(problems.isEmpty, "invalid identity policy for \(principal): \(problems)")
        identityPolicies[principal, default: []].append(policy.statements.map(CompiledStatement.init))
    }

    /// The decision for `principal` calling `action` on `resource`.
    ///
    /// `action` is `service:Operation`; a batch operation (`sqs:SendMessageBatch`) is decided as
    /// the action that authorises it (`sqs:SendMessage`).
    ///
    /// - Complexity: O(statements × patterns × pattern length) of the policies that apply.
    public func decide(principal: String, action: String, resource: String) -> Decision {
        let principalSubject = WildcardPattern.subject(principal, caseSensitive: true)
        let actionSubject = WildcardPattern.subject(Self.authorizingAction(action), caseSensitive: false)
        let resourceSubject = WildcardPattern.subject(resource, caseSensitive: true)

        var allowed = false
        for (policyIndex, statements) in (identityPolicies[principal] ?? []).enumerated() {
            for (index, statement) in statements.enumerated()
            where statement.actions.contains(where: { $0.matches(actionSubject) })
                && statement.resources.contains(where: { $0.matches(resourceSubject) }) {
                if statement.effect == .deny {
                    return .explicitDeny(StatementReference(policy: .identity(policyIndex), statement: index))
                }
                allowed = true
            }
        }
        for (index, statement) in (resourcePolicies[resource] ?? []).enumerated()
        where statement.principals.contains(where: { $0.matches(principalSubject) })
            && statement.actions.contains(where: { $0.matches(actionSubject) })
            && statement.resources.contains(where: { $0.matches(resourceSubject) }) {
            if statement.effect == .deny {
                return .explicitDeny(StatementReference(policy: .resource, statement: index))
            }
            allowed = true
        }
        return allowed ? .allowed : .implicitDeny
    }

    /// `sqs:SendMessageBatch` → `sqs:SendMessage`; any other action unchanged.
    static func authorizingAction(_ action: String) -> String {
        guard let colon = action.firstIndex(of: ":") else { return action }
        let prefix = action[..<colon].lowercased()
        let operation = action[action.index(after: colon)...].lowercased()
        guard let service = AccessPolicy.services.first(where: { $0.prefix == prefix }),
              let batch = service.batchOperations.first(where: { $0.operation.lowercased() == operation })
        else { return action }
        return service.prefix + ":" + batch.authorizedBy
    }
}
