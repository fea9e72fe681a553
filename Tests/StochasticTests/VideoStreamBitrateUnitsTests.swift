import Foundation
import Stochastic
import Testing

/// Bit rates, as video producers' encoders are written in scenario files: decimal units per second.
@Suite struct VideoStreamBitrateUnitsTests {
    @Test func bitratesAreDecimalBitsPerSecond() throws {
        #expect(try Units.parseBitrate("2Mbps") == 2_000_000)
        #expect(try Units.parseBitrate("500kbps") == 500_000)
        #expect(try Units.parseBitrate("500Kbps") == 500_000)
        #expect(try Units.parseBitrate("1.5Gbps") == 1_500_000_000)
        #expect(try Units.parseBitrate("64000bps") == 64_000)
        #expect(try Units.parse(" 2.5Mbps ", as: .bitrate) == 2_500_000)
    }

    @Test func aBitrateWithoutAUnitOrWithAnotherKindsUnitSaysWhichUnitsAreValid() {
        for (text, fragment) in [("2000000", "needs a bit rate unit, e.g. 2000000Mbps"), ("2MB", "'MB' is not a unit"),
                                 ("2MiBps", "bps, kbps, Mbps, Gbps"), ("-2Mbps", "negative")] {
            do {
                _ = try Units.parseBitrate(text)
                Issue.record("'\(text)' parsed")
            } catch {
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }

    @Test func bitratesFormatInTheLargestExactUnitAndParseBack() throws {
        #expect(Units.formatBitrate(2_000_000) == "2Mbps")
        #expect(Units.formatBitrate(1_500) == "1.5kbps")
        #expect(Units.formatBitrate(2_500_000_000) == "2.5Gbps")
        #expect(Units.formatBitrate(999) == "999bps")
        let stream = RandomStream(seed: 78)
        for _ in 0..<2_000 {
            let value = (exp(stream.uniform() * 30 - 5) * 1000).rounded() / 1000
            #expect(try Units.parse(Units.format(value, as: .bitrate), as: .bitrate) == value)
        }
    }

    @Test func distributionsTakeBitrateParameters() throws {
        let parsed = try Distribution.parse("lognormal(mean=2Mbps, sd=500kbps)", kind: .bitrate) { _ in [] }
        #expect(parsed == .lognormal(mean: 2_000_000, sd: 500_000))
        #expect(parsed.text(kind: .bitrate) == "lognormal(mean=2Mbps, sd=500kbps)")
        #expect(try Distribution.parse("3Mbps", kind: .bitrate) { _ in [] } == .constant(3_000_000))
    }
}
