import ArgumentParser
import Foundation

/// The `sluice` command. Exit codes: 0 success, 1 invalid input (a bad scenario file, option or
/// path), 2 delivery-guarantee violations found when `--fail-on-violation` is given.
@main
struct Sluice: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Deterministic simulation of message queues (Amazon SQS semantics).",
        discussion: """
            Exit codes: 0 success; 1 invalid input (scenario file, option or path); \
            2 delivery-guarantee violations found with --fail-on-violation.
            """,
        version: version,
        subcommands: [Run.self, Validate.self, FilterPolicyCheck.self])

    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data((failure.message + "\n").utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(1)
        }
    }
}

/// A failure with a message for the user and one of the documented exit codes.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32

    static func invalidInput(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 1) }
}

/// Writes to standard error, where everything that is not the deterministic report goes.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
