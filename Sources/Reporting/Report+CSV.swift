extension Report {
    /// Queue depth over simulated time, one row per sample, queue and replication.
    public var depthCSV: String {
        var out = "replication,queue,time,visible,inFlight,delayed\n"
        for series in depthSeries {
            for s in series.samples {
                out += "\(series.replication),\(csvField(series.queue)),\(JSONValue.format(s.time)),\(s.visible),\(s.inFlight),\(s.delayed)\n"
            }
        }
        return out
    }

    /// Concurrent invocations of each function and instances of each autoscaled fleet at each
    /// sample instant, one row per sample, name and replication.
    public var concurrencyCSV: String {
        var out = "replication,name,time,value\n"
        for series in concurrencySeries {
            for s in series.samples {
                out += "\(series.replication),\(csvField(series.name)),\(JSONValue.format(s.time)),\(s.value)\n"
            }
        }
        return out
    }

    /// Headline figures per queue, one row per queue.
    public var summaryCSV: String {
        var out = "queue,type,sent,received,deleted,sentPerSecond,deletedPerSecond,queueWaitMean,queueWaitLow,queueWaitHigh,"
        out += "queueWaitP50,queueWaitP90,queueWaitP99,queueWaitP999,queueWaitMax,endToEndMean,endToEndP50,endToEndP99,endToEndMax\n"
        func n(_ x: Double?) -> String { x.map(JSONValue.format) ?? "" }
        for q in queues {
            let fields: [String] = [
                q.name, q.type, "\(q.messagesSent)", "\(q.messagesReceived)", "\(q.messagesDeleted)",
                n(q.throughput.sent?.mean), n(q.throughput.deleted?.mean),
                n(q.queueWait.mean?.mean), n(q.queueWait.mean?.low), n(q.queueWait.mean?.high),
                n(q.queueWait.p50), n(q.queueWait.p90), n(q.queueWait.p99), n(q.queueWait.p999), n(q.queueWait.max),
                n(q.endToEnd.mean?.mean), n(q.endToEnd.p50), n(q.endToEnd.p99), n(q.endToEnd.max),
            ]
            out += fields.map(csvField).joined(separator: ",") + "\n"
        }
        return out
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
func csvField(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
    return "\"" + text.flatMap { $0 == "\"" ? "\"\"" : String($0) } + "\""
}
