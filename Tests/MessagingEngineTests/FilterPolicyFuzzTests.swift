import MessagingEngine
import TestSupport
import Testing

/// The filter-policy parser must answer any text with a policy or a positioned error, never a crash.
@Suite struct FilterPolicyFuzzTests {
    static let alphabet = Array("{}[]:,\"\\ \n\t-+.eE0123456789abcdefnrtulsxyz*$<=>/ié")

    static let seeds = [
        #"{"store": ["example_corp"], "price": [{"numeric": [">", 0, "<=", 150]}], "event": [{"anything-but": {"prefix": "order-"}}]}"#,
        #"{"source_ip": [{"cidr": "10.0.0.0/24"}], "$or": [{"a": [{"exists": false}]}, {"b": [{"equals-ignore-case": "X"}]}]}"#,
        #"{"customer": {"tier": [{"wildcard": "gold*"}], "orders": {"total": [{"numeric": [">=", 100]}]}}}"#,
        #"{"k": {"DataType": "String.Array", "StringValue": "[\"a\", 1, true]"}, "n": {"DataType": "Number", "StringValue": "3.5"}}"#,
    ]

    /// Mutations of valid policies and attribute maps: every text must parse, compile or fail with
    /// a position inside the text (line ≥ 1, column ≥ 1).
    @Test func mutatedPoliciesNeverCrashTheParser() {
        var random = SplitMix64(seed: 20_261_127)
        var accepted = 0, rejected = 0
        for round in 0..<8_000 {
            var text = Array(Self.seeds[round % Self.seeds.count])
            for _ in 0..<(1 + Int(random.next() % 5)) {
                guard !text.isEmpty else { break }
                let at = Int(random.next() % UInt64(text.count))
                switch random.next() % 4 {
                case 0: text.remove(at: at)
                case 1: text.insert(Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))], at: at)
                case 2: text[at] = Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))]
                default:
                    let end = min(text.count, at + Int(random.next() % 30))
                    text.insert(contentsOf: text[at..<end], at: at)
                }
            }
            let source = String(text)
            for scope in FilterPolicy.Scope.allCases {
                do {
                    _ = try FilterPolicy(source, scope: scope)
                    accepted += 1
                } catch {
                    #expect(!error.reason.isEmpty, "round \(round): an error without a reason")
                    #expect(error.position.line >= 1 && error.position.column >= 1, "round \(round): \(error)")
                    rejected += 1
                }
            }
            do { _ = try FilterPolicyAttribute.parseMap(source) } catch { #expect(!error.reason.isEmpty) }
        }
        // Both outcomes must occur, or the mutations are not exercising the parser.
        #expect(accepted > 0 && rejected > 0, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func deeplyNestedOrRandomTextNeverCrashesTheParser() {
        var random = SplitMix64(seed: 99)
        for _ in 0..<4_000 {
            let length = Int(random.next() % 120)
            let text = String((0..<length).map { _ in Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))] })
            _ = try? FilterPolicy(text, scope: .messageBody)
        }
        // Nesting far past the parser's limit is an error, not a stack overflow.
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: FilterPolicyError.self) { try FilterPolicy.parseJSON(deep) }
    }
}
