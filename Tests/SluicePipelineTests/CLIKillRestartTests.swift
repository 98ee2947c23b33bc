import Foundation
import SluiceConnectors
import SluiceCore
import SluicePostgres
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice run`, killed with SIGKILL at random moments and started again each time, ends
/// with the view an uninterrupted run writes: the views, the state and the source
/// positions commit in one transaction per epoch — in the embedded SQLite store and in
/// PostgreSQL (the real server the test script starts).
@Suite(.serialized) struct CLIKillRestartTests {
    /// Enough events that ten restarts, each killed soon after its first commit, do not
    /// finish the input (a PostgreSQL run reads far ahead before its first commit). Each
    /// run gets through about a commit interval's worth of events before it can be killed:
    /// at 4,000,000 events and 200 ms commits, a faster build finished three of the ten.
    static let events = 6_000_000
    let pipeline = "\(ShippedPipelinesTests.directory)/agent-metrics.yaml"

    enum Store: String, CaseIterable, Sendable { case sqlite, postgres }

    /// Where a run keeps its views: the embedded file in its directory, or a schema of its
    /// own in the test PostgreSQL.
    struct Views {
        var store: Store
        var directory: TemporaryDirectory
        var schema = "sluice_kill_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF)"
        /// The server of the `.postgres` store: the test stack's unless given.
        var postgresURL: String? = nil

        var serverURL: String { get throws { try postgresURL ?? TestServers.postgresURL() } }

        var environment: [String: String] {
            get throws {
                switch store {
                case .sqlite: return [:]
                case .postgres:
                    return ["DAA_VIEWS": try serverURL + "?schema=\(schema)"]
                }
            }
        }

        /// The view as rows keyed by (agent, metric, window), every column as text; doubles
        /// rounded (sums of the same values may differ in the last bits between runs).
        func rows() throws -> [String: [String]] {
            let (columns, rows): ([String], [[String]])
            switch store {
            case .sqlite:
                let table = try SQLiteViews.read(path: directory.path(".sluice/views.db"), view: "agent_metrics_10s", limit: nil)
                columns = table.columns
                rows = table.rows.map { row in
                    row.map { value in
                        if case .double(let d) = value { return String(format: "%.6g", d) }
                        if case .timestamp(let t) = value { return "\(t)" }
                        return value.asString ?? "\(value)"
                    }
                }
            case .postgres:
                let connection = try PostgresConnection.connect(PostgresConfiguration(uri: try serverURL))
                let result = try connection.execute(
                    "SELECT agent_id, metric, (extract(epoch from window_start) * 1000)::bigint AS window_start, samples, total, low, high, mean, p95 FROM \(schema).agent_metrics_10s")
                columns = result.columns
                rows = result.rows.map { row in
                    row.enumerated().map { i, text in
                        guard let text else { return "null" }
                        if ["total", "low", "high", "mean", "p95"].contains(columns[i]), let d = Double(text) {
                            return String(format: "%.6g", d)
                        }
                        return text
                    }
                }
            }
            let wanted = ["agent_id", "metric", "window_start", "samples", "total", "low", "high", "mean", "p95"]
            let index = wanted.map { columns.firstIndex(of: $0)! }
            var keyed: [String: [String]] = [:]
            for row in rows { keyed[index.prefix(3).map { row[$0] }.joined(separator: "|")] = index.map { row[$0] } }
            return keyed
        }

        /// The newest epoch the run's store holds a checkpoint of (0 before any).
        func committedEpoch() -> Int64 {
            switch store {
            case .sqlite:
                guard
                    let table = try? SQLiteViews.read(
                        path: directory.path(".sluice/views.db"), view: "_sluice_checkpoints", limit: nil),
                    let column = table.columns.firstIndex(of: "epoch")
                else { return 0 }
                return table.rows.compactMap { row -> Int64? in
                    if case .int(let epoch) = row[column] { return epoch }
                    return nil
                }.max() ?? 0
            case .postgres:
                guard let url = try? serverURL,
                    let connection = try? PostgresConnection.connect(PostgresConfiguration(uri: url)),
                    let text = try? connection.execute("SELECT coalesce(max(epoch), 0) FROM \(schema).sluice_checkpoints").rows.first?.first,
                    let epoch = text.flatMap({ Int64($0) })
                else { return 0 }
                return epoch
            }
        }

        func drop() {
            guard store == .postgres, let url = try? serverURL,
                let connection = try? PostgresConnection.connect(PostgresConfiguration(uri: url))
            else { return }
            _ = try? connection.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        }
    }

    private func run(_ binary: String, _ views: Views, events: String) throws -> SluiceProcess {
        // Commits every 50 ms, so even a run killed early has committed something, and a run
        // gets through little of the input before its first commit.
        var process = SluiceProcess(
            arguments: ["run", pipeline, "--workers", "2", "--commit-every", "50ms"], directory: views.directory.path,
            binary: binary)
        process.environment = try ["DAA_EVENTS": "file:\(events)"].merging(views.environment) { $1 }
        return process
    }

    @Test(.timeLimit(.minutes(6)), arguments: Store.allCases)
    func killedAtTenRandomMomentsTheViewEqualsAnUninterruptedRun(store: Store) throws {
        let binary = try ReleaseBinary.path()
        try TemporaryDirectory.with { referenceDirectory in
            try TemporaryDirectory.with { crashedDirectory in
                let reference = Views(store: store, directory: referenceDirectory)
                let crashed = Views(store: store, directory: crashedDirectory)
                defer {
                    reference.drop()
                    crashed.drop()
                }
                let events = referenceDirectory.path("events.ndjson")
                let generated = try SluiceProcess(
                    arguments: ["generate", "--count", "\(Self.events)", "--seed", "21", "--output", events],
                    directory: referenceDirectory.path, binary: binary
                ).run()
                #expect(generated.status == 0, "\(generated.stderr)")
                let started = Date()
                let uninterrupted = try run(binary, reference, events: events).run()
                #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
                let duration = Date().timeIntervalSince(started)
                let expected = try reference.rows()
                #expect(expected.count > 1_000)

                var random = SplitMix64(seed: 8)
                var killed = 0
                var resumed = 0
                for _ in 0..<10 {
                    let before = crashed.committedEpoch()
                    let (child, out, err) = try run(binary, crashed, events: events).start()
                    // Once this run has committed something of its own (so every run makes
                    // progress, however slow the machine is at starting it), then anywhere
                    // within the next 0 to 2 % of an uninterrupted run's time: mid-epoch,
                    // mid-commit or just after one, and restarts are killed before they finish.
                    let committedBy = Date().addingTimeInterval(30)
                    while child.isRunning, crashed.committedEpoch() <= before, Date() < committedBy {
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                    Thread.sleep(forTimeInterval: duration * Double(random.next() % 20) / 1_000)
                    if child.isRunning {
                        kill(child.processIdentifier, SIGKILL)
                        killed += 1
                    }
                    let result = SluiceProcess.finish(child, out, err)
                    #expect(result.reason == .uncaughtSignal || result.status == 0, "\(result.stderr)")
                    if result.stderr.contains("agent-metrics: resuming from epoch") { resumed += 1 }
                }
                let last = try run(binary, crashed, events: events).run()
                #expect(last.status == 0, "\(last.stderr)")
                #expect(killed >= 8, "only \(killed) runs were still going when killed")
                // Restarts resumed from the stored state instead of starting over, so an
                // exact view proves the state and the positions were restored together.
                #expect(resumed >= 5, "only \(resumed) restarts resumed from a checkpoint")
                #expect(last.stderr.contains("resuming from epoch"), "\(last.stderr)")
                #expect(!last.stdout.contains("completed: \(Self.events) events in"), "the last run re-read everything: \(last.stdout)")
                let actual = try crashed.rows()
                #expect(actual.count == expected.count)
                let differing = expected.keys.filter { actual[$0] != expected[$0] }.sorted()
                #expect(differing.isEmpty, "\(differing.count) rows differ, e.g. \(differing.prefix(3).map { ($0, expected[$0]!, actual[$0] ?? []) })")
            }
        }
    }
}
