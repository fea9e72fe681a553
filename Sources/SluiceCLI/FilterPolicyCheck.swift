import ArgumentParser
import Foundation
import MessagingEngine

extension FilterPolicy.Scope: ExpressibleByArgument {}

/// `sluice filter-policy`: evaluates an SNS filter policy against messages before it is deployed.
struct FilterPolicyCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter-policy",
        abstract: "Check which messages an SNS subscription filter policy lets through.",
        discussion: """
            Prints true or false for each message, one per line, in input order. In MessageAttributes scope \
            a message is the MessageAttributes map as the SNS API takes it, \
            {"k": {"DataType": "String", "StringValue": "v"}}; in MessageBody scope it is the JSON body. \
            An invalid policy or message prints file:line:column: reason on standard error and exits 1 \
            before anything is printed.
            """)

    @Option(help: "The filter policy (a JSON file).")
    var policy: String

    @Option(help: "One message (a JSON file).")
    var message: String?

    @Option(help: "Messages, one JSON document per line (blank lines are skipped).")
    var messages: String?

    @Option(help: "MessageAttributes (default) or MessageBody.")
    var scope: FilterPolicy.Scope = .messageAttributes

    func validate() throws {
        if (message == nil) == (messages == nil) { throw ValidationError("give exactly one of --message and --messages") }
    }

    func run() throws {
        let policyText = try Self.read(policy)
        let compiled: FilterPolicy
        do {
            compiled = try FilterPolicy(policyText, scope: scope)
        } catch {
            throw CommandFailure.invalidInput("\(policy):\(error.position): invalid filter policy: \(error.reason)")
        }
        // Every message is read and checked before any result is printed, so a bad line never
        // leaves a partial answer behind.
        var documents: [(text: String, file: String, lineOffset: Int)] = []
        if let message {
            documents.append((try Self.read(message), message, 0))
        } else if let messages {
            let lines = try Self.read(messages).split(separator: "\n", omittingEmptySubsequences: false)
            for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
                documents.append((String(line), messages, index))
            }
        }
        var results: [Bool] = []
        for document in documents {
            do {
                switch scope {
                case .messageAttributes:
                    results.append(compiled.matches(attributes: try FilterPolicyAttribute.parseMap(document.text)))
                case .messageBody:
                    results.append(compiled.matches(body: try FilterPolicy.parseJSON(document.text)))
                }
            } catch {
                let line = error.position.line + document.lineOffset
                throw CommandFailure.invalidInput("\(document.file):\(line):\(error.position.column): invalid message: \(error.reason)")
            }
        }
        for result in results { print(result ? "true" : "false") }
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure.invalidInput("\(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CommandFailure.invalidInput("\(path): the file is not UTF-8 text") }
        return text
    }
}
