import Scenario
import Stochastic
import Testing

/// The decoder must answer any text with a model or with diagnostics, never a crash.
@Suite struct ScenarioFuzzTests {
    static let alphabet = Array("abcdefgh:-_ {}[],()=*/.\n  \t#'\"0123456789msKiB&*!|>%@`")

    /// Mutations of the bundled scenarios: deleted, duplicated, replaced and inserted characters and lines.
    @Test func mutatedScenariosNeverCrashTheDecoder() throws {
        let sources = try ["quickstart", "mm1", "mm3", "broken"].map(bundledScenarioText)
        let rng = RandomStream(seed: 20_261_127)
        var decoded = 0, rejected = 0
        for round in 0..<3_000 {
            var text = Array(sources[round % sources.count])
            for _ in 0..<(1 + rng.uniformInt(below: 6)) {
                guard !text.isEmpty else { break }
                let at = rng.uniformInt(below: text.count)
                switch rng.uniformInt(below: 4) {
                case 0: text.remove(at: at)
                case 1: text.insert(Self.alphabet[rng.uniformInt(below: Self.alphabet.count)], at: at)
                case 2: text[at] = Self.alphabet[rng.uniformInt(below: Self.alphabet.count)]
                default:
                    let end = min(text.count, at + rng.uniformInt(below: 40))
                    text.insert(contentsOf: text[at..<end], at: at)
                }
            }
            do {
                _ = try ScenarioDecoder.decode(String(text), file: "fuzz.yaml")
                decoded += 1
            } catch {
                #expect(!error.diagnostics.isEmpty, "round \(round): an error without diagnostics")
                #expect(error.diagnostics.allSatisfy { $0.file == "fuzz.yaml" && $0.line >= 0 && !$0.message.isEmpty })
                rejected += 1
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the decoder.
        #expect(decoded > 0 && rejected > 0, "decoded \(decoded), rejected \(rejected)")
    }

    @Test func randomTextNeverCrashesTheDecoder() {
        let rng = RandomStream(seed: 99)
        for _ in 0..<3_000 {
            let length = rng.uniformInt(below: 200)
            let text = String((0..<length).map { _ in Self.alphabet[rng.uniformInt(below: Self.alphabet.count)] })
            do { _ = try ScenarioDecoder.decode(text, file: "random.yaml") } catch {
                #expect(!error.diagnostics.isEmpty)
            }
        }
    }
}
