/// Turns a parsed policy into `$or` alternatives of key matchers, rejecting what AWS rejects.
struct FilterPolicyCompiler {
    static let operatorNames = ["prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but", "numeric", "exists", "cidr"]

    let scope: FilterPolicy.Scope

    init(scope: FilterPolicy.Scope) { self.scope = scope }

    private func fail(_ json: FilterPolicyJSON, _ reason: String) -> FilterPolicyOffsetError {
        FilterPolicyOffsetError(offset: json.offset, reason: reason)
    }

    mutating func compile(_ policy: FilterPolicyJSON) throws -> [[FilterPolicyKeyMatcher]] {
        guard case .object = policy.kind else { throw fail(policy, "a filter policy must be a JSON object such as {\"store\": [\"example\"]}") }
        let alternatives = try compileObject(policy, path: [])
        for alternative in alternatives {
            var paths: [[String]] = []
            for matcher in alternative where !paths.contains(matcher.path) { paths.append(matcher.path) }
            if paths.count > FilterPolicy.keyCountMax {
                let names = paths.map { $0.joined(separator: ".") }.joined(separator: ", ")
                throw fail(policy, "a filter policy may use at most \(FilterPolicy.keyCountMax) keys in each $or alternative; this one uses \(paths.count) (\(names))")
            }
        }
        return alternatives
    }

    private static func combinations(_ alternatives: [[FilterPolicyKeyMatcher]]) -> Int {
        alternatives.reduce(0) { total, alternative in
            total + alternative.reduce(1) { $0 * $1.conditions.count }
        }
    }

    private func compileObject(_ object: FilterPolicyJSON, path: [String]) throws -> [[FilterPolicyKeyMatcher]] {
        guard case .object(let members) = object.kind else { preconditionFailure("compileObject takes objects") }
        guard !members.isEmpty else { throw fail(object, "an empty object matches nothing; name at least one key") }
        var alternatives: [[FilterPolicyKeyMatcher]] = [[]]
        for member in members {
            let part: [[FilterPolicyKeyMatcher]]
            if member.key == "$or" {
                part = try compileOr(member.value, path: path)
            } else {
                part = try compileKey(member, path: path + [member.key])
            }
            // Every alternative has at least one combination, so a partial product never exceeds
            // the final count: checking here bounds the work as well as the policy.
            var product: [[FilterPolicyKeyMatcher]] = []
            for left in alternatives {
                for right in part { product.append(left + right) }
                if product.count > FilterPolicy.combinationCountMax { break }
            }
            alternatives = product
            let count = Self.combinations(alternatives)
            if count > FilterPolicy.combinationCountMax {
                throw FilterPolicyOffsetError(
                    offset: member.keyOffset,
                    reason: "a filter policy may have at most \(FilterPolicy.combinationCountMax) value combinations (the product of the lengths of the value lists, summed over $or alternatives); with '\(member.key)' it has at least \(count)")
            }
        }
        return alternatives
    }

    private func compileOr(_ value: FilterPolicyJSON, path: [String]) throws -> [[FilterPolicyKeyMatcher]] {
        guard case .array(let elements) = value.kind, elements.count >= 2 else {
            throw fail(value, "$or must be a list of at least 2 policy objects")
        }
        var alternatives: [[FilterPolicyKeyMatcher]] = []
        for element in elements {
            guard case .object = element.kind else { throw fail(element, "each element of $or must be a policy object") }
            alternatives += try compileObject(element, path: path)
        }
        return alternatives
    }

    private func compileKey(_ member: FilterPolicyJSON.Member, path: [String]) throws -> [[FilterPolicyKeyMatcher]] {
        let value = member.value
        switch value.kind {
        case .array(let elements):
            guard !elements.isEmpty else { throw fail(value, "the list of '\(member.key)' is empty and would match nothing") }
            return [[FilterPolicyKeyMatcher(path: path, conditions: try elements.map(condition))]]
        case .object where scope == .messageBody:
            return try compileObject(value, path: path)
        case .object:
            throw fail(value, "MessageAttributes policies are flat: the value of '\(member.key)' must be a list such as [\"value\"] (nested keys need FilterPolicyScope MessageBody)")
        default:
            throw fail(value, "the value of '\(member.key)' must be a list such as [\"value\"]\(scope == .messageBody ? " or a nested object" : "")")
        }
    }

    private func number(_ json: FilterPolicyJSON) throws -> Double {
        guard case .number(let number) = json.kind else { throw fail(json, "expected a number") }
        guard abs(number.value) <= FilterPolicy.numberMagnitudeMax else {
            throw fail(json, "numbers in a filter policy must be between -1e9 and 1e9")
        }
        guard number.decimalPlaces <= FilterPolicy.decimalPlacesMax else {
            throw fail(json, "numbers in a filter policy may have at most \(FilterPolicy.decimalPlacesMax) decimal places; this one has \(number.decimalPlaces)")
        }
        return number.value
    }

    private func string(_ json: FilterPolicyJSON, for name: String) throws -> String {
        guard case .string(let text) = json.kind else { throw fail(json, "the operand of '\(name)' must be a string") }
        return text
    }

    private func wildcard(_ json: FilterPolicyJSON, for name: String) throws -> FilterPolicyWildcard {
        let pattern = try string(json, for: name)
        if pattern.contains("**") { throw fail(json, "a wildcard pattern may not hold consecutive '*'") }
        return FilterPolicyWildcard(pattern)
    }

    private func condition(_ element: FilterPolicyJSON) throws -> FilterPolicyCondition {
        switch element.kind {
        case .string(let text): return .exactString(text)
        case .number: return .exactNumber(try number(element))
        case .bool(let flag): return .exactBool(flag)
        case .null: return .exactNull
        case .array: throw fail(element, "a value list cannot hold another list")
        case .object(let members):
            guard members.count == 1, let member = members.first else {
                throw fail(element, "an operator object holds exactly one operator, such as {\"prefix\": \"abc\"}")
            }
            return try operatorCondition(member)
        }
    }

    private func operatorCondition(_ member: FilterPolicyJSON.Member) throws -> FilterPolicyCondition {
        let operand = member.value
        switch member.key {
        case "prefix": return .prefix(try string(operand, for: "prefix"))
        case "suffix": return .suffix(try string(operand, for: "suffix"))
        case "equals-ignore-case": return .equalsIgnoreCase(try string(operand, for: "equals-ignore-case").lowercased())
        case "wildcard": return .wildcard(try wildcard(operand, for: "wildcard"))
        case "anything-but": return try anythingBut(operand)
        case "numeric": return try numeric(operand)
        case "exists":
            guard case .bool(let wanted) = operand.kind else { throw fail(operand, "the operand of 'exists' must be true or false") }
            return .exists(wanted)
        case "cidr":
            let text = try string(operand, for: "cidr")
            guard let range = FilterPolicyCIDR(text) else {
                throw fail(operand, "'\(text)' is not an IP address range such as 10.0.0.0/24 or 2001:db8::/32")
            }
            return .cidr(range)
        default:
            throw FilterPolicyOffsetError(offset: member.keyOffset,
                                          reason: "unknown operator '\(member.key)'; expected one of \(Self.operatorNames.joined(separator: ", "))")
        }
    }

    private func anythingBut(_ operand: FilterPolicyJSON) throws -> FilterPolicyCondition {
        switch operand.kind {
        case .string(let text): return .anythingButStrings([text])
        case .number: return .anythingButNumbers([try number(operand)])
        case .array(let elements):
            guard let first = elements.first else { throw fail(operand, "the list of 'anything-but' is empty") }
            if case .string = first.kind {
                return .anythingButStrings(try elements.map { element in
                    guard case .string(let text) = element.kind else { throw fail(element, "an 'anything-but' list holds only strings or only numbers") }
                    return text
                })
            }
            if case .number = first.kind {
                return .anythingButNumbers(try elements.map { element in
                    guard case .number = element.kind else { throw fail(element, "an 'anything-but' list holds only strings or only numbers") }
                    return try number(element)
                })
            }
            throw fail(first, "an 'anything-but' list holds only strings or only numbers")
        case .object(let members):
            guard members.count == 1, let member = members.first else {
                throw fail(operand, "'anything-but' takes one of {\"prefix\": …}, {\"suffix\": …}, {\"wildcard\": …}")
            }
            switch member.key {
            case "prefix": return .anythingButPrefix(try string(member.value, for: "anything-but prefix"))
            case "suffix": return .anythingButSuffix(try string(member.value, for: "anything-but suffix"))
            case "wildcard": return .anythingButWildcard(try wildcard(member.value, for: "anything-but wildcard"))
            default:
                throw FilterPolicyOffsetError(offset: member.keyOffset,
                                              reason: "unknown 'anything-but' operator '\(member.key)'; expected prefix, suffix or wildcard")
            }
        default:
            throw fail(operand, "'anything-but' takes a string, a number, a list of either, or {\"prefix\"|\"suffix\"|\"wildcard\": …}")
        }
    }

    private func numeric(_ operand: FilterPolicyJSON) throws -> FilterPolicyCondition {
        let usage = "'numeric' takes [\"<op>\", number] or a range [\">\"|\">=\", low, \"<\"|\"<=\", high] with op one of =, <, <=, >, >="
        guard case .array(let elements) = operand.kind, elements.count == 2 || elements.count == 4 else { throw fail(operand, usage) }
        func op(_ json: FilterPolicyJSON) throws -> String {
            guard case .string(let text) = json.kind, ["=", "<", "<=", ">", ">="].contains(text) else { throw fail(json, usage) }
            return text
        }
        let firstOp = try op(elements[0])
        let firstValue = try number(elements[1])
        if elements.count == 2 {
            switch firstOp {
            case "=": return .numeric(lower: firstValue, lowerInclusive: true, upper: firstValue, upperInclusive: true)
            case "<": return .numeric(lower: nil, lowerInclusive: false, upper: firstValue, upperInclusive: false)
            case "<=": return .numeric(lower: nil, lowerInclusive: false, upper: firstValue, upperInclusive: true)
            case ">": return .numeric(lower: firstValue, lowerInclusive: false, upper: nil, upperInclusive: false)
            default: return .numeric(lower: firstValue, lowerInclusive: true, upper: nil, upperInclusive: false)
            }
        }
        let secondOp = try op(elements[2])
        let secondValue = try number(elements[3])
        guard firstOp == ">" || firstOp == ">=" else { throw fail(elements[0], "a numeric range starts with a lower bound, \">\" or \">=\"") }
        guard secondOp == "<" || secondOp == "<=" else { throw fail(elements[2], "a numeric range ends with an upper bound, \"<\" or \"<=\"") }
        guard firstValue < secondValue else { throw fail(elements[3], "the numeric range is empty: the lower bound must be below the upper bound") }
        return .numeric(lower: firstValue, lowerInclusive: firstOp == ">=", upper: secondValue, upperInclusive: secondOp == "<=")
    }
}
