/// A scalar a filter policy compares against: one attribute value, one element of a String.Array
/// attribute, or one leaf of a message body.
public enum FilterPolicyValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    /// Whether `exists: true` counts the value: null and the empty string do not.
    var countsAsPresent: Bool {
        switch self {
        case .null: false
        case .string(let text): !text.isEmpty
        default: true
        }
    }
}

/// One SNS message attribute as filter policies see it.
///
/// `DataType` `String` and `String.<custom>` are strings, `Number` and `Number.<custom>` numbers,
/// `String.Array` a JSON array carried in `StringValue` whose elements are matched one by one,
/// and `Binary` is never matched by any condition (not even `exists`).
public enum FilterPolicyAttribute: Sendable, Equatable {
    case string(String)
    case number(Double)
    case stringArray([FilterPolicyValue])
    case binary

    /// Reads the `MessageAttributes` map as the SNS API takes it:
    /// `{"k": {"DataType": "String", "StringValue": "v"}}`.
    public static func parseMap(_ text: String) throws(FilterPolicyError) -> [String: FilterPolicyAttribute] {
        let json = try FilterPolicyJSONParser.parse(text)
        do {
            return try map(json)
        } catch let error as FilterPolicyOffsetError {
            throw error.positioned(in: text)
        } catch {
            preconditionFailure("attribute parsing throws only offset errors")
        }
    }

    static func map(_ json: FilterPolicyJSON) throws -> [String: FilterPolicyAttribute] {
        guard case .object(let members) = json.kind else {
            throw FilterPolicyOffsetError(offset: json.offset, reason: "MessageAttributes must be an object mapping names to {\"DataType\": …, \"StringValue\": …}")
        }
        var attributes: [String: FilterPolicyAttribute] = [:]
        for member in members { attributes[member.key] = try attribute(member) }
        return attributes
    }

    private static func attribute(_ member: FilterPolicyJSON.Member) throws -> FilterPolicyAttribute {
        let value = member.value
        func fail(_ reason: String, _ at: FilterPolicyJSON? = nil) -> FilterPolicyOffsetError {
            FilterPolicyOffsetError(offset: (at ?? value).offset, reason: "attribute '\(member.key)': \(reason)")
        }
        guard case .object(let fields) = value.kind else { throw fail("expected {\"DataType\": …, \"StringValue\": …}") }
        for field in fields where !["DataType", "StringValue", "BinaryValue"].contains(field.key) {
            throw fail("unknown field '\(field.key)'; expected DataType, StringValue or BinaryValue", field.value)
        }
        guard let typeJSON = value["DataType"], case .string(let dataType) = typeJSON.kind else {
            throw fail("DataType is missing or not a string (String, String.Array, Number or Binary)")
        }
        let base = dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
        if base == "Binary" {
            guard value["BinaryValue"] != nil else { throw fail("a Binary attribute needs a BinaryValue") }
            return .binary
        }
        guard let stringJSON = value["StringValue"], case .string(let string) = stringJSON.kind else {
            throw fail("StringValue is missing or not a string")
        }
        switch base {
        case "Number":
            guard let number = Double(string), number.isFinite else { throw fail("StringValue '\(string)' is not a number", stringJSON) }
            return .number(number)
        case "String" where dataType == "String.Array":
            let array: FilterPolicyJSON
            do {
                array = try FilterPolicyJSONParser.parse(string)
            } catch {
                throw fail("StringValue of a String.Array is not JSON (\(error.reason) at \(error.position) of the value)", stringJSON)
            }
            guard case .array(let elements) = array.kind else { throw fail("StringValue of a String.Array must be a JSON array", stringJSON) }
            return .stringArray(elements.compactMap(FilterPolicyValue.scalar))
        case "String":
            return .string(string)
        default:
            throw fail("unknown DataType '\(dataType)'; expected String, String.Array, Number or Binary", typeJSON)
        }
    }
}

extension FilterPolicyValue {
    /// The scalar a JSON value is, or nil for arrays and objects.
    static func scalar(_ json: FilterPolicyJSON) -> FilterPolicyValue? {
        switch json.kind {
        case .string(let text): .string(text)
        case .number(let number): .number(number.value)
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array, .object: nil
        }
    }
}
