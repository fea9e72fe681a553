import Foundation
import Scenario

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
