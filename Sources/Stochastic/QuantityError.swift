/// A quantity such as `250ms`, `64KiB` or `500/s` that could not be read.
///
/// The message says what was wrong and what would be valid, so a caller can show it as it is,
/// prefixed with the place the text came from.
public struct QuantityError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
