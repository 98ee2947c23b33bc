import Foundation
import SluiceConnectors
import SluiceTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sluice batch`, `run`, `generate` and `views` as a user runs them, in a scratch
/// directory so the embedded `.sluice/` store is the test's own.
@Suite struct CLIRunBatchTests {
    let pipelines = ShippedPipelinesTests.directory
    /// Dead letters and late events to memory: the embedded file connectors are not needed here.
    static let environment = ["DAA_DEAD_LETTER": "memory:dead", "DAA_LATE": "memory:late"]

    private func sluice(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String] = environment) throws
        -> SluiceProcess.Result
    {
        var process = SluiceProcess(arguments: arguments, directory: dir.path)
        process.environment = environment
        return try process.run()
    }

    @Test func batchPrintsASummaryAndFillsTheEmbeddedViews() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(
                ["batch", "\(pipelines)/agent-metrics.yaml", "--input", "generator:daa?count=5000&seed=3&agents=20"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("agent-metrics: completed: 5000 events in, ") == true, "\(result.stdout)")
            #expect(lines.contains { $0.hasPrefix("  sink: ") && $0.hasSuffix(" rows") })
            #expect(result.stderr.isEmpty, "no progress bar when stderr is not a terminal")

            let views = try sluice(["views", "agent_metrics_10s", "--limit", "3"], in: dir)
            #expect(views.status == 0, "\(views.stderr)")
            #expect(views.stdout.hasPrefix("agent_id "))
            #expect(views.stdout.contains("(3 rows)\n"))
            #expect(views.stdout.hasSuffix(" rows left out (--limit \(try rowCount(dir)) shows them all)\n"), "\(views.stdout)")
            #expect(FileManager.default.fileExists(atPath: dir.path(".sluice/views.db")))
        }
    }

    @Test func batchReadsAGeneratedFile() throws {
        try TemporaryDirectory.with { dir in
            let generated = try sluice(["generate", "--count", "2000", "--seed", "9", "--output", "events.ndjson"], in: dir)
            #expect(generated.status == 0, "\(generated.stderr)")
            let lines = try String(contentsOfFile: dir.path("events.ndjson"), encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2000)
            #expect(lines.allSatisfy { $0.hasPrefix("{\"id\":\"g9-") })
            var environment = Self.environment
            environment["DAA_ARCHIVE"] = "file:out/archive.ndjson"
            let result = try sluice(["batch", "\(pipelines)/event-archive.yaml", "--input", "events.ndjson"], in: dir, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("event-archive: completed: 2000 events in, "), "\(result.stdout)")
            // Every distinct event once: the archive plus the dropped re-deliveries is the input.
            let archived = try String(contentsOfFile: dir.path("out/archive.ndjson"), encoding: .utf8).split(separator: "\n")
            let duplicates = try #require(result.stdout.firstMatch(of: /, (\d+) duplicates/)).1
            #expect(archived.count + Int(duplicates)! == 2000)
            #expect(Set(archived.map { $0.prefix(while: { $0 != "," }) }).count == archived.count, "ids are unique")
        }
    }

    @Test func badRecordsGoToTheDeadLetterFile() throws {
        try TemporaryDirectory.with { dir in
            try """
            {"id":"a","type":"metric","agent_id":"agent-1","ts":1764000000000,"metric":"cpu_pct","value":1.5}
            not json
            {"id":"b","type":"metric","ts":1764000000100,"metric":"cpu_pct","value":2.5}
            {"id":"c","type":"metric","agent_id":"agent-1","ts":1764000000200,"metric":"cpu_pct","value":3.5}

            """.write(toFile: dir.path("in.ndjson"), atomically: true, encoding: .utf8)
            let environment = ["DAA_ARCHIVE": "file:archive.ndjson"]  // dead letters: the embedded default
            let result = try sluice(["batch", "\(pipelines)/event-archive.yaml", "--input", "in.ndjson"], in: dir, environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(": completed: 2 events in, 2 rows out, 2 rejected"), "\(result.stdout)")
            let dead = try String(contentsOfFile: dir.path(".sluice/dead-letter.ndjson"), encoding: .utf8).split(separator: "\n")
            #expect(dead.count == 2)
            #expect(dead.allSatisfy { $0.contains("event-archive") })
        }
    }

    @Test func batchRefusesUnboundedInput() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["batch", "\(pipelines)/agent-metrics.yaml"], in: dir)
            #expect(result.status == 2)
            #expect(result.stderr.contains("batch needs bounded input, but 'source' (generator:daa?rate=2000) never ends"))
        }
    }

    @Test func batchWithAFileErrorExitsTwo() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["batch", FixtureFiles.path("invalid", "graph-cycle.yaml"), "--input", "generator:daa?count=10"], in: dir)
            #expect(result.status == 2)
            #expect(result.stderr.contains("error: cycle: a → b → c → a"))
        }
    }

    @Test func runForADurationStopsGracefully() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["run", "\(pipelines)/knowledge-usage.yaml", "\(pipelines)/agent-state.yaml", "--for", "1s"], in: dir)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("knowledge-usage: stopped: "))
            #expect(result.stdout.contains("agent-state: stopped: "))
        }
    }

    @Test func sigtermDrainsFlushesAndExitsZero() throws {
        try TemporaryDirectory.with { dir in
            var process = SluiceProcess(arguments: ["run", "\(pipelines)/agent-metrics.yaml"], directory: dir.path)
            process.environment = Self.environment
            let (child, out, err) = try process.start()
            Thread.sleep(forTimeInterval: 1.5)
            kill(child.processIdentifier, SIGTERM)
            let result = SluiceProcess.finish(child, out, err)
            #expect(result.reason == .exit)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("agent-metrics: stopped: "), "\(result.stdout)")
            #expect(result.stderr.contains("stopping: draining and flushing"))
            // What was committed before the stop is in the view.
            let views = try sluice(["views", "agent_metrics_10s", "--limit", "1"], in: dir)
            #expect(views.stdout.contains("(1 row)\n"), "\(views.stdout)")
        }
    }

    @Test func unavailableConnectorsStopCleanlyWithRedactedURIs() throws {
        try TemporaryDirectory.with { dir in
            try """
            pipeline: broker
            source: { uri: "kafka://daa:${MQ_PASSWORD}@mq.local:9092?topic=events&group=sluice" }
            sink: { uri: "memory:out" }
            """.write(toFile: dir.path("broker.yaml"), atomically: true, encoding: .utf8)
            let result = try sluice(["run", dir.path("broker.yaml"), "--for", "1s"], in: dir, environment: Self.environment.merging(["MQ_PASSWORD": "hunter2"]) { $1 })
            // The file is fine; this build cannot run it: a run failure (1), not a file error (2).
            #expect(result.status == 1)
            #expect(result.stderr == "broker: error: kafka://daa:***@mq.local:9092?topic=events&group=sluice: connector not available in this build\n")
        }
    }

    /// The rows of the agent-metrics view in `dir`'s embedded store.
    private func rowCount(_ dir: TemporaryDirectory) throws -> Int {
        try SQLiteViews.rowCount(path: dir.path(".sluice/views.db"), view: "agent_metrics_10s")
    }

    @Test func generateWritesW1Lines() throws {
        try TemporaryDirectory.with { dir in
            let result = try sluice(["generate", "--w1", "--count", "3", "--agents", "10000"], in: dir)
            #expect(result.status == 0)
            #expect(result.stdout.split(separator: "\n").dropFirst().first == #"{"agent_id":"agent-006180","metric":"queue_depth","value":760.53,"ts":1763999999689}"#)
        }
    }
}
