import MessagingEngine
import SimKernel
import Workloads

/// Keeps everything the actors report, in order, for tests to compare.
final class RecordingObserver: WorkloadObserver {
    struct Send: Equatable {
        var messageId: MessageID
        var producedAt: Instant
        var at: Instant
    }

    struct AbandonedSend: Equatable {
        var producedAt: Instant
        var reason: String
        var at: Instant
    }

    struct Receipt: Equatable {
        var fleet: Int
        var messageId: MessageID
        var receiveCount: Int
        var at: Instant
    }

    struct Processing: Equatable {
        var messageId: MessageID
        var at: Instant
    }

    struct AbandonedMessage: Equatable {
        var messageId: MessageID
        var why: Abandonment
        var at: Instant
    }

    struct Delete: Equatable {
        var messageId: MessageID
        var result: DeleteMessageResult
        var at: Instant
    }

    struct CallFailure: Equatable {
        var actor: String
        var operation: String
        var willRetry: Bool
        var at: Instant
    }

    private(set) var sends: [Send] = []
    private(set) var abandonedSends: [AbandonedSend] = []
    private(set) var receipts: [Receipt] = []
    private(set) var processings: [Processing] = []
    private(set) var abandonments: [AbandonedMessage] = []
    private(set) var deletes: [Delete] = []
    private(set) var callFailures: [CallFailure] = []

    /// Messages whose delete removed them, in the order it happened.
    var deletedIDs: [MessageID] {
        deletes.compactMap { if case .deleted(let id) = $0.result { id } else { nil } }
    }

    func sendAccepted(queue: Int, messageId: MessageID, producedAt: Instant, at: Instant) {
        sends.append(Send(messageId: messageId, producedAt: producedAt, at: at))
    }

    func sendAbandoned(queue: Int, producedAt: Instant, reason: String, at: Instant) {
        abandonedSends.append(AbandonedSend(producedAt: producedAt, reason: reason, at: at))
    }

    func received(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant) {
        receipts.append(Receipt(fleet: fleet, messageId: message.messageId, receiveCount: message.receiveCount, at: at))
    }

    func processed(queue: Int, fleet: Int, message: ReceivedMessage, at: Instant) {
        processings.append(Processing(messageId: message.messageId, at: at))
    }

    func abandoned(queue: Int, fleet: Int, message: ReceivedMessage, why: Abandonment, at: Instant) {
        abandonments.append(AbandonedMessage(messageId: message.messageId, why: why, at: at))
    }

    func deleteAnswered(queue: Int, fleet: Int, message: ReceivedMessage, result: DeleteMessageResult, at: Instant) {
        deletes.append(Delete(messageId: message.messageId, result: result, at: at))
    }

    func callFailed(actor: String, operation: String, willRetry: Bool, at: Instant) {
        callFailures.append(CallFailure(actor: actor, operation: operation, willRetry: willRetry, at: at))
    }
}
