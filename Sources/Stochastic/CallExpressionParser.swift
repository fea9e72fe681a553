/// A call as parsed, with the offsets of every part, so `Distribution.parse` can point at the
/// exact place of a problem. `CallExpression` is its public projection.
struct ParsedCall {
    var name: String
    var nameOffset: Int
    var arguments: [ParsedArgument]
    /// The offset of the closing `)`: where a missing argument would go.
    var closeOffset: Int

    var expression: CallExpression {
        CallExpression(
            name: name,
            arguments: arguments.map { CallExpression.Argument(label: $0.label, value: $0.value.expression, offset: $0.offset) }
        )
    }
}

struct ParsedArgument {
    var label: String?
    var offset: Int
    var value: ParsedValue
    var valueOffset: Int
}

indirect enum ParsedValue {
    case atom(String)
    case call(ParsedCall)
    case weighted(weight: String, weightOffset: Int, ParsedCall)

    var expression: CallExpression.Value {
        switch self {
        case .atom(let word): .atom(word)
        case .call(let call): .call(call.expression)
        case .weighted(let weight, _, let call): .weighted(weight: weight, call.expression)
        }
    }
}

/// A recursive-descent parser over the characters of one text.
struct CallExpressionParser {
    /// Bounds recursion so that hostile input such as `a(a(a(…` cannot exhaust the stack.
    static let nestingDepthMax = 16

    private let characters: [Character]
    private var position = 0

    init(_ text: String) {
        characters = Array(text)
    }

    mutating func parseWhole() throws(DistributionSyntaxError) -> ParsedCall {
        skipWhitespace()
        let call = try parseCall(depth: 0)
        skipWhitespace()
        if let extra = peek {
            throw error("unexpected '\(extra)' after the closing ')'", at: position)
        }
        return call
    }

    private mutating func parseCall(depth: Int) throws(DistributionSyntaxError) -> ParsedCall {
        let start = position
        guard depth < Self.nestingDepthMax else {
            throw error("calls are nested too deeply (more than \(Self.nestingDepthMax) levels)", at: start)
        }
        let name = readWord()
        guard !name.isEmpty else {
            if let found = peek {
                throw error("expected a call like name(arg=value), found '\(found)'", at: start)
            }
            throw error("expected a call like name(arg=value), found the end of the text", at: start)
        }
        guard Self.isIdentifier(name) else {
            throw error("'\(name)' is not a name; expected a call like name(arg=value)", at: start)
        }
        skipWhitespace()
        guard peek == "(" else {
            throw error("expected '(' after '\(name)', e.g. \(name)(arg=value)", at: position)
        }
        position += 1
        var arguments: [ParsedArgument] = []
        skipWhitespace()
        if peek == ")" {
            position += 1
            return ParsedCall(name: name, nameOffset: start, arguments: [], closeOffset: position - 1)
        }
        while true {
            skipWhitespace()
            let argument = try parseArgument(depth: depth, callName: name)
            arguments.append(argument)
            skipWhitespace()
            guard let next = peek else {
                throw error("missing ')' to close '\(name)('", at: position)
            }
            switch next {
            case ",":
                position += 1
            case ")":
                position += 1
                return ParsedCall(name: name, nameOffset: start, arguments: arguments, closeOffset: position - 1)
            case ":":
                throw error("parameters are written name=value, not name: value", at: position)
            default:
                throw unexpectedAfterArgument(argument, found: next)
            }
        }
    }

    private mutating func parseArgument(depth: Int, callName: String) throws(DistributionSyntaxError) -> ParsedArgument {
        let start = position
        guard let first = peek else {
            throw error("missing ')' to close '\(callName)('", at: position)
        }
        if first == "," || first == ")" {
            throw error("empty argument in '\(callName)(…)'", at: position)
        }
        let word = readWord()
        skipWhitespace()
        if !word.isEmpty && peek == "=" {
            guard Self.isIdentifier(word) else {
                throw error("'\(word)' is not a parameter name", at: start)
            }
            position += 1
            skipWhitespace()
            let valueOffset = position
            let value = try parseValue(depth: depth)
            return ParsedArgument(label: word, offset: start, value: value, valueOffset: valueOffset)
        }
        if !word.isEmpty && peek == ":" {
            throw error("parameters are written name=value, not name: value (write \(word)=…)", at: position)
        }
        position = start
        let value = try parseValue(depth: depth)
        return ParsedArgument(label: nil, offset: start, value: value, valueOffset: start)
    }

    private mutating func parseValue(depth: Int) throws(DistributionSyntaxError) -> ParsedValue {
        let start = position
        let word = readWord()
        guard !word.isEmpty else {
            if let found = peek {
                throw error("expected a value, found '\(found)'", at: start)
            }
            throw error("expected a value, found the end of the text", at: start)
        }
        let afterWord = position
        skipWhitespace()
        if peek == "(" {
            position = start
            return .call(try parseCall(depth: depth + 1))
        }
        if peek == "*" {
            position += 1
            skipWhitespace()
            let callStart = position
            let name = readWord()
            skipWhitespace()
            guard !name.isEmpty, peek == "(" else {
                throw error("expected a call after '\(word)*', e.g. \(word)*constant(1s)", at: callStart)
            }
            position = callStart
            return .weighted(weight: word, weightOffset: start, try parseCall(depth: depth + 1))
        }
        position = afterWord
        return .atom(word)
    }

    /// The error for a character that is neither `,` nor `)` after an argument, with a hint when
    /// it looks like a space between a number and its unit (`250 ms`).
    private mutating func unexpectedAfterArgument(_ argument: ParsedArgument, found: Character) -> DistributionSyntaxError {
        let offset = position
        let word = readWord()
        if case .atom(let atom) = argument.value, let last = atom.last, Units.isDigit(last), !word.isEmpty {
            return error("unexpected '\(word)' after '\(atom)': write the unit right after the number, e.g. \(atom)\(word)", at: offset)
        }
        let shown = word.isEmpty ? String(found) : word
        return error("expected ',' or ')' after an argument, found '\(shown)'", at: offset)
    }

    // MARK: Characters

    private var peek: Character? {
        position < characters.count ? characters[position] : nil
    }

    private mutating func skipWhitespace() {
        while let character = peek, character.isWhitespace { position += 1 }
    }

    /// Reads a run of word characters (possibly none).
    private mutating func readWord() -> String {
        let start = position
        while let character = peek, Self.isWordCharacter(character) { position += 1 }
        return String(characters[start..<position])
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        !character.isWhitespace && !",()=*:".contains(character)
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, ASCII only, so names compare predictably.
    static func isIdentifier(_ word: String) -> Bool {
        guard let first = word.first, isLetterOrUnderscore(first) else { return false }
        return word.allSatisfy { isLetterOrUnderscore($0) || Units.isDigit($0) }
    }

    private static func isLetterOrUnderscore(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (65...90).contains(ascii) || (97...122).contains(ascii) || ascii == 95
    }

    private func error(_ message: String, at offset: Int) -> DistributionSyntaxError {
        DistributionSyntaxError(message: message, offset: offset)
    }
}
