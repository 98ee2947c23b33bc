public import SluiceCore
import Foundation
import Synchronization

/// The embedded store's checkpoint and commit group: the views of one SQLite file that
/// join it commit each epoch's rows, the operator state and the source positions in ONE
/// transaction, so `sluice run` on a laptop restarts exactly, as with PostgreSQL.
///
/// - `save(checkpoint)`: `BEGIN IMMEDIATE`; every member's rows sealed for epochs up to
///   N, in order; each member's epoch in `_sluice_epochs`; the checkpoint in
///   `_sluice_checkpoints`; `COMMIT`. A crash before `COMMIT` leaves none of it.
/// - Fencing: a checkpoint at or below the stored epoch of its pipeline is refused inside
///   the transaction (a stale worker cannot go backwards).
/// - One connection per file per process (`SQLiteSharedFile`), used by one group at a
///   time (members open their tables through it); other processes wait on SQLite's busy
///   timeout.
public final class SQLiteCommitGroup: CommitGroup, @unchecked Sendable {
    // `joined` and `sessions` are touched only inside `lock`; the connection and the
    // statements only inside the shared file's lock.
    public let path: String
    private let timeSource: any TimeSource
    private let lock = Mutex(())
    private let file: SQLiteSharedFile
    private var joined: Set<ObjectIdentifier> = []
    private var sessions: [SQLiteViewSink.Session] = []

    public init(path: String, timeSource: any TimeSource = SystemTimeSource()) {
        self.path = path
        self.timeSource = timeSource
        file = SQLiteSharedFile.forPath(path)
    }

    public func contains(_ sink: any Sink) -> Bool {
        lock.withLock { _ in joined.contains(ObjectIdentifier(sink)) }
    }

    func admit(_ sink: SQLiteViewSink) { lock.withLock { _ in _ = joined.insert(ObjectIdentifier(sink)) } }

    func register(_ session: SQLiteViewSink.Session) { lock.withLock { _ in sessions.append(session) } }

    /// Runs `body` alone on the file's shared connection.
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try file.withConnection(body)
    }

    public func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        let bytes = try StoredCheckpoint.encode(checkpoint)
        let members = lock.withLock { _ in sessions }
        try withConnection { connection in
            let batches = members.map { ($0, $0.prepared(upTo: checkpoint.epoch)) }
            try connection.inTransaction {
                if let stored = try storedEpoch(pipeline: pipeline, on: connection), checkpoint.epoch.value <= stored {
                    throw SluiceError(
                        .invalidArgument,
                        "checkpoint \(checkpoint.epoch) of '\(pipeline)' is not after the stored epoch \(stored): "
                            + "another worker has moved on; this one must stop")
                }
                for (session, rows) in batches { try session.apply(rows, epoch: checkpoint.epoch) }
                let save = try connection.prepare(SQLiteCheckpointTable.saveSQL)
                try save.bind(pipeline, at: 1)
                try save.bind(try SQLiteEpochTable.storedValue(of: checkpoint.epoch), at: 2)
                try save.bind(timeSource.nowMillis(), at: 3)
                try save.bind(blob: bytes, at: 4)
                try save.run()
            }
            for (session, _) in batches { session.dropPrepared(upTo: checkpoint.epoch) }
        }
    }

    public func latest(pipeline: String) throws -> Checkpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try withConnection { connection -> [UInt8]? in
            let query = try connection.prepare(SQLiteCheckpointTable.latestSQL)
            try query.bind(pipeline, at: 1)
            defer { query.reset() }
            return try query.step() ? query.blob(0) : nil
        }
        return try bytes.map(StoredCheckpoint.decode)
    }

    private func storedEpoch(pipeline: String, on connection: SQLiteConnection) throws -> UInt64? {
        let query = try connection.prepare(SQLiteCheckpointTable.epochSQL)
        try query.bind(pipeline, at: 1)
        defer { query.reset() }
        guard try query.step() else { return nil }
        return UInt64(exactly: query.int64(0))
    }
}
