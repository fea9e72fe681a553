import Foundation
import Reporting
import Testing

@Suite struct JSONValueTests {
    @Test func objectKeysKeepTheOrderTheyWereAddedIn() {
        let value = JSONValue.object([("zeta", .int(1)), ("alpha", .int(2)), ("mid", .null)])
        #expect(value.rendered() == "{\n  \"zeta\": 1,\n  \"alpha\": 2,\n  \"mid\": null\n}\n")
        #expect(value["alpha"] == .int(2))
        #expect(value["missing"] == nil)
        #expect(JSONValue.int(3)["alpha"] == nil)
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
        let text = "say \"hi\"\\ now\nnext\tcol\rret\u{01}\u{1F}\u{7F} é ✓"
        #expect(JSONValue.string(text).rendered() == "\"say \\\"hi\\\"\\\\ now\\nnext\\tcol\\rret\\u0001\\u001f\u{7F} é ✓\"\n")
    }

    @Test func escapedStringsReadBackAsTheSameText() throws {
        let text = "quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} unit \u{1F} emoji 🚀"
        let rendered = JSONValue.array([.string(text)]).rendered()
        let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String]
        #expect(parsed == [text])
    }

    @Test func integersAndIntegralDoublesPrintWithoutAFraction() {
        #expect(JSONValue.int(-42).rendered() == "-42\n")
        #expect(JSONValue.number(3).rendered() == "3\n")
        #expect(JSONValue.number(-0.0).rendered() == "0\n")
        #expect(JSONValue.number(123_456_789_012_345).rendered() == "123456789012345\n")
    }

    @Test func fractionalAndLargeDoublesPrintTheShortestTextThatReadsBackTheSame() throws {
        let cases: [(Double, String)] = [(2.5, "2.5"), (0.1, "0.1"), (1e-7, "1e-07"), (1e15, "1000000000000000.0"), (1e17, "1e+17"), (-1.25e20, "-1.25e+20"),
                                         (1.0 / 3.0, "0.3333333333333333")]
        for (value, text) in cases {
            let rendered = JSONValue.number(value).rendered()
            #expect(rendered == text + "\n")
            let parsed = try JSONSerialization.jsonObject(with: Data(rendered.utf8), options: .fragmentsAllowed) as? NSNumber
            #expect(parsed?.doubleValue == value)
        }
    }

    @Test func nonFiniteNumbersBecomeNull() {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(JSONValue.number(value).rendered() == "null\n")
        }
    }

    @Test func shortScalarArraysStayOnOneLineAndNestedOnesBreak() {
        let value = JSONValue.array([.array([.int(1), .number(2.5), .bool(true), .null, .string("x")]), .array([]), .object([])])
        #expect(value.rendered() == "[\n  [1, 2.5, true, null, \"x\"],\n  [],\n  {}\n]\n")
        let long = JSONValue.array((0..<17).map { .int($0) })
        #expect(long.rendered() == "[\n" + (0..<17).map { "  \($0)" }.joined(separator: ",\n") + "\n]\n")
        let nested = JSONValue.object([("a", .object([("b", .array([.array([.bool(false)])]))]))])
        #expect(nested.rendered() == "{\n  \"a\": {\n    \"b\": [\n      [false]\n    ]\n  }\n}\n")
    }

    @Test func equalityComparesObjectMembersInOrder() {
        let ab = JSONValue.object([("a", .int(1)), ("b", .int(2))])
        let ba = JSONValue.object([("b", .int(2)), ("a", .int(1))])
        #expect(ab == ab)
        #expect(ab != ba)
        #expect(JSONValue.int(1) != .number(1))
    }
}
