import SluiceCore

/// `_sluice_epochs`: the last epoch each view committed, written in the same transaction
/// as the view's rows, so the view and its epoch can never disagree after a crash.
enum SQLiteEpochTable {
    static let name = "_sluice_epochs"

    static let createSQL =
        "CREATE TABLE IF NOT EXISTS \(name) (view TEXT PRIMARY KEY, epoch INTEGER, committed_at INTEGER)"

    /// Parameters: 1 view, 2 epoch, 3 committed_at (epoch milliseconds).
    static let recordSQL = """
        INSERT INTO \(name) (view, epoch, committed_at) VALUES (?1, ?2, ?3)
        ON CONFLICT (view) DO UPDATE SET epoch = excluded.epoch, committed_at = excluded.committed_at
        """

    /// The epoch SQLite stores for `epoch` (an INTEGER is signed 64-bit).
    static func storedValue(of epoch: Epoch) throws -> Int64 {
        guard let value = Int64(exactly: epoch.value) else {
            throw SluiceError(.invalidArgument, "\(epoch) does not fit SQLite's 64-bit INTEGER")
        }
        return value
    }

    /// The last epoch committed for `view`, or nil when it never committed.
    static func lastEpoch(of view: String, on connection: SQLiteConnection) throws -> Epoch? {
        guard try SQLiteCatalog.objectType(named: name, on: connection) == "table" else { return nil }
        let statement = try connection.prepare("SELECT epoch FROM \(name) WHERE view = ?1")
        try statement.bind(view, at: 1)
        defer { statement.reset() }
        guard try statement.step(), statement.storageClass(0) == .integer else { return nil }
        let stored = statement.int64(0)
        guard let value = UInt64(exactly: stored) else {
            throw SluiceError(.corruptSnapshot, "\(name) holds a negative epoch (\(stored)) for view '\(view)'")
        }
        return Epoch(value)
    }
}
