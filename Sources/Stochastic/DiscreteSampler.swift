@preconcurrency import CGSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws indices `0..<weights.count` with probabilities proportional to `weights`, in constant
/// time per draw (GSL's Walker alias tables, `gsl_ran_discrete`).
///
/// A class because it owns GSL's table; build it once and draw from it many times.
public final class DiscreteSampler {
    private let table: UnsafeMutablePointer<gsl_ran_discrete_t>
    public let count: Int

    /// - Precondition: at least one weight, all finite and non-negative, their sum positive.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty, "a discrete distribution needs at least one weight")
        precondition(weights.allSatisfy { $0.isFinite && $0 >= 0 } && weights.contains { $0 > 0 },
                     "weights must be finite, non-negative and not all zero")
        guard let table = weights.withUnsafeBufferPointer({ gsl_ran_discrete_preproc($0.count, $0.baseAddress) }) else {
            preconditionFailure("gsl_ran_discrete_preproc failed: out of memory")
        }
        self.table = table
        count = weights.count
    }

    /// Zipf's law over `count` ranks: rank k (0-based) has weight 1 / (k + 1)^exponent, so rank 0
    /// is the hottest. Exponent 0 is uniform.
    public convenience init(zipfRanks count: Int, exponent: Double) {
        precondition(count >= 1 && exponent >= 0 && exponent.isFinite, "Zipf needs at least one rank and a finite exponent ≥ 0")
        self.init(weights: (1...count).map { 1 / pow(Double($0), exponent) })
    }

    deinit { gsl_ran_discrete_free(table) }

    public func sample(_ rng: RandomStream) -> Int {
        Int(gsl_ran_discrete(rng.gslGenerator, table))
    }

    /// The probability of index `i`, as GSL's table holds it.
    public func probability(of i: Int) -> Double {
        gsl_ran_discrete_pdf(i, table)
    }
}
