import MessagingEngine
import SimKernel
import Testing

/// Remembers which live connections the stream told of a new fragment.
final class MediaReceiver: VideoMediaReceiver {
    private(set) var told: [MediaSession] = []
    func videoFragmentAvailable(session: MediaSession) { told.append(session) }
}

/// A video stream on a kernel whose clock the tests move.
final class VideoWorld {
    let scheduler = Scheduler()
    let stream: VideoStream
    let receiver = MediaReceiver()
    var producerClock = Instant.zero

    init(retention: Span = .seconds(3600), _ configure: (inout VideoStreamConfiguration) -> Void = { _ in }) {
        var configuration = VideoStreamConfiguration(name: "door-camera", retention: retention)
        configure(&configuration)
        stream = VideoStream(configuration: configuration, clock: scheduler)
    }

    func advance(to seconds: Double) {
        _ = scheduler.run(until: Instant(seconds: seconds))
    }

    func connect(sourceLocation: SourceLocation = #_sourceLocation) -> PutMediaConnection? {
        switch stream.startPutMedia() {
        case .success(let connection): return connection
        case .failure(let error):
            Issue.record("PutMedia was refused: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Sends a fragment whose producer timestamp moves on by its duration each time.
    func put(_ connection: PutMediaConnection, bytes: Int = 500_000, seconds: Int64 = 2) -> PutFragmentResult {
        let request = PutFragmentRequest(producerTimestamp: producerClock, duration: .seconds(seconds), sizeBytes: bytes)
        producerClock = producerClock + .seconds(seconds)
        let result = stream.putFragment(request, on: connection)
        stream.checkInvariants()
        return result
    }

    /// A fragment that must be accepted.
    @discardableResult
    func ingest(_ connection: PutMediaConnection, bytes: Int = 500_000, sourceLocation: SourceLocation = #_sourceLocation) -> VideoFragment? {
        guard case .persisted(let fragment) = put(connection, bytes: bytes) else {
            Issue.record("the fragment was refused", sourceLocation: sourceLocation)
            return nil
        }
        return fragment
    }

    func live(_ start: MediaStartSelector) throws -> MediaSession {
        try stream.getMedia(start, receiver: receiver).get()
    }

    func list(_ range: ClosedRange<Double>, type: FragmentTimestampType = .serverTimestamp, maxResults: Int = 1000,
              nextToken: Int? = nil) throws -> ListFragmentsPage {
        try stream.listFragments(ListFragmentsRequest(timestampType: type, range: Instant(seconds: range.lowerBound)...Instant(seconds: range.upperBound),
                                                      maxResults: maxResults, nextToken: nextToken)).get()
    }
}

func code(_ result: PutFragmentResult) -> String? {
    if case .rejected(let error) = result { return error.code }
    return nil
}

func number(_ result: MediaReadResult) -> Int? {
    if case .fragment(let fragment, _, _) = result { return fragment.fragmentNumber }
    return nil
}

/// SEMANTICS.md, VideoStream — Kinesis Video Streams.
@Suite struct VideoStreamTests {
    // MARK: Ingestion

    @Test func fragmentNumbersGrowWithIngestionOrderAndServerTimestampsAreArrivals() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        var fragments: [VideoFragment] = []
        for second in [0.0, 2.5, 4.0] {
            world.advance(to: second)
            let fragment = try #require(world.ingest(connection))
            fragments.append(fragment)
        }
        #expect(fragments.map(\.fragmentNumber) == [0, 1, 2])
        #expect(fragments.map(\.serverTimestamp) == [Instant(seconds: 0), Instant(seconds: 2.5), Instant(seconds: 4)])
        #expect(fragments.map(\.producerTimestamp) == [Instant(seconds: 0), Instant(seconds: 2), Instant(seconds: 4)])
        #expect(world.stream.counters.fragmentsIngested == 3 && world.stream.counters.bytesIngested == 1_500_000)
    }

    @Test func aSecondConcurrentPutMediaConnectionIsRefusedUntilTheFirstCloses() throws {
        let world = VideoWorld()
        let first = try #require(world.connect())
        guard case .failure(let error) = world.stream.startPutMedia() else {
            Issue.record("a second connection was accepted")
            return
        }
        #expect(error.code == "ConnectionLimitExceededException" && error.isRetryable)
        world.stream.endPutMedia(first)
        #expect(world.connect() != nil)
        #expect(world.stream.counters.connectionsRefused == 1)
    }

    @Test func putMediaTakesFiveCallsASecondPerStream() {
        let world = VideoWorld()
        for _ in 0..<5 {
            guard case .success(let connection) = world.stream.startPutMedia() else {
                Issue.record("a call within the rate was refused")
                return
            }
            world.stream.endPutMedia(connection)
        }
        guard case .failure(let error) = world.stream.startPutMedia() else {
            Issue.record("a sixth call in one second was accepted")
            return
        }
        #expect(error.code == "ClientLimitExceededException")
        world.advance(to: 1)
        #expect((try? world.stream.startPutMedia().get()) != nil)
    }

    @Test func aFragmentLastsOneToTwentySeconds() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        #expect(code(world.put(connection, seconds: 0)) == "MIN_FRAGMENT_DURATION_REACHED")
        #expect(code(world.put(connection, seconds: 21)) == "MAX_FRAGMENT_DURATION_REACHED")
        #expect(code(world.put(connection, seconds: 1)) == nil)
        world.advance(to: 1)
        #expect(code(world.put(connection, seconds: 20)) == nil)
        #expect(world.stream.counters.fragmentsRefused == 2)
    }

    @Test func aFragmentHoldsAtMost50MB() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        #expect(code(world.put(connection, bytes: 50_000_001)) == "MAX_FRAGMENT_SIZE_REACHED")
        #expect(code(world.put(connection, bytes: 50_000_000)) == nil)
    }

    @Test func producerTimestampsMayNotGoBackOnAConnection() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 2)
        world.producerClock = Instant(seconds: -1)
        #expect(code(world.put(connection)) == "FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS")
    }

    @Test func theStreamIngests12Point5MBASecondWithASecondOfBacklog() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        // A 50 MB fragment, larger than a second's worth, is accepted and leaves 4 s of backlog;
        // the next is admitted once less than a second of it is left.
        world.ingest(connection, bytes: 50_000_000)
        world.advance(to: 3)
        #expect(code(world.put(connection)) == "ClientLimitExceededException")
        world.advance(to: 3.001)
        world.ingest(connection, bytes: 12_500_000)
        // The backlog now clears at 5 s: exactly a second of it is left at 4 s.
        world.advance(to: 4)
        #expect(code(world.put(connection)) == "ClientLimitExceededException")
        world.advance(to: 4.001)
        world.ingest(connection)
        #expect(world.stream.counters.ingestThrottled == 2)
        #expect(world.stream.counters.bytesIngested == 63_000_000)
    }

    @Test func theStreamIngestsAtMostFiveFragmentsASecond() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        for _ in 0..<5 { world.ingest(connection, bytes: 1000) }
        #expect(code(world.put(connection, bytes: 1000)) == "ClientLimitExceededException")
        world.advance(to: 1)
        world.ingest(connection, bytes: 1000)
    }

    @Test func theBackendClosesAPutMediaConnectionAfter45Minutes() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 45 * 60)
        #expect(code(world.put(connection)) == "MAX_CONNECTION_DURATION_REACHED")
        #expect(world.stream.openPutMediaConnections == 0)
        let next = try #require(world.connect())
        world.ingest(next)
    }

    // MARK: Retention

    @Test func retentionIsZeroOrWholeHoursFromOneHourToTenYears() {
        for hours: Int64 in [0, 1, 24, 87_600] {
            #expect(VideoStreamConfiguration(name: "s", retention: .seconds(hours * 3600)).problems().isEmpty, "\(hours) h")
        }
        for retention in [Span.seconds(1800), .seconds(5400), .seconds(87_601 * 3600)] {
            #expect(VideoStreamConfiguration(name: "s", retention: retention).problems().map(\.attribute) == ["retention"], "\(retention)")
        }
    }

    @Test func withoutRetentionNothingIsArchivedButLiveReadersReadTheHostBuffer() throws {
        let world = VideoWorld(retention: .zero)
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 1)
        #expect(try world.list(0...10).fragments.isEmpty)
        let media = try world.stream.getMediaForFragmentList([0]).get()
        #expect(media.fragments.isEmpty && media.missing == [0])
        let session = try world.live(.earliest)
        #expect(number(world.stream.readMedia(session)) == 0)
        #expect(world.stream.storedByteSeconds() == 0)
    }

    @Test func theHostBufferKeepsAFragmentFiveMinutes() throws {
        let world = VideoWorld(retention: .zero)
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 299.999)
        #expect(world.stream.fragment(number: 0) != nil)
        world.advance(to: 300)
        let session = try world.live(.earliest)
        #expect(world.stream.readMedia(session) == .caughtUp)
        #expect(world.stream.counters.fragmentsLeftHostBuffer == 1)
    }

    @Test func theHostBufferHoldsAtMost200MB() throws {
        let world = VideoWorld(retention: .zero)
        let connection = try #require(world.connect())
        for i in 0..<4 {
            world.advance(to: Double(i) * 4)
            world.ingest(connection, bytes: 50_000_000)
        }
        #expect(world.stream.heldCount == 4 && world.stream.firstNumber == 0)
        world.advance(to: 16)
        world.ingest(connection, bytes: 1)
        #expect(world.stream.firstNumber == 1 && world.stream.heldBytes == 150_000_001)
    }

    @Test func aRetainedFragmentExpiresWhenItsRetentionRunsOut() throws {
        let world = VideoWorld(retention: .seconds(3600))
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 3599.999)
        #expect(try world.list(0...10).fragments.count == 1)
        world.advance(to: 3600)
        #expect(try world.list(0...10).fragments.isEmpty)
        #expect(world.stream.counters.fragmentsExpired == 1)
    }

    @Test func storedByteSecondsIntegrateRetainedBytesUpToEachExpiry() throws {
        let world = VideoWorld(retention: .seconds(3600))
        let connection = try #require(world.connect())
        world.ingest(connection, bytes: 1_000_000)
        world.advance(to: 1800)
        world.ingest(connection, bytes: 2_000_000)
        // Noticed late, the first expiry is still accounted at 3,600 s and the second at 5,400 s.
        world.advance(to: 7200)
        #expect(world.stream.storedByteSeconds() == 1_000_000 * 3600 + 2_000_000 * 3600)
        #expect(world.stream.heldCount == 0)
    }

    // MARK: Live reads

    @Test func getMediaFromNowSeesOnlyFragmentsIngestedAfterTheCall() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.ingest(connection)
        let session = try world.live(.now)
        #expect(world.stream.readMedia(session) == .caughtUp)
        world.advance(to: 2)
        world.ingest(connection)
        #expect(world.receiver.told == [session])
        #expect(number(world.stream.readMedia(session)) == 2)
        #expect(world.stream.counters.fragmentsReadLive == 1 && world.stream.counters.bytesReadLive == 500_000)
    }

    @Test func getMediaStartsAtTheSelectedFragment() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        for second in [0.0, 2.0, 4.0] {
            world.advance(to: second + 0.5)
            world.ingest(connection)
        }
        let earliest = try world.live(.earliest)
        #expect(number(world.stream.readMedia(earliest)) == 0)
        let afterFirst = try world.live(.afterFragmentNumber(0))
        #expect(number(world.stream.readMedia(afterFirst)) == 1)
        let byServerTimestamp = try world.live(.serverTimestamp(Instant(seconds: 2.6)))
        #expect(number(world.stream.readMedia(byServerTimestamp)) == 2)
        world.stream.endMedia(byServerTimestamp)
        let byProducerTimestamp = try world.live(.producerTimestamp(Instant(seconds: 1)))
        #expect(number(world.stream.readMedia(byProducerTimestamp)) == 1)
    }

    @Test func getMediaTakesThreeConnectionsAndFiveCallsASecond() throws {
        let world = VideoWorld()
        let sessions = try (0..<3).map { _ in try world.live(.now) }
        guard case .failure(let limit) = world.stream.getMedia(.now, receiver: world.receiver) else {
            Issue.record("a fourth connection was accepted")
            return
        }
        #expect(limit.code == "ConnectionLimitExceededException")
        for session in sessions { world.stream.endMedia(session) }
        _ = try world.live(.now)
        guard case .failure(let rate) = world.stream.getMedia(.now, receiver: world.receiver) else {
            Issue.record("a sixth call in one second was accepted")
            return
        }
        #expect(rate.code == "ClientLimitExceededException")
    }

    @Test func aLiveConnectionSends25MBASecond() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        world.ingest(connection, bytes: 25_000_000)
        world.advance(to: 2)
        world.ingest(connection, bytes: 25_000_000)
        world.advance(to: 3)
        let session = try world.live(.earliest)
        guard case .fragment(_, let sentBy, _) = world.stream.readMedia(session) else {
            Issue.record("the first fragment was not sent")
            return
        }
        #expect(sentBy == Instant(seconds: 4))
        #expect(world.stream.readMedia(session) == .notBefore(Instant(seconds: 4)))
        world.advance(to: 4)
        #expect(number(world.stream.readMedia(session)) == 1)
    }

    @Test func aLiveConnectionSendsAtMostFiveFragmentsASecond() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        for i in 0..<6 {
            world.advance(to: Double(i) * 0.25)
            world.ingest(connection, bytes: 1000)
        }
        world.advance(to: 2)
        let session = try world.live(.earliest)
        var sent: [Int] = []
        while sent.count < 5 {
            switch world.stream.readMedia(session) {
            case .fragment(let fragment, _, _): sent.append(fragment.fragmentNumber)
            case .notBefore(let instant) where instant < Instant(seconds: 2.01): _ = world.scheduler.run(until: instant)
            case let other:
                Issue.record("the connection answered \(other) within its rate")
                return
            }
        }
        #expect(sent == [0, 1, 2, 3, 4])
        #expect(world.stream.readMedia(session) == .notBefore(Instant(seconds: 3)))
    }

    @Test func aLiveReaderSlowerThanTheHostBufferSkipsWhatLeftIt() throws {
        let world = VideoWorld(retention: .zero)
        let connection = try #require(world.connect())
        world.ingest(connection)
        let session = try world.live(.earliest)
        world.advance(to: 200)
        world.ingest(connection)
        world.advance(to: 301)
        guard case .fragment(let fragment, _, let skipped) = world.stream.readMedia(session) else {
            Issue.record("the remaining fragment was not sent")
            return
        }
        #expect(fragment.fragmentNumber == 1 && skipped == 1)
        #expect(world.stream.counters.fragmentsSkippedLive == 1)
    }

    // MARK: Archived reads

    @Test func listFragmentsReturnsTheTimestampRangeWithBothEndsIncluded() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        for second in [0.0, 2.0, 4.0, 6.0] {
            world.advance(to: second + 0.5)
            world.ingest(connection)
        }
        world.advance(to: 10)
        // AWS's example: fragments at 0, 2, 4 and 6 s, a range of 1 – 4 s lists those at 2 and 4 s.
        #expect(try world.list(1...4, type: .producerTimestamp).fragments.map(\.fragmentNumber) == [1, 2])
        world.advance(to: 11)
        #expect(try world.list(2.5...4.5).fragments.map(\.fragmentNumber) == [1, 2])
    }

    @Test func listFragmentsPagesWithANextToken() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        for i in 0..<5 {
            world.advance(to: Double(i))
            world.ingest(connection)
        }
        var pages: [[Int]] = []
        var token: Int?
        repeat {
            world.advance(to: 10 + Double(pages.count))
            let page = try world.list(0...100, maxResults: 2, nextToken: token)
            pages.append(page.fragments.map(\.fragmentNumber))
            token = page.nextToken
        } while token != nil
        #expect(pages == [[0, 1], [2, 3], [4]])
        #expect(world.stream.counters.listFragmentsCalls == 3)
    }

    @Test func listFragmentsSpendsMaxResultsOfTheFragmentMetadataQuota() throws {
        let world = VideoWorld()
        // 10,000 points a second: ten full pages at once, not eleven.
        for _ in 0..<10 { _ = try world.list(0...1, maxResults: 1000) }
        #expect(throws: VideoStreamError.self) { try world.list(0...1, maxResults: 1) }
        world.advance(to: 0.1)
        _ = try world.list(0...1, maxResults: 1)
        #expect(world.stream.counters.archivedThrottled == 1)
    }

    @Test func getMediaForFragmentListSpendsOneFragmentMediaPointPerFragment() throws {
        let world = VideoWorld()
        // 500 points a second: 1,000 fragments leave two seconds of backlog.
        _ = try world.stream.getMediaForFragmentList(Array(0..<1000)).get()
        world.advance(to: 1)
        guard case .failure(let error) = world.stream.getMediaForFragmentList([0]) else {
            Issue.record("the fragment-media quota was not spent")
            return
        }
        #expect(error.code == "ClientLimitExceededException")
        world.advance(to: 1.001)
        #expect((try? world.stream.getMediaForFragmentList([0]).get()) != nil)
        #expect(throws: VideoStreamError.self) { try world.stream.getMediaForFragmentList(Array(0..<1001)).get() }
    }

    @Test func getMediaForFragmentListSendsAt25MBASecondOnAtMostFiveConnections() throws {
        let world = VideoWorld()
        let connection = try #require(world.connect())
        world.ingest(connection, bytes: 25_000_000)
        var ends: [Instant] = []
        world.advance(to: 2)
        for _ in 0..<5 {
            ends.append(try world.stream.getMediaForFragmentList([0]).get().transferEndsAt)
        }
        #expect(ends == Array(repeating: Instant(seconds: 3), count: 5))
        world.advance(to: 2.99)
        guard case .failure(let error) = world.stream.getMediaForFragmentList([0]) else {
            Issue.record("a sixth concurrent connection was accepted")
            return
        }
        #expect(error.code == "ConnectionLimitExceededException")
        world.advance(to: 3)
        #expect((try? world.stream.getMediaForFragmentList([0]).get()) != nil)
        #expect(world.stream.counters.fragmentsReadArchived == 6 && world.stream.counters.bytesReadArchived == 150_000_000)
    }

    @Test func getMediaForFragmentListNamesTheFragmentsThatExpired() throws {
        let world = VideoWorld(retention: .seconds(3600))
        let connection = try #require(world.connect())
        world.ingest(connection)
        world.advance(to: 1800)
        world.ingest(connection)
        world.advance(to: 3600)
        let media = try world.stream.getMediaForFragmentList([0, 1, 7])
            .get()
        #expect(media.fragments.map(\.fragmentNumber) == [1] && media.missing == [0, 7])
    }
}
