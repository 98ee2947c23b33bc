public import SluiceCore
import Synchronization

/// A sink that keeps everything in memory: the test double for views, alerts and archives.
///
/// Rows written since the last commit are `uncommitted`; `commit(epoch:)` files them under
/// that epoch. In `.upsert(key:)` mode `upsertedRows` is what a view would hold: the latest
/// committed row per key, less the keys deleted after it (writes and deletes applied in
/// arrival order, the `Sink` law). In append mode deletes are ignored. Every accessor may
/// be called from any thread while the runtime writes (the state sits behind a `Mutex`).
public final class MemorySink: Sink {
    /// One committed epoch and the rows written in it, in write order.
    public struct CommittedEpoch: Sendable, Equatable {
        public var epoch: Epoch
        public var rows: [[String: Value]]
        /// The retraction rows `delete` received in the epoch (upsert mode only).
        public var retractions: [[String: Value]] = []
    }

    /// One staged change: a written row, or a row whose key is to be deleted.
    private enum Change {
        case write([String: Value])
        case delete([String: Value])
    }

    private struct State {
        var schema: Schema?
        var mode: SinkMode?
        var isClosed = false
        var pending: [Change] = []
        var committed: [CommittedEpoch] = []
        /// Key → index into `view`: the view keeps keys in the order they first appeared
        /// (since they were last deleted); a deleted key leaves a nil.
        var viewIndex: [[Value]: Int] = [:]
        var view: [[String: Value]?] = []
    }

    public let name: String
    private let state = Mutex(State())

    public init(name: String = "memory") { self.name = name }

    public func open(schema: Schema, mode: SinkMode) throws {
        try state.withLock { state in
            if case .upsert(let key) = mode {
                guard !key.isEmpty else { throw SluiceError(.invalidArgument, "sink '\(name)': upsert needs a key") }
                for column in key where schema.index(of: column) == nil {
                    throw SluiceError(.schemaMismatch, "sink '\(name)': key column '\(column)' is not in \(schema)")
                }
            }
            state.schema = schema
            state.mode = mode
            state.isClosed = false
        }
    }

    /// - Throws: when the sink is not open or the batch's schema differs from the opened one.
    public func write(_ batch: Batch) throws {
        try state.withLock { state in
            guard let schema = state.schema, !state.isClosed else {
                throw SluiceError(.sinkFailed, "sink '\(name)' written while not open")
            }
            guard batch.schema == schema else {
                throw SluiceError(.schemaMismatch, "sink '\(name)' opened with \(schema), given \(batch.schema)")
            }
            state.pending.append(contentsOf: batch.rows.map(Change.write))
        }
    }

    /// Stages deletes by key (upsert mode); ignored in append mode.
    /// - Throws: when the sink is not open or the batch's schema differs from the opened one.
    public func delete(_ keys: Batch) throws {
        try state.withLock { state in
            guard let schema = state.schema, !state.isClosed else {
                throw SluiceError(.sinkFailed, "sink '\(name)' written while not open")
            }
            guard keys.schema == schema else {
                throw SluiceError(.schemaMismatch, "sink '\(name)' opened with \(schema), given \(keys.schema)")
            }
            guard case .upsert = state.mode else { return }
            state.pending.append(contentsOf: keys.rows.map(Change.delete))
        }
    }

    public func commit(epoch: Epoch) throws {
        try state.withLock { state in
            guard state.schema != nil, !state.isClosed else {
                throw SluiceError(.sinkFailed, "sink '\(name)' committed while not open")
            }
            var written: [[String: Value]] = []
            var deleted: [[String: Value]] = []
            for change in state.pending {
                switch change {
                case .write(let row):
                    written.append(row)
                    guard case .upsert(let key) = state.mode else { continue }
                    let keyValues = key.map { row[$0] ?? .null }
                    if let index = state.viewIndex[keyValues] {
                        state.view[index] = row
                    } else {
                        state.viewIndex[keyValues] = state.view.count
                        state.view.append(row)
                    }
                case .delete(let row):
                    deleted.append(row)
                    guard case .upsert(let key) = state.mode else { continue }
                    if let index = state.viewIndex.removeValue(forKey: key.map { row[$0] ?? .null }) {
                        state.view[index] = nil
                    }
                }
            }
            state.committed.append(CommittedEpoch(epoch: epoch, rows: written, retractions: deleted))
            state.pending = []
        }
    }

    public func close() throws { state.withLock { $0.isClosed = true } }

    /// The schema given to `open`, if opened.
    public var schema: Schema? { state.withLock { $0.schema } }
    /// The mode given to `open`, if opened.
    public var mode: SinkMode? { state.withLock { $0.mode } }
    public var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Every committed row, in commit and write order.
    public var rows: [[String: Value]] { state.withLock { $0.committed.flatMap(\.rows) } }

    /// In upsert mode, the latest committed row per key (the view's content), keys in the
    /// order they first appeared; empty in append mode.
    public var upsertedRows: [[String: Value]] { state.withLock { $0.view.compactMap { $0 } } }

    /// The epochs committed so far, in order.
    public var commits: [Epoch] { state.withLock { $0.committed.map(\.epoch) } }

    /// Each commit with the rows it made durable.
    public var committedEpochs: [CommittedEpoch] { state.withLock { $0.committed } }

    /// The rows committed under `epoch` (all of them, if it was committed more than once).
    public func rows(committedIn epoch: Epoch) -> [[String: Value]] {
        state.withLock { $0.committed.filter { $0.epoch == epoch }.flatMap(\.rows) }
    }

    /// Rows written since the last commit.
    public var uncommitted: [[String: Value]] {
        state.withLock {
            $0.pending.compactMap { change in
                if case .write(let row) = change { row } else { nil }
            }
        }
    }
}
