import SimKernel

extension DataStream {
    /// SplitShard: closes an open shard and gives its range to two children, the second starting
    /// at `newStartingHashKey`. The parent stays readable until its records expire; its readers
    /// reach SHARD_END and are told the children. Returns the children's indices.
    public func splitShard(_ shard: Int, newStartingHashKey key: HashKey) -> Result<[Int], StreamError> {
        guard shards.indices.contains(shard) else { return .failure(.resourceNotFound("\(ShardState.shardId(shard)) is not a shard of \(configuration.name)")) }
        guard shards[shard].isOpen else { return .failure(.resourceInUse("\(ShardState.shardId(shard)) is closed; only an open shard can be split")) }
        let range = shards[shard].hashKeyRange
        guard key > range.lowerBound, key <= range.upperBound else {
            return .failure(.invalidArgument("NewStartingHashKey must lie inside \(ShardState.shardId(shard))'s range, above its starting hash key"))
        }
        guard openShards.count < StreamConfiguration.shardCountMax else { return .failure(.limitExceeded("a stream has at most 10000 open shards")) }
        close(shard)
        let lower = addShard(range: range.lowerBound...(key - 1), parents: [shard])
        let upper = addShard(range: key...range.upperBound, parents: [shard])
        shards[shard].children = [lower, upper]
        return .success([lower, upper])
    }

    /// MergeShards: closes two open shards whose ranges are adjacent and gives their union to one
    /// child. Returns the child's index.
    public func mergeShards(_ first: Int, _ second: Int) -> Result<Int, StreamError> {
        for shard in [first, second] where !shards.indices.contains(shard) {
            return .failure(.resourceNotFound("\(ShardState.shardId(shard)) is not a shard of \(configuration.name)"))
        }
        guard shards[first].isOpen, shards[second].isOpen else { return .failure(.resourceInUse("only open shards can be merged")) }
        let (low, high) = shards[first].startingHashKey < shards[second].startingHashKey ? (first, second) : (second, first)
        guard shards[low].endingHashKey != HashKey.max, shards[low].endingHashKey + 1 == shards[high].startingHashKey else {
            return .failure(.invalidArgument("\(ShardState.shardId(first)) and \(ShardState.shardId(second)) are not adjacent"))
        }
        close(low)
        close(high)
        let child = addShard(range: shards[low].startingHashKey...shards[high].endingHashKey, parents: [low, high])
        shards[low].children = [child]
        shards[high].children = [child]
        return .success(child)
    }

    /// UpdateShardCount with UNIFORM_SCALING: closes every open shard and opens `target` shards
    /// splitting the key space evenly; each new shard's parents are the old shards whose ranges
    /// overlap it. At most 10 calls in a rolling 24 hours, at most double and at least half the
    /// open shards, at most 10,000.
    public func updateShardCount(_ target: Int) -> Result<[Int], StreamError> {
        let now = clock.now
        let current = openShards.count
        shardCountUpdates.removeAll { $0 + .seconds(24 * 3600) <= now }
        guard shardCountUpdates.count < 10 else {
            return .failure(.limitExceeded("UpdateShardCount is allowed 10 times in a rolling 24 hours"))
        }
        guard target >= 1, target <= StreamConfiguration.shardCountMax, target <= 2 * current, 2 * target >= current else {
            return .failure(.invalidArgument("from \(current) open shards the target must be between \((current + 1) / 2) and \(min(2 * current, StreamConfiguration.shardCountMax)), not \(target)"))
        }
        guard target != current else { return .failure(.invalidArgument("the stream already has \(current) open shards")) }
        shardCountUpdates.append(now)
        return .success(reshardUniformly(to: target))
    }

    /// Closes every open shard and opens `target` shards splitting the key space evenly, each the
    /// child of the old shards whose ranges overlap it. Returns the new shards.
    func reshardUniformly(to target: Int) -> [Int] {
        let old = openShards
        for shard in old { close(shard) }
        var created: [Int] = []
        for range in Self.evenRanges(target) {
            let parents = old.filter { shards[$0].startingHashKey <= range.upperBound && shards[$0].endingHashKey >= range.lowerBound }
            let child = addShard(range: range, parents: parents)
            for parent in parents { shards[parent].children.append(child) }
            created.append(child)
        }
        return created
    }

    func close(_ shard: Int) {
        accrueOpenShardTime()
        shards[shard].closedAt = clock.now
        openShards.removeAll { $0 == shard }
    }
}
