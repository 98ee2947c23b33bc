import Foundation
import SluiceConnectors
import SluiceCore
import SluicePostgres
import SluiceTestSupport
import Testing

/// Every shipped pipeline that keeps views writes, into PostgreSQL, the same rows as into
/// the embedded SQLite store (whose views the reference tests check against independent
/// computations): the same events through `sluice batch`, every view compared row for row.
@Suite struct ShippedPipelinesPostgresTests {
    static let views: [(pipeline: String, views: [String])] = [
        ("agent-metrics", ["agent_metrics_10s"]), ("agent-state", ["agent_state"]),
        ("knowledge-usage", ["knowledge_usage_1m"]), ("learning-progress", ["learning_progress_5m"]),
        ("pattern-effectiveness", ["pattern_effectiveness_1m", "pattern_overall_1m"]), ("workflow-runs", ["workflow_runs"]),
    ]

    /// A cell as text both stores agree on: timestamps as epoch milliseconds, doubles to 9
    /// significant digits (sums of the same values may differ in the last bits), booleans t/f.
    private static func cell(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .double(let d): String(format: "%.9g", d)
        case .bool(let b): b ? "t" : "f"
        case .timestamp(let t): "\(t)"
        case .int(let i): "\(i)"
        case .string(let s): s
        }
    }

    private func postgresRows(_ connection: PostgresConnection, schema: String, view: String) throws -> (columns: [String], rows: [String]) {
        let columns = try connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
            parameters: [.text(schema), .text(view)]
        ).rows.map { ($0[0]!, $0[1]!) }
        let select = columns.map { name, type in
            type.hasPrefix("timestamp") ? "(extract(epoch FROM \"\(name)\") * 1000)::bigint" : "\"\(name)\""
        }
        let result = try connection.execute("SELECT \(select.joined(separator: ", ")) FROM \(schema).\"\(view)\"")
        let rows = result.rows.map { row in
            zip(row, columns).map { text, column -> String in
                guard let text else { return "null" }
                return column.1 == "double precision" ? String(format: "%.9g", Double(text)!) : text
            }.joined(separator: "|")
        }
        return (columns.map(\.0), rows.sorted())
    }

    @Test(.timeLimit(.minutes(5)))
    func eachShippedViewInPostgresEqualsTheEmbeddedStore() throws {
        let schemaPrefix = "sluice_shipped_\(UInt32.random(in: 0 ... .max))_"
        let url = try TestServers.postgresURL()
        let admin = try PostgresConnection.connect(PostgresConfiguration(uri: url))
        defer {
            for (pipeline, _) in Self.views {
                _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schemaPrefix)\(pipeline.replacingOccurrences(of: "-", with: "_")) CASCADE")
            }
        }
        try TemporaryDirectory.with { dir in
            var generate = SluiceProcess(
                arguments: ["generate", "--count", "30000", "--seed", "11", "--output", "events.ndjson"], directory: dir.path)
            generate.environment = [:]
            let generated = try generate.run()
            #expect(generated.status == 0, "\(generated.stderr)")
            for (pipeline, views) in Self.views {
                let schema = schemaPrefix + pipeline.replacingOccurrences(of: "-", with: "_")
                for store in ["sqlite:\(pipeline).db", url + "?schema=\(schema)"] {
                    var batch = SluiceProcess(
                        arguments: ["batch", "\(ShippedPipelinesTests.directory)/\(pipeline).yaml", "--input", "events.ndjson"],
                        directory: dir.path)
                    batch.environment = ["DAA_VIEWS": store, "DAA_LATE": "memory:late", "DAA_DEAD_LETTER": "memory:dead"]
                    let result = try batch.run()
                    #expect(result.status == 0, "\(pipeline) into \(store): \(result.stderr)")
                }
                for view in views {
                    let embedded = try SQLiteViews.read(path: dir.path("\(pipeline).db"), view: view, limit: nil)
                    let expected = embedded.rows.map { $0.map(Self.cell).joined(separator: "|") }.sorted()
                    let actual = try postgresRows(admin, schema: schema, view: view)
                    #expect(actual.columns == embedded.columns, "\(view)")
                    #expect(expected.count > 0, "\(view) is empty")
                    #expect(actual.rows.count == expected.count, "\(view): \(actual.rows.count) rows in PostgreSQL, \(expected.count) embedded")
                    let differing = zip(actual.rows, expected).filter { $0 != $1 }
                    #expect(differing.isEmpty, "\(view): \(differing.count) rows differ, e.g. \(differing.prefix(2))")
                }
            }
        }
    }
}
