import MessagingEngine
import Testing

/// One test per rule of the filter-policy language (SEMANTICS.md, Topic — SNS). Every evaluation
/// goes through both the compiled matcher and the reference interpreter, which must agree.
@Suite struct FilterPolicyTests {
    static func attributes(_ pairs: KeyValuePairs<String, FilterPolicyAttribute>) -> [String: FilterPolicyAttribute] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.key, $0.value) })
    }

    /// Whether `policy` (attribute scope) lets a message with `attributes` through.
    static func passes(_ policy: String, _ attributes: [String: FilterPolicyAttribute]) throws -> Bool {
        let compiled = try FilterPolicy(policy)
        let result = compiled.matches(attributes: attributes)
        #expect(FilterPolicyReference.matches(compiled.json, attributes: attributes) == result, "reference disagrees on \(policy)")
        return result
    }

    static func passes(_ policy: String, string value: String, key: String = "k") throws -> Bool {
        try passes(policy, [key: .string(value)])
    }

    static func passes(_ policy: String, number value: Double, key: String = "k") throws -> Bool {
        try passes(policy, [key: .number(value)])
    }

    /// Whether `policy` (body scope) lets the JSON `body` through.
    static func passes(_ policy: String, body: String) throws -> Bool {
        let compiled = try FilterPolicy(policy, scope: .messageBody)
        let json = try FilterPolicy.parseJSON(body)
        let result = compiled.matches(body: json)
        #expect(FilterPolicyReference.matches(compiled.json, body: json) == result, "reference disagrees on \(policy) with \(body)")
        return result
    }

    static func rejection(_ policy: String, scope: FilterPolicy.Scope = .messageAttributes) -> FilterPolicyError? {
        do {
            _ = try FilterPolicy(policy, scope: scope)
            return nil
        } catch {
            return error
        }
    }

    @Test func exactStringMatchesOnlyThatString() throws {
        #expect(try Self.passes(#"{"k": ["red"]}"#, string: "red"))
        #expect(try !Self.passes(#"{"k": ["red"]}"#, string: "reddish"))
        #expect(try !Self.passes(#"{"k": ["red"]}"#, [:]))
    }

    @Test func exactNumberMatchesANumberAttributeOfEqualValue() throws {
        #expect(try Self.passes(#"{"k": [301]}"#, number: 301))
        #expect(try Self.passes(#"{"k": [301.5]}"#, FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "Number", "StringValue": "301.50"}}"#)))
        #expect(try !Self.passes(#"{"k": [301]}"#, number: 302))
        #expect(try !Self.passes(#"{"k": [301]}"#, string: "301"))
    }

    @Test func prefixMatchesTheStartOfAString() throws {
        #expect(try Self.passes(#"{"k": [{"prefix": "ord"}]}"#, string: "order-42"))
        #expect(try !Self.passes(#"{"k": [{"prefix": "ord"}]}"#, string: "reorder"))
    }

    @Test func suffixMatchesTheEndOfAString() throws {
        #expect(try Self.passes(#"{"k": [{"suffix": ".png"}]}"#, string: "cat.png"))
        #expect(try !Self.passes(#"{"k": [{"suffix": ".png"}]}"#, string: "cat.png.gz"))
    }

    @Test func equalsIgnoreCaseIgnoresCase() throws {
        #expect(try Self.passes(#"{"k": [{"equals-ignore-case": "ReD"}]}"#, string: "rEd"))
        #expect(try !Self.passes(#"{"k": [{"equals-ignore-case": "red"}]}"#, string: "redder"))
    }

    @Test func wildcardStarMatchesAnyRunOfCharacters() throws {
        let policy = #"{"k": [{"wildcard": "img*.p*g"}]}"#
        #expect(try Self.passes(policy, string: "img.png"))
        #expect(try Self.passes(policy, string: "img-2024-01.jpeg.pjpg"))
        #expect(try !Self.passes(policy, string: "img.gif"))
        #expect(try !Self.passes(policy, string: "my-img.png"))
    }

    @Test func wildcardStarsMayMatchEmptyRunsButThePiecesMustFollowInOrderWithoutOverlapping() throws {
        #expect(try Self.passes(#"{"k": [{"wildcard": "*"}]}"#, string: ""))
        #expect(try Self.passes(#"{"k": [{"wildcard": "a*b"}]}"#, string: "ab"))
        #expect(try Self.passes(#"{"k": [{"wildcard": "ab*ba"}]}"#, string: "abba"))
        #expect(try !Self.passes(#"{"k": [{"wildcard": "ab*ba"}]}"#, string: "aba"), "the 'b' of 'ab' cannot also be the 'b' of 'ba'")
        #expect(try Self.passes(#"{"k": [{"wildcard": "a*bc*bc"}]}"#, string: "abcbc"))
        #expect(try !Self.passes(#"{"k": [{"wildcard": "a*bc*bc"}]}"#, string: "abc"))
        #expect(try Self.passes(#"{"k": [{"wildcard": "*c*b*"}]}"#, string: "cb"))
        #expect(try !Self.passes(#"{"k": [{"wildcard": "*c*b*"}]}"#, string: "bc"), "the pieces match in the pattern's order")
        #expect(try Self.passes(#"{"k": [{"wildcard": "red"}]}"#, string: "red"), "without a '*' the pattern is the whole value")
        #expect(try !Self.passes(#"{"k": [{"wildcard": "red"}]}"#, string: "reds"))
    }

    @Test func anythingButASingleValueExcludesOnlyThatValue() throws {
        #expect(try Self.passes(#"{"k": [{"anything-but": "red"}]}"#, string: "blue"))
        #expect(try Self.passes(#"{"k": [{"anything-but": "red"}]}"#, string: "redder"), "only the whole value is excluded")
        #expect(try !Self.passes(#"{"k": [{"anything-but": "red"}]}"#, string: "red"))
        #expect(try !Self.passes(#"{"k": [{"anything-but": "red"}]}"#, [:]), "anything-but needs the key")
    }

    @Test func anythingButAListExcludesEveryListedValue() throws {
        let policy = #"{"k": [{"anything-but": ["red", "blue"]}]}"#
        #expect(try Self.passes(policy, string: "green"))
        #expect(try !Self.passes(policy, string: "red"))
        #expect(try !Self.passes(policy, string: "blue"))
        #expect(try !Self.passes(policy, [:]), "anything-but needs the key")
    }

    @Test func anythingButWithAListOfNumbersExcludesThoseNumbers() throws {
        let policy = #"{"k": [{"anything-but": [100, 200.5]}]}"#
        #expect(try Self.passes(policy, number: 150))
        #expect(try !Self.passes(policy, number: 100))
        #expect(try !Self.passes(policy, number: 200.5))
        #expect(try !Self.passes(policy, string: "abc"), "a numeric operand never matches a string")
        #expect(try !Self.passes(#"{"k": [{"anything-but": 7}]}"#, number: 7))
    }

    @Test func anythingButPrefixExcludesStringsThatStartWithThePrefix() throws {
        let policy = #"{"k": [{"anything-but": {"prefix": "test-"}}]}"#
        #expect(try Self.passes(policy, string: "prod-1"))
        #expect(try Self.passes(policy, string: "my-test-1"), "the prefix must be at the start")
        #expect(try !Self.passes(policy, string: "test-1"))
        #expect(try !Self.passes(policy, string: "test-"))
        #expect(try !Self.passes(policy, [:]), "anything-but needs the key")
    }

    @Test func anythingButSuffixExcludesStringsThatEndWithTheSuffix() throws {
        let policy = #"{"k": [{"anything-but": {"suffix": ".tmp"}}]}"#
        #expect(try Self.passes(policy, string: "a.txt"))
        #expect(try Self.passes(policy, string: "a.tmp.bak"), "the suffix must be at the end")
        #expect(try !Self.passes(policy, string: "a.tmp"))
        #expect(try !Self.passes(policy, string: ".tmp"))
        #expect(try !Self.passes(policy, [:]), "anything-but needs the key")
    }

    @Test func anythingButWildcardExcludesStringsThePatternMatches() throws {
        let policy = #"{"k": [{"anything-but": {"wildcard": "*/internal/*"}}]}"#
        #expect(try Self.passes(policy, string: "a/public/b"))
        #expect(try Self.passes(policy, string: "a/internalb"), "the pattern needs the second '/'")
        #expect(try !Self.passes(policy, string: "a/internal/b"))
        #expect(try !Self.passes(policy, string: "/internal/"), "each '*' may stand for an empty run")
        #expect(try !Self.passes(policy, [:]), "anything-but needs the key")
    }

    @Test func numericEqualsMatchesOnlyThatNumber() throws {
        let policy = #"{"k": [{"numeric": ["=", 5]}]}"#
        #expect(try Self.passes(policy, number: 5))
        #expect(try Self.passes(policy, FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "Number", "StringValue": "5.000"}}"#)),
                "the value counts, not how it is written")
        #expect(try !Self.passes(policy, number: 5.00001))
        #expect(try !Self.passes(policy, number: 4.99999))
        #expect(try Self.passes(#"{"k": [{"numeric": ["=", -2.5]}]}"#, number: -2.5))
    }

    @Test func numericLessThanExcludesItsBound() throws {
        let policy = #"{"k": [{"numeric": ["<", 5]}]}"#
        #expect(try Self.passes(policy, number: 4.99999))
        #expect(try Self.passes(policy, number: -1e9))
        #expect(try !Self.passes(policy, number: 5))
        #expect(try !Self.passes(policy, number: 6))
    }

    @Test func numericLessThanOrEqualIncludesItsBound() throws {
        let policy = #"{"k": [{"numeric": ["<=", 5]}]}"#
        #expect(try Self.passes(policy, number: 5))
        #expect(try Self.passes(policy, number: 4))
        #expect(try !Self.passes(policy, number: 5.00001))
    }

    @Test func numericGreaterThanExcludesItsBound() throws {
        let policy = #"{"k": [{"numeric": [">", 5]}]}"#
        #expect(try Self.passes(policy, number: 5.00001))
        #expect(try Self.passes(policy, number: 1e9))
        #expect(try !Self.passes(policy, number: 5))
        #expect(try !Self.passes(policy, number: 4))
    }

    @Test func numericGreaterThanOrEqualIncludesItsBound() throws {
        let policy = #"{"k": [{"numeric": [">=", 5]}]}"#
        #expect(try Self.passes(policy, number: 5))
        #expect(try Self.passes(policy, number: 6))
        #expect(try !Self.passes(policy, number: 4.99999))
    }

    @Test func numericRangeHonoursTheInclusivenessOfEachBound() throws {
        let openClosed = #"{"k": [{"numeric": [">", 0, "<=", 150]}]}"#
        #expect(try !Self.passes(openClosed, number: 0))
        #expect(try Self.passes(openClosed, number: 0.00001))
        #expect(try Self.passes(openClosed, number: 150))
        #expect(try !Self.passes(openClosed, number: 150.00001))
        let closedOpen = #"{"k": [{"numeric": [">=", 0, "<", 150]}]}"#
        #expect(try !Self.passes(closedOpen, number: -0.00001))
        #expect(try Self.passes(closedOpen, number: 0))
        #expect(try Self.passes(closedOpen, number: 149.99999))
        #expect(try !Self.passes(closedOpen, number: 150))
    }

    @Test func numericPolicyDoesNotMatchAStringAttribute() throws {
        #expect(try !Self.passes(#"{"k": [{"numeric": [">", 0]}]}"#, string: "5"))
        #expect(try !Self.passes(#"{"k": [5]}"#, string: "5"))
        #expect(try !Self.passes(#"{"k": [{"numeric": [">", 0]}]}"#, ["k": .stringArray([.string("5")])]), "nor a string element of a String.Array")
        #expect(try !Self.passes(#"{"k": [{"numeric": [">", 0]}]}"#, body: #"{"k": "5"}"#), "nor a string in a body")
        #expect(try Self.passes(#"{"k": [{"numeric": [">", 0]}]}"#, body: #"{"k": 5}"#))
    }

    @Test func existsTrueNeedsTheKeyAndExistsFalseMatchesAMissingKey() throws {
        #expect(try Self.passes(#"{"k": [{"exists": true}]}"#, string: "anything"))
        #expect(try !Self.passes(#"{"k": [{"exists": true}]}"#, [:]))
        #expect(try Self.passes(#"{"k": [{"exists": false}]}"#, string: "x", key: "other"))
        #expect(try !Self.passes(#"{"k": [{"exists": false}]}"#, string: "x"))
        #expect(try Self.passes(#"{"k": [{"exists": false}]}"#, body: #"{"other": 1}"#))
        #expect(try !Self.passes(#"{"k": [{"exists": false}]}"#, body: #"{"k": 1}"#))
    }

    @Test func existsFalseDoesNotMatchAMessageWithNoAttributesAtAll() throws {
        // AWS, Key matching: "exists": false only matches if at least one attribute is present.
        #expect(try !Self.passes(#"{"k": [{"exists": false}]}"#, [:]))
        #expect(try Self.passes(#"{"k": [{"exists": false}]}"#, ["other": .number(1)]))
        #expect(try !Self.passes(#"{"k": [{"exists": false}, "x"]}"#, [:]), "no condition of the key matches an empty map")
    }

    @Test func existsTrueNeedsAValueThatIsNeitherNullNorEmpty() throws {
        // AWS, Key matching: "The key must have a non-null and non-empty value."
        let present = #"{"k": [{"exists": true}]}"#
        #expect(try !Self.passes(present, body: #"{"k": null}"#))
        #expect(try !Self.passes(present, body: #"{"k": ""}"#))
        #expect(try Self.passes(present, body: #"{"k": ["", "v"]}"#), "an array needs one element that counts")
        #expect(try Self.passes(present, body: #"{"k": 0}"#), "zero and false are values")
        #expect(try Self.passes(present, body: #"{"k": false}"#))
        #expect(try !Self.passes(present, string: ""))
        #expect(try !Self.passes(#"{"k": [{"exists": false}]}"#, body: #"{"k": null}"#), "a null value is still a key that is there")
    }

    @Test func existsInABodyLooksAtTheLeafOfTheNestedPath() throws {
        let present = #"{"order": {"id": [{"exists": true}]}}"#
        #expect(try Self.passes(present, body: #"{"order": {"id": "A-1"}}"#))
        #expect(try !Self.passes(present, body: #"{"order": {"ref": "A-1"}}"#))
        #expect(try !Self.passes(present, body: #"{"id": "A-1"}"#), "a key of the same name at another depth does not count")
        #expect(try !Self.passes(#"{"order": [{"exists": true}]}"#, body: #"{"order": {"id": "A-1"}}"#),
                "exists looks at leaves, not at an object on the way")
        let absent = #"{"order": {"id": [{"exists": false}]}}"#
        #expect(try Self.passes(absent, body: #"{"order": {"ref": "A-1"}}"#))
        #expect(try Self.passes(absent, body: #"{"customer": "c"}"#), "a missing parent means a missing leaf")
        #expect(try !Self.passes(absent, body: #"{"order": {"id": 7}}"#))
    }

    @Test func binaryAttributesAreNeverMatched() throws {
        let binary = try FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "Binary", "BinaryValue": "AAEC"}}"#)
        #expect(binary == ["k": .binary])
        #expect(try !Self.passes(#"{"k": [{"exists": true}]}"#, binary))
        #expect(try !Self.passes(#"{"k": [{"exists": false}]}"#, binary))
        #expect(try !Self.passes(#"{"k": [{"anything-but": "x"}]}"#, binary))
    }

    @Test func cidrMatchesIPv4AndIPv6Ranges() throws {
        let v4 = #"{"source": [{"cidr": "10.0.0.0/24"}]}"#
        #expect(try Self.passes(v4, string: "10.0.0.255", key: "source"))
        #expect(try !Self.passes(v4, string: "10.0.1.0", key: "source"))
        #expect(try !Self.passes(v4, string: "not-an-ip", key: "source"))
        let v6 = #"{"source": [{"cidr": "2001:db8::/32"}]}"#
        #expect(try Self.passes(v6, string: "2001:db8:ffff::1", key: "source"))
        #expect(try !Self.passes(v6, string: "2001:db9::1", key: "source"))
        #expect(try !Self.passes(v6, string: "10.0.0.1", key: "source"))
        #expect(Self.rejection(#"{"k": [{"cidr": "10.0.0.0/33"}]}"#)?.reason.contains("not an IP address range") == true)
    }

    @Test func cidrRangeHoldsItsFirstAndLastAddressAndNothingOutside() throws {
        let v4 = #"{"k": [{"cidr": "192.168.4.0/22"}]}"#
        #expect(try Self.passes(v4, string: "192.168.4.0"))
        #expect(try Self.passes(v4, string: "192.168.7.255"))
        #expect(try !Self.passes(v4, string: "192.168.3.255"))
        #expect(try !Self.passes(v4, string: "192.168.8.0"))
        #expect(try !Self.passes(v4, number: 3_232_236_545), "a number is not an address, even 192.168.4.1's")
        #expect(try Self.passes(#"{"k": [{"cidr": "10.1.2.3/32"}]}"#, string: "10.1.2.3"))
        #expect(try !Self.passes(#"{"k": [{"cidr": "10.1.2.3/32"}]}"#, string: "10.1.2.4"))
        #expect(try Self.passes(#"{"k": [{"cidr": "0.0.0.0/0"}]}"#, string: "255.255.255.255"))
        #expect(try !Self.passes(#"{"k": [{"cidr": "0.0.0.0/0"}]}"#, string: "::1"), "an IPv4 range holds no IPv6 address")
        let v6 = #"{"k": [{"cidr": "2001:db8:a::/48"}]}"#
        #expect(try Self.passes(v6, string: "2001:db8:a::"))
        #expect(try Self.passes(v6, string: "2001:db8:a:ffff:ffff:ffff:ffff:ffff"))
        #expect(try Self.passes(v6, string: "2001:0DB8:000A:0000:0000:0000:0000:0001"), "leading zeros and upper-case hex")
        #expect(try !Self.passes(v6, string: "2001:db8:9:ffff:ffff:ffff:ffff:ffff"))
        #expect(try !Self.passes(v6, string: "2001:db8:b::"))
    }

    @Test func stringArrayAttributeMatchesWhenAnyElementMatches() throws {
        let message = try FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "String.Array", "StringValue": "[\"red\", 7, true]"}}"#)
        #expect(message == ["k": .stringArray([.string("red"), .number(7), .bool(true)])])
        #expect(try Self.passes(#"{"k": ["red"]}"#, message))
        #expect(try Self.passes(#"{"k": [{"numeric": [">", 6]}]}"#, message))
        #expect(try !Self.passes(#"{"k": ["blue"]}"#, message))
        #expect(try Self.passes(#"{"k": [{"anything-but": "red"}]}"#, ["k": .stringArray([.string("red"), .string("blue")])]))
    }

    @Test func bodyArrayOfScalarsMatchesWhenAnyElementMatches() throws {
        #expect(try Self.passes(#"{"scores": [{"numeric": [">=", 90]}]}"#, body: #"{"scores": [40, 95, 60]}"#))
        #expect(try !Self.passes(#"{"scores": [{"numeric": [">=", 90]}]}"#, body: #"{"scores": [40, 89.99999]}"#))
        #expect(try Self.passes(#"{"tags": [{"prefix": "env:"}]}"#, body: #"{"tags": ["team:a", "env:prod"]}"#))
        #expect(try !Self.passes(#"{"tags": ["b"]}"#, body: #"{"tags": []}"#), "an empty array has no element to match")
        #expect(try Self.passes(#"{"tags": [{"anything-but": "a"}]}"#, body: #"{"tags": ["a", "b"]}"#), "one element outside the exclusions suffices")
        #expect(try !Self.passes(#"{"tags": [{"anything-but": "a"}]}"#, body: #"{"tags": ["a", "a"]}"#))
    }

    @Test func keysAreAndedAndValuesAreOred() throws {
        let policy = #"{"color": ["red", "blue"], "size": ["L"]}"#
        #expect(try Self.passes(policy, Self.attributes(["color": .string("blue"), "size": .string("L")])))
        #expect(try !Self.passes(policy, Self.attributes(["color": .string("blue"), "size": .string("M")])))
        #expect(try !Self.passes(policy, Self.attributes(["color": .string("blue")])))
    }

    @Test func orMixedWithAndedKeys() throws {
        let policy = #"{"source": ["shop"], "$or": [{"price": [{"numeric": [">", 100]}]}, {"priority": ["high"]}]}"#
        #expect(try Self.passes(policy, Self.attributes(["source": .string("shop"), "price": .number(150)])))
        #expect(try Self.passes(policy, Self.attributes(["source": .string("shop"), "priority": .string("high")])))
        #expect(try !Self.passes(policy, Self.attributes(["source": .string("shop"), "price": .number(50)])))
        #expect(try !Self.passes(policy, Self.attributes(["source": .string("web"), "priority": .string("high")])))
        #expect(Self.rejection(#"{"$or": [{"a": ["x"]}]}"#)?.reason == "$or must be a list of at least 2 policy objects")
    }

    @Test func orMatchesWhenAnyOfItsPolicyObjectsMatches() throws {
        let policy = #"{"$or": [{"a": ["1"], "b": ["2"]}, {"c": [{"prefix": "x"}]}, {"d": [{"exists": true}]}]}"#
        #expect(try Self.passes(policy, Self.attributes(["a": .string("1"), "b": .string("2")])))
        #expect(try !Self.passes(policy, Self.attributes(["a": .string("1")])), "the keys inside one object are still ANDed")
        #expect(try Self.passes(policy, Self.attributes(["c": .string("xyz")])))
        #expect(try Self.passes(policy, Self.attributes(["d": .number(0)])))
        #expect(try !Self.passes(policy, Self.attributes(["a": .string("2"), "b": .string("2"), "c": .string("yz")])))
    }

    @Test func orInsideANestedBodyKeyAppliesAtThatDepth() throws {
        let policy = #"{"order": {"$or": [{"total": [{"numeric": [">", 100]}]}, {"tier": ["gold"]}]}}"#
        #expect(try Self.passes(policy, body: #"{"order": {"total": 150}}"#))
        #expect(try Self.passes(policy, body: #"{"order": {"tier": "gold", "total": 5}}"#))
        #expect(try !Self.passes(policy, body: #"{"order": {"total": 5}, "tier": "gold"}"#), "tier must be inside order")
    }

    @Test func orNeedsAListOfAtLeastTwoPolicyObjects() {
        #expect(Self.rejection(#"{"$or": []}"#) == FilterPolicyError(
            position: FilterPolicyPosition(line: 1, column: 9), reason: "$or must be a list of at least 2 policy objects"))
        #expect(Self.rejection(#"{"$or": {"a": ["x"]}}"#)?.reason == "$or must be a list of at least 2 policy objects")
        #expect(Self.rejection(#"{"$or": [{"a": ["x"]}, ["b"]]}"#) == FilterPolicyError(
            position: FilterPolicyPosition(line: 1, column: 24), reason: "each element of $or must be a policy object"))
    }

    @Test func matchingIsCaseSensitiveExceptEqualsIgnoreCase() throws {
        #expect(try !Self.passes(#"{"k": ["Red"]}"#, string: "red"))
        #expect(try !Self.passes(#"{"k": [{"prefix": "Re"}]}"#, string: "red"))
        #expect(try !Self.passes(#"{"K": ["red"]}"#, string: "red"), "keys are case-sensitive too")
        #expect(try Self.passes(#"{"k": [{"equals-ignore-case": "Red"}]}"#, string: "red"))
        #expect(try !Self.passes(#"{"k": [{"suffix": "ED"}]}"#, string: "red"))
        #expect(try !Self.passes(#"{"k": [{"wildcard": "R*"}]}"#, string: "red"))
        #expect(try Self.passes(#"{"k": [{"anything-but": "Red"}]}"#, string: "red"), "red is not the excluded Red")
        #expect(try Self.passes(#"{"k": [{"equals-ignore-case": "GOLD"}]}"#, body: #"{"k": "Gold"}"#))
        #expect(try !Self.passes(#"{"k": ["GOLD"]}"#, body: #"{"k": "Gold"}"#))
        #expect(Self.rejection(#"{"k": [{"Prefix": "r"}]}"#)?.reason.hasPrefix("unknown operator 'Prefix'") == true,
                "operator names are case-sensitive")
    }

    @Test func nestedBodyKeysFollowTheBodyStructure() throws {
        let policy = #"{"order": {"customer": {"tier": ["gold"]}, "total": [{"numeric": [">=", 100]}]}}"#
        #expect(try Self.passes(policy, body: #"{"order": {"customer": {"tier": "gold"}, "total": 120}}"#))
        #expect(try !Self.passes(policy, body: #"{"order": {"customer": {"tier": "silver"}, "total": 120}}"#))
        #expect(try !Self.passes(policy, body: #"{"order": {"tier": "gold", "total": 120}}"#))
        #expect(try Self.passes(#"{"tags": ["b"]}"#, body: #"{"tags": ["a", "b"]}"#))
    }

    @Test func arraysOfObjectsInTheBodyMatchWhenAnyElementMatches() throws {
        let policy = #"{"items": {"sku": [{"prefix": "BK-"}]}}"#
        #expect(try Self.passes(policy, body: #"{"items": [{"sku": "TV-1"}, {"sku": "BK-7"}]}"#))
        #expect(try !Self.passes(policy, body: #"{"items": [{"sku": "TV-1"}, {"sku": "PC-2"}]}"#))
        #expect(try Self.passes(policy, body: #"{"items": [[{"sku": "BK-7"}]]}"#), "nested arrays flatten")
    }

    @Test func attributeScopePoliciesAreFlat() {
        #expect(Self.rejection(#"{"a": {"b": ["x"]}}"#)?.reason.hasPrefix("MessageAttributes policies are flat") == true)
        #expect(Self.rejection(#"{"a": {"b": ["x"]}}"#, scope: .messageBody) == nil)
    }

    @Test func policyWithMoreThanFiveKeysIsRejected() {
        #expect(Self.rejection(#"{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"]}"#) == nil)
        let error = Self.rejection(#"{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]}"#)
        #expect(error?.reason == "a filter policy may use at most 5 keys in each $or alternative; this one uses 6 (a, b, c, d, e, f)")
        #expect(error?.position == FilterPolicyPosition(line: 1, column: 1))
        let indented = "\n  {\"a\": [\"1\"], \"b\": [\"1\"], \"c\": [\"1\"], \"d\": [\"1\"], \"e\": [\"1\"], \"f\": [\"1\"]}"
        #expect(Self.rejection(indented)?.position == FilterPolicyPosition(line: 2, column: 3), "the position is the policy object's")
    }

    @Test func keyLimitCountsTheLeafKeysOfANestedBodyPolicy() {
        let fiveLeaves = #"{"finding": {"a": ["1"], "b": ["1"], "c": ["1"]}, "d": ["1"], "e": ["1"]}"#
        #expect(Self.rejection(fiveLeaves, scope: .messageBody) == nil, "the parent key 'finding' is not counted")
        let sixLeaves = #"{"finding": {"a": ["1"], "b": ["1"], "c": {"x": ["1"], "y": ["1"]}}, "d": ["1"], "e": ["1"]}"#
        #expect(Self.rejection(sixLeaves, scope: .messageBody) == FilterPolicyError(
            position: FilterPolicyPosition(line: 1, column: 1),
            reason: "a filter policy may use at most 5 keys in each $or alternative; this one uses 6 (finding.a, finding.b, finding.c.x, finding.c.y, d, e)"))
    }

    @Test func policyWithMoreThan150CombinationsIsRejected() {
        let five = #"["1", "2", "3", "4", "5"]"#, six = #"["1", "2", "3", "4", "5", "6"]"#
        #expect(Self.rejection(#"{"a": \#(five), "b": \#(five), "c": \#(six)}"#) == nil, "5 × 5 × 6 = 150 is allowed")
        let error = Self.rejection(#"{"a": \#(six), "b": \#(five), "c": \#(six)}"#)
        #expect(error?.reason.hasSuffix("with 'c' it has at least 180") == true)
        let or = #"{"a": \#(six), "$or": [{"b": \#(five)}, {"c": \#(six)}]}"#
        #expect(Self.rejection(or) == nil, "6 × 5 + 6 × 6 = 66 is allowed")
        let tooMany = #"{"a": \#(six), "b": \#(five), "$or": [{"c": \#(six)}, {"d": \#(six)}]}"#
        #expect(Self.rejection(tooMany)?.reason.hasSuffix("with '$or' it has at least 360") == true, "30 × 6 + 30 × 6")
        let multiline = "{\n  \"a\": \(six),\n  \"b\": \(five),\n  \"c\": \(six)\n}"
        #expect(Self.rejection(multiline)?.position == FilterPolicyPosition(line: 4, column: 3), "at the key that crosses the limit")
    }

    @Test func numbersBeyondOneBillionAreRejected() {
        #expect(Self.rejection(#"{"k": [{"numeric": ["<", 1000000000]}]}"#) == nil)
        let error = Self.rejection(#"{"k": [{"numeric": ["<", 1000000000.1]}]}"#)
        #expect(error == FilterPolicyError(position: FilterPolicyPosition(line: 1, column: 26), reason: "numbers in a filter policy must be between -1e9 and 1e9"))
        #expect(Self.rejection(#"{"k": [-1e10]}"#) != nil)
        #expect(Self.rejection(#"{"k": [-1000000000]}"#) == nil)
        #expect(Self.rejection(#"{"k": [{"numeric": [">", -1000000000.5]}]}"#) == FilterPolicyError(
            position: FilterPolicyPosition(line: 1, column: 26), reason: "numbers in a filter policy must be between -1e9 and 1e9"))
    }

    @Test func numbersWithMoreThanFiveDecimalPlacesAreRejected() {
        #expect(Self.rejection(#"{"k": [0.00001, 1.500000]}"#) == nil, "trailing zeros add no precision")
        #expect(Self.rejection(#"{"k": [0.000001]}"#)?.reason == "numbers in a filter policy may have at most 5 decimal places; this one has 6")
        #expect(Self.rejection(#"{"k": [1e-6]}"#) != nil)
        let multiline = "{\n  \"price\": [{\"numeric\": [\">\", 0.123456]}]\n}"
        #expect(Self.rejection(multiline) == FilterPolicyError(
            position: FilterPolicyPosition(line: 2, column: 31),
            reason: "numbers in a filter policy may have at most 5 decimal places; this one has 6"))
    }

    @Test func malformedJSONIsRejectedWithItsPosition() {
        #expect(Self.rejection(#"{"k": ["x",]}"#) == FilterPolicyError(position: FilterPolicyPosition(line: 1, column: 12), reason: "unexpected ']'; expected a value"))
        #expect(Self.rejection("{\n  \"k\": [\"x\"\n}") == FilterPolicyError(position: FilterPolicyPosition(line: 3, column: 1), reason: "unexpected '}'; expected ',' or ']'"))
        #expect(Self.rejection(#"{"k": ["x"], "k": ["y"]}"#) == FilterPolicyError(position: FilterPolicyPosition(line: 1, column: 14), reason: "duplicate key 'k'"))
        #expect(Self.rejection(#"{"k": ["é"] x"#)?.position == FilterPolicyPosition(line: 1, column: 13), "columns count characters, not bytes")
        #expect(Self.rejection("") == FilterPolicyError(position: FilterPolicyPosition(line: 1, column: 1), reason: "unexpected end of input; expected a value"))
    }

    @Test func invalidOperatorsAreRejectedWithTheReasonAndPosition() {
        #expect(Self.rejection(#"{"k": [{"prefx": "a"}]}"#) == FilterPolicyError(
            position: FilterPolicyPosition(line: 1, column: 9),
            reason: "unknown operator 'prefx'; expected one of prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists, cidr"))
        #expect(Self.rejection(#"{"k": [{"numeric": ["<", 5, ">", 1]}]}"#)?.reason == #"a numeric range starts with a lower bound, ">" or ">=""#)
        #expect(Self.rejection(#"{"k": [{"numeric": [">", 5, "<", 1]}]}"#)?.reason.hasPrefix("the numeric range is empty") == true)
        #expect(Self.rejection(#"{"k": [{"anything-but": ["a", 1]}]}"#)?.reason == "an 'anything-but' list holds only strings or only numbers")
        #expect(Self.rejection(#"{"k": [{"exists": "yes"}]}"#)?.reason == "the operand of 'exists' must be true or false")
        #expect(Self.rejection(#"{"k": []}"#)?.reason == "the list of 'k' is empty and would match nothing")
        #expect(Self.rejection(#"{"k": "x"}"#)?.reason == #"the value of 'k' must be a list such as ["value"]"#)
        #expect(Self.rejection(#"{"k": [{"wildcard": "a**b"}]}"#)?.reason == "a wildcard pattern may not hold consecutive '*'")
        #expect(Self.rejection(#"["k"]"#)?.reason.hasPrefix("a filter policy must be a JSON object") == true)
    }

    @Test func attributeMapIsReadInTheShapeTheAPITakes() throws {
        let map = try FilterPolicyAttribute.parseMap(#"""
            {"store": {"DataType": "String", "StringValue": "shop"},
             "price": {"DataType": "Number.USD", "StringValue": "12.5"}}
            """#)
        #expect(map == ["store": .string("shop"), "price": .number(12.5)])
        #expect(throws: FilterPolicyError(position: FilterPolicyPosition(line: 1, column: 20),
                                          reason: "attribute 'k': unknown DataType 'Text'; expected String, String.Array, Number or Binary")) {
            try FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "Text", "StringValue": "v"}}"#)
        }
        #expect(throws: FilterPolicyError.self) {
            try FilterPolicyAttribute.parseMap(#"{"k": {"DataType": "Number", "StringValue": "ten"}}"#)
        }
    }
}
