extension Estimate {
    var json: JSONValue {
        .object([("mean", .number(mean)), ("ci95", .array([.number(low), .number(high)])), ("n", .int(n)), ("method", .string(method))])
    }
}

extension Optional where Wrapped == Estimate {
    var json: JSONValue { map(\.json) ?? .null }
}

extension LatencySummary {
    var json: JSONValue {
        var members: [(String, JSONValue)] = mean.map { [("mean", .number($0.mean)), ("ci95", .array([.number($0.low), .number($0.high)])), ("n", .int($0.n)), ("method", .string($0.method))] }
            ?? [("mean", .null), ("ci95", .null), ("n", .int(0))]
        members += [("p50", .number(p50)), ("p90", .number(p90)), ("p99", .number(p99)), ("p999", .number(p999)),
                    ("max", .number(max)), ("count", .int(count)), ("mser5Truncation", .int(mser5Truncation))]
        return .object(members)
    }
}

extension QueueActivity {
    var json: JSONValue {
        .object([("billedRequests", .int(billedRequests)), ("changeVisibilityRequests", .int(changeVisibilityRequests)),
                 ("deduplicated", .int(deduplicated)), ("deadLettered", .int(deadLettered)), ("movedIn", .int(movedIn)),
                 ("movedOut", .int(movedOut)), ("purged", .int(purged)), ("purgeRequests", .int(purgeRequests)),
                 ("throttled", .int(throttled)), ("spuriousDuplicates", .int(spuriousDuplicates)),
                 ("emptyWhileStored", .int(emptyWhileStored)), ("visibilityLapses", .int(visibilityLapses)),
                 ("kmsRequests", .int(kmsRequests)), ("deniedCalls", .int(deniedCalls))])
    }
}

extension TopicReport {
    var json: JSONValue {
        .object([
            ("type", .string(type)),
            ("publishRequests", .int(publishRequests)),
            ("published", .int(published)),
            ("billedPublishRequests", .int(billedPublishRequests)),
            ("deduplicated", .int(deduplicated)),
            ("throttled", .int(throttled)),
            ("rejected", .int(rejected)),
            ("publishesAbandoned", .int(publishesAbandoned)),
            ("deniedCalls", .int(deniedCalls)),
            ("deniedByPrincipal", .object(deniedByPrincipal.map { ($0.principal, .int($0.count)) })),
            ("subscriptions", .object(subscriptions.map { ($0.name, $0.json) })),
        ])
    }
}

extension SubscriptionReport {
    var json: JSONValue {
        .object([
            ("protocol", .string(protocolName)),
            ("endpoint", .string(endpoint)),
            ("rawMessageDelivery", .bool(rawMessageDelivery)),
            ("matched", .int(matched)),
            ("filteredOut", .int(filteredOut)),
            ("attempts", .int(attempts)),
            ("retries", .int(retries)),
            ("delivered", .int(delivered)),
            ("deadLettered", .int(deadLettered)),
            ("dropped", .int(dropped)),
            ("pending", .int(pending)),
            ("deliveredBytes", .int(deliveredBytes)),
            ("billedDeliveries", .int(billedDeliveries)),
            ("outOfOrder", .int(outOfOrder)),
            ("subscribeRefusal", subscribeRefusal.map(JSONValue.string) ?? .null),
            ("deliveryLatency", deliveryLatency.json),
        ])
    }
}

extension ConcurrencyReport {
    var json: JSONValue {
        // Invocation figures belong to functions; an autoscaled fleet has none.
        func functionOnly(_ value: Int) -> JSONValue { kind == .function ? .int(value) : .null }
        return .object([("kind", .string(kind.rawValue)), ("queue", .string(queue)), ("unit", .string(unit)), ("peak", .int(peak)),
                        ("mean", mean.json), ("invocations", functionOnly(invocations)),
                        ("failedInvocations", functionOnly(failedInvocations)), ("coldStarts", functionOnly(coldStarts)),
                        ("throttles", functionOnly(throttles)), ("scalingActions", .int(scalingActions))])
    }
}

extension CostLine {
    var json: JSONValue {
        .object([("item", .string(item)), ("quantity", .number(quantity)), ("unit", .string(unit)), ("usd", .number(usd))])
    }
}

extension CostReport {
    var json: JSONValue {
        func byService(_ lines: [CostLine]) -> JSONValue {
            .object(CostReport.byService(lines).map { ($0.service, .number($0.usd)) })
        }
        return .object([
            ("currency", .string("USD")),
            ("total", total.json),
            ("byService", byService(lines)),
            ("lines", .array(lines.map(\.json))),
            ("monthly", .object([("total", .number(monthly.totalUSD)), ("byService", byService(monthly)),
                                 ("lines", .array(monthly.map(\.json)))])),
            ("queues", .object(queues.map { q in
                (q.name, .object([("type", .string(q.type)), ("billedRequests", .number(q.billedRequests)), ("usd", .number(q.usd))]))
            })),
            ("functions", .object(functions.map { f in
                (f.name, .object([("memoryMB", .int(f.memoryMB)), ("requests", .number(f.requests)),
                                  ("gbSeconds", .number(f.gbSeconds)), ("usd", .number(f.usd))]))
            })),
        ])
    }
}

extension Report {
    /// The machine-readable report; its keys are documented in reports/README.md and stable.
    ///
    /// `topics` follows `queues` only when the scenario has topics, and `streams`,
    /// `deliveryStreams` and `analytics` come next only when it has any of each, so reports of
    /// scenarios without them keep the bytes they had before these existed.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("schemaVersion", .int(Report.schemaVersion)),
            ("scenario", .string(scenario)),
            ("description", .string(description)),
            ("seed", .unsigned(seed)),
            ("replications", .int(replications)),
            ("duration", .number(duration)),
            ("drain", .number(drain)),
            ("warmup", .number(warmup)),
            ("queues", .object(queues.map { q in
                (q.name, .object([
                    ("type", .string(q.type)),
                    ("queueWait", q.queueWait.json),
                    ("endToEnd", q.endToEnd.json),
                    ("throughput", .object([("sent", q.throughput.sent.json), ("received", q.throughput.received.json),
                                            ("deleted", q.throughput.deleted.json)])),
                    ("totals", .object([("sent", .int(q.messagesSent)), ("received", .int(q.messagesReceived)),
                                        ("deleted", .int(q.messagesDeleted)), ("requests", .int(q.requests)),
                                        ("emptyReceives", .int(q.emptyReceives))])),
                    ("receiveCounts", .array(q.receiveCounts.map { .int($0) })),
                    ("visibleMax", .int(q.visibleMax)),
                    ("activity", q.activity.json),
                    ("timeToDeadLetter", q.timeToDeadLetter?.json ?? .null),
                    ("objectStoreLatency", q.objectStoreLatency?.json ?? .null),
                    ("deniedByPrincipal", .object(q.deniedByPrincipal.map { ($0.principal, .int($0.count)) })),
                    ("ordering", q.ordering.map { o in
                        .object([("groups", .int(o.groups)), ("groupsOutOfOrder", .int(o.groupsOutOfOrder)),
                                 ("orderViolations", .int(o.orderViolations))])
                    } ?? .null),
                ]))
            })),
            ("consumers", .object(consumers.map { f in
                (f.name, .object([("queue", .string(f.queue)), ("count", .int(f.count)), ("utilisation", f.utilisation.json)]))
            })),
            ("concurrency", .object(concurrency.map { c in (c.name, c.json) })),
            ("delivery", .object([
                ("sent", .int(delivery.sent)),
                ("deliveredOnce", .int(delivery.deliveredOnce)),
                ("duplicated", .int(delivery.duplicated)),
                ("lost", .int(delivery.lost)),
                ("expired", .int(delivery.expired)),
                ("queued", .int(delivery.queued)),
                ("deadLettered", .int(delivery.deadLettered)),
                ("movedOut", .int(delivery.movedOut)),
                ("purged", .int(delivery.purged)),
                ("sendsDeduplicated", .int(delivery.sendsDeduplicated)),
                ("sendsAbandoned", .int(delivery.sendsAbandoned)),
                ("staleDeletes", .int(delivery.staleDeletes)),
                ("duplicatedBy", .object(delivery.duplicatedBy.map { ($0.cause, .int($0.count)) })),
                ("violationCounts", .object(delivery.violationCounts.map { ($0.kind, .int($0.count)) })),
                ("violations", .array(delivery.violations.map { v in
                    .object([("kind", .string(v.kind)), ("replication", .int(v.replication)),
                             ("seed", .unsigned(v.seed)), ("queue", .string(v.queue)),
                             ("messageId", v.messageId.map { .string($0) } ?? .null), ("at", .number(v.at)),
                             ("detail", .string(v.detail)), ("replay", .string(v.replay))])
                })),
            ])),
            ("faults", .array(faults.map { f in
                .object([("kind", .string(f.kind)), ("target", .string(f.target)), ("from", .number(f.from)),
                         ("to", f.to.map { .number($0) } ?? .null), ("detail", .string(f.detail))])
            })),
            ("api", .object([("callsFailed", .int(callsFailed)), ("callsRetried", .int(callsRetried))])),
            ("objectStore", .object([("putRequests", .int(objectStore.putRequests)), ("getRequests", .int(objectStore.getRequests)),
                                     ("deleteRequests", .int(objectStore.deleteRequests)),
                                     ("failedRequests", .int(objectStore.failedRequests)),
                                     ("bytesStoredPeak", .int(objectStore.bytesStoredPeak)),
                                     ("storedByteSeconds", .number(objectStore.storedByteSeconds))])),
            ("cost", cost.json),
            ("replicationDetails", .array(replicationSummaries.map { r in
                .object([("index", .int(r.index)), ("elapsed", .number(r.elapsed)), ("endReason", .string(r.endReason)),
                         ("sent", .int(r.sent)), ("deleted", .int(r.deleted)),
                         ("queueWaitMean", r.queueWaitMean.map { .number($0) } ?? .null)])
            })),
        ]
        if !topics.isEmpty, let queues = members.firstIndex(where: { $0.0 == "queues" }) {
            members.insert(("topics", .object(topics.map { ($0.name, $0.json) })), at: queues + 1)
        }
        if let consumers = members.firstIndex(where: { $0.0 == "consumers" }) {
            members.insert(contentsOf: streamMembers + videoStreamMembers, at: consumers)
        }
        return .object(members)
    }
}
