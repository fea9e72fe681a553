import MessagingEngine

/// Evaluations of a typical three-key SNS filter policy against message attributes: the work a
/// topic does per (message, subscription) before it delivers.
///
/// The policy is compiled once; the messages cycle through a fixed set that passes, fails on the
/// first key, on the numeric range and on a missing key, so no branch is favoured by the predictor
/// more than a real mix would allow.
public final class FilterPolicyEvaluation {
    /// What the evaluations did, for a test to check that the work was done.
    public struct Result: Equatable, Sendable {
        public var evaluations: Int
        public var matched: Int

        public init(evaluations: Int, matched: Int) {
            self.evaluations = evaluations
            self.matched = matched
        }
    }

    public static let policyText = #"""
        {"store": ["example_corp", "example_shop"],
         "event": [{"anything-but": ["order_cancelled"]}],
         "price_usd": [{"numeric": [">=", 100, "<", 500]}]}
        """#

    public let policy: FilterPolicy
    let messages: [[String: FilterPolicyAttribute]]
    var evaluations = 0
    var matched = 0

    public init() {
        do {
            policy = try FilterPolicy(Self.policyText)
        } catch {
            preconditionFailure("the benchmark policy is invalid: \(error)")
        }
        func message(_ store: String, _ event: String, _ price: Double?) -> [String: FilterPolicyAttribute] {
            var attributes: [String: FilterPolicyAttribute] = [
                "store": .string(store), "event": .string(event), "customer_interests": .string("soccer"),
            ]
            if let price { attributes["price_usd"] = .number(price) }
            return attributes
        }
        messages = [
            message("example_corp", "order_placed", 210.75),
            message("other_corp", "order_placed", 210.75),
            message("example_shop", "order_placed", 99.99),
            message("example_corp", "order_cancelled", 150),
            message("example_shop", "order_shipped", nil),
            message("example_shop", "order_shipped", 499.5),
            message("example_corp", "order_placed", 500),
            message("example_corp", "order_returned", 100),
        ]
    }

    /// Evaluates the policy `count` times, cycling through the messages; 3 of every 8 pass.
    @discardableResult
    public func run(evaluations count: Int) -> Result {
        var index = evaluations % messages.count
        for _ in 0..<count {
            if policy.matches(attributes: messages[index]) { matched += 1 }
            index += 1
            if index == messages.count { index = 0 }
        }
        evaluations += count
        return Result(evaluations: evaluations, matched: matched)
    }
}
