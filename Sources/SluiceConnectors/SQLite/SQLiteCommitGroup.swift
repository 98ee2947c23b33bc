public import SluiceCore
import Foundation
import SluiceLZ4
import Synchronization

/// The embedded store's checkpoint and commit group: the views of one SQLite file that
/// join it commit each epoch's rows, the operator state and the source positions in ONE
/// transaction, so `sluice run` on a laptop restarts exactly, as with PostgreSQL.
///
/// - `save(checkpoint)`: `BEGIN IMMEDIATE`; every member's rows sealed for epochs up to
///   N, in order; each member's epoch in `_sluice_epochs`; the checkpoint's new parts in
///   `_sluice_checkpoint_parts` and the parts no longer named deleted; its manifest in
///   `_sluice_checkpoints`; `COMMIT`. A crash before `COMMIT` leaves none of it, so the
///   stored manifest always names exactly the stored parts. Each save writes only the parts
///   the previous manifest did not name (`CheckpointManifest`): unchanged state is not
///   rewritten.
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
    /// Per pipeline, the ids of its stored parts (nil: read them from the table).
    private let partCache = Mutex<[String: Set<PartID>]>([:])
    /// Cuts checkpoints into parts, reusing each pipeline's last parts.
    private let splitter = CheckpointSplitter()
    private let lastSave = Mutex<SaveReport?>(nil)

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
        let split = splitter.split(checkpoint, pipeline: pipeline)
        let members = lock.withLock { _ in sessions }
        try withConnection { connection in
            let batches = members.map { ($0, $0.prepared(upTo: checkpoint.epoch)) }
            // Read inside the file lock: only this process writes the pipeline (fencing), so
            // the cache is the table's truth until a transaction fails.
            let stored = try storedParts(pipeline: pipeline, on: connection)
            let wanted = split.manifest.ids
            do {
                let written = try connection.inTransaction { () -> Int in
                    if let stored = try storedEpoch(pipeline: pipeline, on: connection), checkpoint.epoch.value <= stored {
                        throw SluiceError(
                            .invalidArgument,
                            "checkpoint \(checkpoint.epoch) of '\(pipeline)' is not after the stored epoch \(stored): "
                                + "another worker has moved on; this one must stop")
                    }
                    for (session, rows) in batches { try session.apply(rows, epoch: checkpoint.epoch) }
                    let partBytes = try writeParts(split, except: stored, pipeline: pipeline, on: connection)
                    let manifest = split.manifest.encoded()
                    let save = try connection.prepare(SQLiteCheckpointTable.saveSQL)
                    try save.bind(pipeline, at: 1)
                    try save.bind(try SQLiteEpochTable.storedValue(of: checkpoint.epoch), at: 2)
                    try save.bind(timeSource.nowMillis(), at: 3)
                    try save.bind(blob: manifest, at: 4)
                    try save.run()
                    return partBytes + manifest.count
                }
                partCache.withLock { $0[pipeline] = wanted }
                lastSave.withLock { $0 = SaveReport(stateBytes: split.plain.count, writtenBytes: written) }
            } catch {
                partCache.withLock { $0[pipeline] = nil }
                throw error
            }
            for (session, _) in batches { session.dropPrepared(upTo: checkpoint.epoch) }
        }
    }

    /// What the last successful `save` held and wrote (tests and benchmarks read it).
    public struct SaveReport: Sendable, Equatable {
        /// The checkpoint's `CheckpointCodec` bytes.
        public var stateBytes: Int
        /// Bytes of new parts and the manifest written to the database (before compression).
        public var writtenBytes: Int
    }

    public var lastSaveReport: SaveReport? { lastSave.withLock { $0 } }

    /// Inserts the parts not yet stored and deletes the stored ones the manifest no longer
    /// names. - Returns: the new parts' byte count.
    private func writeParts(
        _ split: (manifest: CheckpointManifest, plain: [UInt8], ranges: [Range<Int>]), except stored: Set<PartID>,
        pipeline: String, on connection: SQLiteConnection
    ) throws -> Int {
        var written = 0
        var inserted: Set<PartID> = []
        let compressor = try LZ4FrameCompressor()
        let insert = try connection.prepare(SQLiteCheckpointTable.insertPartSQL)
        for (part, range) in zip(split.manifest.parts, split.ranges)
        where !stored.contains(part.id) && inserted.insert(part.id).inserted {
            try insert.bind(pipeline, at: 1)
            try insert.bind(blob: part.id.bytes, at: 2)
            try insert.bind(blob: try CheckpointManifest.storedPart(split.plain[range], compressor: compressor), at: 3)
            try insert.run()
            insert.reset()
            written += range.count
        }
        let delete = try connection.prepare(SQLiteCheckpointTable.deletePartSQL)
        for id in stored.subtracting(split.manifest.ids) {
            try delete.bind(pipeline, at: 1)
            try delete.bind(blob: id.bytes, at: 2)
            try delete.run()
            delete.reset()
        }
        return written
    }

    /// The ids of the pipeline's stored parts: cached after each save, read from the table
    /// after a failed one or on first use.
    private func storedParts(pipeline: String, on connection: SQLiteConnection) throws -> Set<PartID> {
        if let cached = partCache.withLock({ $0[pipeline] }) { return cached }
        let query = try connection.prepare(SQLiteCheckpointTable.partIDsSQL)
        try query.bind(pipeline, at: 1)
        defer { query.reset() }
        var ids: Set<PartID> = []
        while try query.step() {
            if let id = PartID(bytes: query.blob(0)) { ids.insert(id) }
        }
        return ids
    }

    public func latest(pipeline: String) throws -> Checkpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try withConnection { connection -> Checkpoint? in
            let query = try connection.prepare(SQLiteCheckpointTable.latestSQL)
            try query.bind(pipeline, at: 1)
            defer { query.reset() }
            guard try query.step() else { return nil }
            let bytes = query.blob(0)
            guard CheckpointManifest.isManifest(bytes) else { return try StoredCheckpoint.decode(bytes) }
            let part = try connection.prepare(SQLiteCheckpointTable.partSQL)
            return try CheckpointManifest(decoding: bytes).checkpoint { id in
                try part.bind(pipeline, at: 1)
                try part.bind(blob: id.bytes, at: 2)
                defer { part.reset() }
                return try part.step() ? part.blob(0) : nil
            }
        }
    }

    private func storedEpoch(pipeline: String, on connection: SQLiteConnection) throws -> UInt64? {
        let query = try connection.prepare(SQLiteCheckpointTable.epochSQL)
        try query.bind(pipeline, at: 1)
        defer { query.reset() }
        guard try query.step() else { return nil }
        return UInt64(exactly: query.int64(0))
    }
}
