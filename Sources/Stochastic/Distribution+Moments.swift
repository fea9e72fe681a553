import CGSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Distribution {
    /// The mean of the distribution as sampled by `sample(_:truncatedAtZero:)`.
    ///
    /// `truncatedAtZero` changes only the normal, whose mean becomes μ + σλ with α = −μ/σ and
    /// λ = φ(α)/Q(α). A Pareto with shape ≤ 1 has an infinite mean: `.infinity`. An empirical
    /// distribution has the mean of its samples; a mixture the weighted mean of its components.
    /// Returns nil only when a mixture contains a component whose mean is undefined.
    public func mean(truncatedAtZero: Bool) -> Double? {
        switch self {
        case .constant(let value):
            return value
        case .exponential(let mean):
            return mean
        case .lognormal(let mean, _):
            return mean
        case .gamma(let shape, let scale):
            return shape * scale
        case .weibull(let shape, let scale):
            return scale * tgamma(1 + 1 / shape)
        case .pareto(let shape, let min):
            return shape > 1 ? shape * min / (shape - 1) : .infinity
        case .uniform(let low, let high):
            return (low + high) / 2
        case .normal(let mean, let sd):
            guard truncatedAtZero else { return mean }
            return mean + sd * Distribution.inverseMillsRatio(-mean / sd)
        case .empirical(let samples):
            return Statistics.mean(samples)
        case .mixture(let components):
            let total = components.reduce(0) { $0 + $1.weight }
            var sum = 0.0
            for component in components {
                guard let mean = component.distribution.mean(truncatedAtZero: truncatedAtZero) else { return nil }
                sum += component.weight / total * mean
            }
            return sum
        }
    }

    /// The variance of the distribution as sampled by `sample(_:truncatedAtZero:)`.
    ///
    /// The truncated normal's is σ²(1 + αλ − λ²). A Pareto's is `.infinity` for 1 < shape ≤ 2
    /// (the integral diverges) and nil for shape ≤ 1 (the mean itself is infinite, so the
    /// variance is undefined). An empirical distribution has the population variance of its
    /// samples (dividing by n), which is the variance of a uniform resample (NaN for an empty set,
    /// which `parse` never builds). A mixture follows the
    /// law of total variance, Σ wᵢ(σᵢ² + μᵢ²) − μ²; it is nil when a component's mean is undefined
    /// or infinite, and `.infinity` when a component's variance is.
    public func variance(truncatedAtZero: Bool) -> Double? {
        switch self {
        case .constant:
            return 0
        case .exponential(let mean):
            return mean * mean
        case .lognormal(_, let sd):
            return sd * sd
        case .gamma(let shape, let scale):
            return shape * scale * scale
        case .weibull(let shape, let scale):
            let first = tgamma(1 + 1 / shape)
            return scale * scale * (tgamma(1 + 2 / shape) - first * first)
        case .pareto(let shape, let min):
            if shape <= 1 { return nil }
            if shape <= 2 { return .infinity }
            return min * min * shape / ((shape - 1) * (shape - 1) * (shape - 2))
        case .uniform(let low, let high):
            return (high - low) * (high - low) / 12
        case .normal(let mean, let sd):
            guard truncatedAtZero else { return sd * sd }
            let alpha = -mean / sd
            let lambda = Distribution.inverseMillsRatio(alpha)
            return sd * sd * (1 + alpha * lambda - lambda * lambda)
        case .empirical(let samples):
            guard !samples.isEmpty else { return .nan }
            let mean = Statistics.mean(samples)
            return samples.withUnsafeBufferPointer { buffer in
                gsl_stats_variance_with_fixed_mean(buffer.baseAddress, 1, buffer.count, mean)
            }
        case .mixture(let components):
            guard let mixtureMean = mean(truncatedAtZero: truncatedAtZero), mixtureMean.isFinite else { return nil }
            let total = components.reduce(0) { $0 + $1.weight }
            var secondMoment = 0.0
            for component in components {
                guard let mean = component.distribution.mean(truncatedAtZero: truncatedAtZero),
                    let variance = component.distribution.variance(truncatedAtZero: truncatedAtZero)
                else { return nil }
                secondMoment += component.weight / total * (variance + mean * mean)
            }
            return secondMoment - mixtureMean * mixtureMean
        }
    }

    /// λ(α) = φ(α) / Q(α), the mean of a standard normal conditioned on being above α.
    static func inverseMillsRatio(_ alpha: Double) -> Double {
        gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha)
    }
}
