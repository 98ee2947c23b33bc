public import SluiceCore
import Synchronization

/// In a commit group, an epoch's rows are sealed at the barrier and written by the
/// group's checkpoint transaction.
extension SQLiteViewSink: TransactionalSink {
    public func prepare(epoch: Epoch) throws {
        guard case .some = group else {
            throw SluiceError(.invalidArgument, "SQLite sink '\(name)' prepares epochs only in a commit group")
        }
        try openSession("prepare").staging.withLock { staging in
            staging.prepared.append((epoch.value, staging.open))
            staging.open.removeAll(keepingCapacity: true)
        }
    }
}
