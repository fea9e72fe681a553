extension Distribution {
    /// Parses a distribution written as in `DESIGN.md`, with parameters in the units of `kind`.
    ///
    /// Accepted forms (shown for durations):
    /// `exponential(mean=20ms)` (also `exponential(20ms)`), `lognormal(mean=50ms, sd=20ms)`,
    /// `gamma(shape=2, scale=10ms)`, `weibull(shape=1.5, scale=40ms)`, `pareto(shape=2.5, min=5ms)`,
    /// `uniform(10ms, 30ms)` (also `uniform(low=10ms, high=30ms)`), `normal(mean=50ms, sd=10ms)`,
    /// `constant(5ms)` (also `constant(value=5ms)`), a bare quantity `5ms` meaning constant,
    /// `empirical(file=samples.csv)` and `mixture(0.9*constant(1s), 0.1*exponential(mean=5s))`.
    /// Positional arguments are accepted only where their order is obvious: constant, exponential,
    /// uniform and empirical. Shapes and mixture weights are plain numbers.
    ///
    /// `empiricalLoader` receives the file name as written and returns the samples in base units;
    /// a message from an error it throws is wrapped with the file name. Mixture weights must be
    /// positive and add up to 1 within 1e-9; they are stored as written (sampling and the moments
    /// divide by their sum), so the text prints back as it was typed.
    ///
    /// For durations, sizes and rates no parameter may be negative, which keeps every draw
    /// non-negative (the normal is truncated at 0 when sampled with `truncatedAtZero`).
    /// Errors carry the 0-based character offset of the offending part, and suggest the nearest
    /// valid name for a misspelt distribution or parameter.
    public static func parse(
        _ text: String,
        kind: QuantityKind,
        empiricalLoader: (String) throws -> [Double]
    ) throws(DistributionSyntaxError) -> Distribution {
        guard text.contains("(") else { return try parseBareQuantity(text, kind: kind) }
        var parser = CallExpressionParser(text)
        let call = try parser.parseWhole()
        return try build(call, kind: kind, loader: empiricalLoader)
    }
}

// MARK: - The catalogue

/// The parameters one catalogue member takes, in positional order.
struct CatalogueEntry: Sendable {
    enum ParameterKind: Sendable {
        /// A value in the units of the distribution's kind.
        case quantity
        /// A plain number such as a shape.
        case plain
        case fileName
    }

    struct Parameter: Sendable {
        let name: String
        let kind: ParameterKind
    }

    let name: String
    let parameters: [Parameter]
    let acceptsPositional: Bool

    static let all: [CatalogueEntry] = [
        CatalogueEntry(name: "constant", parameters: [.init(name: "value", kind: .quantity)], acceptsPositional: true),
        CatalogueEntry(name: "exponential", parameters: [.init(name: "mean", kind: .quantity)], acceptsPositional: true),
        CatalogueEntry(
            name: "lognormal",
            parameters: [.init(name: "mean", kind: .quantity), .init(name: "sd", kind: .quantity)],
            acceptsPositional: false),
        CatalogueEntry(
            name: "gamma",
            parameters: [.init(name: "shape", kind: .plain), .init(name: "scale", kind: .quantity)],
            acceptsPositional: false),
        CatalogueEntry(
            name: "weibull",
            parameters: [.init(name: "shape", kind: .plain), .init(name: "scale", kind: .quantity)],
            acceptsPositional: false),
        CatalogueEntry(
            name: "pareto",
            parameters: [.init(name: "shape", kind: .plain), .init(name: "min", kind: .quantity)],
            acceptsPositional: false),
        CatalogueEntry(
            name: "uniform",
            parameters: [.init(name: "low", kind: .quantity), .init(name: "high", kind: .quantity)],
            acceptsPositional: true),
        CatalogueEntry(
            name: "normal",
            parameters: [.init(name: "mean", kind: .quantity), .init(name: "sd", kind: .quantity)],
            acceptsPositional: false),
        CatalogueEntry(name: "empirical", parameters: [.init(name: "file", kind: .fileName)], acceptsPositional: true),
        // A mixture's arguments are weighted components, checked by `buildMixture`.
        CatalogueEntry(name: "mixture", parameters: [], acceptsPositional: true),
    ]

    static let names: [String] = all.map(\.name)

    /// A valid example of this member in the units of `kind`, for error messages.
    func example(_ kind: QuantityKind) -> String {
        func quantity(_ number: String) -> String {
            switch kind {
            case .duration: number + "ms"
            case .size: number + "KiB"
            case .rate: number + "/s"
            case .bitrate: number + "Mbps"
            case .count: number
            }
        }
        switch name {
        case "constant": return "constant(\(quantity("5")))"
        case "exponential": return "exponential(mean=\(quantity("20")))"
        case "lognormal": return "lognormal(mean=\(quantity("50")), sd=\(quantity("20")))"
        case "gamma": return "gamma(shape=2, scale=\(quantity("10")))"
        case "weibull": return "weibull(shape=1.5, scale=\(quantity("40")))"
        case "pareto": return "pareto(shape=2.5, min=\(quantity("5")))"
        case "uniform": return "uniform(\(quantity("10")), \(quantity("30")))"
        case "normal": return "normal(mean=\(quantity("50")), sd=\(quantity("10")))"
        case "empirical": return "empirical(file=samples.csv)"
        default: return "mixture(0.9*constant(\(quantity("1"))), 0.1*exponential(mean=\(quantity("5"))))"
        }
    }
}

// MARK: - Building a distribution from a parsed call

extension Distribution {
    /// One parameter value as written: its number in base units, the text for messages, and where it is.
    private struct Reading {
        let value: Double
        let subject: String
        let offset: Int
    }

    private static func build(
        _ call: ParsedCall,
        kind: QuantityKind,
        loader: (String) throws -> [Double]
    ) throws(DistributionSyntaxError) -> Distribution {
        guard let entry = CatalogueEntry.all.first(where: { $0.name == call.name }) else {
            throw unknownDistribution(call.name, at: call.nameOffset)
        }
        if entry.name == "mixture" {
            return try buildMixture(call, entry: entry, kind: kind, loader: loader)
        }
        let arguments = try bind(call, to: entry, kind: kind)

        func reading(_ index: Int) throws(DistributionSyntaxError) -> Reading {
            let parameter = entry.parameters[index]
            return try read(arguments[index], parameter: parameter.name,
                            as: parameter.kind == .plain ? .count : kind, distribution: entry.name)
        }
        func require(_ condition: Bool, _ message: String, at offset: Int) throws(DistributionSyntaxError) {
            if !condition { throw DistributionSyntaxError(message: message, offset: offset) }
        }
        func requirePositive(_ reading: Reading, _ parameter: String, hint: String = "") throws(DistributionSyntaxError) {
            try require(reading.value > 0, "\(entry.name) needs \(parameter) > 0\(hint), got \(reading.subject)", at: reading.offset)
        }
        func requireNonNegative(_ reading: Reading, _ parameter: String) throws(DistributionSyntaxError) {
            guard kind.isNonNegative else { return }
            try require(reading.value >= 0,
                        "\(entry.name) needs \(parameter) >= 0 for \(kind.nounPhrase), got \(reading.subject)",
                        at: reading.offset)
        }

        switch entry.name {
        case "constant":
            let value = try reading(0)
            try requireNonNegative(value, "value")
            return .constant(value.value)
        case "exponential":
            let mean = try reading(0)
            try requirePositive(mean, "mean")
            return .exponential(mean: mean.value)
        case "lognormal":
            let mean = try reading(0)
            let sd = try reading(1)
            try requirePositive(mean, "mean")
            try requirePositive(sd, "sd", hint: " (for no spread use constant(…))")
            return .lognormal(mean: mean.value, sd: sd.value)
        case "gamma", "weibull":
            let shape = try reading(0)
            let scale = try reading(1)
            try requirePositive(shape, "shape")
            try requirePositive(scale, "scale")
            return entry.name == "gamma"
                ? .gamma(shape: shape.value, scale: scale.value)
                : .weibull(shape: shape.value, scale: scale.value)
        case "pareto":
            let shape = try reading(0)
            let min = try reading(1)
            try requirePositive(shape, "shape")
            try requirePositive(min, "min")
            return .pareto(shape: shape.value, min: min.value)
        case "uniform":
            let low = try reading(0)
            let high = try reading(1)
            try requireNonNegative(low, "low")
            try require(low.value <= high.value,
                        "uniform needs low <= high, got \(low.subject) and \(high.subject)", at: low.offset)
            return .uniform(low: low.value, high: high.value)
        case "normal":
            let mean = try reading(0)
            let sd = try reading(1)
            // A negative mean for a truncated normal would be valid mathematics, but it puts most
            // of the mass below 0 and is almost certainly a mistake in a duration or a size.
            try requireNonNegative(mean, "mean")
            try requirePositive(sd, "sd")
            return .normal(mean: mean.value, sd: sd.value)
        default:
            return try loadEmpirical(arguments[0], kind: kind, loader: loader)
        }
    }

    /// Matches arguments to the entry's parameters, in parameter order.
    private static func bind(
        _ call: ParsedCall,
        to entry: CatalogueEntry,
        kind: QuantityKind
    ) throws(DistributionSyntaxError) -> [ParsedArgument] {
        let names = entry.parameters.map(\.name)
        var slots = [ParsedArgument?](repeating: nil, count: names.count)
        var sawLabel = false
        for (position, argument) in call.arguments.enumerated() {
            if let label = argument.label {
                sawLabel = true
                guard let index = names.firstIndex(of: label) else {
                    let message = "unknown parameter '\(label)' for \(entry.name)"
                        + suggestionAndValidNames(Spelling.nearest(to: label, among: names), names)
                    throw DistributionSyntaxError(message: message, offset: argument.offset)
                }
                guard slots[index] == nil else {
                    throw DistributionSyntaxError(message: "\(entry.name) has '\(label)' twice", offset: argument.offset)
                }
                slots[index] = argument
            } else {
                guard entry.acceptsPositional else {
                    throw DistributionSyntaxError(
                        message: "\(entry.name) takes named parameters (\(names.joined(separator: ", "))), e.g. \(entry.example(kind))",
                        offset: argument.offset)
                }
                guard !sawLabel else {
                    throw DistributionSyntaxError(
                        message: "a positional argument cannot follow a named one, e.g. \(entry.example(kind))",
                        offset: argument.offset)
                }
                guard position < names.count else {
                    let count = names.count == 1 ? "one argument" : "\(names.count) arguments"
                    throw DistributionSyntaxError(
                        message: "\(entry.name) takes \(count), e.g. \(entry.example(kind))", offset: argument.offset)
                }
                slots[position] = argument
            }
        }
        var bound: [ParsedArgument] = []
        for (index, slot) in slots.enumerated() {
            guard let slot else {
                throw DistributionSyntaxError(
                    message: "\(entry.name) needs '\(names[index])', e.g. \(entry.example(kind))", offset: call.closeOffset)
            }
            bound.append(slot)
        }
        return bound
    }

    /// Reads a quantity (or, with `.count`, a plain number) from an argument's word.
    private static func read(
        _ argument: ParsedArgument,
        parameter: String,
        as kind: QuantityKind,
        distribution: String
    ) throws(DistributionSyntaxError) -> Reading {
        guard case .atom(let word) = argument.value else {
            throw DistributionSyntaxError(
                message: "\(distribution) \(parameter) expects \(kind.nounPhrase), not a distribution",
                offset: argument.valueOffset)
        }
        let subject = argument.label.map { "\($0)=\(word)" } ?? "'\(word)'"
        switch Units.scan(word, as: kind) {
        case .success(let value):
            return Reading(value: value, subject: subject, offset: argument.offset)
        case .failure(let problem):
            throw DistributionSyntaxError(
                message: Units.message(for: problem, subject: subject, kind: kind), offset: argument.offset)
        }
    }

    private static func loadEmpirical(
        _ argument: ParsedArgument,
        kind: QuantityKind,
        loader: (String) throws -> [Double]
    ) throws(DistributionSyntaxError) -> Distribution {
        guard case .atom(let file) = argument.value else {
            throw DistributionSyntaxError(message: "empirical file expects a file name, e.g. file=samples.csv",
                                          offset: argument.valueOffset)
        }
        let samples: [Double]
        do {
            samples = try loader(file)
        } catch {
            throw DistributionSyntaxError(message: "cannot load empirical samples from '\(file)': \(error)",
                                          offset: argument.valueOffset)
        }
        guard !samples.isEmpty else {
            throw DistributionSyntaxError(message: "empirical samples from '\(file)' are empty; at least one is needed",
                                          offset: argument.valueOffset)
        }
        if let index = samples.firstIndex(where: { !$0.isFinite }) {
            throw DistributionSyntaxError(
                message: "empirical sample \(index + 1) from '\(file)' is \(samples[index]), not a finite number",
                offset: argument.valueOffset)
        }
        if kind.isNonNegative, let index = samples.firstIndex(where: { $0 < 0 }) {
            throw DistributionSyntaxError(
                message: "empirical sample \(index + 1) from '\(file)' is \(samples[index]); \(kind.nounPhrase) must be zero or more",
                offset: argument.valueOffset)
        }
        return .empirical(samples)
    }

    private static func buildMixture(
        _ call: ParsedCall,
        entry: CatalogueEntry,
        kind: QuantityKind,
        loader: (String) throws -> [Double]
    ) throws(DistributionSyntaxError) -> Distribution {
        guard !call.arguments.isEmpty else {
            throw DistributionSyntaxError(message: "mixture needs at least one component, e.g. \(entry.example(kind))",
                                          offset: call.closeOffset)
        }
        var components: [Component] = []
        var total = 0.0
        for argument in call.arguments {
            guard argument.label == nil, case .weighted(let weightText, let weightOffset, let inner) = argument.value else {
                throw DistributionSyntaxError(
                    message: "mixture components are written weight*distribution, e.g. \(entry.example(kind))",
                    offset: argument.offset)
            }
            let weight: Double
            switch Units.scan(weightText, as: .count) {
            case .success(let value):
                weight = value
            case .failure(let problem):
                throw DistributionSyntaxError(
                    message: "mixture weight " + Units.message(for: problem, subject: "'\(weightText)'", kind: .count),
                    offset: weightOffset)
            }
            guard weight > 0 else {
                throw DistributionSyntaxError(message: "mixture weights must be greater than 0, got \(weightText)",
                                              offset: weightOffset)
            }
            components.append(Component(weight: weight, distribution: try build(inner, kind: kind, loader: loader)))
            total += weight
        }
        guard abs(total - 1) <= 1e-9 else {
            throw DistributionSyntaxError(
                message: "mixture weights add up to \(Units.numberText(total)); they must add up to 1",
                offset: call.nameOffset)
        }
        return .mixture(components)
    }

    /// A text without parentheses: a quantity meaning a constant, or a distribution name missing its arguments.
    private static func parseBareQuantity(_ text: String, kind: QuantityKind) throws(DistributionSyntaxError) -> Distribution {
        let start = Array(text).firstIndex(where: { !$0.isWhitespace }) ?? 0
        let body = Units.trimmed(text)
        guard !body.isEmpty else {
            let example = CatalogueEntry.all[1].example(kind)
            throw DistributionSyntaxError(
                message: "expected a distribution such as \(example) or a quantity such as \(kind.exampleText), found nothing",
                offset: start)
        }
        if CallExpressionParser.isIdentifier(body) {
            if let entry = CatalogueEntry.all.first(where: { $0.name == body }) {
                throw DistributionSyntaxError(message: "\(body) needs parameters, e.g. \(entry.example(kind))", offset: start)
            }
            throw unknownDistribution(body, at: start)
        }
        switch Units.scan(body, as: kind) {
        case .success(let value):
            if kind.isNonNegative && value < 0 {
                throw DistributionSyntaxError(
                    message: "a constant must be zero or more for \(kind.nounPhrase), got '\(body)'", offset: start)
            }
            return .constant(value)
        case .failure(let problem):
            throw DistributionSyntaxError(message: Units.message(for: problem, subject: "'\(body)'", kind: kind), offset: start)
        }
    }

    private static func unknownDistribution(_ name: String, at offset: Int) -> DistributionSyntaxError {
        let names = CatalogueEntry.names
        let message = "unknown distribution '\(name)'" + suggestionAndValidNames(Spelling.nearest(to: name, among: names), names)
        return DistributionSyntaxError(message: message, offset: offset)
    }

    /// "; did you mean 'x'? valid: a, b, c", or "; valid: a, b, c" without a suggestion.
    private static func suggestionAndValidNames(_ suggestion: String?, _ names: [String]) -> String {
        let valid = "valid: " + names.joined(separator: ", ")
        guard let suggestion else { return "; " + valid }
        return "; did you mean '\(suggestion)'? " + valid
    }
}
