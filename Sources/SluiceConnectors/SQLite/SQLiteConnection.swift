import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// One open SQLite database. Owns the `sqlite3*` handle and closes it in `deinit`.
///
/// Not thread-safe by design: it is opened with `SQLITE_OPEN_NOMUTEX` and used by one owner
/// from one thread at a time (the sink executor, or a CLI command).
final class SQLiteConnection {
    enum Access {
        /// Reading an existing database (the `sluice views` command).
        case readOnly
        /// Writing, creating the file if absent; switches the database to WAL mode.
        case readWriteCreate
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    ///
    /// Every pipeline of a `sluice run` commits its epochs into the same file, one writer at
    /// a time; on a loaded 2-core machine eight pipelines queued behind each other for more
    /// than 5 s and three of them failed with "database is locked" after ~100 s. Waiting is
    /// the right answer (the commit comes), so the wait is long; a lock held for a minute
    /// means something else holds the file, which is worth an error.
    static let busyTimeoutMillis: Int32 = 60_000

    let path: String
    /// Valid for the whole life of this object; only the wrapper layer touches it.
    let handle: OpaquePointer

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit {
        // close_v2 defers the close if a statement somehow outlives us instead of leaking it.
        sqlite3_close_v2(handle)
    }

    /// Opens (or creates) the database at `path` and configures it.
    ///
    /// Writable connections use WAL (readers such as the `sqlite3` tool never block the
    /// sink) with `synchronous=NORMAL`: a commit is durable against process crashes and,
    /// after the next checkpoint, against power loss, at a fraction of FULL's fsyncs.
    static func open(path: String, access: Access) throws -> SQLiteConnection {
        var raw: OpaquePointer?
        let mode = access == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let code = sqlite3_open_v2(path, &raw, mode | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let raw else {
            let error = SQLiteError.failure(code, "open \(path)", on: raw)
            // A failed open usually still allocates a handle that must be released.
            sqlite3_close_v2(raw)
            throw error
        }
        // From here the connection owns the handle: a failure below releases it in deinit.
        let connection = SQLiteConnection(handle: raw, path: path)
        try SQLiteError.check(
            sqlite3_busy_timeout(raw, busyTimeoutMillis), "set busy timeout on \(path)", on: raw)
        if access == .readWriteCreate {
            let journal = try connection.prepare("PRAGMA journal_mode=WAL").singleText()
            guard journal?.lowercased() == "wal" else {
                throw SQLiteError(
                    operation: "switch \(path) to WAL", code: SQLITE_ERROR,
                    message: "journal mode stayed '\(journal ?? "unknown")'")
            }
            try connection.execute("PRAGMA synchronous=NORMAL")
            // View upserts land on random keys of a table far larger than SQLite's
            // default 2 MiB page cache: without a bigger cache every upsert re-reads its
            // pages from the file (measured: the sink then dominates a pipeline's CPU).
            try connection.execute("PRAGMA cache_size=-\(cacheKibibytes)")
        }
        return connection
    }

    /// Page cache per read-write connection, in KiB.
    static let cacheKibibytes = 64 * 1024

    /// The write-ahead log may grow to this before a committer truncates it.
    static let walLimitBytes: Int64 = 64 << 20

    /// Moves the write-ahead log into the database and truncates it once it has grown past
    /// `walLimitBytes`. Call after a commit, outside a transaction.
    ///
    /// SQLite's automatic checkpoints are passive: with several connections committing
    /// without pause (every pipeline of a `sluice run` writes the same file) the log never
    /// gets a moment without readers and is never restarted — a 10-minute run left a 33 GB
    /// `views.db-wal`. A TRUNCATE checkpoint waits (busy timeout) for the others and resets it.
    func truncateWriteAheadLogIfLarge(limit: Int64 = walLimitBytes) throws {
        var info = stat()
        guard stat(path + "-wal", &info) == 0, Int64(info.st_size) > limit else { return }
        _ = try prepare("PRAGMA wal_checkpoint(TRUNCATE)").singleText()
    }

    /// Runs SQL without results (DDL, pragmas, transaction control).
    func execute(_ sql: String) throws {
        try SQLiteError.check(sqlite3_exec(handle, sql, nil, nil, nil), "execute \(sql)", on: handle)
    }

    /// Compiles one statement; `persistent` hints that it will be reused many times.
    func prepare(_ sql: String, persistent: Bool = false) throws -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql, persistent: persistent)
    }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back if anything throws.
    ///
    /// IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout
    /// instead of failing halfway through when a read lock cannot be upgraded.
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // A failed COMMIT leaves the transaction open; roll back so the connection stays usable.
            if sqlite3_get_autocommit(handle) == 0 { sqlite3_exec(handle, "ROLLBACK", nil, nil, nil) }
            throw error
        }
    }
}
