import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime

/// How `sluice run` makes a pipeline restart exactly: the SQLite views of its embedded
/// store join one commit group on their file, which keeps the pipeline's checkpoint in the
/// same transactions as the views; on start the newest checkpoint is restored.
enum Checkpointing {
    struct Plan {
        var store: SQLiteCommitGroup
        var restore: Checkpoint?
    }

    /// Joins the pipeline's SQLite views (those in the first view file it names) to a
    /// commit group; nil when the pipeline writes no SQLite view (it then runs without
    /// checkpoints, as before). `fresh` ignores a stored checkpoint.
    static func plan(_ planned: PlannedPipeline, fresh: Bool) throws -> Plan? {
        let views = planned.dataflow.sinks.compactMap { $0 as? SQLiteViewSink }
        guard let path = views.first?.path else { return nil }
        let group = SQLiteCommitGroup(path: path)
        for view in views where view.path == path { try view.join(group) }
        let restore = fresh ? nil : try group.latest(pipeline: planned.spec.name)
        return Plan(store: group, restore: restore)
    }
}
