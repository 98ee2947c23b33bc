import Foundation
import SluiceCore

extension SQLiteViews {
    /// Replaces the tables `views` of the store at `path` with the tables of the same
    /// names in the store at `rebuilt` (definition, indexes and rows), all in one
    /// transaction: a reader sees the old tables or the new ones, never a mix, and a
    /// pipeline writing the store meanwhile waits for the lock, then writes into the new
    /// tables (SQLite re-prepares its statements against them).
    /// - Throws: `SluiceError` when a view is missing from `rebuilt`, or SQLite errors.
    public static func swapIn(views: [String], from rebuilt: String, into path: String) throws {
        let connection = try SQLiteConnection.open(path: path, access: .readWriteCreate)
        try connection.execute("ATTACH DATABASE '\(rebuilt.replacingOccurrences(of: "'", with: "''"))' AS rebuilt")
        defer { try? connection.execute("DETACH DATABASE rebuilt") }
        try connection.inTransaction {
            for view in views {
                let definitions = try connection.prepare(
                    "SELECT type, sql FROM rebuilt.sqlite_master WHERE tbl_name = ?1 AND sql IS NOT NULL ORDER BY type = 'table' DESC")
                try definitions.bind(view, at: 1)
                var statements: [String] = []
                var hasTable = false
                while try definitions.step() {
                    hasTable = hasTable || definitions.text(0) == "table"
                    statements.append(definitions.text(1))
                }
                definitions.reset()
                guard hasTable else { throw SluiceError(.invalidArgument, "the rebuild produced no view '\(view)'") }
                let table = SQLiteCatalog.quote(view)
                try connection.execute("DROP TABLE IF EXISTS main.\(table)")
                for statement in statements { try connection.execute(statement) }
                try connection.execute("INSERT INTO main.\(table) SELECT * FROM rebuilt.\(table)")
            }
        }
    }
}
