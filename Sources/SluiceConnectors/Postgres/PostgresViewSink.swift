public import SluiceCore
import SluicePostgres
import Synchronization

/// A materialized view kept as a PostgreSQL table, written in the transaction of its
/// `PostgresCommitGroup`: the view's rows, its recorded epoch, the operator state and
/// the source positions of an epoch become durable together or not at all.
///
/// - `open` creates the table when absent (bigint, double precision, boolean, text,
///   timestamptz columns; `PRIMARY KEY (key)` in `.upsert(key:)` mode) and checks an
///   existing one: other columns, types or another primary key are a `.schemaMismatch`
///   naming every difference, and nothing is ever written to that table.
/// - `write` encodes rows as COPY text at once (on the sink executor's thread) and
///   `delete` encodes retracted keys; both are kept in arrival order. `prepare(epoch:)`
///   closes the epoch's rows; they stay invisible until the group saves a checkpoint of
///   that epoch or a later one, which applies them in order: upserts through a staging
///   table and `INSERT … ON CONFLICT (key) DO UPDATE` (the last row of a key wins),
///   deletes by key through a staging table, appends by plain COPY.
/// - `commit(epoch:)` (when the runtime runs without the group as checkpoint store)
///   prepares and writes the epoch in a transaction of its own, without a checkpoint.
///
/// Delivery: with the group as the job's checkpoint store, rows of an epoch are durable
/// exactly when its checkpoint is, so a restored job neither loses nor repeats rows, in
/// upsert and append mode alike. Committing alone, upserts are idempotent and appends
/// at-least-once.
///
/// Thread safety: the runtime calls the sink from its sink executor and the group's
/// `save` runs on the job's coordinator; the staged rows are behind a lock.
public final class PostgresViewSink: TransactionalSink, EpochRecordingSink, Sendable {
    public let name: String
    /// The table holding the view, in the group's schema.
    public let view: String
    /// Unique per group: names this view's staging tables.
    let memberIndex: Int
    private let group: PostgresCommitGroup?
    /// The group whose checkpoint transaction commits this view's rows.
    public var commitGroup: PostgresCommitGroup? { group }
    private let staging = Mutex(Staging())

    enum SegmentKind: Sendable { case write, delete }

    struct Segment: Sendable {
        var kind: SegmentKind
        var rows: PostgresCopyWriter
    }

    /// Prepared work of epochs up to some N, in order, for the group to apply.
    struct PreparedWork: Sendable {
        var table: PostgresViewTable
        var segments: [Segment]
        var lastEpoch: Epoch
    }

    private struct Staging {
        var table: PostgresViewTable?
        var closed = false
        var open: [Segment] = []
        var prepared: [(epoch: Epoch, segments: [Segment])] = []
    }

    init(name: String, view: String, memberIndex: Int, group: PostgresCommitGroup) {
        self.name = name
        self.view = view
        self.memberIndex = memberIndex
        self.group = group
    }

    /// Creates the table when absent or checks the existing one (see the type's comment).
    ///
    /// - Throws: `SluiceError` `.invalidArgument` for an unusable name, schema or key,
    ///   `.schemaMismatch` for an existing table that differs; `PostgresError` when the
    ///   database fails.
    public func open(schema: Schema, mode: SinkMode) throws {
        let group = try requireGroup()
        guard staging.withLock({ $0.table == nil && !$0.closed }) else {
            throw SluiceError(.invalidArgument, "PostgreSQL sink '\(name)' is already open or closed")
        }
        let table = try group.openView(self, schema: schema, mode: mode)
        staging.withLock { $0.table = table }
    }

    /// Stages a batch (encoded now) for the next prepared epoch.
    ///
    /// - Throws: `SluiceError` `.schemaMismatch` when the batch lacks a column of the view
    ///   (by name and type), `.invalidArgument` for a null key.
    public func write(_ batch: Batch) throws {
        let table = try openTable("write to")
        guard !batch.isEmpty else { return }
        var columns: [Int] = []
        for field in table.schema.fields {
            guard let index = batch.schema.index(of: field.name), batch.schema[index].type == field.type else {
                throw SluiceError(.schemaMismatch, "view '\(view)' expects \(table.schema) but a batch has \(batch.schema)")
            }
            columns.append(index)
        }
        for field in table.keyFieldIndices {
            if let row = batch.columns[columns[field]].validity?.firstIndex(of: false) {
                throw SluiceError(.invalidArgument, "view '\(view)': key column '\(table.schema[field].name)' is null in row \(row)")
            }
        }
        stage(batch, columns: columns, kind: .write)
    }

    /// Stages a retraction: the rows keyed like `keys`' rows are deleted, in order with
    /// the writes. Append views keep their rows: nothing is staged.
    public func delete(_ keys: Batch) throws {
        let table = try openTable("delete from")
        guard !table.key.isEmpty, !keys.isEmpty else { return }
        var columns: [Int] = []
        for field in table.keyFieldIndices.map({ table.schema[$0] }) {
            guard let index = keys.schema.index(of: field.name), keys.schema[index].type == field.type else {
                throw SluiceError(.schemaMismatch, "view '\(view)' deletes by \(table.key) but a retraction has \(keys.schema)")
            }
            columns.append(index)
        }
        stage(keys, columns: columns, kind: .delete)
    }

    /// The rows staged since the previous prepare become epoch `epoch`'s, still invisible.
    public func prepare(epoch: Epoch) throws {
        _ = try openTable("prepare")
        staging.withLock { staging in
            staging.prepared.append((epoch, staging.open))
            staging.open = []
        }
    }

    /// Prepares `epoch` and writes everything prepared in a transaction of its own (no
    /// checkpoint): for runs that do not use the group as their checkpoint store.
    public func commit(epoch: Epoch) throws {
        try prepare(epoch: epoch)
        try requireGroup().commitAlone(self, epoch: epoch)
    }

    /// Drops everything staged; prepared epochs that were never saved are never visible.
    public func close() throws {
        staging.withLock { staging in
            staging.closed = true
            staging.open = []
            staging.prepared = []
        }
    }

    /// The last epoch saved for this view (`sluice_epochs`), or nil; callable before `open`.
    public func lastCommittedEpoch() throws -> Epoch? {
        try requireGroup().lastEpoch(of: view)
    }

    // MARK: - For the group

    /// Everything prepared for epochs up to `epoch`, in order; nil when nothing is.
    func preparedWork(upTo epoch: Epoch) -> PreparedWork? {
        staging.withLock { staging in
            let due = staging.prepared.filter { $0.epoch <= epoch }
            guard let table = staging.table, let last = due.last?.epoch else { return nil }
            return PreparedWork(table: table, segments: due.flatMap(\.segments), lastEpoch: last)
        }
    }

    /// Forgets what `preparedWork(upTo:)` returned, once it is durable.
    func discardPrepared(upTo epoch: Epoch) {
        staging.withLock { $0.prepared.removeAll { $0.epoch <= epoch } }
    }

    private func stage(_ batch: Batch, columns: [Int], kind: SegmentKind) {
        var rows = PostgresCopyWriter(reservingCapacity: batch.count * 16 * columns.count)
        PostgresBatchEncoder.append(batch, columns: columns, to: &rows)
        staging.withLock { staging in
            if let last = staging.open.indices.last, staging.open[last].kind == kind {
                staging.open[last].rows.append(rowsOf: rows)
            } else {
                staging.open.append(Segment(kind: kind, rows: rows))
            }
        }
    }

    private func openTable(_ action: String) throws -> PostgresViewTable {
        try staging.withLock { staging in
            guard !staging.closed else { throw SluiceError(.invalidArgument, "cannot \(action) PostgreSQL sink '\(name)' after close") }
            guard let table = staging.table else {
                throw SluiceError(.invalidArgument, "cannot \(action) PostgreSQL sink '\(name)' before open")
            }
            return table
        }
    }

    private func requireGroup() throws -> PostgresCommitGroup {
        guard let group else {
            throw SluiceError(.invalidArgument, "PostgreSQL sink '\(name)' outlived its commit group")
        }
        return group
    }
}
