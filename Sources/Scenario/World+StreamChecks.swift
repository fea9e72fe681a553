import Verification

extension World {
    /// What the checker found for stream consumer `index` (its number among the scenario's stream
    /// consumers) once the run is over: records processed, duplicates, records out of order.
    public func streamConsumerCheck(_ index: Int) -> StreamConsumerCheck {
        streamConsumers[index].check
    }

    /// The records stream `index` accepted, as the checker knows them.
    public func streamLedger(_ index: Int) -> StreamRecordLedger {
        streamTracking[index].ledger
    }
}
