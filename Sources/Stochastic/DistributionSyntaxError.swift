/// A distribution or call expression that could not be read.
///
/// `offset` is the 0-based character (grapheme) offset into the text where the problem is, so a
/// caller that knows where the text sits in a file can turn it into a line and column.
public struct DistributionSyntaxError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    /// The message followed by the 1-based character position.
    public var description: String { "\(message) (at character \(offset + 1))" }
}
