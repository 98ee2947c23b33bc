import Foundation
import SluiceRuntime

/// The kept summary of one batch-job run (`sluice batch`, `sluice replay`): one JSON line
/// each in `.sluice/jobs.ndjson` (or `$SLUICE_JOBS_FILE`), which `sluice jobs` lists.
struct JobRecord: Codable, Equatable {
    var job: String
    var kind: String
    /// Start, RFC 3339 UTC, and how long it ran.
    var started: String
    var seconds: Double
    /// The time range (`--from`/`--to`, epoch ms), when given.
    var from: Int64?
    var to: Int64?
    var eventsIn: Int64
    var rowsOut: Int64
    var rejected: Int64
    /// completed, stopped, aborted, or failed.
    var outcome: String
    var error: String?

    /// What a run knows before it starts.
    struct Context {
        var kind: String
        var range: BatchRange

        func finished(_ job: String, started: Date, summary: RunSummary?, error: String?) -> JobRecord {
            JobRecord(
                job: job, kind: kind, started: ISO8601DateFormatter().string(from: started),
                seconds: (Date().timeIntervalSince(started) * 1000).rounded() / 1000, from: range.start, to: range.end,
                eventsIn: summary?.eventsIn ?? 0, rowsOut: summary?.totalRowsOut ?? 0,
                rejected: (summary?.rejected ?? 0) + (summary?.duplicates ?? 0),
                outcome: error == nil ? summary?.outcome.rawValue ?? "failed" : "failed", error: error)
        }
    }

    /// Where the last completed scheduled run of `job` ended: what a restarted daemon
    /// catches up from (`JobScheduler.Job.lastRangeEnd`).
    static func lastScheduledEnd(of job: String, in records: [JobRecord]) -> Int64? {
        records.filter { $0.job == job && $0.kind == "scheduled" && $0.outcome == "completed" }.compactMap(\.to).max()
    }

    static var path: String {
        ProcessInfo.processInfo.environment["SLUICE_JOBS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? ".sluice/jobs.ndjson"
    }

    /// Appends `record`; a failure to keep it is reported, never fatal to the run.
    static func append(_ record: JobRecord, to path: String = JobRecord.path) {
        do {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            var line = try encoder.encode(record)
            line.append(0x0A)
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { try Data().write(to: url) }
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            Terminal.printError("warning: could not keep the run summary in \(path): \(error)")
        }
    }

    /// Every readable record in `path`, oldest first.
    static func load(from path: String = JobRecord.path) -> [JobRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(JobRecord.self, from: Data($0)) }
    }
}
