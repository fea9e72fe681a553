import Stochastic

extension Report {
    /// The report for people: the headline table first, then detail.
    public var markdown: String {
        var out = "# \(scenario)\n\n"
        if !description.isEmpty { out += "\(description)\n\n" }
        out += "Seed \(seed), \(replications) replication\(replications == 1 ? "" : "s"); producers run "
        out += "\(Units.formatDuration(duration)), drain up to \(Units.formatDuration(drain))"
        out += warmup > 0 ? ", statistics after a warm-up of \(Units.formatDuration(warmup)).\n\n" : ".\n\n"
        out += "Means carry a 95% confidence interval [low, high]; percentiles are over all messages of all replications.\n\n"
        out += queueSections
        out += topicsSection
        out += streamsSection
        out += firehoseSection
        out += analyticsSection
        out += videoStreamsSection
        if !consumers.isEmpty {
            out += "## Consumers\n\n| fleet | queue | consumers | utilisation |\n|---|---|---|---|\n"
            for f in consumers {
                let autoscaled = concurrency.contains { $0.kind == .autoscaledFleet && $0.name == f.name }
                out += "| \(f.name) | \(f.queue) | \(autoscaled ? "up to \(f.count), autoscaled" : "\(f.count)") "
                out += "| \(Format.estimate(f.utilisation, Format.percent)) |\n"
            }
            out += "\n"
        }

        if !concurrency.isEmpty {
            out += "## Functions and autoscaled fleets\n\n"
            out += "The count is concurrent invocations for a function and instances launched (warming up or in service) for an "
            out += "autoscaled fleet. Its mean is over time within a replication, with the interval across replications; the other "
            out += "figures are totals over all replications. The series is in `concurrency.csv`.\n\n"
            out += "| name | kind | queue | peak | mean [95% CI] | invocations | failed | cold starts | throttles | scaling actions |\n"
            out += "|---|---|---|---|---|---|---|---|---|---|\n"
            for c in concurrency {
                func functionOnly(_ value: Int) -> String { c.kind == .function ? "\(value)" : "–" }
                out += "| \(c.name) | \(c.kind == .function ? "function" : "autoscaled fleet") | \(c.queue) | \(c.peak) "
                out += "| \(Format.estimate(c.mean) { Format.fixed($0, 2) }) | \(functionOnly(c.invocations)) "
                out += "| \(functionOnly(c.failedInvocations)) | \(functionOnly(c.coldStarts)) | \(functionOnly(c.throttles)) "
                out += "| \(c.scalingActions) |\n"
            }
            out += "\n"
        }

        if !faults.isEmpty {
            out += "## Faults\n\n| kind | target | from | to | detail |\n|---|---|---|---|---|\n"
            for f in faults {
                out += "| \(f.kind) | \(f.target) | \(Format.seconds(f.from)) | \(f.to.map(Format.seconds) ?? "end of run") | \(f.detail) |\n"
            }
            out += "\nAPI calls failed: \(callsFailed), of which retried: \(callsRetried).\n\n"
        }

        out += costSection

        out += "## Replications\n\n"
        if queues.isEmpty {
            // Sends, deletes and queue waits are of queues: a scenario without any leaves them out.
            out += "| # | ended after | why |\n|---|---|---|\n"
            for r in replicationSummaries { out += "| \(r.index) | \(Format.seconds(r.elapsed)) | \(r.endReason) |\n" }
            return out
        }
        out += "| # | ended after | why | sent | deleted | queue wait mean |\n|---|---|---|---|---|---|\n"
        for r in replicationSummaries {
            out += "| \(r.index) | \(Format.seconds(r.elapsed)) | \(r.endReason) | \(r.sent) | \(r.deleted) | \(r.queueWaitMean.map(Format.seconds) ?? "–") |\n"
        }
        return out
    }

    /// The headline table, delivery guarantees and each queue's detail; empty when the scenario has
    /// no queues (what they would show is all zeros).
    var queueSections: String {
        guard !queues.isEmpty else { return "" }
        var out = "## Headline\n\n"
        out += "| queue | sent/s | deleted/s | queue wait mean | queue wait p99 | end-to-end mean | end-to-end p99 |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for q in queues {
            out += "| \(q.name) | \(Format.estimate(q.throughput.sent, Format.rate)) | \(Format.estimate(q.throughput.deleted, Format.rate)) "
            out += "| \(Format.estimate(q.queueWait.mean, Format.seconds)) | \(Format.seconds(q.queueWait.p99)) "
            out += "| \(Format.estimate(q.endToEnd.mean, Format.seconds)) | \(Format.seconds(q.endToEnd.p99)) |\n"
        }
        out += "\n"

        let d = delivery
        out += "## Delivery\n\n"
        out += "| sent | delivered once | duplicated | lost | expired | still queued | dead-lettered | sends abandoned |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        out += "| \(d.sent) | \(d.deliveredOnce) | \(d.duplicated) | \(d.lost) | \(d.expired) | \(d.queued) | \(d.deadLettered) | \(d.sendsAbandoned) |\n\n"
        if d.movedOut + d.purged + d.sendsDeduplicated > 0 {
            out += "Moved out of a dead-letter queue: \(d.movedOut). Purged: \(d.purged). "
            out += "Sends deduplicated (FIFO): \(d.sendsDeduplicated).\n\n"
        }
        if !d.duplicatedBy.isEmpty {
            out += "Duplicated by first cause: " + d.duplicatedBy.map { "\($0.cause) \($0.count)" }.joined(separator: ", ") + ". "
        }
        out += "Deletes with a stale receipt handle: \(d.staleDeletes).\n\n"
        if d.violationTotal == 0 {
            out += "No delivery guarantee was violated.\n\n"
        } else {
            out += "**Violations:** " + d.violationCounts.map { "\($0.kind) \($0.count)" }.joined(separator: ", ") + "\n\n"
            out += "| kind | replication | queue | message | at | detail | replay |\n|---|---|---|---|---|---|---|\n"
            for v in d.violations.prefix(20) {
                out += "| \(v.kind) | \(v.replication) | \(v.queue) | \(v.messageId ?? "–") | \(Format.seconds(v.at)) | \(v.detail) | `\(v.replay)` |\n"
            }
            if d.violations.count > 20 { out += "\n\(d.violations.count - 20) more listed in report.json.\n" }
            out += "\n"
        }

        out += "## Queues\n\n"
        for q in queues {
            out += "### \(q.name) (\(q.type))\n\n"
            out += "| latency | mean [95% CI] | p50 | p90 | p99 | p99.9 | max | messages |\n|---|---|---|---|---|---|---|---|\n"
            for (label, l) in [("queue wait", q.queueWait), ("end-to-end", q.endToEnd)] {
                out += "| \(label) | \(Format.estimate(l.mean, Format.seconds)) | \(Format.seconds(l.p50)) | \(Format.seconds(l.p90)) "
                out += "| \(Format.seconds(l.p99)) | \(Format.seconds(l.p999)) | \(Format.seconds(l.max)) | \(l.count) |\n"
            }
            out += "\n"
            let perReplication = replications > 0 ? q.queueWait.count / replications : 0
            if q.queueWait.mser5Truncation > 0, perReplication > 0 {
                out += "Warm-up: MSER-5 would drop the first \(q.queueWait.mser5Truncation) of about \(perReplication) queue waits per "
                out += "replication (median); if that is a large share, set a longer `warmup:`.\n\n"
            }
            out += "Totals over all replications: \(q.messagesSent) sent, \(q.messagesReceived) received, \(q.messagesDeleted) deleted, "
            out += "\(q.requests) requests (\(q.emptyReceives) empty receives); largest visible depth \(q.visibleMax).\n\n"
            let a = q.activity
            if a.deduplicated + a.deadLettered + a.movedIn + a.movedOut + a.purged + a.throttled + a.spuriousDuplicates + a.emptyWhileStored > 0 {
                out += "| deduplicated | dead-lettered | moved in | moved out | purged | throttled | spurious duplicates | empty receives with messages stored |\n"
                out += "|---|---|---|---|---|---|---|---|\n"
                out += "| \(a.deduplicated) | \(a.deadLettered) | \(a.movedIn) | \(a.movedOut) | \(a.purged) | \(a.throttled) | \(a.spuriousDuplicates) | \(a.emptyWhileStored) |\n\n"
            }
            if let t = q.timeToDeadLetter {
                out += "Time from send to the dead-letter queue: mean \(Format.estimate(t.mean, Format.seconds)), p50 \(Format.seconds(t.p50)), "
                out += "p99 \(Format.seconds(t.p99)), max \(Format.seconds(t.max)) over \(t.count) messages.\n\n"
            }
            if let l = q.objectStoreLatency {
                out += "Extended client: \(l.count) object-store requests (put, get, delete) for this queue's messages, each adding "
                out += "mean \(Format.estimate(l.mean, Format.seconds)), p99 \(Format.seconds(l.p99)) to the message's path.\n\n"
            }
            if a.kmsRequests > 0 { out += "SSE-KMS: \(a.kmsRequests) GenerateDataKey and Decrypt requests.\n\n" }
            if !q.deniedByPrincipal.isEmpty {
                out += "Calls denied by access policies: "
                out += q.deniedByPrincipal.map { "\($0.principal) \($0.count)" }.joined(separator: ", ") + ".\n\n"
            }
            if let o = q.ordering {
                out += "Ordering: \(o.groups) message groups seen (summed over replications), \(o.groupsOutOfOrder) out of order, "
                out += "\(o.orderViolations) order violations.\n\n"
            }
            if !q.receiveCounts.isEmpty {
                out += "Deleted messages by receive count: "
                out += q.receiveCounts.enumerated().filter { $0.element > 0 }.map { "\($0.offset)× \($0.element)" }.joined(separator: ", ")
                out += "\n\n"
            }
        }

        return out
    }

    /// Each topic's totals and a row per subscription; empty when the scenario has no topics.
    var topicsSection: String {
        guard !topics.isEmpty else { return "" }
        var out = "## Topics\n\n"
        out += "Counts are totals over all replications. Delivery latency runs from the publish being accepted to the successful "
        out += "delivery, for messages published after the warm-up; DLQ counts messages sent to the subscription's dead-letter queue, "
        out += "dropped those exhausted with none, pending those still being retried when the run ended.\n\n"
        for t in topics {
            out += "### \(t.name) (\(t.type))\n\n"
            out += "\(t.publishRequests) publish requests (\(t.billedPublishRequests) billed), \(t.published) messages published, "
            out += "\(t.deduplicated) deduplicated, \(t.throttled) throttled, \(t.rejected) rejected, \(t.publishesAbandoned) given up by producers, "
            out += "\(t.deniedCalls) calls denied by access policies.\n\n"
            if !t.subscriptions.isEmpty {
                out += "| subscription | protocol | endpoint | matched | filtered out | delivered | retries | DLQ | dropped | pending "
                out += "| delivery p50 | delivery p99 |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
                for s in t.subscriptions {
                    let l = s.deliveryLatency
                    out += "| \(s.name) | \(s.protocolName)\(s.rawMessageDelivery ? " (raw)" : "") | \(s.endpoint) | \(s.matched) "
                    out += "| \(s.filteredOut) | \(s.delivered) | \(s.retries) | \(s.deadLettered) | \(s.dropped) | \(s.pending) "
                    out += "| \(l.count > 0 ? Format.seconds(l.p50) : "–") | \(l.count > 0 ? Format.seconds(l.p99) : "–") |\n"
                }
                out += "\n"
                for s in t.subscriptions {
                    if let refusal = s.subscribeRefusal { out += "Subscription \(s.name) was refused and received nothing: \(refusal).\n\n" }
                }
                if t.type == "fifo" {
                    out += "Group order, checked per subscription (deliveries before an earlier message of their group): "
                    out += t.subscriptions.map { "\($0.name) \($0.outOfOrder)" }.joined(separator: ", ") + ".\n\n"
                }
            }
            if !t.deniedByPrincipal.isEmpty {
                out += "Calls denied by access policies: "
                out += t.deniedByPrincipal.map { "\($0.principal) \($0.count)" }.joined(separator: ", ") + ".\n\n"
            }
        }
        return out
    }

    /// The cost at list prices: per scenario and per month, then per queue and per function.
    var costSection: String {
        let p = cost.prices
        var out = "## Cost\n\n"
        if queues.isEmpty {
            out += "List prices in USD. Per scenario is the mean over the replications, with no free tier; per month runs the "
            out += "scenario's rates for 30 days.\n\n"
        } else {
            out += "List prices in USD: SQS \(CostLine.usdText(p.sqsStandardPerMillionRequests)) per million standard requests and "
            out += "\(CostLine.usdText(p.sqsFifoPerMillionRequests)) per million FIFO requests, each 64 KiB of a payload billed as one "
            out += "request. Per scenario is the mean over the replications, with no free tier; per month runs the scenario's rates for "
            out += "30 days and takes off the SQS free tier.\n\n"
        }
        if !topics.isEmpty {
            out += "SNS: \(CostLine.usdText(p.snsPublishPerMillionRequests)) per million publish requests, "
            out += "\(CostLine.usdText(p.snsHttpPerHundredThousandDeliveries)) per 100,000 HTTP/S deliveries, "
            out += "\(CostLine.usdText(p.snsEmailPerHundredThousandDeliveries)) per 100,000 email deliveries, "
            // Below a cent, so in full rather than to the cent.
            out += "$\(JSONValue.format(p.snsSmsPerMessage)) per SMS message (US transactional, an assumption), "
            out += "\(CostLine.usdText(p.snsMobilePushPerMillionDeliveries)) per million mobile push deliveries and "
            out += "\(CostLine.usdText(p.snsFirehosePerGB)) per GB delivered to Firehose, each 64 KiB of a payload billed as one "
            out += "request or delivery; deliveries to SQS and Lambda are free. Per month takes off SNS's free tiers too.\n\n"
        }
        out += streamPricesText
        out += videoPricesText
        out += "| item | per scenario | cost | per month | cost |\n|---|---|---|---|---|\n"
        var items = cost.monthly.map(\.item)
        for line in cost.lines where !items.contains(line.item) { items.append(line.item) }
        for item in items {
            let scenario = cost.lines.first { $0.item == item }, month = cost.monthly.first { $0.item == item }
            func quantity(_ line: CostLine?) -> String { line.map { "\(Format.quantity($0.quantity)) \($0.unit)" } ?? "–" }
            out += "| \(item) | \(quantity(scenario)) | \(scenario?.usdText ?? "–") | \(quantity(month)) | \(month?.usdText ?? "–") |\n"
        }
        out += "| **total** | | **\(CostLine.usdText(cost.lines.totalUSD))** | | **\(CostLine.usdText(cost.monthly.totalUSD))** |\n\n"
        if let total = cost.total, total.n > 1 {
            out += "Total of one replication: \(Format.estimate(total, CostLine.usdText)).\n\n"
        }
        if !cost.queues.isEmpty {
            out += "| queue | type | billed requests | cost |\n|---|---|---|---|\n"
            for q in cost.queues {
                out += "| \(q.name) | \(q.type) | \(Format.quantity(q.billedRequests)) | \(CostLine.usdText(q.usd)) |\n"
            }
            out += "\n"
        }
        if !cost.functions.isEmpty {
            out += "| function | memory | requests | GB-seconds | cost |\n|---|---|---|---|---|\n"
            for f in cost.functions {
                out += "| \(f.name) | \(f.memoryMB) MB | \(Format.quantity(f.requests)) | \(Format.quantity(f.gbSeconds)) "
                out += "| \(CostLine.usdText(f.usd)) |\n"
            }
            out += "\n"
        }
        return out
    }
}
