import CGSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The distribution catalogue of `DESIGN.md`, sampled with GSL.
///
/// Parameters are stored in base units (seconds, bytes, per second, plain numbers). Values built
/// by `parse` are validated; values built in code are the caller's responsibility (see `sample`).
public indirect enum Distribution: Equatable, Sendable {
    case constant(Double)
    case exponential(mean: Double)
    /// `mean` and `sd` of the variate itself, not of its logarithm.
    case lognormal(mean: Double, sd: Double)
    case gamma(shape: Double, scale: Double)
    case weibull(shape: Double, scale: Double)
    /// Pareto type I: `P(X > x) = (min/x)^shape` for `x >= min`.
    case pareto(shape: Double, min: Double)
    case uniform(low: Double, high: Double)
    /// Truncated to [0, ∞) when sampled with `truncatedAtZero` (durations and sizes).
    case normal(mean: Double, sd: Double)
    /// Resamples the given values, each with probability 1/n.
    case empirical([Double])
    /// Picks a component with probability `weight / sum of weights`, then draws from it.
    case mixture([Component])

    public struct Component: Equatable, Sendable {
        public var weight: Double
        public var distribution: Distribution

        public init(weight: Double, distribution: Distribution) {
            self.weight = weight
            self.distribution = distribution
        }
    }

    /// One draw from `rng`.
    ///
    /// With `truncatedAtZero`, a normal is drawn from the normal conditioned on [0, ∞) by the
    /// inverse CDF with a single uniform draw: `Z = Q⁻¹(u · Q(-mean/sd))`, where `Q` is the upper
    /// tail of the standard normal. Working in the upper tail keeps precision when `mean/sd` is
    /// large, and unlike clamping it does not pile mass up at 0. Every other member is
    /// non-negative by construction when its parameters are (as `parse` ensures for durations,
    /// sizes and rates); a negative result with `truncatedAtZero` is a programming error and traps.
    ///
    /// A mixture uses one uniform draw to choose a component by cumulative weight (a linear scan,
    /// fine for the handful of components a scenario has), then the component's own draws.
    /// Exponential, Weibull, Pareto, uniform and the truncated normal use exactly one generator
    /// output per sample; the untruncated normal, lognormal and gamma (polar Box–Muller,
    /// Marsaglia–Tsang) and empirical (`gsl_rng_uniform_int`) use GSL's rejection methods, whose
    /// count varies with the values drawn. Streams stay reproducible either way.
    public func sample(_ rng: RandomStream, truncatedAtZero: Bool) -> Double {
        let generator = rng.gslGenerator
        let value: Double
        switch self {
        case .constant(let constant):
            value = constant
        case .exponential(let mean):
            value = gsl_ran_exponential(generator, mean)
        case .lognormal(let mean, let sd):
            let (mu, sigma) = Distribution.lognormalParameters(mean: mean, sd: sd)
            value = gsl_ran_lognormal(generator, mu, sigma)
        case .gamma(let shape, let scale):
            value = gsl_ran_gamma(generator, shape, scale)
        case .weibull(let shape, let scale):
            value = gsl_ran_weibull(generator, scale, shape)
        case .pareto(let shape, let min):
            value = gsl_ran_pareto(generator, shape, min)
        case .uniform(let low, let high):
            value = gsl_ran_flat(generator, low, high)
        case .normal(let mean, let sd):
            if truncatedAtZero {
                let upperTailAtZero = gsl_cdf_ugaussian_Q(-mean / sd)
                let z = gsl_cdf_ugaussian_Qinv(rng.uniform() * upperTailAtZero)
                // Rounding in `mean + sd * z` can land a hair below 0 when z ≈ -mean/sd.
                value = Swift.max(0, mean + sd * z)
            } else {
                value = mean + gsl_ran_gaussian(generator, sd)
            }
        case .empirical(let samples):
            precondition(!samples.isEmpty, "an empirical distribution needs at least one sample")
            value = samples[rng.uniformInt(below: samples.count)]
        case .mixture(let components):
            value = Distribution.choose(from: components, rng: rng).sample(rng, truncatedAtZero: truncatedAtZero)
        }
        precondition(!truncatedAtZero || value >= 0, "\(self) drew \(value) below 0 with truncatedAtZero")
        return value
    }

    /// The lognormal's log-scale parameters: σ² = ln(1 + sd²/mean²), μ = ln(mean) − σ²/2.
    static func lognormalParameters(mean: Double, sd: Double) -> (mu: Double, sigma: Double) {
        let ratio = sd / mean
        let sigmaSquared = log1p(ratio * ratio)
        return (log(mean) - sigmaSquared / 2, sigmaSquared.squareRoot())
    }

    /// The component whose cumulative-weight interval holds one uniform draw scaled by the total weight.
    private static func choose(from components: [Component], rng: RandomStream) -> Distribution {
        precondition(!components.isEmpty, "a mixture needs at least one component")
        let total = components.reduce(0) { $0 + $1.weight }
        let target = rng.uniform() * total
        var cumulative = 0.0
        for component in components {
            cumulative += component.weight
            if target < cumulative { return component.distribution }
        }
        // Only rounding in the running sum can get here; the draw belongs to the last component.
        return components[components.count - 1].distribution
    }
}
