import Foundation
@testable import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteViewsTests {
    @Test func listsViewsByNameWithoutBookkeepingTables() throws {
        try withViewStore { path in
            for view in ["zeta", "alpha", "Mid"] {
                try runSink(path: path, view: view, mode: .append, epochs: [(Epoch(1), [])])
            }
            // Checkpoints kept in the same file (the embedded default) add their tables.
            let connection = try testConnection(path)
            for table in [SQLiteCheckpointTable.name, SQLiteCheckpointTable.partsName] {
                try connection.execute("CREATE TABLE \(table) (pipeline TEXT, bytes BLOB)")
            }
            #expect(try SQLiteViews.listViews(path: path) == ["Mid", "alpha", "zeta"])
        }
    }

    @Test func readsInKeyOrderUpToTheLimit() throws {
        try withViewStore { path in
            let rows = ["c", "a", "d", "b"].map { MetricRow(agent: $0, metric: "m", samples: 1) }
            try runSink(path: path, epochs: [(Epoch(1), [metricBatch(rows)])])
            let all = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            #expect(all.rows.map { $0[0] } == ["a", "b", "c", "d"].map(Value.string))
            let two = try SQLiteViews.read(path: path, view: "agent_metrics", limit: 2)
            #expect(two.rows.map { $0[0] } == [.string("a"), .string("b")])
            #expect(two.columns == all.columns)
            #expect(try SQLiteViews.read(path: path, view: "agent_metrics", limit: 0).rows.isEmpty)
        }
    }

    @Test func readsTablesSluiceDidNotCreateByStorageClass() throws {
        try withViewStore { path in
            let connection = try testConnection(path)
            try connection.execute("CREATE TABLE handmade (label, amount NUMERIC, data BLOB)")
            try connection.execute("INSERT INTO handmade VALUES ('x', 2.5, X'00FF'), (7, NULL, NULL)")
            #expect(try SQLiteViews.listViews(path: path) == ["handmade"])
            let view = try SQLiteViews.read(path: path, view: "handmade", limit: nil)
            #expect(view.rows == [[.string("x"), .double(2.5), .string("X'00FF'")], [.int(7), .null, .null]])
        }
    }

    @Test func explainsAMissingViewOrFile() throws {
        try withViewStore { path in
            #expect(throws: SluiceError(.io, "no view store at \(path)")) { try SQLiteViews.listViews(path: path) }
            try runSink(path: path, view: "alpha", mode: .append, epochs: [])
            let error = #expect(throws: SluiceError.self) {
                try SQLiteViews.read(path: path, view: "nope", limit: nil)
            }
            #expect(error?.message == "no view 'nope' in \(path) (views: alpha)")
            #expect(throws: SluiceError.self) { try SQLiteViews.read(path: path, view: "alpha", limit: -1) }
        }
    }

    @Test func aFileThatIsNotADatabaseIsAnSQLiteError() throws {
        try withViewStore { path in
            try runSink(path: path, view: "alpha", mode: .append, epochs: [])
            let garbage = path + ".txt"
            try Array(repeating: "not a database\n", count: 100).joined().write(
                toFile: garbage, atomically: true, encoding: .utf8)
            let error = #expect(throws: SQLiteError.self) { try SQLiteViews.listViews(path: garbage) }
            #expect(error?.code == 26)  // SQLITE_NOTADB
        }
    }
}
