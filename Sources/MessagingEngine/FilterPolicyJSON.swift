/// A JSON value as the filter-policy language reads it, remembering where in the text it began.
///
/// Policies are rejected "with the reason and the position", so every value keeps the UTF-8 offset
/// of its first character; `FilterPolicyJSON.position(ofOffset:in:)` turns that into line:column.
/// Object members keep their order and numbers keep how many decimal places they were written
/// with, because the policy limits speak about the text (at most 5 decimal places).
public struct FilterPolicyJSON: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case null
        case bool(Bool)
        case number(Number)
        case string(String)
        case array([FilterPolicyJSON])
        case object([Member])
    }

    /// A number with the count of decimal places its literal needs (`1.50` has 2, `15e-1` has 1).
    public struct Number: Sendable, Equatable {
        public var value: Double
        public var decimalPlaces: Int
        public init(value: Double, decimalPlaces: Int) {
            self.value = value
            self.decimalPlaces = decimalPlaces
        }
    }

    /// One `"key": value` pair of an object, with the offset of the key.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var keyOffset: Int
        public var value: FilterPolicyJSON
        public init(key: String, keyOffset: Int = 0, value: FilterPolicyJSON) {
            self.key = key
            self.keyOffset = keyOffset
            self.value = value
        }
    }

    public var kind: Kind
    /// UTF-8 offset of the value's first character in the text it was parsed from.
    public var offset: Int

    public init(_ kind: Kind, offset: Int = 0) {
        self.kind = kind
        self.offset = offset
    }

    /// The member named `key` of an object (the first, keys being unique), or nil.
    public subscript(key: String) -> FilterPolicyJSON? {
        guard case .object(let members) = kind else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The 1-based line and column (in Unicode scalars) of a UTF-8 offset in `text`.
    public static func position(ofOffset offset: Int, in text: String) -> FilterPolicyPosition {
        var line = 1, column = 1, index = 0
        for byte in text.utf8 {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return FilterPolicyPosition(line: line, column: column)
    }
}

/// A 1-based line and column in a policy or message text.
public struct FilterPolicyPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// Why a policy or a message was rejected, and where.
public struct FilterPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: FilterPolicyPosition
    public var reason: String

    public init(position: FilterPolicyPosition, reason: String) {
        self.position = position
        self.reason = reason
    }

    /// `line:column: reason`; the caller puts the file name in front.
    public var description: String { "\(position): \(reason)" }
}

/// An error found at a UTF-8 offset, before the offset is turned into line:column.
struct FilterPolicyOffsetError: Error {
    var offset: Int
    var reason: String

    func positioned(in text: String) -> FilterPolicyError {
        FilterPolicyError(position: FilterPolicyJSON.position(ofOffset: offset, in: text), reason: reason)
    }
}
