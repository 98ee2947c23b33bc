import Foundation
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

/// `sluice repair`: a view whose late events were dropped, repaired from the archive plus
/// the late output, equals the view computed as if every event had been on time.
@Suite struct CLIRepairTests {
    let pipelines = ShippedPipelinesTests.directory

    private func sluice(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String]) throws -> SluiceProcess.Result {
        var process = SluiceProcess(arguments: arguments, directory: dir.path)
        process.environment = environment
        return try process.run()
    }

    /// The view's rows, `updated_at` left out, doubles to 9 significant digits.
    static func view(_ path: String) throws -> [[String]] {
        let table = try SQLiteViews.read(path: path, view: "agent_metrics_10s", limit: nil)
        let skip = table.columns.firstIndex(of: "updated_at")
        return table.rows.map { row in
            row.enumerated().filter { $0.offset != skip }.map { item -> String in
                if case .double(let d) = item.element { return String(format: "%.9g", d) }
                return "\(item.element)"
            }
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test func repairedViewEqualsTheViewOfOnTimeEvents() throws {
        try TemporaryDirectory.with { dir in
            #expect(try sluice(["generate", "--count", "60000", "--agents", "50", "--seed", "23", "--output", "events.ndjson"], in: dir, environment: [:]).status == 0)
            let base = ["DAA_DEAD_LETTER": "memory:dead"]
            // The live run: events minutes late go to the late output, not the view.
            let live = try sluice(
                ["batch", "\(pipelines)/agent-metrics.yaml", "--input", "events.ndjson"], in: dir,
                environment: base.merging(["DAA_VIEWS": "sqlite:live.db", "DAA_LATE": "file:late.ndjson"]) { $1 })
            #expect(live.status == 0, "\(live.stderr)")
            let lateCount = try String(contentsOfFile: dir.path("late.ndjson"), encoding: .utf8).split(separator: "\n").count
            #expect(lateCount > 0, "the generator sends some metric events minutes late")
            #expect(try sluice(["batch", "\(pipelines)/event-archive.yaml", "--input", "events.ndjson"], in: dir, environment: base).status == 0)

            // As if on time: the same events in event-time order.
            let lines = try String(contentsOfFile: dir.path("events.ndjson"), encoding: .utf8).split(separator: "\n")
            let timed = try lines.map { line -> (Int64, Substring) in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                return ((object?["ts"] as? NSNumber)?.int64Value ?? 0, line)
            }
            let sorted = timed.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element.1)
            try (sorted.joined(separator: "\n") + "\n").write(toFile: dir.path("ontime.ndjson"), atomically: true, encoding: .utf8)
            let onTime = try sluice(
                ["batch", "\(pipelines)/agent-metrics.yaml", "--input", "ontime.ndjson"], in: dir,
                environment: base.merging(["DAA_VIEWS": "sqlite:expected.db", "DAA_LATE": "file:late-ontime.ndjson"]) { $1 })
            #expect(onTime.status == 0, "\(onTime.stderr)")
            #expect(onTime.stdout.contains(" 0 late, "), "\(onTime.stdout)")
            let expected = try Self.view(dir.path("expected.db"))
            #expect(try Self.view(dir.path("live.db")) != expected, "the late events changed some windows")

            let repair = try sluice(
                ["repair", "\(pipelines)/agent-metrics.yaml", "--late", "late.ndjson", "--from", "archive:.sluice/archive"], in: dir,
                environment: base.merging(["DAA_VIEWS": "sqlite:live.db"]) { $1 })
            #expect(repair.status == 0, "\(repair.stderr)")
            #expect(repair.stdout.contains("with \(lateCount) late events"), "\(repair.stdout)")
            #expect(try Self.view(dir.path("live.db")) == expected)
        }
    }

    @Test func aPipelineWithARunningFoldIsRefused() throws {
        try TemporaryDirectory.with { dir in
            try "".write(toFile: dir.path("late.ndjson"), atomically: true, encoding: .utf8)
            let result = try sluice(
                ["repair", "\(pipelines)/agent-state.yaml", "--late", "late.ndjson", "--from", "archive:a"], in: dir, environment: [:])
            #expect(result.status == 64)
            #expect(result.stderr.contains("use sluice rebuild"), "\(result.stderr)")
        }
    }
}
