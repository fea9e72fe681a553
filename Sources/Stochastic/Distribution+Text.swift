extension Distribution {
    /// Canonical text in the syntax of `parse`, with parameters in the units of `kind`.
    ///
    /// `parse(text(kind: k), kind: k)` gives back an equal distribution for every member but
    /// `empirical`, which prints as `empirical(n=…)` (the file name is not kept, so it cannot be
    /// read back). Quantities print with `Units.format(_:as:)`, which reads back exactly; plain
    /// numbers (shapes, weights) print as their shortest exact decimal. Uniform prints labelled:
    /// `uniform(low=10ms, high=30ms)`.
    public func text(kind: QuantityKind) -> String {
        func quantity(_ value: Double) -> String { Units.format(value, as: kind) }
        func plain(_ value: Double) -> String { Units.numberText(value) }
        switch self {
        case .constant(let value):
            return "constant(\(quantity(value)))"
        case .exponential(let mean):
            return "exponential(mean=\(quantity(mean)))"
        case .lognormal(let mean, let sd):
            return "lognormal(mean=\(quantity(mean)), sd=\(quantity(sd)))"
        case .gamma(let shape, let scale):
            return "gamma(shape=\(plain(shape)), scale=\(quantity(scale)))"
        case .weibull(let shape, let scale):
            return "weibull(shape=\(plain(shape)), scale=\(quantity(scale)))"
        case .pareto(let shape, let min):
            return "pareto(shape=\(plain(shape)), min=\(quantity(min)))"
        case .uniform(let low, let high):
            return "uniform(low=\(quantity(low)), high=\(quantity(high)))"
        case .normal(let mean, let sd):
            return "normal(mean=\(quantity(mean)), sd=\(quantity(sd)))"
        case .empirical(let samples):
            return "empirical(n=\(samples.count))"
        case .mixture(let components):
            let parts = components.map { "\(plain($0.weight))*\($0.distribution.text(kind: kind))" }
            return "mixture(\(parts.joined(separator: ", ")))"
        }
    }
}
