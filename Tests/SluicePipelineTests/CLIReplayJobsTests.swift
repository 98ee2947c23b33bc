import Foundation
import SluiceTestSupport
import Testing

/// `sluice replay` re-submits a pipeline's dead letters (those failing again go back with
/// their new reason); `sluice batch --from/--to` and `sluice jobs` keep and list runs.
@Suite struct CLIReplayJobsTests {
    let pipelines = ShippedPipelinesTests.directory

    private func sluice(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String]) throws -> SluiceProcess.Result {
        var process = SluiceProcess(arguments: arguments, directory: dir.path)
        process.environment = environment
        return try process.run()
    }

    @Test func replayResubmitsThisPipelinesRecordsAndDeadLettersThoseFailingAgain() throws {
        try TemporaryDirectory.with { dir in
            let good = #"{"id":"e-1","type":"metric","agent_id":"agent-000001","ts":1767225600000,"metric":"cpu_pct","value":5}"#
            let lines = [
                // Fixed upstream since: decodes now.
                #"{"pipeline":"event-archive","source":"source","line":3,"position":null,"reason":"was bad","raw":"# + jsonString(good) + "}",
                // Still broken.
                #"{"pipeline":"event-archive","source":"source","line":4,"position":null,"reason":"x","raw":"{\"id\":"}"#,
                // Not lost: a re-delivery de-duplication dropped.
                #"{"pipeline":"event-archive","source":"dedupe","line":null,"position":null,"reason":"duplicate id e-0 already seen within the de-duplication horizon","raw":"{}"}"#,
                // Another pipeline's.
                #"{"pipeline":"agent-metrics","source":"source","line":9,"position":null,"reason":"x","raw":"# + jsonString(good) + "}",
            ]
            try (lines.joined(separator: "\n") + "\n").write(toFile: dir.path("dead.ndjson"), atomically: true, encoding: .utf8)
            let environment = ["DAA_ARCHIVE": "file:out.ndjson", "DAA_DEAD_LETTER": "file:again.ndjson"]
            let result = try sluice(
                ["replay", "dead.ndjson", "--into", "\(pipelines)/event-archive.yaml"], in: dir, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("replay: 2 records of 4 dead letters (1 duplicates, 1 of other pipelines"), "\(result.stderr)")
            #expect(result.stdout.contains("event-archive: completed: 1 events in, "), "\(result.stdout)")
            // The file sink writes rows in its canonical form (5 as 5.0).
            #expect(try String(contentsOfFile: dir.path("out.ndjson"), encoding: .utf8) == good.replacingOccurrences(of: ":5}", with: ":5.0}") + "\n")
            let again = try String(contentsOfFile: dir.path("again.ndjson"), encoding: .utf8).split(separator: "\n")
            #expect(again.count == 1)
            #expect(again.first?.contains(#""raw":"{\"id\":""#) == true && again.first?.contains("was bad") == false)
            // The run is kept for `sluice jobs`.
            let jobs = try sluice(["jobs"], in: dir, environment: [:])
            #expect(jobs.stdout.contains("event-archive") && jobs.stdout.contains("replay") && jobs.stdout.contains("completed"))
        }
    }

    @Test func batchRangeVariablesReachTheFileAndJobsListsTheRange() throws {
        try TemporaryDirectory.with { dir in
            let generated = try sluice(["generate", "--count", "3000", "--seed", "9", "--output", "events.ndjson"], in: dir, environment: [:])
            #expect(generated.status == 0)
            let archived = try sluice(
                ["batch", "\(pipelines)/event-archive.yaml", "--input", "events.ndjson"], in: dir,
                environment: ["DAA_DEAD_LETTER": "memory:dead"])
            #expect(archived.status == 0, "\(archived.stderr)")
            // An empty range: nothing read. A range over everything: every archived event.
            let environment = ["DAA_VIEWS": "sqlite:views.db", "DAA_DEAD_LETTER": "memory:dead"]
            let none = try sluice(
                ["batch", "\(pipelines)/jobs/daily-report.yaml", "--from", "2001-01-01", "--to", "2001-01-02"], in: dir,
                environment: environment)
            #expect(none.status == 0, "\(none.stderr)")
            #expect(none.stdout.contains("daily-report: completed: 0 events in"), "\(none.stdout)")
            let all = try sluice(
                ["batch", "\(pipelines)/jobs/daily-report.yaml", "--from", "2000-01-01", "--to", "2100-01-01T00:00:00Z"], in: dir,
                environment: environment)
            #expect(all.status == 0, "\(all.stderr)")
            let archivedCount = archived.stdout.split(separator: "\n").first { $0.contains("sink:") }?.split(separator: " ").dropFirst().first
            #expect(all.stdout.contains("daily-report: completed: \(archivedCount ?? "?") events in"), "\(all.stdout) vs \(archived.stdout)")
            let bad = try sluice(["batch", "\(pipelines)/jobs/daily-report.yaml", "--from", "yesterday"], in: dir, environment: environment)
            #expect(bad.status == 64, "a usage error, as for other bad options")
            #expect(bad.stderr.contains("--from yesterday: expected epoch milliseconds"), "\(bad.stderr)")
            let jobs = try sluice(["jobs", "--job", "daily-report"], in: dir, environment: [:])
            #expect(jobs.stdout.contains("2001-01-01T00:00:00Z .. 2001-01-02T00:00:00Z"), "\(jobs.stdout)")
            #expect(jobs.stdout.split(separator: "\n").count == 3, "a header and two runs: \(jobs.stdout)")
        }
    }

    /// `text` as a JSON string literal, quotes included.
    private func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed])) ?? Data(), as: UTF8.self)
    }
}
