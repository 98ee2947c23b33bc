import SluiceCore

/// A job's record of what each pending epoch has received, and the decision of which
/// epoch to complete next. `JobRuntime` keeps it behind one lock.
struct EpochBook {
    /// Sinks that must commit each epoch (the dead-letter sink included).
    let totalSinks: Int
    /// Operator instances (vertices × partitions) that must snapshot each epoch.
    let instances: Int
    let snapshotsEnabled: Bool
    /// Per epoch, the position each split stood at when it injected the barrier.
    var positions: [UInt64: [Int: SourcePosition]] = [:]
    /// Per epoch, the largest event time each split had read at its barrier.
    var maxTimes: [UInt64: [Int: EventTime]] = [:]
    /// Per epoch, the sinks that committed it.
    var commits: [UInt64: Set<Int>] = [:]
    /// Per epoch, operator instance (vertex × partitions + partition) → state bytes.
    var snapshots: [UInt64: [Int: [UInt8]]] = [:]
    /// Sinks whose inputs all closed: they count as committed for every later epoch.
    var finishedSinkSet: Set<Int> = []
    /// Operator instances whose inputs all closed, with their final state: they count
    /// as snapshotted for every later epoch, with that state.
    var finalStates: [Int: [UInt8]] = [:]
    var durable: [SourcePosition?]
    /// The largest event time of each split in the last completed epoch.
    var durableMaxTimes: [EventTime?]
    var endPositions: [SourcePosition?]
    var endMaxTimes: [EventTime?]
    var ended: [Bool]
    var progress: [Double?]
    var finishedSinks = 0
    /// The largest final epoch a finished sink read (`JobRuntime.finalEpoch` when it finished).
    var latestFinishEpoch: UInt64 = 0
    /// Set when the last sink finished: the run's final epoch, to complete last.
    var finalEpoch: Epoch?
    var epochsCompleted = 0
    /// The newest epoch handed out by `nextCompletion` (the restored one at the start).
    var lastCompleted: UInt64

    init(
        totalSinks: Int, instances: Int, snapshotsEnabled: Bool, restoredPositions: [SourcePosition?],
        restoredMaxTimes: [EventTime?], lastCompleted: UInt64
    ) {
        self.totalSinks = totalSinks
        self.instances = instances
        self.snapshotsEnabled = snapshotsEnabled
        durable = restoredPositions
        durableMaxTimes = restoredMaxTimes
        endPositions = restoredPositions
        endMaxTimes = restoredMaxTimes
        ended = [Bool](repeating: false, count: restoredPositions.count)
        progress = [Double?](repeating: nil, count: restoredPositions.count)
        self.lastCompleted = lastCompleted
    }

    enum Completion: Equatable {
        case epoch(Epoch)
        case final(Epoch)
    }

    /// An epoch is complete when every sink committed it (or had already finished) and,
    /// with snapshots on, every operator instance snapshotted it (or had finished).
    func isComplete(_ epoch: UInt64) -> Bool {
        let committed = commits[epoch, default: []].union(finishedSinkSet).count
        guard committed == totalSinks else { return false }
        guard snapshotsEnabled else { return true }
        return Set(snapshots[epoch, default: [:]].keys).union(finalStates.keys).count == instances
    }

    /// What to complete next, marked as handed out: the oldest pending epoch once it is
    /// complete, and the run's final epoch only once no older epoch is pending and every
    /// operator instance reported its final state. One look decides both: deciding the
    /// final epoch in a second look let reports arriving in between complete an older
    /// epoch after it, whose save then failed ("epoch 20 is not after epoch 21").
    mutating func nextCompletion() -> Completion? {
        let pending = Set(commits.keys).union(positions.keys).union(snapshots.keys)
        if let epoch = pending.filter({ $0 > lastCompleted }).min() {
            guard isComplete(epoch) else { return nil }
            lastCompleted = epoch
            return .epoch(Epoch(epoch))
        }
        guard let final = finalEpoch, isComplete(final.value) else { return nil }
        finalEpoch = nil
        // After every epoch completed, whatever epoch the sinks read when they finished.
        lastCompleted = max(final.value, lastCompleted + 1)
        return .final(Epoch(lastCompleted))
    }
}
