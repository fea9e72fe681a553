/// Reading and writing quantities with explicit units: `250ms`, `64KiB`, `500/s`.
///
/// Durations come out in seconds, sizes in bytes, rates in events per second. Units are always
/// written right after the number, with no space, as in `DESIGN.md`: a bare number is an error
/// for a duration, size or rate, because `30` could mean 30 seconds or 30 milliseconds.
///
/// The `parse…` functions reject negative values: a timeout, size or rate below zero is always
/// a mistake. A `count` may be negative.
public enum Units {
    /// "250ms", "30s", "5m", "2h", "14d", "1.5s", "0s", "500us", "10ns" → seconds.
    ///
    /// Units: `ns`, `us` (also `µs`), `ms`, `s`, `m` and `min` (minutes), `h`, `d`.
    /// A number may have a fraction and an exponent (`1.5e3ms`).
    public static func parseDuration(_ text: String) throws(QuantityError) -> Double {
        try parse(text, as: .duration)
    }

    /// "256B", "64KiB", "1MiB", "2KB", "1.5GiB" → bytes. `KB` is 1000 bytes and `KiB` is 1024.
    public static func parseSize(_ text: String) throws(QuantityError) -> Double {
        try parse(text, as: .size)
    }

    /// "500/s", "30000/m", "2/min", "100/h" → per second. Any duration unit may follow the slash.
    public static func parseRate(_ text: String) throws(QuantityError) -> Double {
        try parse(text, as: .rate)
    }

    /// "2Mbps", "500kbps", "1.5Gbps", "64000bps" → bits per second. Units are decimal, as encoders
    /// and AWS's quotas write them: `kbps` (also `Kbps`) is 1,000 bits a second, `Mbps` 10^6, `Gbps` 10^9.
    public static func parseBitrate(_ text: String) throws(QuantityError) -> Double {
        try parse(text, as: .bitrate)
    }

    /// A quantity of the given kind; a `count` is a plain number such as `10` or `2.5` and may be negative.
    ///
    /// Leading and trailing whitespace is ignored.
    public static func parse(_ text: String, as kind: QuantityKind) throws(QuantityError) -> Double {
        let value = try parseSigned(text, as: kind)
        if kind.isNonNegative && value < 0 {
            throw QuantityError(message: "'\(trimmed(text))' is negative: \(kind.nounPhrase) must be zero or more")
        }
        return value
    }

    /// Seconds as compact text that parses back to exactly the same `Double`.
    ///
    /// The rule: take the largest unit (d, h, m, s, ms, us, ns) in which the value is at least 1
    /// and is written with at most three decimals that read back exactly; otherwise write the
    /// shortest exact decimal in seconds. So `0.25` → `250ms`, `90` → `1.5m`, `100` → `100s`,
    /// `3600` → `1h`, `0.0012345` → `0.0012345s`. Infinite and NaN values print as `inf`/`nan`,
    /// which do not parse.
    public static func formatDuration(_ seconds: Double) -> String {
        formatted(seconds, candidates: durationFormatUnits, perTime: false, baseSymbol: "s")
    }

    /// Bytes as compact text that parses back to exactly the same `Double`.
    ///
    /// The same rule as `formatDuration` over GiB, GB, MiB, MB, KiB, KB, B (binary units win
    /// when both are exact): `65536` → `64KiB`, `2000` → `2KB`, `1536` → `1.5KiB`, `100` → `100B`.
    public static func formatSize(_ bytes: Double) -> String {
        formatted(bytes, candidates: sizeFormatUnits, perTime: false, baseSymbol: "B")
    }

    /// Events per second as compact text that parses back to exactly the same `Double`.
    ///
    /// The smallest time unit among /s, /m, /h, /d in which the count is at least 1 and exact
    /// with three decimals: `40` → `40/s`, `0.5` → `30/m`; otherwise the shortest exact decimal per second.
    public static func formatRate(_ perSecond: Double) -> String {
        formatted(perSecond, candidates: rateFormatUnits, perTime: true, baseSymbol: "/s")
    }

    /// Bits per second as compact text that parses back to exactly the same `Double`: the same rule
    /// as `formatDuration` over Gbps, Mbps, kbps, bps: `2000000` → `2Mbps`, `1500` → `1.5kbps`.
    public static func formatBitrate(_ bitsPerSecond: Double) -> String {
        formatted(bitsPerSecond, candidates: bitrateFormatUnits, perTime: false, baseSymbol: "bps")
    }

    /// A value of the given kind as text that parses back to the same `Double` with `parse(_:as:)`.
    ///
    /// A `count` prints as the shortest exact decimal (`2`, `2.5`, `1e-05`).
    public static func format(_ value: Double, as kind: QuantityKind) -> String {
        switch kind {
        case .duration: formatDuration(value)
        case .size: formatSize(value)
        case .rate: formatRate(value)
        case .bitrate: formatBitrate(value)
        case .count: numberText(value)
        }
    }
}

// MARK: - Units and scanning

extension Units {
    /// One unit: a number written in it is worth `number * multiplier / divisor` base units.
    ///
    /// Sub-units divide (`250ms` is `250 / 1e3`) rather than multiply by `1e-3`, because the
    /// division of an exact decimal gives the correctly rounded result (`0.25`, not `0.25000000000000006`).
    struct Unit: Sendable {
        let symbol: String
        let multiplier: Double
        let divisor: Double
    }

    static let durationUnits: [Unit] = [
        Unit(symbol: "ns", multiplier: 1, divisor: 1e9),
        Unit(symbol: "us", multiplier: 1, divisor: 1e6),
        Unit(symbol: "\u{00B5}s", multiplier: 1, divisor: 1e6),  // MICRO SIGN
        Unit(symbol: "\u{03BC}s", multiplier: 1, divisor: 1e6),  // GREEK SMALL LETTER MU, which looks the same
        Unit(symbol: "ms", multiplier: 1, divisor: 1e3),
        Unit(symbol: "s", multiplier: 1, divisor: 1),
        Unit(symbol: "m", multiplier: 60, divisor: 1),
        Unit(symbol: "min", multiplier: 60, divisor: 1),
        Unit(symbol: "h", multiplier: 3600, divisor: 1),
        Unit(symbol: "d", multiplier: 86400, divisor: 1),
    ]

    static let sizeUnits: [Unit] = [
        Unit(symbol: "B", multiplier: 1, divisor: 1),
        Unit(symbol: "KB", multiplier: 1000, divisor: 1),
        Unit(symbol: "KiB", multiplier: 1024, divisor: 1),
        Unit(symbol: "MB", multiplier: 1_000_000, divisor: 1),
        Unit(symbol: "MiB", multiplier: 1_048_576, divisor: 1),
        Unit(symbol: "GB", multiplier: 1_000_000_000, divisor: 1),
        Unit(symbol: "GiB", multiplier: 1_073_741_824, divisor: 1),
    ]

    static let bitrateUnits: [Unit] = [
        Unit(symbol: "bps", multiplier: 1, divisor: 1),
        Unit(symbol: "kbps", multiplier: 1000, divisor: 1),
        Unit(symbol: "Kbps", multiplier: 1000, divisor: 1),
        Unit(symbol: "Mbps", multiplier: 1_000_000, divisor: 1),
        Unit(symbol: "Gbps", multiplier: 1_000_000_000, divisor: 1),
    ]

    /// Formatting candidates, in the order they are tried.
    static let durationFormatUnits: [Unit] = ["d", "h", "m", "s", "ms", "us", "ns"].map(durationUnit)
    static let sizeFormatUnits: [Unit] = ["GiB", "GB", "MiB", "MB", "KiB", "KB", "B"].map { symbol in
        sizeUnits.first { $0.symbol == symbol }!
    }
    static let bitrateFormatUnits: [Unit] = ["Gbps", "Mbps", "kbps", "bps"].map { symbol in
        bitrateUnits.first { $0.symbol == symbol }!
    }
    static let rateFormatUnits: [Unit] = ["s", "m", "h", "d"].map { symbol in
        let unit = durationUnit(symbol)
        return Unit(symbol: "/" + symbol, multiplier: unit.multiplier, divisor: unit.divisor)
    }

    private static func durationUnit(_ symbol: String) -> Unit {
        durationUnits.first { $0.symbol == symbol }!
    }

    /// Why a text is not a quantity; turned into a message by `message(for:subject:kind:)`.
    enum Problem: Error, Equatable {
        case empty
        case malformed
        case missingUnit(number: String)
        case unknownUnit(String)
        case unexpectedUnit(number: String)
        case notFinite
    }

    /// Reads an already trimmed text as a (possibly negative) quantity of `kind`.
    ///
    /// Grammar: `[+-] digits [. digits] [(e|E) [+-] digits] unit`, with no space before the unit.
    static func scan(_ text: String, as kind: QuantityKind) -> Result<Double, Problem> {
        let chars = Array(text)
        guard !chars.isEmpty else { return .failure(.empty) }
        var index = 0
        func skipDigits() {
            while index < chars.count && isDigit(chars[index]) { index += 1 }
        }
        if chars[index] == "-" || chars[index] == "+" { index += 1 }
        let digitsStart = index
        skipDigits()
        guard index > digitsStart else { return .failure(.malformed) }
        if index < chars.count && chars[index] == "." {
            let fractionStart = index + 1
            index = fractionStart
            skipDigits()
            guard index > fractionStart else { return .failure(.malformed) }
        }
        if index < chars.count && (chars[index] == "e" || chars[index] == "E") {
            // An exponent only counts when digits follow; otherwise the `e` is left for the unit
            // check, which rejects it (no unit starts with e).
            let mark = index
            index += 1
            if index < chars.count && (chars[index] == "-" || chars[index] == "+") { index += 1 }
            let exponentStart = index
            skipDigits()
            if index == exponentStart { index = mark }
        }
        let numberText = String(chars[..<index])
        let unitText = String(chars[index...])
        guard let number = Double(numberText) else { return .failure(.malformed) }
        guard number.isFinite else { return .failure(.notFinite) }

        let value: Double
        switch kind {
        case .count:
            guard unitText.isEmpty else { return .failure(.unexpectedUnit(number: numberText)) }
            value = number
        case .duration, .size, .bitrate:
            guard !unitText.isEmpty else { return .failure(.missingUnit(number: numberText)) }
            let units = kind == .duration ? durationUnits : kind == .size ? sizeUnits : bitrateUnits
            guard let unit = units.first(where: { $0.symbol == unitText }) else {
                return .failure(.unknownUnit(unitText))
            }
            value = number * unit.multiplier / unit.divisor
        case .rate:
            guard !unitText.isEmpty else { return .failure(.missingUnit(number: numberText)) }
            guard unitText.first == "/",
                let unit = durationUnits.first(where: { $0.symbol == unitText.dropFirst() })
            else { return .failure(.unknownUnit(unitText)) }
            value = number * unit.divisor / unit.multiplier
        }
        guard value.isFinite else { return .failure(.notFinite) }
        return .success(value)
    }

    /// Parses allowing negative values; `Distribution.parse` checks signs itself to say which parameter is wrong.
    static func parseSigned(_ text: String, as kind: QuantityKind) throws(QuantityError) -> Double {
        let body = trimmed(text)
        switch scan(body, as: kind) {
        case .success(let value):
            return value
        case .failure(let problem):
            throw QuantityError(message: message(for: problem, subject: "'\(body)'", kind: kind))
        }
    }

    /// What a valid quantity of `kind` looks like.
    static func formatHint(_ kind: QuantityKind) -> String {
        switch kind {
        case .duration: "write a number followed by a unit (ns, us, ms, s, m, min, h, d), e.g. 250ms"
        case .size: "write a number followed by a unit (B, KB, KiB, MB, MiB, GB, GiB), e.g. 64KiB"
        case .rate: "write a number per unit of time (/ns, /us, /ms, /s, /m, /min, /h, /d), e.g. 500/s"
        case .bitrate: "write a number followed by a unit (bps, kbps, Mbps, Gbps), e.g. 2Mbps"
        case .count: "write a number such as 10 or 2.5"
        }
    }

    /// The message for `problem`, where `subject` names the text (`'250 ms'` or `mean=20`).
    static func message(for problem: Problem, subject: String, kind: QuantityKind) -> String {
        switch problem {
        case .empty:
            return "expected \(kind.nounPhrase), found nothing: \(formatHint(kind))"
        case .malformed:
            return "\(subject) is not \(kind.nounPhrase): \(formatHint(kind))"
        case .missingUnit(let number):
            switch kind {
            case .duration: return "\(subject) needs a duration unit, e.g. \(number)ms"
            case .size: return "\(subject) needs a size unit, e.g. \(number)KiB"
            case .rate: return "\(subject) needs a unit of time, e.g. \(number)/s"
            case .bitrate: return "\(subject) needs a bit rate unit, e.g. \(number)Mbps"
            case .count: return "\(subject) is not \(kind.nounPhrase): \(formatHint(kind))"
            }
        case .unknownUnit(let unit):
            if unit.contains(where: \.isWhitespace) {
                return "\(subject) is not \(kind.nounPhrase): \(formatHint(kind))"
            }
            return "\(subject) is not \(kind.nounPhrase): '\(unit)' is not a unit; \(formatHint(kind))"
        case .unexpectedUnit(let number):
            return "\(subject) is not a plain number: write it without a unit, e.g. \(number)"
        case .notFinite:
            return "\(subject) is too large"
        }
    }

    static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (48...57).contains(ascii)
    }

    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }
}

// MARK: - Formatting

extension Units {
    /// The first candidate unit whose three-decimal text reads back to exactly `value`, else the
    /// shortest exact decimal in the base unit. `perTime` marks rate units, whose factors are inverted.
    static func formatted(_ value: Double, candidates: [Unit], perTime: Bool, baseSymbol: String) -> String {
        guard value.isFinite else { return "\(value)" }
        if value == 0 { return "0" + baseSymbol }
        if value < 0 { return "-" + formatted(-value, candidates: candidates, perTime: perTime, baseSymbol: baseSymbol) }
        for unit in candidates {
            let inUnit = perTime ? value * unit.multiplier / unit.divisor : value * unit.divisor / unit.multiplier
            guard inUnit >= 1, let text = thousandthsText(inUnit), let number = Double(text) else { continue }
            // Convert back exactly as `scan` does, so the text is only used when it round-trips.
            let back = perTime ? number * unit.divisor / unit.multiplier : number * unit.multiplier / unit.divisor
            if back == value { return text + unit.symbol }
        }
        return numberText(value) + baseSymbol
    }

    /// `value` (non-negative) rounded to three decimals with trailing zeros dropped: 1.5 → "1.5", 250 → "250".
    static func thousandthsText(_ value: Double) -> String? {
        let thousandths = (value * 1000).rounded()
        guard thousandths >= 0 && thousandths < 9e15 else { return nil }
        let whole = UInt64(thousandths) / 1000
        let fraction = UInt64(thousandths) % 1000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.last == "0" { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    /// The shortest decimal that reads back exactly: whole numbers without ".0" (`2`), others as
    /// Swift prints them (`2.5`, `1e-05`), all accepted by `scan`.
    static func numberText(_ value: Double) -> String {
        if value.isFinite && value == value.rounded() && abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }
}
