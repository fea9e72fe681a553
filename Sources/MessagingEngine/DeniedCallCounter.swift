/// Counts refused calls per principal and action, for the report's security section.
///
/// Counts live in dictionaries; everything read out is sorted (principals, then actions, by their
/// UTF-8 bytes), so the order never depends on Swift's per-process hashing.
public struct DeniedCallCounter: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var explicitDenies = 0
        public var implicitDenies = 0
        public var total: Int { explicitDenies + implicitDenies }

        public init(explicitDenies: Int = 0, implicitDenies: Int = 0) {
            self.explicitDenies = explicitDenies
            self.implicitDenies = implicitDenies
        }
    }

    /// One principal's refused calls, in all and per action.
    public struct PrincipalDenials: Sendable, Equatable {
        public var principal: String
        public var counts: Counts
        /// Per action as the calls named it, sorted by action.
        public var actions: [ActionDenials]
    }

    public struct ActionDenials: Sendable, Equatable {
        public var action: String
        public var counts: Counts
    }

    private var counts: [String: [String: Counts]] = [:]
    public private(set) var total = Counts()

    public init() {}

    /// Counts `decision` if it refused the call; an allowed call is not counted.
    public mutating func record(_ decision: AccessEvaluator.Decision, principal: String, action: String) {
        switch decision {
        case .allowed:
            return
        case .explicitDeny:
            counts[principal, default: [:]][action, default: Counts()].explicitDenies += 1
            total.explicitDenies += 1
        case .implicitDeny:
            counts[principal, default: [:]][action, default: Counts()].implicitDenies += 1
            total.implicitDenies += 1
        }
    }

    /// Every principal with at least one refused call, sorted by principal.
    public func byPrincipal() -> [PrincipalDenials] {
        counts.map { principal, perAction in
            let actions = perAction.sorted { Self.precedes($0.key, $1.key) }.map { ActionDenials(action: $0.key, counts: $0.value) }
            let sum = actions.reduce(into: Counts()) {
                $0.explicitDenies += $1.counts.explicitDenies
                $0.implicitDenies += $1.counts.implicitDenies
            }
            return PrincipalDenials(principal: principal, counts: sum, actions: actions)
        }
        .sorted { Self.precedes($0.principal, $1.principal) }
    }

    /// Byte order, so sorting does not depend on Unicode normalisation or locale.
    private static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
