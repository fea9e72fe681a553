import MessagingEngine
import Testing
import TestSupport

/// Randomly generated policies and messages evaluate the same through the compiled matcher and
/// the reference interpreter. A failure names the seed; `SLUICE_SEED=<n>` replays it alone.
@Suite struct FilterPolicyPropertyTests {
    static let seedCount: UInt64 = 400
    static let keys = ["a", "b", "c", "d"]
    static let strings = ["red", "Red", "green", "blue", "bluegreen", "", "10.0.0.7", "10.0.1.9", "2001:db8::1", "x*y"]
    static let numbers = ["0", "1", "2.5", "-3", "100", "150", "0.00001"]

    /// Random generation of policy and message texts from one seeded stream.
    struct Generator {
        var random: SplitMix64

        mutating func pick<T>(_ options: [T]) -> T { options[random.int(0...(options.count - 1))] }

        mutating func quoted() -> String { "\"\(pick(FilterPolicyPropertyTests.strings))\"" }

        mutating func condition() -> String {
            switch random.int(0...14) {
            case 0: return quoted()
            case 1: return pick(FilterPolicyPropertyTests.numbers)
            case 2: return "{\"prefix\": \"\(pick(["b", "r", "R", "10.", ""]))\"}"
            case 3: return "{\"suffix\": \"\(pick(["e", "green", "d", "9"]))\"}"
            case 4: return "{\"equals-ignore-case\": \"\(pick(["RED", "blue", "Green"]))\"}"
            case 5: return "{\"wildcard\": \"\(pick(["b*e", "*e*", "*", "r*d", "10.*.7", "*green"]))\"}"
            case 6: return "{\"anything-but\": \(random.chance(50) ? quoted() : pick(FilterPolicyPropertyTests.numbers))}"
            case 7:
                let list = random.chance(50) ? [quoted(), quoted()] : [pick(FilterPolicyPropertyTests.numbers), pick(FilterPolicyPropertyTests.numbers)]
                return "{\"anything-but\": [\(list.joined(separator: ", "))]}"
            case 8: return "{\"anything-but\": {\"\(pick(["prefix", "suffix", "wildcard"]))\": \"\(pick(["b", "e", "*e*", "r*"]))\"}}"
            case 9: return "{\"numeric\": [\"\(pick(["=", "<", "<=", ">", ">="]))\", \(pick(FilterPolicyPropertyTests.numbers))]}"
            case 10:
                let low = random.int(-5...100), high = low + random.int(1...100)
                return "{\"numeric\": [\"\(pick([">", ">="]))\", \(low), \"\(pick(["<", "<="]))\", \(high)]}"
            case 11: return "{\"exists\": \(random.chance(50))}"
            case 12: return "{\"cidr\": \"\(pick(["10.0.0.0/24", "10.0.0.0/8", "2001:db8::/32", "0.0.0.0/0"]))\"}"
            case 13: return pick(["true", "false", "null"])
            default: return quoted()
            }
        }

        mutating func list() -> String {
            "[" + (0..<random.int(1...3)).map { _ in condition() }.joined(separator: ", ") + "]"
        }

        /// A policy object; nested objects only in body scope, `$or` sometimes.
        mutating func policy(nested: Bool, depth: Int) -> String {
            var names = FilterPolicyPropertyTests.keys
            var members: [String] = []
            for _ in 0..<random.int(1...2) {
                let name = names.remove(at: random.int(0...(names.count - 1)))
                let value = nested && depth > 0 && random.chance(35) ? policy(nested: nested, depth: depth - 1) : list()
                members.append("\"\(name)\": \(value)")
            }
            if depth > 0, random.chance(30) {
                let alternatives = (0..<random.int(2...3)).map { _ in policy(nested: nested, depth: depth - 1) }
                members.append("\"$or\": [\(alternatives.joined(separator: ", "))]")
            }
            return "{" + members.joined(separator: ", ") + "}"
        }

        mutating func scalar() -> String {
            random.chance(60) ? quoted() : random.chance(80) ? pick(FilterPolicyPropertyTests.numbers + ["7", "42"]) : pick(["true", "false", "null"])
        }

        mutating func attributes() -> [String: FilterPolicyAttribute] {
            var result: [String: FilterPolicyAttribute] = [:]
            for key in FilterPolicyPropertyTests.keys {
                switch random.int(0...5) {
                case 0: continue
                case 1: result[key] = .number(Double(pick(FilterPolicyPropertyTests.numbers + ["7", "42", "149.99"]))!)
                case 2: result[key] = .binary
                case 3:
                    result[key] = .stringArray((0..<random.int(0...3)).map { _ in
                        FilterPolicyValue.scalarForTest(scalar())
                    })
                default: result[key] = .string(pick(FilterPolicyPropertyTests.strings))
                }
            }
            return result
        }

        mutating func body(depth: Int) -> String {
            switch random.int(0...9) {
            case 0...3 where depth > 0:
                var names = FilterPolicyPropertyTests.keys
                var members: [String] = []
                for _ in 0..<random.int(1...3) {
                    let name = names.remove(at: random.int(0...(names.count - 1)))
                    members.append("\"\(name)\": \(body(depth: depth - 1))")
                }
                return "{" + members.joined(separator: ", ") + "}"
            case 4...5 where depth > 0:
                return "[" + (0..<random.int(0...3)).map { _ in body(depth: depth - 1) }.joined(separator: ", ") + "]"
            default:
                return scalar()
            }
        }
    }

    @Test func compiledMatcherAgreesWithTheReferenceInterpreterOnAttributes() throws {
        var outcomes = [0, 0]
        for seed in RandomizedRuns.seeds(count: Self.seedCount) {
            RandomizedRuns.trace("FilterPolicyPropertyTests.attributes", seed: seed)
            var generator = Generator(random: SplitMix64(seed: seed))
            let text = generator.policy(nested: false, depth: 1)
            guard let policy = try? FilterPolicy(text) else { continue }
            for _ in 0..<20 {
                let attributes = generator.attributes()
                let compiled = policy.matches(attributes: attributes)
                let reference = FilterPolicyReference.matches(policy.json, attributes: attributes)
                #expect(compiled == reference, "seed \(seed): policy \(text), attributes \(attributes): compiled \(compiled), reference \(reference)")
                outcomes[compiled ? 1 : 0] += 1
            }
        }
        if RandomizedRuns.seeds(count: Self.seedCount).count > 1 {
            #expect(outcomes[0] > 500 && outcomes[1] > 500, "the generator should make both outcomes common: \(outcomes)")
        }
    }

    @Test func compiledMatcherAgreesWithTheReferenceInterpreterOnBodies() throws {
        var outcomes = [0, 0]
        for seed in RandomizedRuns.seeds(count: Self.seedCount) {
            RandomizedRuns.trace("FilterPolicyPropertyTests.bodies", seed: seed)
            var generator = Generator(random: SplitMix64(seed: seed))
            let text = generator.policy(nested: true, depth: 2)
            guard let policy = try? FilterPolicy(text, scope: .messageBody) else { continue }
            for _ in 0..<20 {
                let bodyText = "{" + Self.keys.filter { _ in generator.random.chance(85) }
                    .map { "\"\($0)\": \(generator.body(depth: 3))" }.joined(separator: ", ") + "}"
                let body = try FilterPolicy.parseJSON(bodyText)
                let compiled = policy.matches(body: body)
                let reference = FilterPolicyReference.matches(policy.json, body: body)
                #expect(compiled == reference, "seed \(seed): policy \(text), body \(bodyText): compiled \(compiled), reference \(reference)")
                outcomes[compiled ? 1 : 0] += 1
            }
        }
        if RandomizedRuns.seeds(count: Self.seedCount).count > 1 {
            #expect(outcomes[0] > 300 && outcomes[1] > 300, "the generator should make both outcomes common: \(outcomes)")
        }
    }
}

extension FilterPolicyValue {
    /// The value a JSON scalar literal written by the generator stands for.
    static func scalarForTest(_ literal: String) -> FilterPolicyValue {
        switch literal {
        case "true": .bool(true)
        case "false": .bool(false)
        case "null": .null
        default: literal.hasPrefix("\"") ? .string(String(literal.dropFirst().dropLast())) : .number(Double(literal)!)
        }
    }
}
