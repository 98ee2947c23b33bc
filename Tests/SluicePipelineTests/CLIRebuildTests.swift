import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceConnectors

/// `sluice rebuild`: the views recomputed from the archive and swapped in equal the
/// views the live pipeline computed from the same events.
@Suite struct CLIRebuildTests {
    let pipelines = ShippedPipelinesTests.directory

    private func sluice(_ arguments: [String], in dir: TemporaryDirectory, environment: [String: String]) throws -> SluiceProcess.Result {
        var process = SluiceProcess(arguments: arguments, directory: dir.path)
        process.environment = environment
        return try process.run()
    }

    static func table(_ path: String, _ view: String) throws -> [[String]] {
        let table = try SQLiteViews.read(path: path, view: view, limit: nil)
        let skip = Set(["updated_at"].compactMap { table.columns.firstIndex(of: $0) })
        return table.rows.map { row in row.enumerated().filter { !skip.contains($0.offset) }.map { "\($0.element)" } }.sorted {
            $0.lexicographicallyPrecedes($1)
        }
    }

    @Test func rebuildFromTheArchiveSwapsInTheLiveViewsRows() throws {
        try TemporaryDirectory.with { dir in
            #expect(try sluice(["generate", "--count", "20000", "--seed", "17", "--output", "events.ndjson"], in: dir, environment: [:]).status == 0)
            let environment = ["DAA_DEAD_LETTER": "memory:dead", "DAA_VIEWS": "sqlite:views.db"]
            // The live pipeline's view, and the archive of the same events.
            let live = try sluice(["batch", "\(pipelines)/agent-state.yaml", "--input", "events.ndjson"], in: dir, environment: environment)
            #expect(live.status == 0, "\(live.stderr)")
            let archived = try sluice(["batch", "\(pipelines)/event-archive.yaml", "--input", "events.ndjson"], in: dir, environment: environment)
            #expect(archived.status == 0, "\(archived.stderr)")
            let expected = try Self.table(dir.path("views.db"), "agent_state")
            #expect(expected.count > 500)

            // The live table drifts (rows lost, a value damaged) before the rebuild.
            let rebuilt = SluiceProcess(
                arguments: ["rebuild", "\(pipelines)/agent-state.yaml", "--from", "archive:.sluice/archive"], directory: dir.path)
            try damage(dir.path("views.db"))
            #expect(try Self.table(dir.path("views.db"), "agent_state") != expected)
            var process = rebuilt
            process.environment = environment
            let result = try process.run()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("swapped in agent_state in views.db"), "\(result.stdout)")
            #expect(try Self.table(dir.path("views.db"), "agent_state") == expected)
            // The other views of the store are untouched, the archive is unchanged.
            #expect(try SQLiteViews.listViews(path: dir.path("views.db")).contains("agent_state"))
        }
    }

    private func damage(_ path: String) throws {
        let connection = try SQLiteConnection.open(path: path, access: .readWriteCreate)
        try connection.execute("DELETE FROM agent_state WHERE agent_id IN (SELECT agent_id FROM agent_state ORDER BY agent_id LIMIT 100)")
        try connection.execute("UPDATE agent_state SET adaptations = adaptations + 100")
    }
}
