import SluiceCore
import Synchronization

/// A database kept in memory for delivery tests: upsert views and append tables whose
/// rows become visible only in `save`, together with the checkpoint — the commit-group
/// protocol the PostgreSQL and SQLite stores implement, with nothing else in the way.
final class MemoryDatabase: CommitGroup, @unchecked Sendable {
    // All state is behind `state`'s lock.
    private struct State {
        var views: [String: [[Value]: [String: Value]]] = [:]
        var appends: [String: [[String: Value]]] = [:]
        var checkpoints: [Checkpoint] = []
    }
    private let state = Mutex(State())
    /// The current table object of each name: a restarted job's tables replace those of
    /// the crashed one, whose staged rows die with it.
    private let members = Mutex<[String: Table]>([:])
    /// Called inside `save` before anything is written (tests crash the job there).
    let beforeSave = Mutex<(@Sendable (Epoch) -> Bool)?>(nil)

    /// A table of this database, to use as a sink.
    func table(_ name: String) -> Table {
        let table = Table(name: name)
        members.withLock { $0[name] = table }
        return table
    }

    func contains(_ sink: any Sink) -> Bool { members.withLock { $0[sink.name] === sink } }

    func save(_ checkpoint: Checkpoint, pipeline: String) throws {
        if let hook = beforeSave.withLock({ $0 }), !hook(checkpoint.epoch) { return }
        let tables = members.withLock { Array($0.values) }
        try state.withLock { state in
            if let last = state.checkpoints.last, checkpoint.epoch <= last.epoch {
                throw SluiceError(.invalidArgument, "\(checkpoint.epoch) is not after \(last.epoch)")
            }
            for table in tables {
                let (rows, key) = table.takePrepared(upTo: checkpoint.epoch)
                for row in rows {
                    if let key {
                        state.views[table.name, default: [:]][key.map { row[$0] ?? .null }] = row
                    } else {
                        state.appends[table.name, default: []].append(row)
                    }
                }
            }
            state.checkpoints.append(checkpoint)
        }
    }

    func latest(pipeline: String) throws -> Checkpoint? { state.withLock { $0.checkpoints.last } }
    func view(_ name: String) -> [[Value]: [String: Value]] { state.withLock { $0.views[name] ?? [:] } }
    func appended(_ name: String) -> [[String: Value]] { state.withLock { $0.appends[name] ?? [] } }

    /// A sink whose rows wait, per epoch, for the database's `save`.
    final class Table: TransactionalSink, @unchecked Sendable {
        // Staging is touched by the sink executor and by `save` on the coordinator: locked.
        let name: String
        private let staging = Mutex<(key: [String]?, open: [[String: Value]], prepared: [(Epoch, [[String: Value]])])>(
            (nil, [], []))
        init(name: String) { self.name = name }
        func open(schema: Schema, mode: SinkMode) throws {
            if case .upsert(let key) = mode { staging.withLock { $0.key = key } }
        }
        func write(_ batch: Batch) throws { staging.withLock { $0.open += batch.rows } }
        func prepare(epoch: Epoch) throws {
            staging.withLock { s in
                s.prepared.append((epoch, s.open))
                s.open = []
            }
        }
        func commit(epoch: Epoch) throws { preconditionFailure("a group member commits through the group") }
        func close() throws {}
        func takePrepared(upTo epoch: Epoch) -> ([[String: Value]], [String]?) {
            staging.withLock { s in
                let due = s.prepared.filter { $0.0 <= epoch }
                s.prepared.removeAll { $0.0 <= epoch }
                return (due.flatMap(\.1), s.key)
            }
        }
    }
}
