import Dispatch
import Foundation

/// Runs independent jobs on several threads and returns their results in input order, so the
/// outcome cannot depend on the number of threads. Parallelism lives only here, between
/// replications; each replication runs single-threaded.
enum ParallelRunner {
    static func map<T, R>(_ items: [T], jobs: Int, _ body: @escaping @Sendable (T) -> R) -> [R] where T: Sendable {
        let lock = NSLock()
        nonisolated(unsafe) var results = [R?](repeating: nil, count: items.count)
        nonisolated(unsafe) var next = 0
        let workers = max(1, min(jobs, items.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let index = next
                next += 1
                lock.unlock()
                guard index < items.count else { return }
                let result = body(items[index])
                lock.lock()
                results[index] = result
                lock.unlock()
            }
        }
        return results.map { $0! }
    }
}

/// A one-line progress display on standard error, for terminals, once a run has taken a second.
final class Progress: @unchecked Sendable {
    let total: Int
    let enabled: Bool
    let start = DispatchTime.now()
    let lock = NSLock()
    var done = 0
    var shown = false

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        guard enabled, elapsed >= 1 else { return }
        shown = true
        FileHandle.standardError.write(Data(String(format: "\r%d/%d replications, %.1f s", done, total, elapsed).utf8))
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
