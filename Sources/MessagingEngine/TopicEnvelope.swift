/// The size of the JSON envelope SNS wraps a message in when a subscription does not ask for raw
/// delivery (what an SQS subscriber's body, an HTTP request body or an email-json mail holds).
///
/// The envelope's fields, as SNS writes them for an SQS subscriber (`"Key" : value`, one per line):
/// Type, MessageId (a UUID), SequenceNumber (FIFO topics, 20 digits), TopicArn, Message (the body),
/// Timestamp (ISO 8601 with milliseconds), SignatureVersion, Signature (a base64 RSA-2048 signature,
/// 344 characters), SigningCertURL, UnsubscribeURL (naming the subscription ARN) and, when the
/// message has attributes, MessageAttributes (`{"name" : {"Type" : "String", "Value" : "v"}}`).
///
/// Sizes are counted from a template filled with placeholders of the real lengths, so they are
/// exact for the fields SNS always writes. A simulated body has no content to escape: the body is
/// counted at its size, as if it held no quotes, backslashes or control characters.
public struct TopicEnvelope: Sendable, Equatable {
    /// Bytes of everything but the body and the attributes.
    public let fixedBytes: Int

    static let uuidLength = 36
    static let timestampLength = "2026-11-27T15:30:30.000Z".utf8.count
    static let signatureLength = 344
    static let sequenceNumberLength = 20
    static let certificateHashLength = 32

    public init(topicArn: String, isFifo: Bool) {
        func quoted(_ length: Int) -> String { "\"" + String(repeating: "x", count: length) + "\"" }
        let subscriptionArnLength = topicArn.utf8.count + 1 + Self.uuidLength
        var fields: [(String, String)] = [
            ("Type", "\"Notification\""),
            ("MessageId", quoted(Self.uuidLength)),
        ]
        if isFifo { fields.append(("SequenceNumber", quoted(Self.sequenceNumberLength))) }
        fields += [
            ("TopicArn", "\"\(topicArn)\""),
            ("Message", "\"\""),
            ("Timestamp", quoted(Self.timestampLength)),
            ("SignatureVersion", "\"1\""),
            ("Signature", quoted(Self.signatureLength)),
            ("SigningCertURL", "\"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-" + String(repeating: "0", count: Self.certificateHashLength) + ".pem\""),
            ("UnsubscribeURL", "\"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + String(repeating: "x", count: subscriptionArnLength) + "\""),
        ]
        let text = "{\n" + fields.map { "  \"\($0.0)\" : \($0.1)" }.joined(separator: ",\n") + "\n}"
        fixedBytes = text.utf8.count
    }

    /// The envelope's size around a body of `bodyBytes` with these attributes.
    public func bytes(bodyBytes: Int, attributes: [TopicMessageAttribute]) -> Int {
        fixedBytes + bodyBytes + Self.attributeBytes(attributes)
    }

    /// `,\n  "MessageAttributes" : {…}` for the attributes; 0 when there are none. Each is
    /// `"name" : {"Type":"String","Value":"v"}`; a value is written as a JSON string.
    static func attributeBytes(_ attributes: [TopicMessageAttribute]) -> Int {
        guard !attributes.isEmpty else { return 0 }
        let opening = ",\n  \"MessageAttributes\" : {".utf8.count
        let closing = "}".utf8.count
        var total = opening + closing + (attributes.count - 1) * ",".utf8.count
        for attribute in attributes {
            // "name" : {"Type" : "T", "Value" : "v"}
            total += attribute.name.utf8.count + 2 + " : ".utf8.count
                + "{\"Type\" : \"\", \"Value\" : \"\"}".utf8.count + attribute.dataTypeName.utf8.count + attribute.valueBytes
        }
        return total
    }
}
