import Foundation
import Testing

/// End-to-end tests of `sluice filter-policy`: whole standard output, standard error and exit code.
@Suite struct FilterPolicyCommandTests {
    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func filterPolicyPrintsOneResultPerMessageInInputOrder() throws {
        let folder = try CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try Self.write(#"{"store": ["shop"], "price": [{"numeric": [">", 100]}]}"#, "policy.json", in: folder)
        let messages = try Self.write("""
            {"store": {"DataType": "String", "StringValue": "shop"}, "price": {"DataType": "Number", "StringValue": "150"}}
            {"store": {"DataType": "String", "StringValue": "shop"}, "price": {"DataType": "Number", "StringValue": "50"}}

            {"store": {"DataType": "String", "StringValue": "web"}, "price": {"DataType": "Number", "StringValue": "500"}}
            {"store": {"DataType": "String", "StringValue": "shop"}, "price": {"DataType": "Number", "StringValue": "100.5"}}

            """, "messages.jsonl", in: folder)
        let result = try CommandLineTests.run(["filter-policy", "--policy", policy, "--messages", messages])
        #expect(result.status == 0)
        #expect(result.stdout == "true\nfalse\nfalse\ntrue\n")
        #expect(result.stderr == "")
    }

    @Test func filterPolicyChecksOneBodyMessage() throws {
        let folder = try CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try Self.write(#"{"items": {"sku": [{"prefix": "BK-"}]}}"#, "policy.json", in: folder)
        let message = try Self.write(#"{"items": [{"sku": "TV-1"}, {"sku": "BK-7"}]}"#, "m.json", in: folder)
        let body = try CommandLineTests.run(["filter-policy", "--policy", policy, "--message", message, "--scope", "MessageBody"])
        #expect(body.status == 0)
        #expect(body.stdout == "true\n")
        let flat = try CommandLineTests.run(["filter-policy", "--policy", policy, "--message", message])
        #expect(flat.status == 1)
        #expect(flat.stdout == "")
        #expect(flat.stderr == "\(policy):1:11: invalid filter policy: MessageAttributes policies are flat: the value of 'items' must be a list such as [\"value\"] (nested keys need FilterPolicyScope MessageBody)\n")
    }

    @Test func filterPolicyRejectsAMalformedPolicyWithFileAndPosition() throws {
        let folder = try CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try Self.write("{\n  \"store\": [\"shop\",]\n}\n", "policy.json", in: folder)
        let message = try Self.write(#"{"store": {"DataType": "String", "StringValue": "shop"}}"#, "m.json", in: folder)
        let result = try CommandLineTests.run(["filter-policy", "--policy", policy, "--message", message])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "\(policy):2:20: invalid filter policy: unexpected ']'; expected a value\n")
    }

    @Test func filterPolicyRejectsAnInvalidMessageWithItsLineBeforePrintingAnything() throws {
        let folder = try CommandLineTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let policy = try Self.write(#"{"store": ["shop"]}"#, "policy.json", in: folder)
        let messages = try Self.write("""
            {"store": {"DataType": "String", "StringValue": "shop"}}
            {"store": {"DataType": "Strin", "StringValue": "shop"}}
            """, "messages.jsonl", in: folder)
        let result = try CommandLineTests.run(["filter-policy", "--policy", policy, "--messages", messages])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "\(messages):2:24: invalid message: attribute 'store': unknown DataType 'Strin'; expected String, String.Array, Number or Binary\n")
    }

    @Test func filterPolicyNeedsExactlyOneMessageSource() throws {
        let result = try CommandLineTests.run(["filter-policy", "--policy", "p.json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("give exactly one of --message and --messages"))
    }
}
