import ArgumentParser
import Foundation

/// `sluice jobs`: the last batch-job runs, newest last.
struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the last batch-job runs: job, range, rows and outcome.",
        discussion: """
            Every `sluice batch` and `sluice replay` run keeps a summary line in \
            .sluice/jobs.ndjson (set SLUICE_JOBS_FILE to keep them elsewhere). This lists \
            the last ones, oldest first.
            """)

    @Option(help: "How many runs to list.")
    var last = 20

    @Option(help: "Only the runs of this job (pipeline name).")
    var job: String?

    func run() throws {
        var records = JobRecord.load()
        if let job { records = records.filter { $0.job == job } }
        records = Array(records.suffix(max(last, 0)))
        guard !records.isEmpty else {
            print("no batch-job runs recorded in \(JobRecord.path)")
            return
        }
        let header = ["started", "job", "kind", "range", "events", "rows", "rejected", "seconds", "outcome"]
        let rows = records.map { record -> [String] in
            [
                record.started, record.job, record.kind, Self.range(record), "\(record.eventsIn)", "\(record.rowsOut)",
                "\(record.rejected)", "\(record.seconds)", record.outcome + (record.error.map { ": \($0)" } ?? ""),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }

    static func range(_ record: JobRecord) -> String {
        guard record.from != nil || record.to != nil else { return "-" }
        let format = { (millis: Int64?) -> String in
            millis.map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "…"
        }
        return format(record.from) + " .. " + format(record.to)
    }
}
