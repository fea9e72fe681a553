import SimKernel

extension DataStream {
    /// Drops every shard's records whose retention has run out by now. Retention is otherwise
    /// applied lazily, when a shard is written or read; a report calls this at the end of a run so
    /// that `counters.recordsExpired` and the records left agree with an exact expiry.
    /// - Complexity: O(shards + records dropped).
    public func expireRecords() {
        let now = clock.now
        for shard in shards.indices { trim(shard, at: now) }
    }

    /// Calls `body` with the tag of every record the stream still holds, shard by shard in shard
    /// order, each shard's records in sequence-number order. Expired records the stream has not
    /// dropped yet are included: call `expireRecords()` first to leave them out.
    /// - Complexity: O(records held).
    public func forEachHeldRecordTag(_ body: (UInt64) -> Void) {
        for shard in shards {
            for record in shard.records { body(record.tag) }
        }
    }
}
