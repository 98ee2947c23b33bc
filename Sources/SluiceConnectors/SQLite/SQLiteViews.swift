public import SluiceCore
import Foundation

/// Reading a view store written by `SQLiteViewSink`: what the `sluice views` command shows.
///
/// Both functions open the database read-only, so they never create a file and can run
/// while a pipeline is writing (WAL readers see the last committed epoch).
public enum SQLiteViews {
    /// The views (ordinary tables) in the database, sorted by name, without SQLite's
    /// internal tables and Sluice's `_sluice_epochs`.
    ///
    /// - Throws: `SluiceError` `.io` when there is no file at `path`; `SQLiteError` when
    ///   the file is not a readable SQLite database.
    public static func listViews(path: String) throws -> [String] {
        try SQLiteCatalog.userTables(on: try openExisting(path))
    }

    /// The rows of `view`, ordered by its primary key (upsert views) or by arrival (append
    /// views), at most `limit` of them (all when nil).
    ///
    /// Columns Sluice declared come back typed: INTEGER as `.int`, REAL as `.double`,
    /// TEXT as `.string`, BOOLEAN as `.bool`, TIMESTAMP_MS as `.timestamp`, NULL as `.null`.
    /// Other tables are read by SQLite's storage class (a BLOB as an `X'…'` string).
    ///
    /// - Throws: `SluiceError` `.invalidArgument` for a missing view or a negative limit,
    ///   `.io` when there is no file at `path`; `SQLiteError` when SQLite fails.
    public static func read(path: String, view: String, limit: Int?) throws -> (columns: [String], rows: [[Value]]) {
        if let limit, limit < 0 { throw SluiceError(.invalidArgument, "limit must not be negative, got \(limit)") }
        let connection = try openExisting(path)
        let columns = try SQLiteCatalog.columns(of: view, on: connection)
        guard try SQLiteCatalog.objectType(named: view, on: connection) == "table", !columns.isEmpty else {
            let known = try SQLiteCatalog.userTables(on: connection)
            throw SluiceError(
                .invalidArgument,
                "no view '\(view)' in \(path) (views: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        let key = columns.filter { $0.primaryKeyPosition > 0 }
            .sorted { $0.primaryKeyPosition < $1.primaryKeyPosition }
            .map { SQLiteCatalog.quote($0.name) }
        let order = key.isEmpty ? "rowid" : key.joined(separator: ", ")
        let selected = columns.map { SQLiteCatalog.quote($0.name) }.joined(separator: ", ")
        let statement = try connection.prepare(
            "SELECT \(selected) FROM \(SQLiteCatalog.quote(view)) ORDER BY \(order) LIMIT ?1")
        try statement.bind(Int64(limit ?? -1), at: 1)  // a negative LIMIT means none in SQLite

        let types = columns.map { DataType(sqliteDeclaredType: $0.declaredType) }
        var rows: [[Value]] = []
        while try statement.step() {
            var row: [Value] = []
            row.reserveCapacity(columns.count)
            for (index, type) in types.enumerated() {
                row.append(value(of: statement, column: Int32(index), declared: type))
            }
            rows.append(row)
        }
        return (columns.map(\.name), rows)
    }

    /// How many rows `view` holds (what `read` with a limit may leave out).
    ///
    /// - Throws: as `read`.
    public static func rowCount(path: String, view: String) throws -> Int {
        let connection = try openExisting(path)
        guard try SQLiteCatalog.objectType(named: view, on: connection) == "table" else {
            throw SluiceError(.invalidArgument, "no view '\(view)' in \(path)")
        }
        let statement = try connection.prepare("SELECT count(*) FROM \(SQLiteCatalog.quote(view))")
        guard try statement.step() else { return 0 }
        return Int(statement.int64(0))
    }

    private static func openExisting(_ path: String) throws -> SQLiteConnection {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SluiceError(.io, "no view store at \(path)")
        }
        return try SQLiteConnection.open(path: path, access: .readOnly)
    }

    private static func value(of statement: SQLiteStatement, column: Int32, declared: DataType?) -> Value {
        switch statement.storageClass(column) {
        case .null: return .null
        case .integer:
            let integer = statement.int64(column)
            switch declared {
            case .bool: return .bool(integer != 0)
            case .timestamp: return .timestamp(integer)
            default: return .int(integer)
            }
        case .real: return .double(statement.double(column))
        case .text: return .string(statement.text(column))
        case .blob:
            let hex = statement.blob(column).map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            return .string("X'\(hex)'")
        }
    }
}
