import Testing
@testable import Stochastic

@Suite struct CallExpressionTests {
    @Test func namedArgumentsKeepTheirLabelsWordsAndOffsets() throws {
        let call = try CallExpression.parse("poisson(rate=40/s)")
        #expect(call == CallExpression(name: "poisson", arguments: [.init(label: "rate", value: .atom("40/s"), offset: 8)]))
    }

    @Test func positionalArgumentsAndWhitespaceAroundTokensAreAccepted() throws {
        let call = try CallExpression.parse("  uniform ( 10ms ,  30ms ) ")
        #expect(call == CallExpression(name: "uniform", arguments: [
            .init(label: nil, value: .atom("10ms"), offset: 12),
            .init(label: nil, value: .atom("30ms"), offset: 20),
        ]))
    }

    @Test func weightedAndNestedCallsAreParsedRecursively() throws {
        let call = try CallExpression.parse("mixture(0.9*constant(1s), 0.1*exponential(mean=5s))")
        #expect(call == CallExpression(name: "mixture", arguments: [
            .init(label: nil, value: .weighted(weight: "0.9", CallExpression(name: "constant", arguments: [
                .init(label: nil, value: .atom("1s"), offset: 21),
            ])), offset: 8),
            .init(label: nil, value: .weighted(weight: "0.1", CallExpression(name: "exponential", arguments: [
                .init(label: "mean", value: .atom("5s"), offset: 42),
            ])), offset: 26),
        ]))
        let nested = try CallExpression.parse("retry(backoff=exponential(mean=1s))")
        #expect(nested.arguments[0].value == .call(CallExpression(name: "exponential", arguments: [
            .init(label: "mean", value: .atom("1s"), offset: 26),
        ])))
    }

    @Test func aCallWithoutArgumentsHasAnEmptyArgumentList() throws {
        #expect(try CallExpression.parse("now()") == CallExpression(name: "now", arguments: []))
    }

    @Test func wordsMayHoldFileNamesAndSignedNumbers() throws {
        let call = try CallExpression.parse("empirical(file=data/latency-2024.csv, shift=-1.5e-3)")
        #expect(call.arguments.map(\.value) == [.atom("data/latency-2024.csv"), .atom("-1.5e-3")])
    }

    @Test(arguments: [
        ("poisson", "expected '(' after 'poisson'", 7),
        ("(rate=1)", "expected a call like name(arg=value), found '('", 0),
        ("", "expected a call like name(arg=value), found the end of the text", 0),
        ("3f(x)", "'3f' is not a name", 0),
        ("f(3x=1)", "'3x' is not a parameter name", 2),
        ("f(a=b=c)", "expected ',' or ')' after an argument, found '='", 5),
        ("f(a: 1)", "parameters are written name=value, not name: value (write a=…)", 3),
        ("f(a=1", "missing ')' to close 'f('", 5),
        ("f(a=1,)", "empty argument in 'f(…)'", 6),
        ("f(a=1) g()", "unexpected 'g' after the closing ')'", 7),
        ("5ms", "'5ms' is not a name; expected a call like name(arg=value)", 0),
    ])
    func malformedCallsAreRejectedWithTheOffsetOfTheProblem(text: String, fragment: String, offset: Int) {
        let error = #expect(throws: DistributionSyntaxError.self) { _ = try CallExpression.parse(text) }
        #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
        #expect(error?.offset == offset)
    }

    @Test func errorDescriptionGivesTheOneBasedCharacterPosition() {
        let error = DistributionSyntaxError(message: "boom", offset: 4)
        #expect(error.description == "boom (at character 5)")
    }
}
