/// Fixed, locale-free number formatting for the human-readable outputs.
enum Format {
    /// `x` with exactly `decimals` digits after the point.
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return "\(x)" }
        let whole = Int64(scaled)
        let sign = x < 0 && whole != 0 ? "-" : ""
        let integerPart = whole / Int64(scale)
        guard decimals > 0 else { return sign + String(integerPart) }
        let fraction = String(whole % Int64(scale))
        return sign + String(integerPart) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// Seconds in the unit that reads best: µs, ms, s.
    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "–" }
        if s == 0 { return "0 s" }
        // Each unit is chosen after rounding to what it shows, so 999.96 µs reads "1.0 ms", not "1000.0 µs".
        if (abs(s) * 1e7).rounded() < 1e4 { return fixed(s * 1e6, 1) + " µs" }
        if (abs(s) * 1e4).rounded() < 1e4 { return fixed(s * 1e3, 1) + " ms" }
        let milliseconds = Int64((abs(s) * 1e3).rounded())
        if milliseconds < 60_000 { return fixed(s, 3) + " s" }
        // Long spans read as hours, minutes and seconds: 1801.856 → "30m 1.856s".
        let hours = milliseconds / 3_600_000, minutes = (milliseconds % 3_600_000) / 60_000
        let rest = Double(milliseconds % 60_000) / 1e3
        var text = s < 0 ? "-" : ""
        if hours > 0 { text += "\(hours)h " }
        text += "\(minutes)m "
        return text + fixed(rest, 3) + "s"
    }

    static func estimate(_ e: Estimate?, _ unit: (Double) -> String) -> String {
        guard let e else { return "–" }
        return "\(unit(e.mean)) [\(unit(e.low)), \(unit(e.high))]"
    }

    static func rate(_ r: Double) -> String { fixed(r, 2) + "/s" }

    /// A quantity that may be a mean (requests, GB-seconds): whole from 100 up, else 2 decimals
    /// from 1 up, else 4.
    static func quantity(_ x: Double) -> String {
        let magnitude = abs(x)
        return fixed(x, magnitude >= 100 || x == x.rounded() ? 0 : magnitude >= 1 ? 2 : 4)
    }
    static func percent(_ p: Double) -> String { fixed(p * 100, 1) + "%" }
}
