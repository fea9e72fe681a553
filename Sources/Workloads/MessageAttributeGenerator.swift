import MessagingEngine
import Stochastic

/// Makes one message attribute (or one field of a JSON body) per message, as a scenario describes
/// it, so subscription filter policies have real values to match.
public struct MessageAttributeGenerator: Sendable {
    public enum Values: Sendable {
        /// A `String`: one of the values, chosen with the given weights.
        case string([WeightedValue])
        /// A `String.Array` of `count` values, each chosen with the given weights.
        case stringArray([WeightedValue], count: Int)
        /// A `Number` drawn from the distribution, rounded to `decimalPlaces` (SNS keeps 5).
        case number(Distribution, decimalPlaces: Int)
        /// A `Binary` value of this many bytes; filter policies never match it.
        case binary(bytes: Int)
    }

    public struct WeightedValue: Sendable, Equatable {
        public var value: String
        public var weight: Double
        public init(value: String, weight: Double) {
            self.value = value
            self.weight = weight
        }
    }

    /// The attribute name; for a body field, a dotted path (`order.status`) into nested objects.
    public var name: String
    public var values: Values

    public init(name: String, values: Values) {
        self.name = name
        self.values = values
    }

    /// One attribute value.
    public func attribute(_ rng: RandomStream) -> TopicMessageAttribute {
        switch values {
        case .string(let choices):
            let value = Self.choose(choices, rng)
            return TopicMessageAttribute(name: name, value: .string(value), valueBytes: value.utf8.count)
        case .stringArray(let choices, let count):
            let elements = (0..<count).map { _ in Self.choose(choices, rng) }
            // Sent as the JSON text of the array: ["a","b"].
            let bytes = 2 + elements.reduce(0) { $0 + $1.utf8.count + 2 } + max(0, elements.count - 1)
            return TopicMessageAttribute(name: name, value: .stringArray(elements.map { .string($0) }), valueBytes: bytes)
        case .number(let distribution, let places):
            let number = Self.rounded(distribution.sample(rng, truncatedAtZero: false), places: places)
            return TopicMessageAttribute(name: name, value: .number(number), valueBytes: Self.text(number).utf8.count)
        case .binary(let bytes):
            return TopicMessageAttribute(name: name, value: .binary, valueBytes: bytes)
        }
    }

    /// The same value as a JSON body field.
    public func field(_ rng: RandomStream) -> FilterPolicyJSON {
        switch values {
        case .string(let choices):
            return FilterPolicyJSON(.string(Self.choose(choices, rng)))
        case .stringArray(let choices, let count):
            return FilterPolicyJSON(.array((0..<count).map { _ in FilterPolicyJSON(.string(Self.choose(choices, rng))) }))
        case .number(let distribution, let places):
            let number = Self.rounded(distribution.sample(rng, truncatedAtZero: false), places: places)
            return FilterPolicyJSON(.number(.init(value: number, decimalPlaces: places)))
        case .binary:
            return FilterPolicyJSON(.null)
        }
    }

    /// A JSON object holding each generator's field at its dotted path, in the generators' order.
    public static func body(_ fields: [MessageAttributeGenerator], _ rng: RandomStream) -> FilterPolicyJSON {
        var root: [FilterPolicyJSON.Member] = []
        for generator in fields {
            insert(generator.field(rng), at: generator.name.split(separator: ".").map(String.init)[...], into: &root)
        }
        return FilterPolicyJSON(.object(root))
    }

    static func insert(_ value: FilterPolicyJSON, at path: ArraySlice<String>, into members: inout [FilterPolicyJSON.Member]) {
        guard let key = path.first else { return }
        if path.count == 1 {
            members.append(FilterPolicyJSON.Member(key: key, value: value))
            return
        }
        if let index = members.firstIndex(where: { $0.key == key }), case .object(var inner) = members[index].value.kind {
            insert(value, at: path.dropFirst(), into: &inner)
            members[index].value = FilterPolicyJSON(.object(inner))
        } else {
            var inner: [FilterPolicyJSON.Member] = []
            insert(value, at: path.dropFirst(), into: &inner)
            members.append(FilterPolicyJSON.Member(key: key, value: FilterPolicyJSON(.object(inner))))
        }
    }

    static func choose(_ choices: [WeightedValue], _ rng: RandomStream) -> String {
        precondition(!choices.isEmpty, "a weighted choice needs at least one value")
        let total = choices.reduce(0) { $0 + $1.weight }
        var remaining = rng.uniform() * total
        for choice in choices {
            remaining -= choice.weight
            if remaining < 0 { return choice.value }
        }
        return choices.last!.value
    }

    static func rounded(_ value: Double, places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// The value as SNS carries it in `StringValue`: whole numbers without a fraction.
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
