/// When the SQS extended client puts a body into the object store and sends a pointer instead.
///
/// Like the AWS library, a message goes through the store when its body and attributes together
/// exceed the threshold (strictly more than; a message of exactly the threshold stays inline), or
/// always when `alwaysThroughS3` is set.
public struct ExtendedClientPolicy: Sendable, Equatable {
    /// The library's default: 262,144 B, the SQS maximum before 2025.
    public var thresholdBytes: Int
    public var alwaysThroughS3: Bool

    public init(thresholdBytes: Int = 262_144, alwaysThroughS3: Bool = false) {
        self.thresholdBytes = thresholdBytes
        self.alwaysThroughS3 = alwaysThroughS3
    }

    public static let thresholdBytesRange = 0...1_048_576

    /// The size of the message sent in place of a stored body.
    ///
    /// The body is a JSON array of the pointer class name and `{"s3BucketName", "s3Key"}`: 51
    /// characters of class name, a bucket name of up to 63, a 36-character UUID key and about 40 of
    /// JSON punctuation and field names, so 130 – 190 B. The library also adds a Number attribute
    /// with the original size (`ExtendedPayloadSize`, about 30 B with name, type and value).
    /// 300 B covers both with room for a key prefix; a scenario that needs more precision
    /// sets the message size itself.
    public static let pointerMessageBytes = 300

    /// Problems with the policy, each naming the attribute and the valid range; empty when valid.
    public func problems() -> [(attribute: String, message: String)] {
        Self.thresholdBytesRange.contains(thresholdBytes) ? [] : [("thresholdBytes", "must be between 0 B and 1MiB (1048576 B)")]
    }

    /// Whether a message with this body and these attribute bytes goes through the object store.
    public func storesExternally(bodyBytes: Int, attributeBytes: Int = 0) -> Bool {
        alwaysThroughS3 || bodyBytes + attributeBytes > thresholdBytes
    }

    /// The message size SQS sees: the pointer for a stored body, otherwise body and attributes.
    public func queuedMessageBytes(bodyBytes: Int, attributeBytes: Int = 0) -> Int {
        storesExternally(bodyBytes: bodyBytes, attributeBytes: attributeBytes)
            ? Self.pointerMessageBytes + attributeBytes
            : bodyBytes + attributeBytes
    }
}
