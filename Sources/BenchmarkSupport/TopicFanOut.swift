import MessagingEngine
import SimKernel

/// Publishes to a standard topic with 100 subscriptions, each with its own three-key attribute
/// filter policy, and answers every delivery it starts: the work SNS does per publish for a topic
/// that fans out to many filtered subscribers.
///
/// Subscription i filters on store `store-(i mod 10)`, on an event other than a cancellation and
/// on a price range, so a message matches at most ten subscriptions (95 deliveries per 16
/// publishes of the cycle), as when each team takes its own slice of a shared event bus. Deliveries are answered right after the publish (an
/// endpoint may not answer from inside `deliver`), so the topic holds no backlog between publishes.
public final class TopicFanOut {
    /// What the publishes did, for a test to check that the work was done.
    public struct Result: Equatable, Sendable {
        public var published: Int
        /// Deliveries matched (over all subscriptions) and delivered; equal after whole publishes.
        public var matched: Int
        public var delivered: Int
        public var filteredOut: Int

        public init(published: Int, matched: Int, delivered: Int, filteredOut: Int) {
            self.published = published
            self.matched = matched
            self.delivered = delivered
            self.filteredOut = filteredOut
        }
    }

    /// Holds the attempts a publish starts until the publish returns.
    final class Sink: SubscriptionEndpoint {
        var attempts: [DeliveryAttempt] = []
        func deliver(_ attempt: DeliveryAttempt, for topic: Topic) { attempts.append(attempt) }
    }

    public static let subscriptionCount = 100
    public let scheduler = Scheduler()
    public let topic: Topic
    let sink = Sink()
    let messages: [PublishRequest]
    var published = 0

    public init() {
        topic = Topic(configuration: TopicConfiguration(name: "events"), token: 0, clock: scheduler, timers: scheduler)
        for i in 0..<Self.subscriptionCount {
            let policy = """
                {"store": ["store-\(i % 10)"], "event": [{"anything-but": ["order_cancelled"]}],
                 "price_usd": [{"numeric": [">=", \(i / 10 * 10), "<", \(i / 10 * 10 + 500)]}]}
                """
            let configuration: SubscriptionConfiguration
            do {
                configuration = SubscriptionConfiguration(name: "s\(i)", protocolName: .sqs, endpointName: "queue/s\(i)",
                                                          filterPolicy: try FilterPolicy(policy))
            } catch {
                preconditionFailure("the benchmark policy is invalid: \(error)")
            }
            guard case .success = topic.subscribe(configuration, endpoint: sink) else { preconditionFailure("subscription \(i) was refused") }
        }
        func message(_ store: Int, _ event: String, _ price: Double) -> PublishRequest {
            PublishRequest(bodyBytes: 512, attributes: [
                TopicMessageAttribute(name: "store", value: .string("store-\(store)"), valueBytes: 7),
                TopicMessageAttribute(name: "event", value: .string(event), valueBytes: event.utf8.count),
                TopicMessageAttribute(name: "price_usd", value: .number(price), valueBytes: 6),
            ])
        }
        messages = (0..<16).map { message($0 % 10, $0 % 4 == 3 ? "order_cancelled" : "order_placed", Double(40 * $0)) }
    }

    /// Publishes `count` messages, cycling through the set, and answers every delivery.
    @discardableResult
    public func run(publishes count: Int) -> Result {
        var index = published % messages.count
        for _ in 0..<count {
            guard case .published = topic.publish(messages[index]) else { preconditionFailure("a publish was refused") }
            for attempt in sink.attempts { topic.completeDelivery(attempt.ticket, outcome: .delivered) }
            sink.attempts.removeAll(keepingCapacity: true)
            index += 1
            if index == messages.count { index = 0 }
        }
        published += count
        let subscriptions = topic.subscriptions
        return Result(published: published, matched: subscriptions.reduce(0) { $0 + $1.counters.matched },
                      delivered: subscriptions.reduce(0) { $0 + $1.counters.delivered },
                      filteredOut: subscriptions.reduce(0) { $0 + $1.counters.filteredOut })
    }
}
