/// What a quantity measures.
///
/// Every quantity is stored in its base unit: seconds for a `duration`, bytes for a `size`,
/// events per second for a `rate`, bits per second for a `bitrate`, and the plain number itself
/// for a `count`.
public enum QuantityKind: Sendable, Equatable {
    case duration
    case size
    case rate
    /// An encoder's bit rate, in decimal units as video and network figures are written: `2Mbps`.
    case bitrate
    case count
}

extension QuantityKind {
    /// The noun used in error messages: "a duration", "a size", ...
    var nounPhrase: String {
        switch self {
        case .duration: "a duration"
        case .size: "a size"
        case .rate: "a rate"
        case .bitrate: "a bit rate"
        case .count: "a plain number"
        }
    }

    /// Durations, sizes and rates cannot be negative; a count may be.
    var isNonNegative: Bool { self != .count }

    /// A typical value written in this kind's units, used in examples inside error messages.
    var exampleText: String {
        switch self {
        case .duration: "20ms"
        case .size: "2KiB"
        case .rate: "40/s"
        case .bitrate: "2Mbps"
        case .count: "2"
        }
    }
}
