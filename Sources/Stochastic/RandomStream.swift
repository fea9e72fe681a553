// GSL declares its generator types (`gsl_rng_mt19937`) as mutable C globals, though nothing
// writes them after the library loads; `@preconcurrency` lets Swift 6 read them.
@preconcurrency import CGSL

/// One seeded GSL generator (`gsl_rng_mt19937`).
///
/// Not thread-safe and deliberately not `Sendable`: each actor of each replication owns its own
/// stream, which is what makes a run reproducible from its seed.
public final class RandomStream {
    private let generator: UnsafeMutablePointer<gsl_rng>

    /// Turns off GSL's default error handler, which aborts the process; evaluated once, on first use.
    private static let gslErrorHandlerOff: Void = {
        _ = gsl_set_error_handler_off()
    }()

    /// A Mersenne Twister seeded with `seed`.
    ///
    /// `mt19937` uses only the low 32 bits of the seed, and GSL replaces seed 0 with its default
    /// 4357; `StreamSeed.derive` produces seeds that avoid both pitfalls.
    public init(seed: UInt64) {
        _ = Self.gslErrorHandlerOff
        guard let generator = gsl_rng_alloc(gsl_rng_mt19937) else {
            preconditionFailure("gsl_rng_alloc failed: out of memory")
        }
        gsl_rng_set(generator, UInt(truncatingIfNeeded: seed))
        self.generator = generator
    }

    /// The stream named `name` in replication `replication` of a scenario run with `scenarioSeed`.
    public convenience init(scenarioSeed: UInt64, replication: Int, name: String) {
        self.init(seed: StreamSeed.derive(scenarioSeed: scenarioSeed, replication: replication, name: name))
    }

    deinit {
        gsl_rng_free(generator)
    }

    /// A uniform draw in the open interval (0, 1), so `log(u)` and `1/u` are always finite.
    public func uniform() -> Double {
        gsl_rng_uniform_pos(generator)
    }

    /// A uniform integer in `0..<n`.
    ///
    /// Up to 2³² - 1 (the generator's range) this is `gsl_rng_uniform_int`; above it, two 32-bit
    /// outputs make a 64-bit word and rejection removes the modulo bias.
    public func uniformInt(below n: Int) -> Int {
        precondition(n > 0, "uniformInt(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        let range = UInt64(gsl_rng_max(generator) - gsl_rng_min(generator))
        if bound <= range {
            return Int(gsl_rng_uniform_int(generator, UInt(bound)))
        }
        // Accept only words at or above 2⁶⁴ mod n so that each residue is equally likely.
        let threshold = (0 &- bound) % bound
        while true {
            let word = UInt64(gsl_rng_get(generator)) << 32 | UInt64(gsl_rng_get(generator))
            if word >= threshold { return Int(word % bound) }
        }
    }

    /// True with probability `p`.
    public func bernoulli(_ p: Double) -> Bool {
        precondition(p >= 0 && p <= 1, "bernoulli probability must be in [0, 1], got \(p)")
        return gsl_ran_bernoulli(generator, p) == 1
    }

    /// An exponential draw with the given mean (mean 0 always gives 0).
    public func exponential(mean: Double) -> Double {
        precondition(mean >= 0 && mean.isFinite, "exponential mean must be finite and non-negative, got \(mean)")
        return gsl_ran_exponential(generator, mean)
    }

    /// The raw generator, for the `gsl_ran_*` calls made by `Distribution`.
    var gslGenerator: UnsafeMutablePointer<gsl_rng> { generator }
}
