public import SluiceCore
import Foundation

/// A sink that keeps a materialized view as a real table in a local SQLite file: the
/// embedded view store for runs without servers. Open the file with the `sqlite3` tool
/// (or `sluice views`) to read the view.
///
/// - `open` creates the parent directories, the database and the table when absent:
///   INTEGER (int64), REAL (double), BOOLEAN (bool, stored as INTEGER 0/1), TEXT (string)
///   and TIMESTAMP_MS (timestamp, stored as INTEGER epoch milliseconds) columns, with
///   `PRIMARY KEY(key)` in `.upsert(key:)` mode. An existing table with another column set
///   is an error naming every difference; views are never migrated silently.
/// - `write` stages rows and `delete` stages retractions (upsert mode; ignored in append
///   mode); `commit(epoch:)` applies all staged rows in arrival order — upserts, and
///   deletes by primary key — and records the epoch in `_sluice_epochs` in one
///   transaction, so the view and its recorded epoch always agree.
///
/// Delivery: upserts carry absolute values and deletes of absent keys do nothing, so
/// replaying an epoch leaves the same table.
/// Append mode is at-least-once: a replayed epoch appends its rows again unless the caller
/// skips epochs up to `lastCommittedEpoch()`.
///
/// - Important: `@unchecked Sendable` because the connection and statements are not
///   thread-safe; that is sound because only the runtime's sink executor calls a sink, from
///   one thread at a time (the `Sink` contract).
public final class SQLiteViewSink: Sink, @unchecked Sendable {
    /// The sink's name in its pipeline.
    public let name: String
    /// The database file (created with its parent directories on `open`).
    public let path: String
    /// The table holding the view.
    public let view: String
    private let timeSource: any TimeSource
    private var state: State = .idle

    private enum State {
        case idle
        case open(Session)
        case closed
    }

    /// Everything an open view holds: the connection, its reused statements, staged rows.
    private final class Session {
        let connection: SQLiteConnection
        let table: SQLiteViewTable
        let insert: SQLiteStatement
        /// nil in append mode (nothing to delete by).
        let delete: SQLiteStatement?
        let recordEpoch: SQLiteStatement
        /// Writes and deletes in arrival order; `isDelete` batches bind their key columns only.
        var staged: [(batch: Batch, parameterColumns: [Int], isDelete: Bool)] = []

        init(connection: SQLiteConnection, table: SQLiteViewTable) throws {
            self.connection = connection
            self.table = table
            insert = try connection.prepare(table.insertSQL, persistent: true)
            delete = table.key.isEmpty ? nil : try connection.prepare(table.deleteSQL, persistent: true)
            recordEpoch = try connection.prepare(SQLiteEpochTable.recordSQL, persistent: true)
        }
    }

    /// - Parameters:
    ///   - name: the sink's name in its pipeline.
    ///   - path: the SQLite database file.
    ///   - view: the table to keep up to date.
    ///   - timeSource: the clock for `_sluice_epochs.committed_at`.
    public init(name: String, path: String, view: String, timeSource: any TimeSource = SystemTimeSource()) {
        self.name = name
        self.path = path
        self.view = view
        self.timeSource = timeSource
    }

    /// Creates what is missing (directories, database, table) and checks what exists.
    ///
    /// - Throws: `SluiceError` `.invalidArgument` for an unusable name, schema or key,
    ///   `.schemaMismatch` when the table exists with other columns, another type or another
    ///   primary key; `SQLiteError` when SQLite fails.
    public func open(schema: Schema, mode: SinkMode) throws {
        guard case .idle = state else {
            throw SluiceError(.invalidArgument, "SQLite sink '\(name)' is already open or closed")
        }
        let table = try SQLiteViewTable(name: view, schema: schema, mode: mode)
        try createParentDirectory()
        let connection = try SQLiteConnection.open(path: path, access: .readWriteCreate)
        try connection.inTransaction {
            try connection.execute(SQLiteEpochTable.createSQL)
            switch try SQLiteCatalog.objectType(named: view, on: connection) {
            case nil:
                try connection.execute(table.createSQL)
            case "table":
                let differences = table.differences(from: try SQLiteCatalog.columns(of: view, on: connection))
                guard differences.isEmpty else {
                    throw SluiceError(
                        .schemaMismatch,
                        "view '\(view)' in \(path) exists with a different schema: "
                            + differences.joined(separator: "; ")
                            + ". Sluice does not migrate views: drop the table or write to a new view.")
                }
            case let other?:
                throw SluiceError(.schemaMismatch, "'\(view)' in \(path) is a \(other), not a table")
            }
        }
        state = .open(try Session(connection: connection, table: table))
    }

    /// Stages a batch for the next commit.
    ///
    /// The batch must have the opened schema's columns (by name and type, in any order).
    /// - Throws: `SluiceError` `.schemaMismatch` for other columns, `.invalidArgument` for
    ///   a null in a key column (a row without a key cannot be upserted).
    public func write(_ batch: Batch) throws {
        let session = try openSession("write to")
        guard !batch.isEmpty else { return }
        let schema = session.table.schema
        var parameterColumns: [Int] = []
        parameterColumns.reserveCapacity(schema.count)
        for field in schema.fields {
            guard let index = batch.schema.index(of: field.name), batch.schema[index].type == field.type else {
                throw SluiceError(
                    .schemaMismatch, "view '\(view)' expects \(schema) but a batch has \(batch.schema)")
            }
            parameterColumns.append(index)
        }
        guard batch.schema.count == schema.count else {
            throw SluiceError(.schemaMismatch, "view '\(view)' expects \(schema) but a batch has \(batch.schema)")
        }
        for field in session.table.keyFieldIndices {
            if let row = batch.columns[parameterColumns[field]].validity?.firstIndex(of: false) {
                throw SluiceError(
                    .invalidArgument, "view '\(view)': key column '\(schema[field].name)' is null in row \(row)")
            }
        }
        session.staged.append((batch, parameterColumns, false))
    }

    /// Stages a retraction: at the next commit, in order with the staged writes, the row
    /// whose primary key equals each row's key columns is deleted. Append views keep their
    /// rows (the `Sink` default): the call does nothing there.
    ///
    /// - Throws: `SluiceError` `.schemaMismatch` when the batch lacks a key column (by name
    ///   and type).
    public func delete(_ keys: Batch) throws {
        let session = try openSession("delete from")
        guard session.delete != nil, !keys.isEmpty else { return }
        let schema = session.table.schema
        var parameterColumns: [Int] = []
        for field in session.table.keyFieldIndices.map({ schema[$0] }) {
            guard let index = keys.schema.index(of: field.name), keys.schema[index].type == field.type else {
                throw SluiceError(
                    .schemaMismatch, "view '\(view)' deletes by \(session.table.key) but a retraction has \(keys.schema)")
            }
            parameterColumns.append(index)
        }
        session.staged.append((keys, parameterColumns, true))
    }

    /// Writes every staged row and records `epoch` for this view, in one transaction.
    ///
    /// On failure the transaction rolls back and the staged rows are kept, so a retry
    /// writes them again.
    public func commit(epoch: Epoch) throws {
        let session = try openSession("commit")
        let storedEpoch = try SQLiteEpochTable.storedValue(of: epoch)
        let committedAt = timeSource.nowMillis()
        try session.connection.inTransaction {
            for staged in session.staged {
                if staged.isDelete, let delete = session.delete {
                    try SQLiteBatchWriter.delete(staged.batch, parameterColumns: staged.parameterColumns, with: delete)
                } else {
                    try SQLiteBatchWriter.insert(
                        staged.batch, parameterColumns: staged.parameterColumns, with: session.insert)
                }
            }
            try session.recordEpoch.bind(view, at: 1)
            try session.recordEpoch.bind(storedEpoch, at: 2)
            try session.recordEpoch.bind(committedAt, at: 3)
            try session.recordEpoch.run()
        }
        session.staged.removeAll(keepingCapacity: true)
    }

    /// Releases the statements and the connection. Rows staged since the last commit are
    /// discarded (they were never durable). Closing twice is harmless.
    public func close() throws {
        state = .closed
    }

    /// The last epoch committed to this view, or nil when none was (or the file does not exist).
    ///
    /// Works before `open`, so a restarting runtime can ask where the view stands.
    public func lastCommittedEpoch() throws -> Epoch? {
        if case .open(let session) = state {
            return try SQLiteEpochTable.lastEpoch(of: view, on: session.connection)
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let connection = try SQLiteConnection.open(path: path, access: .readOnly)
        return try SQLiteEpochTable.lastEpoch(of: view, on: connection)
    }

    private func openSession(_ action: String) throws -> Session {
        switch state {
        case .open(let session): return session
        case .idle: throw SluiceError(.invalidArgument, "cannot \(action) SQLite sink '\(name)' before open")
        case .closed: throw SluiceError(.invalidArgument, "cannot \(action) SQLite sink '\(name)' after close")
        }
    }

    private func createParentDirectory() throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard !parent.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw SluiceError(.io, "cannot create directory \(parent) for view '\(view)': \(error)")
        }
    }
}
