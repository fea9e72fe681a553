import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import Stochastic

@Suite struct UnitsTests {
    @Test(arguments: [
        ("250ms", 0.25), ("30s", 30), ("5m", 300), ("5min", 300), ("2h", 7200), ("14d", 1_209_600),
        ("1.5s", 1.5), ("0s", 0), ("500us", 0.0005), ("500µs", 0.0005), ("500μs", 0.0005), ("10ns", 1e-8),
        ("1.5e3ms", 1.5), (" 250ms ", 0.25), ("+2s", 2),
    ])
    func durationsAreReadInSeconds(text: String, seconds: Double) throws {
        #expect(try Units.parseDuration(text) == seconds)
    }

    @Test(arguments: [
        ("256B", 256.0), ("64KiB", 65536.0), ("1MiB", 1_048_576.0), ("2KB", 2000.0), ("1.5GiB", 1_610_612_736.0),
        ("3MB", 3_000_000.0), ("1GB", 1e9),
    ])
    func sizesAreReadInBytes(text: String, bytes: Double) throws {
        #expect(try Units.parseSize(text) == bytes)
    }

    @Test(arguments: [("500/s", 500.0), ("30000/m", 500), ("2/min", 2.0 / 60), ("100/h", 100.0 / 3600), ("5/ms", 5000)] as [(String, Double)])
    func ratesAreReadPerSecond(text: String, perSecond: Double) throws {
        #expect(try Units.parseRate(text) == perSecond)
    }

    @Test func countsArePlainNumbersAndMayBeNegative() throws {
        #expect(try Units.parse("2.5", as: .count) == 2.5)
        #expect(try Units.parse("10", as: .count) == 10)
        #expect(try Units.parse("-3", as: .count) == -3)
        #expect(try Units.parse("30s", as: .duration) == 30)
    }

    @Test(arguments: [
        ("250 ms", QuantityKind.duration,
         "'250 ms' is not a duration: write a number followed by a unit (ns, us, ms, s, m, min, h, d), e.g. 250ms"),
        ("250", .duration, "'250' needs a duration unit, e.g. 250ms"),
        ("250sec", .duration, "'250sec' is not a duration: 'sec' is not a unit; write a number followed by a unit"),
        ("-5ms", .duration, "'-5ms' is negative: a duration must be zero or more"),
        ("", .duration, "expected a duration, found nothing"),
        ("ms", .duration, "'ms' is not a duration: write a number followed by a unit"),
        (".5s", .duration, "'.5s' is not a duration"),
        ("1.s", .duration, "'1.s' is not a duration"),
        ("1e999s", .duration, "'1e999s' is too large"),
        ("1e305d", .duration, "'1e305d' is too large"),
        ("64kib", .size, "'64kib' is not a size: 'kib' is not a unit; write a number followed by a unit (B, KB, KiB, MB, MiB, GB, GiB)"),
        ("64", .size, "'64' needs a size unit, e.g. 64KiB"),
        ("500", .rate, "'500' needs a unit of time, e.g. 500/s"),
        ("500/y", .rate, "'500/y' is not a rate: '/y' is not a unit"),
        ("500s", .rate, "'500s' is not a rate: 's' is not a unit; write a number per unit of time"),
        ("-1/s", .rate, "'-1/s' is negative: a rate must be zero or more"),
        ("5ms", .count, "'5ms' is not a plain number: write it without a unit, e.g. 5"),
        ("ten", .count, "'ten' is not a plain number: write a number such as 10 or 2.5"),
    ])
    func invalidQuantitiesAreRejectedWithAMessageSayingWhatIsValid(text: String, kind: QuantityKind, fragment: String) {
        let error = #expect(throws: QuantityError.self) { _ = try Units.parse(text, as: kind) }
        #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "none")")
    }

    @Test func durationsFormatInTheLargestUnitThatIsExact() {
        #expect(Units.formatDuration(0.25) == "250ms")
        #expect(Units.formatDuration(90) == "1.5m")
        #expect(Units.formatDuration(100) == "100s")
        #expect(Units.formatDuration(3600) == "1h")
        #expect(Units.formatDuration(1_209_600) == "14d")
        #expect(Units.formatDuration(1.5) == "1.5s")
        #expect(Units.formatDuration(0) == "0s")
        #expect(Units.formatDuration(0.0005) == "500us")
        #expect(Units.formatDuration(1e-8) == "10ns")
        #expect(Units.formatDuration(-0.25) == "-250ms")
        #expect(Units.formatDuration(1.0 / 3) == "0.3333333333333333s")
    }

    @Test func sizesAndRatesFormatInTheirUnits() {
        #expect(Units.formatSize(65536) == "64KiB")
        #expect(Units.formatSize(2000) == "2KB")
        #expect(Units.formatSize(1536) == "1.5KiB")
        #expect(Units.formatSize(100) == "100B")
        #expect(Units.formatSize(1e9) == "1GB")
        #expect(Units.formatSize(1_073_741_824) == "1GiB")
        #expect(Units.formatRate(40) == "40/s")
        #expect(Units.formatRate(0.5) == "30/m")
        #expect(Units.formatRate(0) == "0/s")
        #expect(Units.format(2.5, as: .count) == "2.5")
        #expect(Units.format(-3, as: .count) == "-3")
    }

    /// Values spread over 17 orders of magnitude, including ones with no short decimal form.
    @Test(arguments: [QuantityKind.duration, .size, .rate, .count])
    func formattedQuantitiesParseBackToExactlyTheSameValue(kind: QuantityKind) throws {
        let stream = RandomStream(seed: 77)
        for index in 0..<10_000 {
            let magnitude = exp(stream.uniform() * 40 - 20)
            // Every other value is rounded to a few decimals, as values typed by people are.
            let value = index.isMultiple(of: 2) ? magnitude : (magnitude * 1000).rounded() / 1000
            let text = Units.format(value, as: kind)
            #expect(try Units.parse(text, as: kind) == value, "\(value) → \(text)")
        }
    }
}
