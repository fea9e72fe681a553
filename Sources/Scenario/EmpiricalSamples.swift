import Stochastic

/// Reads a samples file for `empirical(file=…)`: one value per line, either with a unit
/// (`12.5ms`, `2KiB`) or a bare number in base units (seconds, bytes). Blank lines and lines
/// starting with `#` are skipped; in a CSV only the first column is read.
enum EmpiricalSamples {
    static func parse(_ text: String, file: String, kind: QuantityKind) throws -> [Double] {
        var samples: [Double] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: " \t\r") } ?? ""
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let bare = Double(line), bare.isFinite, bare >= 0 {
                samples.append(bare)
                continue
            }
            do {
                samples.append(try Units.parse(line, as: kind))
            } catch {
                // A header row in a CSV is allowed on the first line only.
                if samples.isEmpty && number == 0 && Double(line) == nil && line.first?.isLetter == true { continue }
                throw ScenarioFileError("\(file):\(number + 1): '\(line)' is not a sample: \(error.message)")
            }
        }
        guard !samples.isEmpty else { throw ScenarioFileError("\(file): no samples in the file") }
        return samples
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set)
        var s = self[...]
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
