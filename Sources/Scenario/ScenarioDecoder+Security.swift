import MessagingEngine
import Stochastic
import Workloads
import Yams

/// Access policies, KMS and the extended client's object store in scenario files.
extension ScenarioBuilder {
    /// A list of policy statements: `{ effect: allow, principals: [...], actions: [...], resources: [...] }`.
    /// `resources` defaults to `defaultResource` (the queue a resource policy is attached to).
    func policy(_ node: Node, _ path: String, kind: AccessPolicy.Kind, defaultResource: String?) -> AccessPolicy? {
        guard let items = reader.sequence(node, path) else { return nil }
        var statements: [PolicyStatement] = []
        var ok = true
        for (i, item) in items.enumerated() {
            let itemPath = "\(path)[\(i)]"
            guard let fields = reader.mapping(item, itemPath, allowed: ScenarioKeys.statement) else { ok = false; continue }
            func strings(_ key: String) -> [String]? {
                guard let n = fields[key] else { return [] }
                if case .scalar = n { return reader.string(n, fields.path(key)).map { [$0] } }
                guard let list = reader.sequence(n, fields.path(key)) else { return nil }
                let values = list.enumerated().compactMap { reader.string($1, fields.path(key) + "[\($0)]") }
                return values.count == list.count ? values : nil
            }
            var effect: PolicyStatement.Effect?
            if let n = fields["effect"], let text = reader.string(n, fields.path("effect")) {
                switch text.lowercased() {
                case "allow": effect = .allow
                case "deny": effect = .deny
                default: reader.fail(n, fields.path("effect"), "'\(text)' is not an effect; expected allow or deny")
                }
            } else if fields["effect"] == nil {
                reader.fail(item, fields.path("effect"), "missing; a statement needs effect: allow or deny")
            }
            guard let effect, let principals = strings("principals"), let actions = strings("actions"),
                  var resources = strings("resources") else { ok = false; continue }
            if resources.isEmpty, let defaultResource { resources = [defaultResource] }
            statements.append(PolicyStatement(effect: effect, principals: principals, actions: actions, resources: resources))
        }
        let policy = AccessPolicy(statements)
        for problem in policy.problems(as: kind) {
            reader.fail(items.indices.contains(problem.statement) ? items[problem.statement] : node,
                        "\(path)[\(problem.statement)].\(problem.field)", problem.message)
            ok = false
        }
        return ok ? policy : nil
    }

    /// `principals:` — identity policies by principal ARN.
    func identityPolicies(_ node: Node) -> [(principal: String, policy: AccessPolicy)] {
        guard case .mapping(let mapping) = node else {
            reader.fail(node, "principals", "expected a mapping from principal ARNs to lists of policy statements")
            return []
        }
        var result: [(String, AccessPolicy)] = []
        for (key, value) in mapping {
            guard let principal = reader.string(key, "principals") else { continue }
            if let policy = policy(value, "principals.\(principal)", kind: .identity, defaultResource: nil) {
                result.append((principal, policy))
            }
        }
        return result
    }

    /// `objectStore:` — the S3 bucket behind the extended client.
    func objectStore(_ node: Node) -> ObjectStoreSpecification? {
        guard let fields = reader.mapping(node, "objectStore", allowed: ScenarioKeys.objectStore) else { return nil }
        let zero = Distribution.constant(0)
        let put = fields["putLatency"].map { distribution($0, fields.path("putLatency"), kind: .duration) } ?? zero
        let get = fields["getLatency"].map { distribution($0, fields.path("getLatency"), kind: .duration) } ?? zero
        let delete = fields["deleteLatency"].map { distribution($0, fields.path("deleteLatency"), kind: .duration) } ?? zero
        let failure = fields["failureProbability"].map { reader.probability($0, fields.path("failureProbability")) } ?? 0
        guard let put, let get, let delete, let failure else { return nil }
        return ObjectStoreSpecification(putLatency: put, getLatency: get, deleteLatency: delete, failureProbability: failure)
    }

    /// `extendedClient: { threshold: 256KiB, alwaysThroughS3: false }` on a producer.
    func extendedClient(_ node: Node, _ path: String) -> ExtendedClientPolicy? {
        guard let fields = reader.mapping(node, path, allowed: ScenarioKeys.extendedClient) else { return nil }
        var policy = ExtendedClientPolicy()
        if let n = fields["threshold"] {
            guard let bytes = reader.size(n, fields.path("threshold"), in: ExtendedClientPolicy.thresholdBytesRange) else { return nil }
            policy.thresholdBytes = bytes
        }
        if let n = fields["alwaysThroughS3"] {
            guard let always = reader.boolean(n, fields.path("alwaysThroughS3")) else { return nil }
            policy.alwaysThroughS3 = always
        }
        return policy
    }
}
