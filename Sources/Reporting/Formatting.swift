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
        if abs(s) < 1e-3 { return fixed(s * 1e6, 1) + " µs" }
        if abs(s) < 1 { return fixed(s * 1e3, 1) + " ms" }
        if abs(s) < 60 { return fixed(s, 3) + " s" }
        // Long spans read as hours, minutes and seconds: 1801.856 → "30m 1.856s".
        let whole = Int64(abs(s))
        let hours = whole / 3600, minutes = (whole % 3600) / 60
        let rest = abs(s) - Double(hours * 3600 + minutes * 60)
        var text = s < 0 ? "-" : ""
        if hours > 0 { text += "\(hours)h " }
        if hours > 0 || minutes > 0 { text += "\(minutes)m " }
        return text + fixed(rest, 3) + "s"
    }

    static func estimate(_ e: Estimate?, _ unit: (Double) -> String) -> String {
        guard let e else { return "–" }
        return "\(unit(e.mean)) [\(unit(e.low)), \(unit(e.high))]"
    }

    static func rate(_ r: Double) -> String { fixed(r, 2) + "/s" }
    static func percent(_ p: Double) -> String { fixed(p * 100, 1) + "%" }
}
