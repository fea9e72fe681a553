import SimKernel

extension VideoStream {
    // MARK: Live reads (GetMedia)

    /// Opens a GetMedia connection at the fragment `start` selects: at most 5 calls a second and
    /// 3 open connections per stream. Live readers see what the stream holds, including, without
    /// retention, the host buffer.
    ///
    /// Timestamps select by binary search, which assumes producer timestamps do not go back
    /// across the stream's fragments (PutMedia refuses that within a connection; Sluice's producers
    /// keep one clock across reconnections).
    public func getMedia(_ start: MediaStartSelector, receiver: VideoMediaReceiver) -> Result<MediaSession, VideoStreamError> {
        let now = clock.now
        counters.getMediaCalls += 1
        guard getMediaCalls.tryAcquire(at: now) else {
            counters.connectionsRefused += 1
            return .failure(.clientLimitExceeded("GetMedia takes \(configuration.getMediaCallsPerSecond) calls a second per stream"))
        }
        guard liveSessions.count < configuration.getMediaConnectionsMax else {
            counters.connectionsRefused += 1
            return .failure(.connectionLimitExceeded("\(configuration.name) takes \(configuration.getMediaConnectionsMax) GetMedia connections at once"))
        }
        expire(at: now)
        let position: Int
        switch start {
        case .now:
            position = nextNumber
        case .earliest:
            position = firstNumber
        case .afterFragmentNumber(let number):
            guard number >= 0 && number < nextNumber else {
                return .failure(.invalidArgument("\(number) is not a fragment number of \(configuration.name)"))
            }
            position = max(firstNumber, number + 1)
        case .serverTimestamp(let instant):
            position = firstPosition { $0.serverTimestamp >= instant }
        case .producerTimestamp(let instant):
            position = firstPosition { $0.producerTimestamp >= instant }
        }
        let session = LiveSession(id: newConnectionId(), position: position, sendAvailableAt: now,
                                  fragmentsSent: TransactionRateLimiter(transactionsMax: configuration.getMediaFragmentsPerSecond),
                                  receiver: receiver)
        liveSessions.append(session)
        return .success(MediaSession(id: session.id))
    }

    /// The number of the first held fragment for which `isAtOrAfter` holds, or `nextNumber`;
    /// `isAtOrAfter` must be false then true along the fragments.
    func firstPosition(where isAtOrAfter: (VideoFragment) -> Bool) -> Int {
        var low = 0, high = fragments.count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrAfter(fragments[middle]) { high = middle } else { low = middle + 1 }
        }
        return firstNumber + low
    }

    /// The next fragment of a live connection, when its send rate allows; a connection that has
    /// caught up waits and is told (through its receiver) when a fragment arrives. A fragment
    /// that left the stream before the connection reached it is skipped and counted.
    public func readMedia(_ session: MediaSession) -> MediaReadResult {
        let now = clock.now
        guard let index = liveSessions.firstIndex(where: { $0.id == session.id }) else {
            return .rejected(.resourceNotFound("GetMedia connection \(session.id) is closed"))
        }
        expire(at: now)
        if liveSessions[index].position < firstNumber {
            let lost = firstNumber - liveSessions[index].position
            liveSessions[index].skippedUnreported += lost
            counters.fragmentsSkippedLive += lost
            liveSessions[index].position = firstNumber
        }
        guard liveSessions[index].position < nextNumber else {
            liveSessions[index].waiting = true
            return .caughtUp
        }
        let sendAt = max(liveSessions[index].sendAvailableAt, liveSessions[index].fragmentsSent.earliestAdmission(from: now))
        if sendAt > now { return .notBefore(sendAt) }
        _ = liveSessions[index].fragmentsSent.tryAcquire(at: now)
        let fragment = fragments[liveSessions[index].position - firstNumber]
        let sentBy = now + Self.transferTime(fragment.sizeBytes, perSecond: configuration.getMediaBytesPerSecond)
        liveSessions[index].sendAvailableAt = sentBy
        liveSessions[index].position += 1
        let skipped = liveSessions[index].skippedUnreported
        liveSessions[index].skippedUnreported = 0
        counters.fragmentsReadLive += 1
        counters.bytesReadLive += fragment.sizeBytes
        return .fragment(fragment, sentBy: sentBy, skipped: skipped)
    }

    /// Closes a GetMedia connection; closing one already closed does nothing.
    public func endMedia(_ session: MediaSession) {
        liveSessions.removeAll { $0.id == session.id }
    }

    // MARK: Archived reads

    /// ListFragments: the archived fragments whose timestamp lies in the range, a page of at most
    /// MaxResults (1 – 1,000), each call spending MaxResults of the fragment-metadata quota. A
    /// stream without retention archives nothing, so it lists nothing.
    ///
    /// AWS lists eventually consistently ("typically available in less than one second"); Sluice
    /// lists a fragment from the instant it was accepted.
    public func listFragments(_ request: ListFragmentsRequest) -> Result<ListFragmentsPage, VideoStreamError> {
        let now = clock.now
        counters.listFragmentsCalls += 1
        guard (1...VideoStreamConfiguration.fragmentsPerRequestMax).contains(request.maxResults) else {
            return .failure(.invalidArgument("MaxResults is 1 to 1000, not \(request.maxResults)"))
        }
        guard metadataQuota.tryAdmit(request.maxResults, at: now) else {
            counters.archivedThrottled += 1
            return .failure(.clientLimitExceeded("\(configuration.name) serves \(configuration.fragmentMetadataPointsPerSecond) fragment-metadata points a second"))
        }
        expire(at: now)
        guard configuration.archives else { return .success(ListFragmentsPage(fragments: [], nextToken: nil)) }
        let timestamp: (VideoFragment) -> Instant = request.timestampType == .serverTimestamp ? { $0.serverTimestamp } : { $0.producerTimestamp }
        var position = max(request.nextToken ?? firstNumber, firstPosition { timestamp($0) >= request.range.lowerBound })
        var page: [VideoFragment] = []
        while position < nextNumber, page.count < request.maxResults {
            let fragment = fragments[position - firstNumber]
            if timestamp(fragment) > request.range.upperBound { break }
            page.append(fragment)
            position += 1
        }
        let more = position < nextNumber && timestamp(fragments[position - firstNumber]) <= request.range.upperBound
        return .success(ListFragmentsPage(fragments: page, nextToken: more ? position : nil))
    }

    /// GetMediaForFragmentList: the media of 1 – 1,000 fragments by number, sent at 25 MB/s on one
    /// of at most 5 concurrent connections, each fragment spending one point of the
    /// fragment-media quota. Fragments the stream no longer holds come back as `missing`.
    public func getMediaForFragmentList(_ numbers: [Int]) -> Result<FragmentListMedia, VideoStreamError> {
        let now = clock.now
        counters.getMediaForFragmentListCalls += 1
        guard (1...VideoStreamConfiguration.fragmentsPerRequestMax).contains(numbers.count) else {
            return .failure(.invalidArgument("Fragments lists 1 to 1000 fragment numbers, not \(numbers.count)"))
        }
        archivedTransfersEndAt.removeAll { $0 <= now }
        guard archivedTransfersEndAt.count < configuration.getMediaForFragmentListConnectionsMax else {
            counters.connectionsRefused += 1
            return .failure(.connectionLimitExceeded(
                "\(configuration.name) takes \(configuration.getMediaForFragmentListConnectionsMax) GetMediaForFragmentList connections at once"))
        }
        guard mediaQuota.tryAdmit(numbers.count, at: now) else {
            counters.archivedThrottled += 1
            return .failure(.clientLimitExceeded("\(configuration.name) serves \(configuration.fragmentMediaPointsPerSecond) fragment-media points a second"))
        }
        expire(at: now)
        var found: [VideoFragment] = []
        var missing: [Int] = []
        for number in numbers {
            if configuration.archives, let held = fragment(number: number) { found.append(held) } else { missing.append(number) }
        }
        let bytes = found.reduce(0) { $0 + $1.sizeBytes }
        let transferEndsAt = now + Self.transferTime(bytes, perSecond: configuration.getMediaForFragmentListBytesPerSecond)
        if transferEndsAt > now { archivedTransfersEndAt.append(transferEndsAt) }
        counters.fragmentsReadArchived += found.count
        counters.bytesReadArchived += bytes
        return .success(FragmentListMedia(fragments: found, missing: missing, transferEndsAt: transferEndsAt))
    }
}
