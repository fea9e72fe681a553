import MessagingEngine
import SimKernel
import Testing
import Workloads

/// A data stream read by a `StreamPoller`, recording what the poller hands on and reports.
final class PollerWorld: StreamWorkloadObserver {
    let scheduler = Scheduler()
    let stream: DataStream
    var poller: StreamPoller!
    /// Every record the sink was given, with its shard, in the order given.
    private(set) var read: [(shard: Int, record: StreamRecord)] = []
    private(set) var processedReports = 0
    private(set) var lagReports = 0

    init(shards: Int) {
        stream = DataStream(configuration: StreamConfiguration(name: "events", shardCount: shards), token: 0, clock: scheduler,
                            timers: scheduler)
        poller = StreamPoller(stream: stream, streamIndex: 0, consumerIndex: 3, scheduler: scheduler, observer: self) { [unowned self] shard, records, _ in
            for record in records { read.append((shard, record)) }
        }
    }

    /// Puts `count` records over `keys` keys at `seconds`, after running the poller up to then.
    func put(_ count: Int, keys: Int, at seconds: Int64, from first: Int) {
        _ = scheduler.run(until: Instant(nanoseconds: seconds * 1_000_000_000))
        for n in 0..<count {
            guard case .put = stream.putRecord(PutRecordRequest(partitionKey: "key-\(n % keys)", dataBytes: 100, tag: UInt64(first + n))) else {
                preconditionFailure("the stream refused a record")
            }
        }
    }

    func streamRecordAccepted(stream: Int, tag: StreamRecordTag, key: Int, sequenceNumber: SequenceNumber, producedAt: Instant, at: Instant) {}
    func streamRecordAbandoned(stream: Int, tag: StreamRecordTag, reason: String, at: Instant) {}
    func streamRecordsProcessed(stream: Int, consumer: Int, shard: Int, records: ArraySlice<StreamRecord>, at: Instant) {
        precondition(consumer == 3 && stream == 0, "the poller reports as the consumer it was given")
        processedReports += records.count
    }
    func streamConsumerLag(stream: Int, consumer: Int, shard: Int, millisBehindLatest: Int64, at: Instant) { lagReports += 1 }
}

@Suite struct StreamPollerTests {
    /// SEMANTICS.md, Stream: consumers finish a parent before reading its children. Records put
    /// before a split are all read before any record put to a child, every record exactly once.
    @Test func pollerReadsEveryRecordOnceAndParentsBeforeChildren() {
        let world = PollerWorld(shards: 1)
        world.poller.start()
        world.put(300, keys: 20, at: 2, from: 0)
        _ = world.scheduler.run(until: Instant(nanoseconds: 5_000_000_000))
        guard case .success(let children) = world.stream.splitShard(0, newStartingHashKey: HashKey(1) << 127) else {
            Issue.record("the split was refused")
            return
        }
        world.put(300, keys: 20, at: 6, from: 300)
        _ = world.scheduler.run(until: Instant(nanoseconds: 20_000_000_000))
        #expect(world.read.count == 600)
        #expect(Set(world.read.map(\.record.tag)).count == 600)
        let lastParent = world.read.lastIndex { $0.shard == 0 }!
        let firstChild = world.read.firstIndex { children.contains($0.shard) }!
        #expect(lastParent < firstChild)
        #expect(world.read.prefix(300).allSatisfy { $0.shard == 0 })
        #expect(world.processedReports == 600)
        #expect(world.poller.isIdle)
    }

    /// One GetRecords per shard per poll interval, and the poller is not idle while a shard holds
    /// records it has not read.
    @Test func pollerCallsEachShardOncePerIntervalAndIsIdleOnlyWhenCaughtUp() {
        let world = PollerWorld(shards: 4)
        world.put(40, keys: 40, at: 0, from: 0)
        #expect(!world.poller.isIdle)
        world.poller.start()
        _ = world.scheduler.run(until: Instant(nanoseconds: 9_500_000_000))
        // Polls at 0 s, 1 s, … 9 s: ten polls of four shards.
        #expect(world.poller.getRecordsCalls == 40)
        #expect(world.lagReports == 40)
        #expect(world.read.count == 40)
        #expect(world.poller.isIdle)
        world.put(1, keys: 1, at: 9, from: 40)
        #expect(!world.poller.isIdle)
    }
}
