/// One statement of an IAM-style policy: an effect for some principals, actions and resources.
///
/// Every list is ORed: the statement applies to a call when the caller matches one of
/// `principals`, the action one of `actions` and the resource one of `resources`. Patterns may use
/// `*` (any run of characters, also none) and `?` (exactly one character). Actions match
/// case-insensitively (`SQS:sendmessage` is `sqs:SendMessage`), principals and resources
/// case-sensitively, as IAM does.
///
/// Not modelled: `NotPrincipal`, `NotAction`, `NotResource` and `Condition`.
public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable {
        case allow = "Allow"
        case deny = "Deny"
    }

    public var effect: Effect
    /// Principal ARNs such as `arn:aws:iam::111122223333:role/producer`, or `*` for everyone.
    /// Only a resource policy names principals; an identity policy applies to the principal it is
    /// attached to and leaves this empty.
    public var principals: [String]
    /// `sqs:SendMessage`, `sqs:Receive*`, `sqs:*` or `*`.
    public var actions: [String]
    /// Queue ARNs or names, with wildcards. Matched against the resource string a call names, so a
    /// scenario uses ARNs or names consistently.
    public var resources: [String]

    public init(effect: Effect, principals: [String] = [], actions: [String], resources: [String]) {
        self.effect = effect
        self.principals = principals
        self.actions = actions
        self.resources = resources
    }
}

/// A list of statements, attached either to a resource (a queue's `Policy` attribute) or to a
/// principal (an IAM identity policy).
public struct AccessPolicy: Sendable, Equatable {
    public enum Kind: Sendable {
        /// Attached to a queue; each statement names the principals it applies to.
        case resource
        /// Attached to a principal; statements name no principals.
        case identity
    }

    public var statements: [PolicyStatement]

    public init(_ statements: [PolicyStatement]) { self.statements = statements }

    /// The services whose actions a policy may name, with their actions and the batch operations
    /// those actions authorise.
    static let services: [(prefix: String, actions: [String], batchOperations: [(operation: String, authorizedBy: String)])] = [
        (SQSAction.servicePrefix, SQSAction.allCases.map(\.rawValue),
         SQSAction.batchOperations.map { ($0.operation, $0.authorizedBy.rawValue) }),
        (SNSAction.servicePrefix, SNSAction.allCases.map(\.rawValue),
         SNSAction.batchOperations.map { ($0.operation, $0.authorizedBy.rawValue) }),
        (KinesisAction.servicePrefix, KinesisAction.allCases.map(\.rawValue), []),
    ]

    /// Problems with the policy as a policy of `kind`, each naming the statement and field and
    /// saying what would be valid; empty when valid.
    public func problems(as kind: Kind) -> [PolicyProblem] {
        var found: [PolicyProblem] = []
        for (index, statement) in statements.enumerated() {
            func note(_ field: String, _ message: String) {
                found.append(PolicyProblem(statement: index, field: field, message: message))
            }
            switch kind {
            case .resource where statement.principals.isEmpty:
                note("principals", "a resource policy statement needs at least one principal (\"*\" for everyone)")
            case .identity where !statement.principals.isEmpty:
                note("principals", "an identity policy applies to the principal it is attached to; its statements name no principals")
            default:
                break
            }
            if statement.actions.isEmpty { note("actions", "a statement needs at least one action") }
            if statement.resources.isEmpty { note("resources", "a statement needs at least one resource") }
            for (i, principal) in statement.principals.enumerated() where principal.isEmpty {
                note("principals[\(i)]", "a principal cannot be empty")
            }
            for (i, resource) in statement.resources.enumerated() where resource.isEmpty {
                note("resources[\(i)]", "a resource cannot be empty")
            }
            for (i, action) in statement.actions.enumerated() {
                if let message = Self.actionProblem(action) { note("actions[\(i)]", message) }
            }
        }
        return found
    }

    /// Why `action` names no known action, or nil when it names at least one.
    static func actionProblem(_ action: String) -> String? {
        if action == "*" { return nil }
        guard let colon = action.firstIndex(of: ":") else {
            return "\"\(action)\" is not of the form service:Action, such as sqs:SendMessage, or \"*\""
        }
        let prefix = action[..<colon].lowercased()
        let name = String(action[action.index(after: colon)...])
        guard let service = services.first(where: { $0.prefix == prefix }) else {
            let known = services.map(\.prefix).joined(separator: ", ")
            return "unknown service prefix \"\(action[..<colon])\"; known: \(known)"
        }
        let pattern = WildcardPattern(name, caseSensitive: false)
        if service.actions.contains(where: { pattern.matches($0) }) { return nil }
        let listing = "\(service.prefix) actions are \(service.actions.joined(separator: ", "))"
        if !pattern.hasWildcard, let batch = service.batchOperations.first(where: { $0.operation.lowercased() == name.lowercased() }) {
            return "\(batch.operation) is authorised by \(service.prefix):\(batch.authorizedBy); name that action instead"
        }
        if pattern.hasWildcard { return "\"\(action)\" matches no action; \(listing)" }
        return "unknown action \"\(action)\"; \(listing)"
    }
}

/// What is wrong with a policy, and where.
public struct PolicyProblem: Sendable, Equatable, CustomStringConvertible {
    /// Index of the statement, from 0.
    public var statement: Int
    /// The field, with an element index where one applies: `actions[2]`.
    public var field: String
    public var message: String

    public init(statement: Int, field: String, message: String) {
        self.statement = statement
        self.field = field
        self.message = message
    }

    public var description: String { "statement \(statement), \(field): \(message)" }
}

/// A pattern in which `*` matches any run of characters (also none) and `?` exactly one.
struct WildcardPattern: Sendable, Equatable {
    let scalars: [Unicode.Scalar]
    let caseSensitive: Bool
    let hasWildcard: Bool

    init(_ text: String, caseSensitive: Bool) {
        scalars = Array((caseSensitive ? text : text.lowercased()).unicodeScalars)
        self.caseSensitive = caseSensitive
        hasWildcard = scalars.contains("*") || scalars.contains("?")
    }

    func matches(_ text: String) -> Bool {
        matches(Self.subject(text, caseSensitive: caseSensitive))
    }

    /// `text` prepared for `matches(_:)`: lowercased when matching is case-insensitive.
    static func subject(_ text: String, caseSensitive: Bool) -> [Unicode.Scalar] {
        Array((caseSensitive ? text : text.lowercased()).unicodeScalars)
    }

    /// Greedy matching that backs up only to the latest `*`, which is enough because a later `*`
    /// can absorb whatever an earlier one would have.
    ///
    /// - Complexity: O(pattern × subject) in the worst case, linear for patterns with one `*`.
    func matches(_ subject: [Unicode.Scalar]) -> Bool {
        var p = 0, s = 0
        var starAt = -1, resumeAt = 0
        while s < subject.count {
            if p < scalars.count, scalars[p] == "*" {
                starAt = p
                resumeAt = s
                p += 1
            } else if p < scalars.count, scalars[p] == "?" || scalars[p] == subject[s] {
                p += 1
                s += 1
            } else if starAt >= 0 {
                p = starAt + 1
                resumeAt += 1
                s = resumeAt
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
