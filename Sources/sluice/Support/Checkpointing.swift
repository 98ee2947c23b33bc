import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime

/// How `sluice run` makes a pipeline restart exactly: the SQLite views of its embedded
/// store join one commit group on their file, which keeps the pipeline's checkpoint in the
/// same transactions as the views; on start the newest checkpoint is restored.
enum Checkpointing {
    struct Plan {
        var store: any CommitGroup
        var restore: Checkpoint?
    }

    /// The pipeline's commit group: that of its first PostgreSQL view, else one made for
    /// its SQLite views (those in the first view file it names); nil when it writes no
    /// such view (it then runs without checkpoints). Views of other databases commit on
    /// their own. `fresh` ignores a stored checkpoint.
    static func plan(_ planned: PlannedPipeline, fresh: Bool) throws -> Plan? {
        let store: any CommitGroup
        if let group = planned.dataflow.sinks.lazy.compactMap({ ($0 as? PostgresViewSink)?.commitGroup }).first {
            store = group
        } else {
            let views = planned.dataflow.sinks.compactMap { $0 as? SQLiteViewSink }
            guard let path = views.first?.path else { return nil }
            let group = SQLiteCommitGroup(path: path)
            for view in views where view.path == path { try view.join(group) }
            store = group
        }
        // Claimed first: from here on a worker that ran this pipeline before cannot commit,
        // so the checkpoint read next is the last one it saved.
        try store.claim(pipeline: planned.spec.name)
        let restore = fresh ? nil : try store.latest(pipeline: planned.spec.name)
        return Plan(store: store, restore: restore)
    }
}
