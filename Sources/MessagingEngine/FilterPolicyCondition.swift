/// One compiled element of a policy's value list: a value or an operator, ready to test a value.
///
/// Comparisons are typed: string operators match only strings, numeric ones only numbers, so a
/// numeric operand against a String attribute does not match. Matching is case-sensitive except
/// `equalsIgnoreCase`.
enum FilterPolicyCondition: Sendable, Equatable {
    case exactString(String)
    case exactNumber(Double)
    case exactBool(Bool)
    case exactNull
    case prefix(String)
    case suffix(String)
    /// The operand lowercased once at compile time.
    case equalsIgnoreCase(String)
    case wildcard(FilterPolicyWildcard)
    case anythingButStrings([String])
    case anythingButNumbers([Double])
    case anythingButPrefix(String)
    case anythingButSuffix(String)
    case anythingButWildcard(FilterPolicyWildcard)
    /// Both bounds optional; `= x` is `[x, x]` inclusive.
    case numeric(lower: Double?, lowerInclusive: Bool, upper: Double?, upperInclusive: Bool)
    case exists(Bool)
    case cidr(FilterPolicyCIDR)

    /// Whether one value satisfies this condition; `exists` is decided by the caller.
    @inline(__always)
    func matches(_ value: FilterPolicyValue) -> Bool {
        switch (self, value) {
        case (.exactString(let operand), .string(let text)): return text == operand
        case (.exactNumber(let operand), .number(let number)): return number == operand
        case (.exactBool(let operand), .bool(let flag)): return flag == operand
        case (.exactNull, .null): return true
        case (.prefix(let operand), .string(let text)): return text.utf8.starts(with: operand.utf8)
        case (.suffix(let operand), .string(let text)): return text.utf8.reversed().starts(with: operand.utf8.reversed())
        case (.equalsIgnoreCase(let operand), .string(let text)): return text.lowercased() == operand
        case (.wildcard(let pattern), .string(let text)): return pattern.matches(text)
        case (.anythingButStrings(let excluded), .string(let text)): return !excluded.contains(text)
        case (.anythingButNumbers(let excluded), .number(let number)): return !excluded.contains(number)
        case (.anythingButPrefix(let operand), .string(let text)): return !text.utf8.starts(with: operand.utf8)
        case (.anythingButSuffix(let operand), .string(let text)): return !text.utf8.reversed().starts(with: operand.utf8.reversed())
        case (.anythingButWildcard(let pattern), .string(let text)): return !pattern.matches(text)
        case (.numeric(let lower, let lowerInclusive, let upper, let upperInclusive), .number(let number)):
            if let lower, lowerInclusive ? number < lower : number <= lower { return false }
            if let upper, upperInclusive ? number > upper : number >= upper { return false }
            return true
        case (.cidr(let range), .string(let text)): return range.contains(text)
        default: return false
        }
    }
}

/// A `wildcard` pattern split at its `*`s: the text must start with the first piece, end with the
/// last, and hold the ones between in order, each `*` standing for any run (also empty).
struct FilterPolicyWildcard: Sendable, Equatable {
    var pieces: [[UInt8]]

    init(_ pattern: String) {
        pieces = pattern.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init)
    }

    /// Greedy left-to-right matching; with only `*` (no `?`) the leftmost fit of each middle piece
    /// is always safe, so no backtracking is needed.
    func matches(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard pieces.count > 1 else { return bytes == pieces[0] }
        let first = pieces[0], last = pieces[pieces.count - 1]
        guard bytes.count >= first.count + last.count, bytes.starts(with: first), bytes.suffix(last.count).elementsEqual(last) else {
            return false
        }
        var cursor = first.count
        let end = bytes.count - last.count
        for piece in pieces[1..<(pieces.count - 1)] where !piece.isEmpty {
            var found = false
            while cursor + piece.count <= end {
                if bytes[cursor..<(cursor + piece.count)].elementsEqual(piece) {
                    cursor += piece.count
                    found = true
                    break
                }
                cursor += 1
            }
            if !found { return false }
        }
        return true
    }
}
