import SimKernel

/// A consumer registered for enhanced fan-out (RegisterStreamConsumer's answer): the handle its
/// SubscribeToShard calls name it by.
///
/// A deregistered consumer's handle stays answerable, with ResourceNotFoundException; registering
/// the same name again makes a new consumer with a new handle, as AWS gives it a new ARN.
public struct StreamConsumer: Hashable, Sendable, CustomStringConvertible {
    /// The consumer's place among every consumer the stream has registered.
    public let index: Int
    public let name: String
    public let registeredAt: Instant

    /// ConsumerARN: the stream's ARN, the consumer's name and its creation time in seconds.
    public func arn(streamName: String) -> String {
        "arn:aws:kinesis:us-east-1:123456789012:stream/\(streamName)/consumer/\(name):\(registeredAt.nanoseconds / 1_000_000_000)"
    }

    public var description: String { "consumer \(name)" }
}

/// A successful SubscribeToShard: events of one shard pushed to one consumer for 5 minutes.
///
/// The engine keeps where the push has got to; the subscription only says which push it is.
public struct ShardSubscription: Hashable, Sendable {
    public let consumer: StreamConsumer
    public let shard: Int
    /// Which of the consumer-shard's subscriptions this is: a later successful call takes over.
    let generation: Int
    public let subscribedAt: Instant

    /// The instant the subscription stops pushing events: 5 minutes after it began.
    public var expiresAt: Instant { subscribedAt + StreamConfiguration.subscriptionLifetime }
}

/// One SubscribeToShardEvent: what the shard pushed to the consumer since the last.
public struct SubscribeToShardEvent: Sendable, Equatable {
    public let records: [StreamRecord]
    /// Where a new subscription goes on from this one: after the last record pushed
    /// (ContinuationSequenceNumber), or at TRIM_HORIZON while the shard has had no record before
    /// it. Nil at SHARD_END, when there is nothing more to read in the shard.
    public let continuation: ShardIteratorType?
    /// How far the push is behind the tip of the shard: the age of the oldest record not yet
    /// pushed, 0 when every record has been.
    public let millisBehindLatest: Int64
    /// At SHARD_END, the shards to read next; empty before.
    public let childShards: [Int]

    public var isShardEnd: Bool { continuation == nil }

    /// ContinuationSequenceNumber as AWS gives it: the sequence number of the last record pushed.
    public var continuationSequenceNumber: SequenceNumber? {
        if case .afterSequenceNumber(let sequence) = continuation { sequence } else { nil }
    }
}

/// What reading a subscription gave.
public enum SubscriptionReadResult: Sendable, Equatable {
    case event(SubscribeToShardEvent)
    /// The subscription's 5 minutes are over: AWS completes the event stream (no exception), and
    /// nothing more comes through it. SubscribeToShard again from `continuation` to go on.
    case expired(continuation: ShardIteratorType)
    /// ResourceInUseException when a later SubscribeToShard took the subscription over;
    /// ResourceNotFoundException when the consumer has been deregistered.
    case rejected(StreamError)
}

/// What a stream counted for one enhanced fan-out consumer.
public struct EnhancedFanOutCounters: Sendable, Equatable {
    /// Successful SubscribeToShard calls.
    public var subscriptions = 0
    /// SubscribeToShard calls refused for the call rate (LimitExceededException) or for a
    /// subscription fewer than 5 seconds old (ResourceInUseException).
    public var subscribeRefused = 0
    public var recordsPushed = 0
    /// Bytes pushed (data and partition keys): enhanced fan-out data retrievals, billed per GB.
    public var bytesPushed = 0
    /// Seconds of subscriptions, summed over shards: from each successful SubscribeToShard until
    /// the subscription expired, was taken over, reached SHARD_END or its consumer was deregistered.
    public var subscribedShardSeconds = 0.0
    /// Consumer-shard seconds as billed: while the consumer is registered, each second counts once
    /// per open shard of the stream, whether or not the consumer subscribed to it.
    public var consumerShardSeconds = 0.0
}
