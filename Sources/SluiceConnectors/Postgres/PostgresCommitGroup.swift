public import SluiceCore
public import SluicePostgres
import Foundation
import SluiceLZ4
import Synchronization

/// PostgreSQL views and checkpoints in one transaction per epoch: a `CheckpointStore`
/// that is also the `CommitGroup` of its `PostgresViewSink`s.
///
/// `save(checkpoint N)` runs ONE transaction on the group's connection:
/// 1. fencing: lock the pipeline's claim (`sluice_owners`) and refuse the save when another
///    worker claimed the pipeline after this one (`claim`), whatever the epochs; then lock
///    its row of `sluice_checkpoints` (`SELECT … FOR UPDATE`) and refuse an epoch at or
///    below the stored one;
/// 2. apply every member's rows prepared for epochs ≤ N, in arrival order, and record
///    each view's last epoch in `sluice_epochs`;
/// 3. write the checkpoint's parts the previous manifest did not name into
///    `sluice_checkpoint_parts`, delete those the new one no longer names, and write the
///    checkpoint row (epoch, owner, saved_at, its `CheckpointManifest`): unchanged state
///    is not rewritten; rows of older versions (whole `StoredCheckpoint` bytes) still load.
/// Either all of it commits or none of it does; a refused or failed save leaves the
/// members' prepared rows staged.
///
/// Connection failures: a retryable error (the connection broke, the server restarted,
/// a serialization failure) drops the connection and `save` tries again, up to
/// `maxSaveAttempts` (a daemon passes `.max`: a database restart must not stop a run), as
/// the `CircuitBreaker` allows: backoff between attempts, and once it opens, a wait for its
/// cool-down (calls that do not wait, like `latest`, fail fast meanwhile). The start and
/// the end of an outage are reported once each through `report`. When a COMMIT's reply was lost, the
/// retry finds checkpoint N already stored under this owner and counts it as saved.
/// `breakerState` reports the breaker for job status and readiness.
///
/// Tables, in `namespace`: `sluice_checkpoints (pipeline PK, epoch, owner, saved_at,
/// bytes)`, `sluice_checkpoint_parts (pipeline, id, bytes; PK pipeline, id)`, `sluice_owners
/// (pipeline PK, owner, claimed_at)` and `sluice_epochs (view PK, epoch, committed_at)`,
/// created when absent.
///
/// - Important: one connection, used only while holding `session`'s lock, so the group is
///   `Sendable` although `PostgresConnection` is not: calls from the sink executors and
///   the job's coordinator take turns. The breaker and the outage have a lock of their own (`breakerLock`),
///   held only for a read or an update: readiness never waits behind a statement or a
///   connection attempt.
public final class PostgresCommitGroup: CommitGroup, Sendable {
    public let configuration: PostgresConfiguration
    /// The database schema holding the views and Sluice's tables.
    public let namespace: String
    /// This worker's token: stored with each checkpoint it saves.
    public let owner: String
    /// Attempts per `save` on retryable errors (at least 1).
    public let maxSaveAttempts: Int
    private let timeSource: any TimeSource
    private let report: (@Sendable (String) -> Void)?
    private let session = Mutex<PostgresConnection?>(nil)
    private let breakerLock: Mutex<BreakerRecord>
    /// Held weakly: a view owns its group (a job keeps its sinks, and so the group, alive);
    /// the group only needs the views that still exist.
    private let members = Mutex<[WeakMember]>([])
    /// Per pipeline, the ids of its stored checkpoint parts (nil: read them in the next save).
    private let partCache = Mutex<[String: Set<PartID>]>([:])
    /// Cuts checkpoints into parts, reusing each pipeline's last parts.
    private let splitter = CheckpointSplitter()

    private struct WeakMember: @unchecked Sendable {
        // A weak reference to a Sendable class; read under the members lock.
        weak var sink: PostgresViewSink?
    }

    private struct BreakerRecord {
        var breaker: CircuitBreaker
        /// Why the database is unreachable, while it is.
        var outage: String?
    }

    /// - Parameters:
    ///   - configuration: where the database is (no connection is made until needed).
    ///   - namespace: the database schema for views and Sluice's tables (created when absent).
    ///   - owner: this worker's fencing token; a random one by default.
    ///   - breaker: backoff and circuit breaker for reconnecting.
    ///   - maxSaveAttempts: attempts per `save` on retryable errors.
    ///   - timeSource: the clock the breaker reads.
    ///   - report: told, in a sentence without secrets or row data, when the database becomes
    ///     unreachable and when it is reachable again.
    public init(
        configuration: PostgresConfiguration, namespace: String = "public",
        owner: String = "worker-" + String(UInt64.random(in: 0 ... .max), radix: 16),
        breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(), maxSaveAttempts: Int = 5,
        timeSource: any TimeSource = SystemTimeSource(), report: (@Sendable (String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.namespace = namespace
        self.owner = owner
        self.maxSaveAttempts = max(1, maxSaveAttempts)
        self.timeSource = timeSource
        self.report = report
        breakerLock = Mutex(BreakerRecord(breaker: CircuitBreaker(breaker)))
    }

    /// A view sink that commits through this group.
    public func viewSink(name: String, view: String) -> PostgresViewSink {
        members.withLock { members in
            let sink = PostgresViewSink(name: name, view: view, memberIndex: members.count, group: self)
            members.append(WeakMember(sink: sink))
            return sink
        }
    }

    public func contains(_ sink: any Sink) -> Bool {
        members.withLock { members in members.contains { $0.sink === sink } }
    }

    /// The circuit breaker's state (closed, open until, probing).
    public var breakerState: CircuitBreaker.State { breakerLock.withLock { $0.breaker.state } }

    /// Why the database is unreachable (the last connection error), or nil while it answers.
    public var outage: String? { breakerLock.withLock { $0.outage } }

    // MARK: - CheckpointStore

    public func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        let sinks = members.withLock { $0.compactMap(\.sink) }
        let split = splitter.split(checkpoint, pipeline: pipeline)
        let manifest = split.manifest.encoded()
        let epoch = try storedEpoch(checkpoint.epoch)
        var attempt = 1
        while true {
            do {
                try withConnection(waitForBackoff: true) { connection in
                    try connection.transaction { tx in
                        if try fence(pipeline: pipeline, epoch: checkpoint.epoch, retry: attempt > 1, on: tx) {
                            return  // saved by the attempt whose reply was lost
                        }
                        for sink in sinks {
                            guard let work = sink.preparedWork(upTo: checkpoint.epoch) else { continue }
                            try apply(work, on: tx)
                        }
                        try writeParts(split, pipeline: pipeline, on: tx)
                        try tx.execute(
                            """
                            INSERT INTO \(checkpointsTable) (pipeline, epoch, owner, saved_at, bytes)
                            VALUES ($1, $2, $3, now(), $4)
                            ON CONFLICT (pipeline) DO UPDATE SET epoch = EXCLUDED.epoch, owner = EXCLUDED.owner,
                                saved_at = EXCLUDED.saved_at, bytes = EXCLUDED.bytes
                            """,
                            parameters: [.text(pipeline), .int(epoch), .text(owner), .bytes(manifest)])
                    }
                }
                partCache.withLock { $0[pipeline] = split.manifest.ids }
                for sink in sinks { sink.discardPrepared(upTo: checkpoint.epoch) }
                return
            } catch let error as PostgresError where error.isRetryable && attempt < maxSaveAttempts {
                partCache.withLock { $0[pipeline] = nil }
                attempt += 1
            } catch {
                partCache.withLock { $0[pipeline] = nil }
                throw error
            }
        }
    }

    /// Records this worker as the pipeline's owner. The upsert waits for a save holding the
    /// claim's row lock, so once it returns no earlier owner's save can commit.
    public func claim(pipeline: String) throws {
        _ = try withConnection(waitForBackoff: true) { connection in
            try connection.execute(
                """
                INSERT INTO \(ownersTable) (pipeline, owner, claimed_at) VALUES ($1, $2, now())
                ON CONFLICT (pipeline) DO UPDATE SET owner = EXCLUDED.owner, claimed_at = EXCLUDED.claimed_at
                """,
                parameters: [.text(pipeline), .text(owner)])
        }
    }

    public func latest(pipeline: String) throws -> Checkpoint? {
        try withConnection(waitForBackoff: false) { connection -> Checkpoint? in
            let rows = try connection.execute(
                "SELECT bytes FROM \(checkpointsTable) WHERE pipeline = $1", parameters: [.text(pipeline)])
            guard let text = rows.rows.first?.first ?? nil else { return nil }
            guard let bytes = PostgresText.bytea(text) else {
                throw SluiceError(.corruptSnapshot, "checkpoint of '\(pipeline)' in \(namespace).sluice_checkpoints is not bytea hex")
            }
            guard CheckpointManifest.isManifest(bytes) else { return try StoredCheckpoint.decode(bytes) }
            return try CheckpointManifest(decoding: bytes).checkpoint { id in
                let part = try connection.execute(
                    "SELECT bytes FROM \(partsTable) WHERE pipeline = $1 AND id = $2", parameters: [.text(pipeline), .bytes(id.bytes)])
                return (part.rows.first?.first ?? nil).flatMap(PostgresText.bytea)
            }
        }
    }

    /// The owner token stored with the pipeline's latest checkpoint, or nil.
    public func latestOwner(pipeline: String) throws -> String? {
        try withConnection(waitForBackoff: false) { connection in
            try connection.execute("SELECT owner FROM \(checkpointsTable) WHERE pipeline = $1", parameters: [.text(pipeline)])
        }.rows.first?.first ?? nil
    }

    // MARK: - For the sinks

    /// Creates the view's table, or checks the existing one; returns its SQL shape.
    func openView(_ sink: PostgresViewSink, schema: Schema, mode: SinkMode) throws -> PostgresViewTable {
        try withConnection(waitForBackoff: true) { connection in
            let table = try PostgresViewTable(
                view: sink.view, schema: schema, mode: mode, namespace: namespace, stageSuffix: sink.memberIndex,
                quote: connection.quoteIdentifier)
            try connection.transaction { tx in
                let existing = try tx.execute(PostgresViewTable.catalogSQL, parameters: [.text(namespace), .text(sink.view)])
                    .rows
                guard let first = existing.first else {
                    try tx.execute(table.createSQL)
                    return
                }
                guard first[0] == "r" || first[0] == "p" else {
                    throw SluiceError(.schemaMismatch, "'\(namespace).\(sink.view)' exists and is not a table")
                }
                let columns = existing.compactMap { row -> PostgresViewTable.ExistingColumn? in
                    guard let name = row[1], let type = row[2] else { return nil }
                    return .init(name: name, type: type, inPrimaryKey: row[3] == "t")
                }
                let differences = table.differences(from: columns)
                guard differences.isEmpty else {
                    throw SluiceError(
                        .schemaMismatch,
                        "view '\(namespace).\(sink.view)' exists with a different schema: "
                            + differences.joined(separator: "; ")
                            + ". Sluice does not migrate views: drop the table or write to a new view.")
                }
            }
            return table
        }
    }

    /// Writes one sink's prepared epochs up to `epoch` in a transaction without a checkpoint.
    func commitAlone(_ sink: PostgresViewSink, epoch: Epoch) throws {
        guard let work = sink.preparedWork(upTo: epoch) else { return }
        try withConnection(waitForBackoff: true) { connection in
            try connection.transaction { tx in try apply(work, on: tx) }
        }
        sink.discardPrepared(upTo: epoch)
    }

    func lastEpoch(of view: String) throws -> Epoch? {
        let rows = try withConnection(waitForBackoff: false) { connection in
            try connection.execute("SELECT epoch FROM \(epochsTable) WHERE view = $1", parameters: [.text(view)])
        }
        guard let text = rows.rows.first?.first ?? nil else { return nil }
        guard let value = UInt64(text) else {
            throw SluiceError(.corruptSnapshot, "\(namespace).sluice_epochs holds epoch '\(text)' for view '\(view)'")
        }
        return Epoch(value)
    }

    // MARK: - Inside the transaction

    private var checkpointsTable: String { PostgresText.qualified(namespace, "sluice_checkpoints") }
    private var epochsTable: String { PostgresText.qualified(namespace, "sluice_epochs") }
    private var ownersTable: String { PostgresText.qualified(namespace, "sluice_owners") }
    private var partsTable: String { PostgresText.qualified(namespace, "sluice_checkpoint_parts") }

    /// Inserts the checkpoint's parts not yet stored and deletes the stored ones its
    /// manifest no longer names (after `fence` locked the pipeline's row, so the ids read
    /// here are the table's until this transaction ends).
    private func writeParts(
        _ split: (manifest: CheckpointManifest, plain: [UInt8], ranges: [Range<Int>]), pipeline: String,
        on tx: PostgresConnection
    ) throws {
        let stored: Set<PartID>
        if let cached = partCache.withLock({ $0[pipeline] }) {
            stored = cached
        } else {
            let rows = try tx.execute("SELECT id FROM \(partsTable) WHERE pipeline = $1", parameters: [.text(pipeline)]).rows
            stored = Set(rows.compactMap { ($0.first ?? nil).flatMap(PostgresText.bytea).flatMap(PartID.init(bytes:)) })
        }
        var inserted: Set<PartID> = []
        let compressor = try LZ4FrameCompressor()
        for (part, range) in zip(split.manifest.parts, split.ranges)
        where !stored.contains(part.id) && inserted.insert(part.id).inserted {
            try tx.execute(
                "INSERT INTO \(partsTable) (pipeline, id, bytes) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                parameters: [
                    .text(pipeline), .bytes(part.id.bytes),
                    .bytes(try CheckpointManifest.storedPart(split.plain[range], compressor: compressor)),
                ])
        }
        for id in stored.subtracting(split.manifest.ids) {
            try tx.execute(
                "DELETE FROM \(partsTable) WHERE pipeline = $1 AND id = $2", parameters: [.text(pipeline), .bytes(id.bytes)])
        }
    }

    /// Locks the pipeline's checkpoint row and checks that `epoch` may be saved.
    /// - Returns: true when this very checkpoint is already stored by this owner (a retry
    ///   after a lost COMMIT reply), so nothing is to be written.
    private func fence(pipeline: String, epoch: Epoch, retry: Bool, on tx: PostgresConnection) throws -> Bool {
        // A pipeline never claimed (a store used without `claim`) is fenced by epochs alone.
        let claimedBy = try tx.execute(
            "SELECT owner FROM \(ownersTable) WHERE pipeline = $1 FOR UPDATE", parameters: [.text(pipeline)]
        ).rows.first?.first ?? nil
        if let claimedBy, claimedBy != owner {
            throw SluiceError(
                .fenced,
                "fenced: pipeline '\(pipeline)' was taken over by worker '\(claimedBy)'; this worker ('\(owner)') "
                    + "must stop (its \(epoch) is not saved; the new owner resumes from the latest checkpoint)")
        }
        let stored = try tx.execute(
            "SELECT epoch, owner FROM \(checkpointsTable) WHERE pipeline = $1 FOR UPDATE", parameters: [.text(pipeline)]
        ).rows.first
        guard let stored, let epochText = stored[0], let storedEpoch = UInt64(epochText) else { return false }
        let storedOwner = stored[1] ?? ""
        if retry, storedEpoch == epoch.value, storedOwner == owner { return true }
        guard storedEpoch < epoch.value else {
            if storedOwner != owner {
                throw SluiceError(
                    .fenced,
                    "fenced: pipeline '\(pipeline)' has checkpoint epoch \(storedEpoch) saved by owner '\(storedOwner)'; "
                        + "this worker ('\(owner)') is stale at \(epoch) and must stop (restore from the latest checkpoint)")
            }
            throw SluiceError(
                .sinkFailed,
                "refused: \(epoch) of pipeline '\(pipeline)' is not after the stored checkpoint epoch \(storedEpoch)")
        }
        return false
    }

    private func apply(_ work: PostgresViewSink.PreparedWork, on tx: PostgresConnection) throws {
        let table = work.table
        for segment in work.segments where !segment.rows.isEmpty {
            switch segment.kind {
            case .write where table.key.isEmpty:
                try tx.copyIn(table.copySQL, data: segment.rows.bytes)
            case .write:
                try tx.execute(table.createStageSQL)
                try tx.copyIn(table.copyStageSQL, data: segment.rows.bytes)
                try tx.execute(table.upsertFromStageSQL)
                try tx.execute(table.truncateStageSQL)
            case .delete:
                try tx.execute(table.createDeleteStageSQL)
                try tx.copyIn(table.copyDeleteStageSQL, data: segment.rows.bytes)
                try tx.execute(table.deleteFromStageSQL)
                try tx.execute(table.truncateDeleteStageSQL)
            }
        }
        try tx.execute(
            """
            INSERT INTO \(epochsTable) (view, epoch, committed_at) VALUES ($1, $2, now())
            ON CONFLICT (view) DO UPDATE SET epoch = EXCLUDED.epoch, committed_at = EXCLUDED.committed_at
            """,
            parameters: [.text(table.view), .int(try storedEpoch(work.lastEpoch))])
    }

    private func storedEpoch(_ epoch: Epoch) throws -> Int64 {
        guard let value = Int64(exactly: epoch.value) else {
            throw SluiceError(.invalidArgument, "\(epoch) does not fit PostgreSQL's bigint")
        }
        return value
    }

    // MARK: - The connection

    /// Runs `body` on the group's connection, connecting first when there is none, as the
    /// breaker allows. A retryable failure drops the connection and counts against the
    /// breaker; success closes it.
    ///
    /// - Parameter waitForBackoff: sleep through a backoff delay instead of failing.
    private func withConnection<R>(waitForBackoff: Bool, _ body: (PostgresConnection) throws -> R) throws -> R {
        while true {
            // Decided under the lock, waited out without it: a caller that must not wait
            // (`waitForBackoff: false`) fails at once instead of queueing behind a sleeper.
            let delay = try session.withLock { connection -> Int64? in
                if connection?.isConnected == true { return nil }
                connection = nil
                let now = timeSource.nowMillis()
                let attempt = breakerLock.withLock { $0.breaker.attempt(nowMillis: now) }
                switch attempt {
                case .proceed:
                    connection = try connect()
                    return nil
                case .wait(let until) where waitForBackoff, .reject(let until) where waitForBackoff:
                    return max(1, until - now)
                case .wait(let until), .reject(let until):
                    throw SluiceError(
                        .sinkFailed,
                        "PostgreSQL is unavailable (circuit breaker \(breakerState)); next attempt in \(until - now) ms")
                }
            }
            guard let delay else { break }
            Thread.sleep(forTimeInterval: Double(delay) / 1000)
        }
        return try session.withLock { connection -> R in
            // Another caller may have lost the connection since; connecting again counts as
            // an attempt, like any other.
            if connection?.isConnected != true { connection = try connect() }
            guard let live = connection else { preconditionFailure("connected above") }
            do {
                let result = try body(live)
                let recovered = breakerLock.withLock { record -> Bool in
                    record.breaker.recordSuccess()
                    defer { record.outage = nil }
                    return record.outage != nil
                }
                if recovered { report?("PostgreSQL \(configuration.redactedTarget) answers again") }
                return result
            } catch let error as PostgresError where error.isRetryable {
                connection = nil
                recordFailure(error)
                throw error
            }
        }
    }

    /// Connects and creates Sluice's tables. Called holding the session lock.
    private func connect() throws -> PostgresConnection {
        do {
            let connection = try PostgresConnection.connect(configuration)
            try ensureTables(on: connection)
            return connection
        } catch let error as PostgresError {
            if error.isRetryable { recordFailure(error) }
            throw error
        }
    }

    private func recordFailure(_ error: PostgresError) {
        let began = breakerLock.withLock { record -> Bool in
            record.breaker.recordFailure(nowMillis: timeSource.nowMillis())
            guard record.outage == nil else { return false }
            record.outage = error.description
            return true
        }
        if began { report?("PostgreSQL \(configuration.redactedTarget) is unreachable (\(error)); retrying with backoff, commits wait") }
    }

    private func ensureTables(on connection: PostgresConnection) throws {
        let schema = try connection.quoteIdentifier(namespace)
        try connection.execute("CREATE SCHEMA IF NOT EXISTS \(schema)")
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(checkpointsTable) (pipeline text PRIMARY KEY, epoch bigint NOT NULL,
                owner text NOT NULL, saved_at timestamptz NOT NULL, bytes bytea NOT NULL)
            """)
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS \(ownersTable) (pipeline text PRIMARY KEY, owner text NOT NULL, claimed_at timestamptz NOT NULL)"
        )
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(epochsTable) (view text PRIMARY KEY, epoch bigint NOT NULL,
                committed_at timestamptz NOT NULL)
            """)
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS \(partsTable) (pipeline text NOT NULL, id bytea NOT NULL, bytes bytea NOT NULL,
                PRIMARY KEY (pipeline, id))
            """)
    }
}

extension PostgresText {
    /// `"schema"."name"`, each part quoted by doubling embedded quotes (for names the
    /// group builds without a connection at hand).
    static func qualified(_ schema: String, _ name: String) -> String {
        func quote(_ part: String) -> String {
            "\"" + part.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
        }
        return quote(schema) + "." + quote(name)
    }
}
