import Foundation
import Scenario
import Testing

/// The repository's root, found from this file's place in it.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func bundledScenarioText(_ name: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent("scenarios/\(name).yaml"), encoding: .utf8)
}

func bundledScenario(_ name: String) throws -> ScenarioModel {
    try ScenarioDecoder.decode(try bundledScenarioText(name), file: "scenarios/\(name).yaml")
}

/// The diagnostics a text produces, as the lines `sluice validate` prints.
func diagnostics(_ text: String, file: String = "test.yaml", files: [String: String] = [:]) -> [String] {
    do {
        _ = try ScenarioDecoder.decode(text, file: file) { name in
            guard let contents = files[name] else { throw ScenarioFileError("no file \(name)") }
            return contents
        }
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// A small valid scenario that tests modify one field at a time.
let minimalScenario = """
    name: t
    duration: 10s
    queues:
      - name: q
    producers:
      - name: p
        target: queue/q
        arrivals: poisson(rate=5/s)
    consumers:
      - name: c
        source: queue/q
        processing: exponential(mean=10ms)
    """

/// A suite of decoding tests: a base scenario that tests change one thing in, and the file name
/// its diagnostics carry.
protocol DecodingFixture {
    static var base: String { get }
    static var fileName: String { get }
}

extension DecodingFixture {
    func problems(_ text: String) -> [ScenarioDiagnostic] {
        do {
            _ = try ScenarioDecoder.decode(text, file: Self.fileName)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// Expects exactly one diagnostic, at `line`, for `path`, whose message holds every fragment.
    func expectOne(_ text: String, line: Int, path: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(text)
        #expect(found.count == 1, "\(found.map(\.description))", sourceLocation: sourceLocation)
        guard let problem = found.first else { return }
        #expect(problem.file == Self.fileName, sourceLocation: sourceLocation)
        #expect(problem.line == line, "\(problem)", sourceLocation: sourceLocation)
        #expect(problem.path == path, "\(problem)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(problem.message.contains(fragment), "'\(fragment)' is not in: \(problem.message)", sourceLocation: sourceLocation)
        }
    }

    /// The base with `old` (which it must hold) replaced by `new`.
    func replacing(_ old: String, with new: String) -> String {
        precondition(Self.base.contains(old), "the base has no '\(old)'")
        return Self.base.replacingOccurrences(of: old, with: new)
    }
}
