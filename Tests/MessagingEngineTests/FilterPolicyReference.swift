import MessagingEngine

/// A straightforward interpreter of filter policies that reads the policy's JSON at every
/// evaluation, used only to check the compiled matcher (`FilterPolicy`) in tests.
///
/// It assumes the policy was accepted by `FilterPolicy` (validation is not repeated) and walks
/// the policy recursively: objects AND their keys, `$or` ORs its objects, lists OR their elements.
/// Only the IP-range arithmetic is shared with the engine (`FilterPolicyCIDR`).
enum FilterPolicyReference {
    typealias Lookup = ([String]) -> (values: [FilterPolicyValue], present: Bool)

    static func matches(_ policy: FilterPolicyJSON, attributes: [String: FilterPolicyAttribute]) -> Bool {
        evaluate(policy, path: []) { path in
            switch attributes[path[0]] {
            // AWS: with no attributes at all even `exists: false` does not match; a key of an
            // empty map counts as present with no value, which no condition accepts.
            case nil: ([], attributes.isEmpty)
            case .binary: ([], true)
            case .string(let text): ([.string(text)], true)
            case .number(let number): ([.number(number)], true)
            case .stringArray(let elements): (elements, true)
            }
        }
    }

    static func matches(_ policy: FilterPolicyJSON, body: FilterPolicyJSON) -> Bool {
        evaluate(policy, path: []) { path in
            var frontier = [body]
            for key in path {
                frontier = flatten(frontier).compactMap { node in node[key] }
            }
            let values = flatten(frontier).compactMap(scalar)
            return (values, !values.isEmpty)
        }
    }

    private static func flatten(_ nodes: [FilterPolicyJSON]) -> [FilterPolicyJSON] {
        nodes.flatMap { node -> [FilterPolicyJSON] in
            if case .array(let elements) = node.kind { return flatten(elements) }
            return [node]
        }
    }

    private static func scalar(_ node: FilterPolicyJSON) -> FilterPolicyValue? {
        switch node.kind {
        case .string(let text): .string(text)
        case .number(let number): .number(number.value)
        case .bool(let flag): .bool(flag)
        case .null: .null
        default: nil
        }
    }

    private static func evaluate(_ policy: FilterPolicyJSON, path: [String], lookup: Lookup) -> Bool {
        guard case .object(let members) = policy.kind else { return false }
        return members.allSatisfy { member in
            if member.key == "$or" {
                guard case .array(let alternatives) = member.value.kind else { return false }
                return alternatives.contains { evaluate($0, path: path, lookup: lookup) }
            }
            switch member.value.kind {
            case .object:
                return evaluate(member.value, path: path + [member.key], lookup: lookup)
            case .array(let list):
                let (values, present) = lookup(path + [member.key])
                return list.contains { test($0, values: values, present: present) }
            default:
                return false
            }
        }
    }

    private static func strings(_ values: [FilterPolicyValue]) -> [String] {
        values.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    private static func numbers(_ values: [FilterPolicyValue]) -> [Double] {
        values.compactMap { if case .number(let number) = $0 { number } else { nil } }
    }

    private static func test(_ element: FilterPolicyJSON, values: [FilterPolicyValue], present: Bool) -> Bool {
        switch element.kind {
        case .string(let text): return strings(values).contains(text)
        case .number(let number): return numbers(values).contains(number.value)
        case .bool(let flag): return values.contains(.bool(flag))
        case .null: return values.contains(.null)
        case .array: return false
        case .object(let members):
            let name = members[0].key, operand = members[0].value
            switch (name, operand.kind) {
            case ("prefix", .string(let text)): return strings(values).contains { $0.hasPrefix(text) }
            case ("suffix", .string(let text)): return strings(values).contains { $0.hasSuffix(text) }
            case ("equals-ignore-case", .string(let text)): return strings(values).contains { $0.lowercased() == text.lowercased() }
            case ("wildcard", .string(let text)): return strings(values).contains { wildcard(Array(text), Array($0)) }
            case ("exists", .bool(let wanted)): return wanted ? values.contains { $0 != .null && $0 != .string("") } : !present
            case ("cidr", .string(let text)): return strings(values).contains { FilterPolicyCIDR(text)!.contains($0) }
            case ("numeric", .array(let terms)): return numbers(values).contains { numeric(terms, $0) }
            case ("anything-but", _): return anythingBut(operand, values: values)
            default: return false
            }
        }
    }

    private static func anythingBut(_ operand: FilterPolicyJSON, values: [FilterPolicyValue]) -> Bool {
        switch operand.kind {
        case .string(let text): return strings(values).contains { $0 != text }
        case .number(let number): return numbers(values).contains { $0 != number.value }
        case .array(let list):
            let excludedStrings = strings(list.compactMap(scalar))
            let excludedNumbers = numbers(list.compactMap(scalar))
            if !excludedStrings.isEmpty { return strings(values).contains { !excludedStrings.contains($0) } }
            return numbers(values).contains { !excludedNumbers.contains($0) }
        case .object(let members):
            guard case .string(let text) = members[0].value.kind else { return false }
            switch members[0].key {
            case "prefix": return strings(values).contains { !$0.hasPrefix(text) }
            case "suffix": return strings(values).contains { !$0.hasSuffix(text) }
            default: return strings(values).contains { !wildcard(Array(text), Array($0)) }
            }
        default: return false
        }
    }

    /// Each (operator, bound) pair must hold.
    private static func numeric(_ terms: [FilterPolicyJSON], _ value: Double) -> Bool {
        stride(from: 0, to: terms.count, by: 2).allSatisfy { index in
            guard case .string(let op) = terms[index].kind, case .number(let bound) = terms[index + 1].kind else { return false }
            switch op {
            case "=": return value == bound.value
            case "<": return value < bound.value
            case "<=": return value <= bound.value
            case ">": return value > bound.value
            default: return value >= bound.value
            }
        }
    }

    /// Backtracking match where `*` stands for any run of characters.
    private static func wildcard(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let head = pattern.first else { return text.isEmpty }
        if head == "*" {
            return (0...text.count).contains { wildcard(Array(pattern.dropFirst()), Array(text.dropFirst($0))) }
        }
        guard let first = text.first, first == head else { return false }
        return wildcard(Array(pattern.dropFirst()), Array(text.dropFirst()))
    }
}
