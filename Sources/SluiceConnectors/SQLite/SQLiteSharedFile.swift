import Foundation
import Synchronization

/// One writing connection per database file per process, shared by every commit group
/// on that file, with one lock: the pipelines of a `sluice run` take turns instead of
/// racing for SQLite's file lock.
///
/// Separate connections per pipeline failed twice on a loaded machine: writers queued on
/// the busy timeout ("database is locked"), and since some connection was always inside
/// a transaction, passive checkpoints never restarted the write-ahead log (33 GB in ten
/// minutes). One connection has no competing reader, so SQLite's own checkpoints keep
/// the log small.
final class SQLiteSharedFile: @unchecked Sendable {
    // `connection` is only touched inside `lock`.
    let path: String
    private let lock = Mutex(())
    private var connection: SQLiteConnection?

    private init(path: String) { self.path = path }

    private static let open = Mutex<[String: SQLiteSharedFile]>([:])

    /// The shared file for `path` (made on first use; kept for the process's life).
    static func forPath(_ path: String) -> SQLiteSharedFile {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        return open.withLock { files in
            if let file = files[key] { return file }
            let file = SQLiteSharedFile(path: path)
            files[key] = file
            return file
        }
    }

    /// Runs `body` alone on the file's connection, opening it (and the file) on first use.
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try lock.withLock { _ in try body(try opened()) }
    }

    private func opened() throws -> SQLiteConnection {
        if let connection { return connection }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !parent.isEmpty { try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
        let made = try SQLiteConnection.open(path: path, access: .readWriteCreate)
        try made.execute(SQLiteCheckpointTable.createSQL)
        try made.execute(SQLiteCheckpointTable.createPartsSQL)
        try made.execute(SQLiteEpochTable.createSQL)
        connection = made
        return made
    }
}
