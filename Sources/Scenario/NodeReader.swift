import SimKernel
import Stochastic
import Yams

/// Reads a composed YAML tree field by field, collecting every problem with its file, line,
/// column and field path instead of stopping at the first.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [ScenarioDiagnostic] = []

    init(file: String) { self.file = file }

    func fail(_ node: Node?, _ path: String, _ message: String) {
        let mark = node?.mark
        diagnostics.append(ScenarioDiagnostic(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, path: path, message: message))
    }

    /// A mapping's members by key, after rejecting unknown keys (Yams rejects repeated ones).
    func mapping(_ node: Node, _ path: String, allowed: [String]) -> Fields? {
        guard case .mapping(let mapping) = node else {
            fail(node, path, "expected a mapping with keys \(allowed.joined(separator: ", ")), found \(describe(node))")
            return nil
        }
        var fields = Fields(path: path, node: node)
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(keyNode, path, "keys must be plain words")
                continue
            }
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                let hint = nearest(key, in: allowed).map { "did you mean '\($0)'? " } ?? ""
                fail(keyNode, keyPath, "unknown key '\(key)'; \(hint)valid keys here: \(allowed.joined(separator: ", "))")
                continue
            }
            fields.values[key] = value
        }
        return fields
    }

    func sequence(_ node: Node, _ path: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            fail(node, path, "expected a list (lines starting with '- '), found \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    func scalar(_ node: Node, _ path: String, expected: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(node, path, "expected \(expected), found \(describe(node))")
            return nil
        }
        return scalar.string
    }

    func string(_ node: Node, _ path: String) -> String? { scalar(node, path, expected: "a string") }

    func integer(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = scalar(node, path, expected: "a whole number") else { return nil }
        guard let value = Int(text.replacingUnderscores()) else {
            fail(node, path, "'\(text)' is not a whole number; expected one between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        guard range.contains(value) else {
            fail(node, path, "\(value) is out of range; expected \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A whole number with no range of its own: for fields a specification's `problems()` checks.
    func integer(_ node: Node, _ path: String) -> Int? {
        guard let text = scalar(node, path, expected: "a whole number") else { return nil }
        guard let value = Int(text.replacingUnderscores()) else {
            fail(node, path, "'\(text)' is not a whole number")
            return nil
        }
        return value
    }

    /// A finite number such as `100` or `2.5`, with no range of its own.
    func number(_ node: Node, _ path: String) -> Double? {
        guard let text = scalar(node, path, expected: "a number") else { return nil }
        guard let value = Double(text.replacingUnderscores()), value.isFinite else {
            fail(node, path, "'\(text)' is not a number")
            return nil
        }
        return value
    }

    func unsigned(_ node: Node, _ path: String) -> UInt64? {
        guard let text = scalar(node, path, expected: "a whole number") else { return nil }
        guard let value = UInt64(text.replacingUnderscores()) else {
            fail(node, path, "'\(text)' is not a whole number from 0 to \(UInt64.max)")
            return nil
        }
        return value
    }

    func boolean(_ node: Node, _ path: String) -> Bool? {
        guard let text = scalar(node, path, expected: "true or false") else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            fail(node, path, "'\(text)' is not a boolean; expected true or false")
            return nil
        }
    }

    func probability(_ node: Node, _ path: String) -> Double? {
        guard let text = scalar(node, path, expected: "a probability") else { return nil }
        guard let value = Double(text), value >= 0, value <= 1 else {
            fail(node, path, "'\(text)' is not a probability; expected a number from 0 to 1, e.g. 0.01")
            return nil
        }
        return value
    }

    /// A duration such as `250ms`, `30s`, `5m`, checked against `range`.
    func duration(_ node: Node, _ path: String, in range: ClosedRange<Span>? = nil) -> Span? {
        guard let text = scalar(node, path, expected: "a duration such as 250ms, 30s or 5m") else { return nil }
        let seconds: Double
        do { seconds = try Units.parseDuration(text) } catch {
            fail(node, path, error.message)
            return nil
        }
        let span = Span(seconds: seconds)
        if let range, !range.contains(span) {
            fail(node, path, "\(text) is out of range; expected \(Units.formatDuration(range.lowerBound.seconds)) to \(Units.formatDuration(range.upperBound.seconds))")
            return nil
        }
        return span
    }

    /// A size such as `256B`, `64KiB`, in whole bytes within `range`.
    func size(_ node: Node, _ path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = scalar(node, path, expected: "a size such as 256B or 64KiB") else { return nil }
        let bytes: Double
        do { bytes = try Units.parseSize(text) } catch {
            fail(node, path, error.message)
            return nil
        }
        guard bytes.rounded() == bytes, range.contains(Int(bytes)) else {
            fail(node, path, "\(text) is out of range; expected a whole number of bytes from \(Units.formatSize(Double(range.lowerBound))) to \(Units.formatSize(Double(range.upperBound)))")
            return nil
        }
        return Int(bytes)
    }

    /// A rate such as `40/s`.
    func rate(_ node: Node, _ path: String) -> Double? {
        guard let text = scalar(node, path, expected: "a rate such as 40/s") else { return nil }
        do {
            let rate = try Units.parseRate(text)
            guard rate >= 0 else {
                fail(node, path, "a rate cannot be negative")
                return nil
            }
            return rate
        } catch {
            fail(node, path, error.message)
            return nil
        }
    }

    /// A distribution in the catalogue's syntax; a problem is placed at its column within the value.
    func distribution(_ node: Node, _ path: String, kind: QuantityKind, loader: (String) throws -> [Double]) -> Distribution? {
        guard let text = scalar(node, path, expected: "a distribution such as exponential(mean=20ms)") else { return nil }
        do {
            return try Distribution.parse(text, kind: kind, empiricalLoader: loader)
        } catch {
            var message = error.message
            // Inside `{ … }` on one line a comma ends the value: `{ value: uniform(1, 100) }` reaches
            // the parser as `uniform(1`.
            if message.hasPrefix("missing ')'"), !text.contains(")"), node.scalar?.style == .plain {
                message += " (inside { … } on one line a comma ends the value; put the distribution on a line of its own or quote it)"
            }
            failInside(node, path, offset: error.offset, message)
            return nil
        }
    }

    /// Reports a problem at a character offset inside a one-line plain scalar.
    func failInside(_ node: Node, _ path: String, offset: Int, _ message: String) {
        let mark = node.mark
        let quoted = node.scalar.map { $0.style == .singleQuoted || $0.style == .doubleQuoted } ?? false
        diagnostics.append(ScenarioDiagnostic(file: file, line: mark?.line ?? 0,
                                              column: (mark?.column ?? 0) + offset + (quoted ? 1 : 0),
                                              path: path, message: message))
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

/// A mapping's members, read by key.
struct Fields {
    let path: String
    let node: Node
    var values: [String: Node] = [:]

    subscript(key: String) -> Node? { values[key] }
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
}

extension String {
    /// YAML allows 1_000_000 for readability.
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
