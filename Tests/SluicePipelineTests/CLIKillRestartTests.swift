import Foundation
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice run` on the embedded store, killed with SIGKILL at random moments and started
/// again each time, ends with the view an uninterrupted run writes: the views, the state
/// and the source positions commit in one SQLite transaction per epoch.
@Suite(.serialized) struct CLIKillRestartTests {
    /// Enough events that a run lasts a few seconds: epochs commit every second.
    static let events = 2_000_000
    let pipeline = "\(ShippedPipelinesTests.directory)/agent-metrics.yaml"

    private func run(_ binary: String, in dir: TemporaryDirectory, events: String) -> SluiceProcess {
        var process = SluiceProcess(arguments: ["run", pipeline, "--workers", "2"], directory: dir.path, binary: binary)
        process.environment = ["DAA_EVENTS": "file:\(events)"]
        return process
    }

    /// The view as rows keyed by (agent, metric, window), every column as text; doubles
    /// rounded (sums of the same values may differ in the last bits between runs).
    private func view(in dir: TemporaryDirectory) throws -> [String: [String]] {
        let table = try SQLiteViews.read(path: dir.path(".sluice/views.db"), view: "agent_metrics_10s", limit: nil)
        let key = ["agent_id", "metric", "window_start"].map { table.columns.firstIndex(of: $0)! }
        var rows: [String: [String]] = [:]
        for row in table.rows {
            rows[key.map { "\(row[$0])" }.joined(separator: "|")] = row.map { value in
                if case .double(let d) = value { return String(format: "%.6g", d) }
                return "\(value)"
            }
        }
        return rows
    }

    @Test(.timeLimit(.minutes(6)))
    func killedAtTenRandomMomentsTheViewEqualsAnUninterruptedRun() throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { reference in
            try TemporaryDirectory.with { crashed in
                let events = reference.path("events.ndjson")
                let generated = try SluiceProcess(
                    arguments: ["generate", "--count", "\(Self.events)", "--seed", "21", "--output", events],
                    directory: reference.path, binary: binary
                ).run()
                #expect(generated.status == 0, "\(generated.stderr)")
                let started = Date()
                let uninterrupted = try run(binary, in: reference, events: events).run()
                #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
                let duration = Date().timeIntervalSince(started)
                let expected = try view(in: reference)
                #expect(expected.count > 1_000)

                var random = SplitMix64(seed: 8)
                var killed = 0
                var resumed = 0
                for _ in 0..<10 {
                    let (child, out, err) = try run(binary, in: crashed, events: events).start()
                    // Anywhere from before the first commit to a few commits in (epochs every second).
                    Thread.sleep(forTimeInterval: min(duration * 0.8, 0.5 + Double(random.next() % 2_500) / 1_000))
                    if child.isRunning {
                        kill(child.processIdentifier, SIGKILL)
                        killed += 1
                    }
                    let result = SluiceProcess.finish(child, out, err)
                    #expect(result.reason == .uncaughtSignal || result.status == 0, "\(result.stderr)")
                    if result.stderr.contains("agent-metrics: resuming from epoch") { resumed += 1 }
                }
                let last = try run(binary, in: crashed, events: events).run()
                #expect(last.status == 0, "\(last.stderr)")
                #expect(killed >= 5, "only \(killed) runs were still going when killed")
                // Restarts resumed from the stored state instead of starting over, so an
                // exact view proves the state and the positions were restored together.
                #expect(resumed >= 3, "only \(resumed) restarts resumed from a checkpoint")
                #expect(last.stderr.contains("resuming from epoch"), "\(last.stderr)")
                #expect(!last.stdout.contains("completed: \(Self.events) events in"), "the last run re-read everything: \(last.stdout)")
                let actual = try view(in: crashed)
                #expect(actual.count == expected.count)
                let differing = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
                #expect(differing.isEmpty, "\(differing.count) rows differ, e.g. \(differing.prefix(3).map { ($0, expected[$0]!, actual[$0] ?? []) })")
            }
        }
    }
}
