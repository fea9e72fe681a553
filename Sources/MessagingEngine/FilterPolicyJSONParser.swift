/// A strict JSON parser (RFC 8259) for policies and messages, reporting the position of the first
/// error.
///
/// Duplicate keys in one object are rejected: a policy that names a key twice is ambiguous.
/// Nesting is bounded by `nestingDepthMax` so hostile input cannot exhaust the stack.
struct FilterPolicyJSONParser {
    static let nestingDepthMax = 256

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// Parses a whole text holding exactly one JSON value.
    static func parse(_ text: String) throws(FilterPolicyError) -> FilterPolicyJSON {
        var parser = FilterPolicyJSONParser(text)
        do {
            parser.skipWhitespace()
            let value = try parser.parseValue()
            parser.skipWhitespace()
            if parser.index < parser.bytes.count {
                throw FilterPolicyOffsetError(offset: parser.index, reason: "unexpected \(parser.describeCurrent()) after the JSON value")
            }
            return value
        } catch let error as FilterPolicyOffsetError {
            throw error.positioned(in: text)
        } catch {
            preconditionFailure("the JSON parser throws only offset errors")
        }
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> FilterPolicyOffsetError {
        FilterPolicyOffsetError(offset: offset ?? index, reason: reason)
    }

    private func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func parseValue() throws -> FilterPolicyJSON {
        guard index < bytes.count else { throw fail("unexpected end of input; expected a value") }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return FilterPolicyJSON(.string(try parseString()), offset: start)
        case UInt8(ascii: "t"): try expectWord("true"); return FilterPolicyJSON(.bool(true), offset: start)
        case UInt8(ascii: "f"): try expectWord("false"); return FilterPolicyJSON(.bool(false), offset: start)
        case UInt8(ascii: "n"): try expectWord("null"); return FilterPolicyJSON(.null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected \(describeCurrent()); expected a value")
        }
    }

    private mutating func expectWord(_ word: String) throws {
        let start = index
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else { throw fail("invalid literal; expected '\(word)'", at: start) }
            index += 1
        }
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.nestingDepthMax { throw fail("nesting deeper than \(Self.nestingDepthMax) levels") }
    }

    private mutating func parseObject() throws -> FilterPolicyJSON {
        let start = index
        try enter()
        index += 1
        var members: [FilterPolicyJSON.Member] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return FilterPolicyJSON(.object(members), offset: start)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("unexpected \(describeCurrent()); expected a key in double quotes")
            }
            let keyOffset = index
            let key = try parseString()
            if members.contains(where: { $0.key == key }) { throw fail("duplicate key '\(key)'", at: keyOffset) }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("unexpected \(describeCurrent()); expected ':' after the key '\(key)'")
            }
            index += 1
            skipWhitespace()
            members.append(FilterPolicyJSON.Member(key: key, keyOffset: keyOffset, value: try parseValue()))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input; expected ',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw fail("unexpected \(describeCurrent()); expected ',' or '}'")
        }
        depth -= 1
        return FilterPolicyJSON(.object(members), offset: start)
    }

    private mutating func parseArray() throws -> FilterPolicyJSON {
        let start = index
        try enter()
        index += 1
        var elements: [FilterPolicyJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return FilterPolicyJSON(.array(elements), offset: start)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input; expected ',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw fail("unexpected \(describeCurrent()); expected ',' or ']'")
        }
        depth -= 1
        return FilterPolicyJSON(.array(elements), offset: start)
    }

    private mutating func parseString() throws -> String {
        let start = index
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw fail("unterminated string", at: start) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { index += 1; break }
            if byte < 0x20 { throw fail("control character in a string; write it as an escape such as \\n") }
            if byte != UInt8(ascii: "\\") {
                utf8.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw fail("unterminated string", at: start) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): utf8.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): utf8.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): utf8.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("a high surrogate escape must be followed by a low surrogate \\uDC00-\\uDFFF")
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw fail("invalid low surrogate", at: index - 6) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(code) {
                    throw fail("lone low surrogate escape", at: index - 6)
                }
                utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(code)!)).utf8))
            default:
                throw fail("invalid escape '\\\(Character(Unicode.Scalar(escape)))'", at: index - 2)
            }
        }
        // Invalid UTF-8 in the input is replaced rather than trusted.
        return String(decoding: utf8, as: UTF8.self)
    }

    private mutating func parseHex4() throws -> UInt32 {
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexDigit(bytes[index]) else { throw fail("expected 4 hex digits after \\u") }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func parseNumber() throws -> FilterPolicyJSON {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        if integerDigits == 0 { throw fail("invalid number: expected a digit", at: index) }
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { throw fail("invalid number: leading zero", at: integerStart) }
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionDigits = digits()
            if fractionDigits == 0 { throw fail("invalid number: expected a digit after '.'") }
            // Trailing zeros do not add precision: 1.50 has 2 places written but needs 1.
            var end = index - 1
            while fractionDigits > 0, bytes[end] == UInt8(ascii: "0") { fractionDigits -= 1; end -= 1 }
        }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                negative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            let exponentStart = index
            if digits() == 0 { throw fail("invalid number: expected a digit in the exponent") }
            let exponentText = String(decoding: bytes[exponentStart..<index].prefix(6), as: UTF8.self)
            exponent = (Int(exponentText) ?? 999_999) * (negative ? -1 : 1)
        }
        let literal = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(literal), value.isFinite else { throw fail("number out of range", at: start) }
        let number = FilterPolicyJSON.Number(value: value, decimalPlaces: max(0, fractionDigits - exponent))
        return FilterPolicyJSON(.number(number), offset: start)
    }
}
