import Testing
@testable import Stochastic

struct LoaderError: Error, CustomStringConvertible {
    var description: String
}

/// A stand-in for the file system: `samples.csv` holds four samples, `empty.csv` none,
/// `negative.csv` a negative one; anything else does not exist.
func loadSamples(_ file: String) throws -> [Double] {
    switch file {
    case "samples.csv": return [0.01, 0.02, 0.02, 0.05]
    case "empty.csv": return []
    case "negative.csv": return [0.01, -0.02]
    default: throw LoaderError(description: "no such file")
    }
}

struct ParseCase: Sendable, CustomTestStringConvertible {
    let text: String
    let kind: QuantityKind
    let expected: Distribution
    var testDescription: String { text }

    static let all: [ParseCase] = [
        ParseCase(text: "exponential(mean=20ms)", kind: .duration, expected: .exponential(mean: 0.02)),
        ParseCase(text: "exponential(20ms)", kind: .duration, expected: .exponential(mean: 0.02)),
        ParseCase(text: "lognormal(mean=50ms, sd=20ms)", kind: .duration, expected: .lognormal(mean: 0.05, sd: 0.02)),
        ParseCase(text: "lognormal(sd=20ms, mean=50ms)", kind: .duration, expected: .lognormal(mean: 0.05, sd: 0.02)),
        ParseCase(text: "  lognormal ( mean = 50ms ,sd= 20ms )  ", kind: .duration, expected: .lognormal(mean: 0.05, sd: 0.02)),
        ParseCase(text: "gamma(shape=2, scale=10ms)", kind: .duration, expected: .gamma(shape: 2, scale: 0.01)),
        ParseCase(text: "weibull(shape=1.5, scale=40ms)", kind: .duration, expected: .weibull(shape: 1.5, scale: 0.04)),
        ParseCase(text: "pareto(shape=2.5, min=5ms)", kind: .duration, expected: .pareto(shape: 2.5, min: 0.005)),
        ParseCase(text: "uniform(10ms, 30ms)", kind: .duration, expected: .uniform(low: 0.01, high: 0.03)),
        ParseCase(text: "uniform(low=10ms, high=30ms)", kind: .duration, expected: .uniform(low: 0.01, high: 0.03)),
        ParseCase(text: "uniform(10ms, high=30ms)", kind: .duration, expected: .uniform(low: 0.01, high: 0.03)),
        ParseCase(text: "normal(mean=50ms, sd=10ms)", kind: .duration, expected: .normal(mean: 0.05, sd: 0.01)),
        ParseCase(text: "constant(5ms)", kind: .duration, expected: .constant(0.005)),
        ParseCase(text: "constant(value=5ms)", kind: .duration, expected: .constant(0.005)),
        ParseCase(text: "5ms", kind: .duration, expected: .constant(0.005)),
        ParseCase(text: " 0s ", kind: .duration, expected: .constant(0)),
        ParseCase(text: "exponential(mean=1.5e3ms)", kind: .duration, expected: .exponential(mean: 1.5)),
        ParseCase(text: "empirical(file=samples.csv)", kind: .duration, expected: .empirical([0.01, 0.02, 0.02, 0.05])),
        ParseCase(text: "empirical(samples.csv)", kind: .duration, expected: .empirical([0.01, 0.02, 0.02, 0.05])),
        ParseCase(
            text: "mixture(0.9*constant(1s), 0.1*exponential(mean=5s))", kind: .duration,
            expected: .mixture([
                .init(weight: 0.9, distribution: .constant(1)),
                .init(weight: 0.1, distribution: .exponential(mean: 5)),
            ])),
        ParseCase(
            text: "mixture(0.5 * mixture(1*constant(1s)), 0.5*uniform(1s, 2s))", kind: .duration,
            expected: .mixture([
                .init(weight: 0.5, distribution: .mixture([.init(weight: 1, distribution: .constant(1))])),
                .init(weight: 0.5, distribution: .uniform(low: 1, high: 2)),
            ])),
        ParseCase(text: "lognormal(mean=2KiB, sd=1KiB)", kind: .size, expected: .lognormal(mean: 2048, sd: 1024)),
        ParseCase(text: "256B", kind: .size, expected: .constant(256)),
        ParseCase(text: "constant(40/s)", kind: .rate, expected: .constant(40)),
        ParseCase(text: "uniform(30/m, 2/s)", kind: .rate, expected: .uniform(low: 0.5, high: 2)),
        ParseCase(text: "normal(mean=-2, sd=0.5)", kind: .count, expected: .normal(mean: -2, sd: 0.5)),
        ParseCase(text: "3", kind: .count, expected: .constant(3)),
        ParseCase(text: "uniform(-1, 1)", kind: .count, expected: .uniform(low: -1, high: 1)),
    ]
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    let text: String
    let kind: QuantityKind
    let fragment: String
    let offset: Int
    var testDescription: String { text }

    init(_ text: String, _ kind: QuantityKind, _ fragment: String, at offset: Int) {
        self.text = text
        self.kind = kind
        self.fragment = fragment
        self.offset = offset
    }

    init(_ text: String, _ fragment: String, at offset: Int) {
        self.init(text, .duration, fragment, at: offset)
    }

    static let all: [ErrorCase] = [
        ErrorCase("lognorml(mean=50ms, sd=20ms)", "unknown distribution 'lognorml'; did you mean 'lognormal'? valid: constant, exponential, lognormal,", at: 0),
        ErrorCase("  expnential(mean=20ms)", "did you mean 'exponential'?", at: 2),
        ErrorCase("poisson(rate=40/s)", "unknown distribution 'poisson'; valid: constant", at: 0),
        ErrorCase("lognormal(mean=50ms, sdev=20ms)", "unknown parameter 'sdev' for lognormal; did you mean 'sd'? valid: mean, sd", at: 21),
        ErrorCase("lognormal(mean=50ms)", "lognormal needs 'sd', e.g. lognormal(mean=50ms, sd=20ms)", at: 19),
        ErrorCase("lognormal(mean=50ms, mean=60ms)", "lognormal has 'mean' twice", at: 21),
        ErrorCase("uniform(10ms, low=5ms)", "uniform has 'low' twice", at: 14),
        ErrorCase("exponential(mean=20)", "mean=20 needs a duration unit, e.g. 20ms", at: 12),
        ErrorCase("exponential(mean=2KiB)", "mean=2KiB is not a duration: 'KiB' is not a unit", at: 12),
        ErrorCase("lognormal(mean=2ms, sd=1ms)", .size, "mean=2ms is not a size: 'ms' is not a unit", at: 10),
        ErrorCase("lognormal(mean=2, sd=1KiB)", .size, "mean=2 needs a size unit, e.g. 2KiB", at: 10),
        ErrorCase("constant(40)", .rate, "'40' needs a unit of time, e.g. 40/s", at: 9),
        ErrorCase("exponential(mean=0s)", "exponential needs mean > 0, got mean=0s", at: 12),
        ErrorCase("lognormal(mean=50ms, sd=0ms)", "lognormal needs sd > 0 (for no spread use constant(…)), got sd=0ms", at: 21),
        ErrorCase("gamma(shape=0, scale=10ms)", "gamma needs shape > 0, got shape=0", at: 6),
        ErrorCase("gamma(shape=2ms, scale=10ms)", "shape=2ms is not a plain number: write it without a unit, e.g. 2", at: 6),
        ErrorCase("weibull(shape=1.5, scale=-40ms)", "weibull needs scale > 0, got scale=-40ms", at: 19),
        ErrorCase("pareto(shape=2.5, min=0ms)", "pareto needs min > 0, got min=0ms", at: 18),
        ErrorCase("uniform(30ms, 10ms)", "uniform needs low <= high, got '30ms' and '10ms'", at: 8),
        ErrorCase("uniform(-10ms, 10ms)", "uniform needs low >= 0 for a duration, got '-10ms'", at: 8),
        ErrorCase("constant(-5ms)", "constant needs value >= 0 for a duration, got '-5ms'", at: 9),
        ErrorCase("-5ms", "a constant must be zero or more for a duration, got '-5ms'", at: 0),
        ErrorCase("normal(mean=-1ms, sd=1ms)", "normal needs mean >= 0 for a duration, got mean=-1ms", at: 7),
        ErrorCase("normal(mean=1ms, sd=0ms)", "normal needs sd > 0, got sd=0ms", at: 17),
        ErrorCase("empirical(file=empty.csv)", "empirical samples from 'empty.csv' are empty", at: 15),
        ErrorCase("empirical(file=missing.csv)", "cannot load empirical samples from 'missing.csv': no such file", at: 15),
        ErrorCase("empirical(file=negative.csv)", "empirical sample 2 from 'negative.csv' is -0.02; a duration must be zero or more", at: 15),
        ErrorCase("mixture(0.9*constant(1s), 0.2*exponential(mean=5s))", "mixture weights add up to 1.1; they must add up to 1", at: 0),
        ErrorCase("mixture(0.9*constant(1s), exponential(mean=5s))", "mixture components are written weight*distribution, e.g. mixture(0.9*constant(1ms)", at: 26),
        ErrorCase("mixture(0*constant(1s), 1*exponential(mean=5s))", "mixture weights must be greater than 0, got 0", at: 8),
        ErrorCase("mixture(0.5x*constant(1s))", "mixture weight '0.5x' is not a plain number", at: 8),
        ErrorCase("mixture(1*constant(-1s))", "constant needs value >= 0 for a duration", at: 19),
        ErrorCase("mixture()", "mixture needs at least one component", at: 8),
        ErrorCase("lognormal(mean: 50ms, sd: 20ms)", "parameters are written name=value, not name: value", at: 14),
        ErrorCase("lognormal(mean=50ms, sd=20ms", "missing ')' to close 'lognormal('", at: 28),
        ErrorCase("lognormal(mean=50ms, sd=20ms) x", "unexpected 'x' after the closing ')'", at: 30),
        ErrorCase("exponential(mean=20 ms)", "unexpected 'ms' after '20': write the unit right after the number, e.g. 20ms", at: 20),
        ErrorCase("lognormal(50ms, 20ms)", "lognormal takes named parameters (mean, sd), e.g. lognormal(mean=50ms, sd=20ms)", at: 10),
        ErrorCase("uniform(low=10ms, 30ms)", "a positional argument cannot follow a named one", at: 18),
        ErrorCase("constant(5ms, 6ms)", "constant takes one argument, e.g. constant(5ms)", at: 14),
        ErrorCase("uniform(5µs, 1µs, 2µs)", "uniform takes 2 arguments", at: 18),
        ErrorCase("exponential", "exponential needs parameters, e.g. exponential(mean=20ms)", at: 0),
        ErrorCase("lognorml", "unknown distribution 'lognorml'; did you mean 'lognormal'?", at: 0),
        ErrorCase("", "expected a distribution such as exponential(mean=20ms) or a quantity such as 20ms, found nothing", at: 0),
        ErrorCase("5", "'5' needs a duration unit, e.g. 5ms", at: 0),
        ErrorCase("  250 ms", "'250 ms' is not a duration: write a number followed by a unit", at: 2),
        ErrorCase("exponential(mean=constant(1s))", "exponential mean expects a duration, not a distribution", at: 17),
        ErrorCase("lognormal(mean=50ms,, sd=20ms)", "empty argument in 'lognormal(…)'", at: 20),
        ErrorCase("exponential(mean=)", "expected a value, found ')'", at: 17),
        ErrorCase("exponential(mean=20ms", "missing ')' to close 'exponential('", at: 21),
        ErrorCase("mixture(0.5*5ms)", "expected a call after '0.5*', e.g. 0.5*constant(1s)", at: 12),
        ErrorCase(String(repeating: "mixture(1*", count: 20) + "constant(1s)" + String(repeating: ")", count: 20),
                  "calls are nested too deeply (more than 16 levels)", at: 160),
    ]
}

@Suite struct DistributionParsingTests {
    @Test(arguments: ParseCase.all)
    func everyCatalogueMemberParsesWithUnits(_ testCase: ParseCase) throws {
        let parsed = try Distribution.parse(testCase.text, kind: testCase.kind, empiricalLoader: loadSamples)
        #expect(parsed == testCase.expected)
    }

    @Test(arguments: ErrorCase.all)
    func invalidTextIsRejectedWithAMessageAndTheOffsetOfTheProblem(_ testCase: ErrorCase) {
        let error = #expect(throws: DistributionSyntaxError.self) {
            _ = try Distribution.parse(testCase.text, kind: testCase.kind, empiricalLoader: loadSamples)
        }
        guard let error else { return }
        #expect(error.message.contains(testCase.fragment), "message: \(error.message)")
        #expect(error.offset == testCase.offset, "message: \(error.message)")
    }

    @Test(arguments: ParseCase.all.filter { if case .empirical = $0.expected { false } else { true } })
    func canonicalTextParsesBackToTheSameDistribution(_ testCase: ParseCase) throws {
        let text = testCase.expected.text(kind: testCase.kind)
        #expect(try Distribution.parse(text, kind: testCase.kind, empiricalLoader: loadSamples) == testCase.expected)
    }

    @Test func canonicalTextUsesTheUnitsOfTheKind() {
        #expect(Distribution.lognormal(mean: 0.05, sd: 0.02).text(kind: .duration) == "lognormal(mean=50ms, sd=20ms)")
        #expect(Distribution.lognormal(mean: 2048, sd: 1024).text(kind: .size) == "lognormal(mean=2KiB, sd=1KiB)")
        #expect(Distribution.gamma(shape: 2, scale: 0.01).text(kind: .duration) == "gamma(shape=2, scale=10ms)")
        #expect(Distribution.uniform(low: 0.01, high: 0.03).text(kind: .duration) == "uniform(low=10ms, high=30ms)")
        #expect(Distribution.constant(40).text(kind: .rate) == "constant(40/s)")
        #expect(Distribution.normal(mean: -2, sd: 0.5).text(kind: .count) == "normal(mean=-2, sd=0.5)")
        #expect(Distribution.empirical([1, 2, 3]).text(kind: .duration) == "empirical(n=3)")
        let mixture = Distribution.mixture([
            .init(weight: 0.9, distribution: .constant(1)),
            .init(weight: 0.1, distribution: .exponential(mean: 5)),
        ])
        #expect(mixture.text(kind: .duration) == "mixture(0.9*constant(1s), 0.1*exponential(mean=5s))")
    }

    @Test func mixtureWeightsThatAddUpToOneWithinRoundingAreAcceptedAsWritten() throws {
        // 0.7 + 0.2 + 0.1 is 0.9999999999999999 in binary floating point.
        let parsed = try Distribution.parse(
            "mixture(0.7*constant(1s), 0.2*constant(2s), 0.1*constant(3s))", kind: .duration, empiricalLoader: loadSamples)
        guard case .mixture(let components) = parsed else {
            Issue.record("expected a mixture, got \(parsed)")
            return
        }
        #expect(components.map(\.weight) == [0.7, 0.2, 0.1])
    }

    /// Random strings over the characters of the syntax, random token sequences, and single-character
    /// mutations of valid texts: the parser must never crash, and must either return a distribution
    /// (whose canonical text parses back to it, and whose draws are non-negative for durations) or
    /// throw a `DistributionSyntaxError` pointing inside the text.
    @Test func parserNeverCrashesOnRandomOrMutatedInput() {
        let stream = RandomStream(seed: 20_000)
        let alphabet = Array("abceilmnoprstuwxyzdghKMGBi0123456789.,()=*:/-+ µe")
        let tokens = [
            "constant", "exponential", "lognormal", "gamma", "weibull", "pareto", "uniform", "normal",
            "empirical", "mixture", "mean", "sd", "shape", "scale", "min", "low", "high", "file", "value",
            "(", ")", ",", "=", "*", " ", "5ms", "0.9", "1", "2KiB", "-3", "40/s", "samples.csv", "0s", "1e3",
        ]
        let valid = ParseCase.all.map(\.text)
        let kinds: [QuantityKind] = [.duration, .size, .rate, .count]
        var parsedCount = 0
        var rejectedCount = 0
        for iteration in 0..<20_000 {
            var text: String
            switch iteration % 3 {
            case 0:
                let length = stream.uniformInt(below: 40)
                text = String((0..<length).map { _ in alphabet[stream.uniformInt(below: alphabet.count)] })
            case 1:
                let length = stream.uniformInt(below: 12)
                text = (0..<length).map { _ in tokens[stream.uniformInt(below: tokens.count)] }.joined()
            default:
                var characters = Array(valid[stream.uniformInt(below: valid.count)])
                for _ in 0...stream.uniformInt(below: 3) {
                    let position = stream.uniformInt(below: characters.count + 1)
                    let replacement = alphabet[stream.uniformInt(below: alphabet.count)]
                    switch stream.uniformInt(below: 3) {
                    case 0: characters.insert(replacement, at: position)
                    case 1 where position < characters.count: characters.remove(at: position)
                    default: if position < characters.count { characters[position] = replacement }
                    }
                }
                text = String(characters)
            }
            let kind = kinds[stream.uniformInt(below: kinds.count)]
            do throws(DistributionSyntaxError) {
                let distribution = try Distribution.parse(text, kind: kind, empiricalLoader: loadSamples)
                parsedCount += 1
                if !containsEmpirical(distribution) {
                    let canonical = distribution.text(kind: kind)
                    let reparsed = try? Distribution.parse(canonical, kind: kind, empiricalLoader: loadSamples)
                    #expect(reparsed == distribution, "'\(text)' → '\(canonical)'")
                }
                if kind != .count {
                    let draw = distribution.sample(stream, truncatedAtZero: true)
                    #expect(draw >= 0, "'\(text)' drew \(draw)")
                }
            } catch {
                rejectedCount += 1
                #expect(error.offset >= 0 && error.offset <= text.count, "'\(text)': \(error)")
                #expect(!error.message.isEmpty)
            }
            do throws(DistributionSyntaxError) {
                _ = try CallExpression.parse(text)
            } catch {
                #expect(error.offset >= 0 && error.offset <= text.count, "'\(text)': \(error)")
            }
        }
        // Both outcomes must actually occur, or the generator is not exercising the parser.
        #expect(parsedCount > 100)
        #expect(rejectedCount > 100)
    }

    private func containsEmpirical(_ distribution: Distribution) -> Bool {
        switch distribution {
        case .empirical: true
        case .mixture(let components): components.contains { containsEmpirical($0.distribution) }
        default: false
        }
    }
}
