import Foundation
import SluiceConnectors
import SluicePostgres
import SluiceTestSupport
import Testing

/// A view rebuilt by a batch job from events kept in PostgreSQL equals the view built from
/// the same events in a file; bad rows are dead-lettered with their reasons.
@Suite struct CLIPostgresSourceTests {
    let pipeline = "\(ShippedPipelinesTests.directory)/agent-metrics.yaml"

    @Test func aBatchOverAnEventsTableGivesTheViewOfTheSameEventsInAFile() throws {
        let schema = "sluice_src_\(UInt64.random(in: 0 ... .max) & 0xFFFF_FFFF)"
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: try TestServers.postgresURL()))
        try admin.execute("CREATE SCHEMA \(schema)")
        defer { _ = try? admin.execute("DROP SCHEMA \(schema) CASCADE") }
        try TemporaryDirectory.with { dir in
            var generate = SluiceProcess(
                arguments: ["generate", "--count", "20000", "--seed", "5", "--output", "events.ndjson"], directory: dir.path)
            generate.environment = [:]
            let generated = try generate.run()
            #expect(generated.status == 0, "\(generated.stderr)")
            let lines = try String(contentsOfFile: dir.path("events.ndjson"), encoding: .utf8).split(separator: "\n")
            // The event store: one text column per event (text, not jsonb, so a broken event
            // can be stored and must be dead-lettered), in arrival order by seq.
            try admin.execute("CREATE TABLE \(schema).events (seq bigserial PRIMARY KEY, body text)")
            var copy = ""
            for (index, line) in lines.enumerated() {
                copy += line.replacingOccurrences(of: "\\", with: "\\\\") + "\n"
                if index == 100 { copy += "{\"id\": \"broken\", \"type\": \"metric\"\n" }
                if index == 200 { copy += "\\N\n" }
            }
            try admin.copyIn("COPY \(schema).events (body) FROM STDIN", data: Array(copy.utf8))

            func batch(input: String, views: String, deadLetters: String) throws -> SluiceProcess.Result {
                var process = SluiceProcess(arguments: ["batch", pipeline, "--input", input], directory: dir.path)
                process.environment = [
                    "DAA_VIEWS": "sqlite:\(views)", "DAA_DEAD_LETTER": "file:\(deadLetters)", "DAA_LATE": "memory:late",
                ]
                return try process.run()
            }
            let fromFile = try batch(input: "events.ndjson", views: "file.db", deadLetters: "file-dead.ndjson")
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            let url = try TestServers.postgresURL() + "?schema=\(schema)&table=events&column=body&order_by=seq"
            let fromTable = try batch(input: url, views: "table.db", deadLetters: "table-dead.ndjson")
            #expect(fromTable.status == 0, "\(fromTable.stderr)")
            #expect(fromTable.stdout.hasPrefix("agent-metrics: completed: 20000 events in, "), "\(fromTable.stdout)")
            #expect(fromTable.stdout.contains(", 2 rejected, "), "\(fromTable.stdout)")

            let expected = try SQLiteViews.read(path: dir.path("file.db"), view: "agent_metrics_10s", limit: nil)
            let actual = try SQLiteViews.read(path: dir.path("table.db"), view: "agent_metrics_10s", limit: nil)
            #expect(expected.rows.count > 100)
            #expect(actual.columns == expected.columns)
            #expect(actual.rows.map(\.description) == expected.rows.map(\.description))

            let deadLetters = try String(contentsOfFile: dir.path("table-dead.ndjson"), encoding: .utf8)
            #expect(deadLetters.contains("broken"), "\(deadLetters)")
            #expect(deadLetters.contains("empty record"), "\(deadLetters)")
        }
    }
}
