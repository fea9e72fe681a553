import Foundation
import Reporting

/// Writes a report's files. Each file is written to a temporary name and renamed into place, so
/// an interrupted run never leaves a half-written report.
enum ReportWriter {
    static func write(_ report: Report, to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure.invalidInput("cannot create the output folder \(directory): \(error.localizedDescription)")
        }
        var files: [(String, String)] = [
            ("report.json", report.json.rendered()),
            ("report.md", report.markdown),
            ("summary.csv", report.summaryCSV),
            ("depth.csv", report.depthCSV),
            ("concurrency.csv", report.concurrencyCSV),
        ]
        // Only scenarios with streams get their series, so the others keep the files they had.
        if !report.streams.isEmpty {
            files += [("stream-rate.csv", report.streamRateCSV), ("iterator-age.csv", report.iteratorAgeCSV)]
        }
        for (name, contents) in files {
            let target = folder.appendingPathComponent(name)
            let temporary = folder.appendingPathComponent(".\(name).partial")
            do {
                try Data(contents.utf8).write(to: temporary)
                // rename(2) replaces the target atomically: a reader sees the old file or the new one.
                guard rename(temporary.path, target.path) == 0 else {
                    throw CommandFailure.invalidInput("cannot move \(temporary.path) to \(target.path): \(String(cString: strerror(errno)))")
                }
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw CommandFailure.invalidInput("cannot write \(target.path): \(error.localizedDescription)")
            }
        }
    }
}
