/// A `name(arguments)` expression such as `lognormal(mean=50ms, sd=20ms)` or `poisson(rate=40/s)`.
///
/// Grammar, with whitespace allowed around every token:
///
///     call     = identifier "(" [ argument { "," argument } ] ")"
///     argument = identifier "=" value | value
///     value    = call | word "*" call | word
///
/// A *word* is a run of characters other than whitespace and `, ( ) = * :`, so it holds numbers
/// with units (`40/s`, `2KiB`, `-0.5`) and file names (`samples.csv`); what a word means is left to
/// the caller. `word*call` is a weighted call, used by `mixture`. Calls nest at most 16 deep.
/// `name: value` is rejected with a hint, because in a YAML plain scalar `: ` is a syntax error.
public struct CallExpression: Equatable, Sendable {
    public var name: String
    public var arguments: [Argument]

    public init(name: String, arguments: [Argument]) {
        self.name = name
        self.arguments = arguments
    }

    public struct Argument: Equatable, Sendable {
        /// The name before `=`, or nil for a positional argument.
        public var label: String?
        public var value: Value
        /// The 0-based character offset of the argument (its label, or its value when positional) in the parsed text.
        public var offset: Int

        public init(label: String?, value: Value, offset: Int) {
            self.label = label
            self.value = value
            self.offset = offset
        }
    }

    public indirect enum Value: Equatable, Sendable {
        /// A word, verbatim: `40/s`, `0.9`, `samples.csv`.
        case atom(String)
        case call(CallExpression)
        /// `weight*call`, with the weight verbatim.
        case weighted(weight: String, CallExpression)
    }

    /// Parses the whole text as one call; anything after the closing `)` other than whitespace is an error.
    public static func parse(_ text: String) throws(DistributionSyntaxError) -> CallExpression {
        var parser = CallExpressionParser(text)
        return try parser.parseWhole().expression
    }
}
