/// An SNS subscription filter policy, validated and compiled once when it is set.
///
/// A policy is a JSON object. Its keys are ANDed; each key's value is a list whose elements (values
/// and operators) are ORed; `"$or": [{…}, {…}]` ORs whole policy objects and may sit beside ANDed
/// keys. In `MessageAttributes` scope (the default) keys name message attributes and the policy is
/// flat; in `MessageBody` scope the message body is JSON and nested policy objects follow nested
/// keys. An attribute or body array matches when any of its elements matches, and arrays met on
/// the way down a body path are flattened, so a path through an array of objects collects the
/// field from every object.
///
/// Compilation expands `$or` into alternatives (each a list of key matchers), which is also how the
/// limits are counted: every alternative names at most `keyCountMax` keys, and the value
/// combinations (per alternative the product of its lists' lengths, summed over alternatives) are
/// at most `combinationCountMax`.
///
/// Semantics of presence (AWS, "Key matching"): `exists: true` holds when the key has at least one
/// value that is neither null nor the empty string (a Binary attribute, an empty String.Array or
/// a body key holding only objects or empty arrays has none); `exists: false` holds when the
/// attribute is absent or, in a body, when the path leads to no value — but never for a message
/// with no attributes at all, which AWS says a filter with `exists: false` does not match.
public struct FilterPolicy: Sendable {
    public enum Scope: String, Sendable, CaseIterable {
        case messageAttributes = "MessageAttributes"
        case messageBody = "MessageBody"
    }

    public static let keyCountMax = 5
    public static let combinationCountMax = 150
    public static let numberMagnitudeMax = 1e9
    public static let decimalPlacesMax = 5

    public let scope: Scope
    /// The policy as parsed, for tools that want to show or re-read it.
    public let json: FilterPolicyJSON
    /// The `$or` alternatives; the policy matches when any alternative's key matchers all match.
    let alternatives: [[FilterPolicyKeyMatcher]]

    /// Parses, validates and compiles a policy; an error names the line:column and the reason.
    public init(_ text: String, scope: Scope = .messageAttributes) throws(FilterPolicyError) {
        let json = try FilterPolicyJSONParser.parse(text)
        do {
            try self.init(json: json, scope: scope)
        } catch let error as FilterPolicyOffsetError {
            throw error.positioned(in: text)
        } catch {
            preconditionFailure("policy compilation throws only offset errors")
        }
    }

    init(json: FilterPolicyJSON, scope: Scope) throws {
        self.scope = scope
        self.json = json
        var compiler = FilterPolicyCompiler(scope: scope)
        alternatives = try compiler.compile(json)
    }

    /// Whether a message with these attributes passes (scope `MessageAttributes`).
    public func matches(attributes: [String: FilterPolicyAttribute]) -> Bool {
        precondition(scope == .messageAttributes, "an attribute-scope policy is evaluated against attributes")
        // With no attributes at all every key counts as present without a value: nothing matches,
        // not even `exists: false`.
        if attributes.isEmpty {
            return alternatives.contains { $0.allSatisfy { $0.matches(values: [], present: true) } }
        }
        for alternative in alternatives {
            var passes = true
            for matcher in alternative where !matcher.matches(attributes[matcher.path[0]]) {
                passes = false
                break
            }
            if passes { return true }
        }
        return false
    }

    /// Whether a message with this JSON body passes (scope `MessageBody`).
    public func matches(body: FilterPolicyJSON) -> Bool {
        precondition(scope == .messageBody, "a body-scope policy is evaluated against a body")
        var values: [FilterPolicyValue] = []
        for alternative in alternatives {
            var passes = true
            for matcher in alternative {
                values.removeAll(keepingCapacity: true)
                FilterPolicyKeyMatcher.collect(body, path: matcher.path[...], into: &values)
                if !matcher.matches(values: values, present: !values.isEmpty) {
                    passes = false
                    break
                }
            }
            if passes { return true }
        }
        return false
    }

    /// Parses a JSON text (a message body), reporting the position of an error.
    public static func parseJSON(_ text: String) throws(FilterPolicyError) -> FilterPolicyJSON {
        try FilterPolicyJSONParser.parse(text)
    }
}

/// The conditions one key (a path in body scope) must meet; any one condition suffices.
struct FilterPolicyKeyMatcher: Sendable, Equatable {
    var path: [String]
    var conditions: [FilterPolicyCondition]

    @inline(__always)
    func matches(_ attribute: FilterPolicyAttribute?) -> Bool {
        switch attribute {
        case nil: return matches(values: [], present: false)
        case .binary: return false
        case .string(let text): return matches(single: .string(text))
        case .number(let number): return matches(single: .number(number))
        case .stringArray(let elements): return matches(values: elements, present: true)
        }
    }

    @inline(__always)
    private func matches(single value: FilterPolicyValue) -> Bool {
        for condition in conditions {
            if case .exists(let wanted) = condition {
                if wanted && value.countsAsPresent { return true }
            } else if condition.matches(value) {
                return true
            }
        }
        return false
    }

    func matches(values: [FilterPolicyValue], present: Bool) -> Bool {
        for condition in conditions {
            if case .exists(let wanted) = condition {
                if wanted ? values.contains(where: \.countsAsPresent) : !present { return true }
            } else if values.contains(where: condition.matches) {
                return true
            }
        }
        return false
    }

    /// The scalar values at `path` in a body, flattening every array met on the way and at the end.
    static func collect(_ node: FilterPolicyJSON, path: ArraySlice<String>, into values: inout [FilterPolicyValue]) {
        switch node.kind {
        case .array(let elements):
            for element in elements { collect(element, path: path, into: &values) }
        case .object(let members):
            guard let key = path.first, let member = members.first(where: { $0.key == key }) else { return }
            collect(member.value, path: path.dropFirst(), into: &values)
        default:
            if path.isEmpty, let value = FilterPolicyValue.scalar(node) { values.append(value) }
        }
    }
}
