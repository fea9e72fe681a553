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

        out += "## Headline\n\n"
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

        if !consumers.isEmpty {
            out += "## Consumers\n\n| fleet | queue | consumers | utilisation |\n|---|---|---|---|\n"
            for f in consumers {
                out += "| \(f.name) | \(f.queue) | \(f.count) | \(Format.estimate(f.utilisation, Format.percent)) |\n"
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

        out += "## Replications\n\n| # | ended after | why | sent | deleted | queue wait mean |\n|---|---|---|---|---|---|\n"
        for r in replicationSummaries {
            out += "| \(r.index) | \(Format.seconds(r.elapsed)) | \(r.endReason) | \(r.sent) | \(r.deleted) | \(r.queueWaitMean.map(Format.seconds) ?? "–") |\n"
        }
        return out
    }
}
