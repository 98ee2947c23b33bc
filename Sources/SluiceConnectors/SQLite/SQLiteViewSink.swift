public import SluiceCore
import Foundation
import Synchronization

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
/// In a commit group (`join(_:)` before `open`), the view shares the group's connection;
/// `prepare(epoch:)` seals the staged rows as that epoch's and the group's `save` writes
/// them in the checkpoint's transaction (`SQLiteCommitGroup`).
///
/// - Important: `@unchecked Sendable` because the connection and statements are not
///   thread-safe; that is sound because only the runtime's sink executor calls a sink, from
///   one thread at a time (the `Sink` contract), and a group member's connection and
///   statements are used only under the group's lock; staged rows are behind a lock.
public final class SQLiteViewSink: Sink, @unchecked Sendable {
    /// The sink's name in its pipeline.
    public let name: String
    /// The database file (created with its parent directories on `open`).
    public let path: String
    /// The table holding the view.
    public let view: String
    private let timeSource: any TimeSource
    private var state: State = .idle
    /// The commit group this view writes through, if any (set before `open`).
    public private(set) var group: SQLiteCommitGroup?

    private enum State {
        case idle
        case open(Session)
        case closed
    }

    /// Writes and deletes in arrival order; a delete binds its key columns only.
    struct StagedRows: Sendable {
        var batch: Batch
        var parameterColumns: [Int]
        var isDelete: Bool
    }

    /// Rows not yet written: those of the open epoch, and (in a group) sealed epochs
    /// waiting for the group's save.
    struct Staging: Sendable {
        var open: [StagedRows] = []
        var prepared: [(epoch: UInt64, rows: [StagedRows])] = []
    }

    /// Everything an open view holds: the connection, its reused statements, staged rows.
    final class Session: @unchecked Sendable {
        // Statements run on the sink's queue (own connection) or under the group's lock.
        let connection: SQLiteConnection
        let view: String
        let table: SQLiteViewTable
        let insert: SQLiteStatement
        /// nil in append mode (nothing to delete by).
        let delete: SQLiteStatement?
        let recordEpoch: SQLiteStatement
        let timeSource: any TimeSource
        let staging = Mutex(Staging())

        init(connection: SQLiteConnection, view: String, table: SQLiteViewTable, timeSource: any TimeSource) throws {
            self.connection = connection
            self.view = view
            self.table = table
            self.timeSource = timeSource
            insert = try connection.prepare(table.insertSQL, persistent: true)
            delete = table.key.isEmpty ? nil : try connection.prepare(table.deleteSQL, persistent: true)
            recordEpoch = try connection.prepare(SQLiteEpochTable.recordSQL, persistent: true)
        }

        /// Applies `rows` and records `epoch`; call inside a transaction.
        func apply(_ rows: [StagedRows], epoch: Epoch) throws {
            for staged in rows {
                if staged.isDelete, let delete {
                    try SQLiteBatchWriter.delete(staged.batch, parameterColumns: staged.parameterColumns, with: delete)
                } else if !staged.isDelete {
                    try SQLiteBatchWriter.insert(staged.batch, parameterColumns: staged.parameterColumns, with: insert)
                }
            }
            try recordEpoch.bind(view, at: 1)
            try recordEpoch.bind(try SQLiteEpochTable.storedValue(of: epoch), at: 2)
            try recordEpoch.bind(timeSource.nowMillis(), at: 3)
            try recordEpoch.run()
        }

        /// The rows of sealed epochs up to `epoch`, in order (left in place).
        func prepared(upTo epoch: Epoch) -> [StagedRows] {
            staging.withLock { $0.prepared.filter { $0.epoch <= epoch.value }.flatMap(\.rows) }
        }

        /// Forgets sealed epochs up to `epoch` once they are durable.
        func dropPrepared(upTo epoch: Epoch) {
            staging.withLock { $0.prepared.removeAll { $0.epoch <= epoch.value } }
        }
    }

    /// Makes this view a member of `group`: its rows then commit in the group's
    /// checkpoint transaction. Call before `open`.
    public func join(_ group: SQLiteCommitGroup) throws {
        guard case .idle = state, self.group == nil else {
            throw SluiceError(.invalidArgument, "SQLite sink '\(name)' joins a commit group before open, and only one")
        }
        guard group.path == path else {
            throw SluiceError(.invalidArgument, "SQLite sink '\(name)' writes \(path), not the group's \(group.path)")
        }
        self.group = group
        group.admit(self)
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
        if let group {
            let session = try group.withConnection { connection in
                try self.prepareTable(table, on: connection)
                return try Session(connection: connection, view: view, table: table, timeSource: timeSource)
            }
            group.register(session)
            state = .open(session)
            return
        }
        try createParentDirectory()
        let connection = try SQLiteConnection.open(path: path, access: .readWriteCreate)
        try prepareTable(table, on: connection)
        state = .open(try Session(connection: connection, view: view, table: table, timeSource: timeSource))
    }

    /// Creates the epoch table and the view's table, or checks the existing one.
    private func prepareTable(_ table: SQLiteViewTable, on connection: SQLiteConnection) throws {
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
        session.staging.withLock { $0.open.append(StagedRows(batch: batch, parameterColumns: parameterColumns, isDelete: false)) }
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
        session.staging.withLock { $0.open.append(StagedRows(batch: keys, parameterColumns: parameterColumns, isDelete: true)) }
    }

    /// Writes every staged row and records `epoch` for this view, in one transaction.
    ///
    /// On failure the transaction rolls back and the staged rows are kept, so a retry
    /// writes them again.
    public func commit(epoch: Epoch) throws {
        let session = try openSession("commit")
        guard group == nil else {
            throw SluiceError(.invalidArgument, "SQLite sink '\(name)' is in a commit group: its rows commit with the checkpoint")
        }
        let rows = session.staging.withLock { $0.open }
        try session.connection.inTransaction { try session.apply(rows, epoch: epoch) }
        session.staging.withLock { $0.open.removeFirst(rows.count) }
        try session.connection.truncateWriteAheadLogIfLarge()
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

    func openSession(_ action: String) throws -> Session {
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
