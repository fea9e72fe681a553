import Foundation
import Scenario

/// Reads a scenario and the files it names; the only place scenarios meet the file system.
enum ScenarioFiles {
    static func load(_ path: String) throws -> ScenarioModel {
        let url = URL(fileURLWithPath: path)
        let text: String
        do {
            let data = try Data(contentsOf: url)
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw CommandFailure.invalidInput("\(path): the file is not UTF-8 text")
            }
            text = decoded
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure.invalidInput("\(path): cannot read the scenario file (\(error.localizedDescription))")
        }
        let directory = url.deletingLastPathComponent()
        do {
            return try ScenarioDecoder.decode(text, file: path) { name in
                let fileURL = name.hasPrefix("/") ? URL(fileURLWithPath: name) : directory.appendingPathComponent(name)
                guard let data = try? Data(contentsOf: fileURL), let text = String(data: data, encoding: .utf8) else {
                    throw ScenarioFileError("cannot read '\(fileURL.path)'")
                }
                return text
            }
        } catch {
            throw CommandFailure.invalidInput(error.description)
        }
    }
}
