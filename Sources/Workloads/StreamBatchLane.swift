import MessagingEngine
import SimKernel
import Stochastic

/// One lane of a shard in a stream event source mapping: the records of its partition keys, in
/// sequence order, invoked one batch at a time.
///
/// A batch is taken when the lane is free and it holds `batchSize` records, or a 6 MiB payload, or
/// its batching window has passed: the window of a batch opens when its first record was read.
/// A failed batch stays at the head of the lane, blocking it, while it is retried or bisected;
/// the parts a bisection makes run first half first, so a key's records keep their order.
///
/// Records are kept in one array with a head index and handed to the observer as slices of it, so
/// a record costs no allocation of its own.
final class StreamBatchLane: TimerTarget {
    let index: Int
    /// Not reference-counted: the poller owns its lanes and outlives them.
    unowned(unsafe) let poller: StreamShardPoller
    unowned(unsafe) let mapping: StreamEventSourceMapping
    let specification: StreamEventSourceMappingSpecification

    /// Records received; those before `head` are handled and dropped from time to time.
    var buffer: [StreamRecord] = []
    var head = 0
    /// When each poll's records entered the lane: the first index they took, and the instant.
    struct Entry {
        var index: Int
        var at: Instant
    }
    var entries: [Entry] = []
    var notedCount = 0

    /// The batch under way as the parts still to run, the next at the end: one part, or the halves
    /// of bisections. Parts are contiguous and in order, so the next one always starts at `head`.
    struct Part {
        var range: Range<Int>
        /// Retries of these records so far (a bisection is not one).
        var retries: Int
        /// Whether these records failed before: invoking them again is a retry.
        var hasFailed: Bool
    }
    var parts: [Part] = []
    /// An invocation is running or waiting for the account's concurrency.
    var isInvoking = false
    var isWindowTimerPending = false

    enum Step: Int { case windowCloses, invocationEnded }

    init(index: Int, poller: StreamShardPoller) {
        self.index = index
        self.poller = poller
        mapping = poller.mapping
        specification = poller.mapping.specification
    }

    var unhandledCount: Int { buffer.count - head }
    var isIdle: Bool { !isInvoking && parts.isEmpty && buffer.count == head }

    func timerFired(code: Int, payload: Int) {
        switch Step(rawValue: code)! {
        case .windowCloses:
            isWindowTimerPending = false
            startIfReady()
        case .invocationEnded:
            invocationEnded()
        }
    }

    // MARK: Gathering

    func append(_ record: StreamRecord) { buffer.append(record) }
    func append(contentsOf records: [StreamRecord]) { buffer.append(contentsOf: records) }

    /// Notes when the records just appended entered, and starts a batch if one is ready.
    func recordsArrived(at now: Instant) {
        guard buffer.count > notedCount else { return }
        entries.append(Entry(index: notedCount, at: now))
        notedCount = buffer.count
        startIfReady()
    }

    /// When the lane is free: takes a batch if it is full or its window has passed; otherwise makes
    /// sure it is looked at again when the window closes.
    func startIfReady() {
        guard !isInvoking, parts.isEmpty, head < buffer.count else { return }
        var end = head, bytes = 0
        var isFull = false
        while end < buffer.count && end - head < specification.batchSize {
            let size = buffer[end].sizeBytes
            if end > head && bytes + size > StreamEventSourceMapping.payloadBytesMax { isFull = true; break }
            bytes += size
            end += 1
        }
        if end - head == specification.batchSize { isFull = true }
        let now = poller.scheduler.now
        let windowEnd = gatheringStart() + specification.batchingWindow
        guard isFull || now >= windowEnd else {
            if !isWindowTimerPending {
                isWindowTimerPending = true
                poller.scheduler.schedule(at: windowEnd, target: self, code: Step.windowCloses.rawValue, payload: 0)
            }
            return
        }
        parts = [Part(range: head..<end, retries: 0, hasFailed: false)]
        invokeNextPart()
    }

    /// When the record at `head` was read: the opening of the batch being gathered.
    func gatheringStart() -> Instant {
        while entries.count > 1 && entries[1].index <= head { entries.removeFirst() }
        return entries[0].at
    }

    // MARK: Invoking

    /// Sends the records of the next part that are too old to the on-failure destination, then
    /// invokes the function with the rest once the account's concurrency allows.
    func invokeNextPart() {
        while let part = parts.last {
            let kept = dropTooOld(part.range)
            if kept.isEmpty {
                parts.removeLast()
                continue
            }
            parts[parts.count - 1].range = kept
            isInvoking = true
            if mapping.admit(self) { invoke() }
            return
        }
        batchHandled()
    }

    /// The account's concurrency has room for this lane's waiting invocation.
    func invokeWhenAllowed() {
        invoke()
    }

    func invoke() {
        let now = poller.scheduler.now
        let cold = mapping.invocationBegins(retry: parts.last!.hasFailed)
        // The duration is drawn first and always, so a cold start never shifts the durations drawn.
        var seconds = specification.duration.sample(poller.durationStream, truncatedAtZero: true)
        if cold { seconds += specification.coldStart.sample(poller.coldStartStream, truncatedAtZero: true) }
        let runTime = max(StreamEventSourceMapping.invocationDurationMin, Span(seconds: seconds))
        mapping.invocationBilled(runTime)
        poller.scheduler.schedule(at: now + runTime, target: self, code: Step.invocationEnded.rawValue, payload: 0)
    }

    func invocationEnded() {
        let now = poller.scheduler.now
        let failed = specification.failureProbability > 0 && poller.outcomeStream.bernoulli(specification.failureProbability)
        isInvoking = false
        mapping.invocationEnds(failed: failed)
        var part = parts.removeLast()
        if !failed {
            mapping.observer.streamRecordsProcessed(stream: mapping.streamIndex, consumer: mapping.consumerIndex, shard: poller.shard,
                                                    records: buffer[part.range], at: now)
            head = part.range.upperBound
        } else if specification.bisectBatchOnFunctionError && part.range.count > 1 {
            let middle = part.range.lowerBound + part.range.count / 2
            mapping.batchBisected()
            parts.append(Part(range: middle..<part.range.upperBound, retries: part.retries, hasFailed: true))
            parts.append(Part(range: part.range.lowerBound..<middle, retries: part.retries, hasFailed: true))
        } else if specification.maximumRetryAttempts == -1 || part.retries < specification.maximumRetryAttempts {
            part.retries += 1
            part.hasFailed = true
            parts.append(part)
        } else {
            discard(part.range, reason: "MaximumRetryAttempts: \(specification.maximumRetryAttempts) retries failed")
        }
        invokeNextPart()
    }

    /// The part without its leading records that are older than MaximumRecordAge or have outlived
    /// the stream's retention, which are discarded. Records are in arrival order, so the old ones lead.
    func dropTooOld(_ range: Range<Int>) -> Range<Int> {
        let now = poller.scheduler.now
        let retention = poller.stream.configuration.retention
        var start = range.lowerBound
        var reason = ""
        while start < range.upperBound {
            let age = now - buffer[start].arrivedAt
            if age >= retention {
                reason = "the record expired from the stream"
            } else if let ageMax = specification.maximumRecordAge, age > ageMax {
                reason = "MaximumRecordAge: older than \(ageMax)"
            } else {
                break
            }
            start += 1
        }
        if start > range.lowerBound { discard(range.lowerBound..<start, reason: reason) }
        return start..<range.upperBound
    }

    /// Sends the records' metadata to the on-failure destination: they are handled, not processed.
    func discard(_ range: Range<Int>, reason: String) {
        mapping.recordsDiscarded(range.count)
        mapping.observer.streamRecordsDiscarded(stream: mapping.streamIndex, consumer: mapping.consumerIndex, shard: poller.shard,
                                                records: buffer[range], reason: reason, at: poller.scheduler.now)
        head = range.upperBound
    }

    /// The batch is done with: the handled records are dropped when they are most of the buffer, the
    /// next batch starts if ready, and the poller hears when the lane is empty.
    func batchHandled() {
        if head >= 4096 && head * 2 >= buffer.count {
            buffer.removeFirst(head)
            for i in entries.indices { entries[i].index -= head }
            notedCount -= head
            head = 0
        }
        startIfReady()
        if isIdle { poller.finishIfHandled() }
    }
}
