/// A checkpoint: everything needed to resume a dataflow after a crash.
///
/// `states[vertex][partition]` is the snapshot of one operator instance; `positions`
/// holds, per source split, the last position whose effects the checkpoint contains, and
/// `watermarks` the largest event time each split had read by then, so a restored split
/// makes the same watermarks as the uninterrupted run would have.
public struct Checkpoint: Sendable, Equatable {
    public var epoch: Epoch
    public var partitions: Int
    public var positions: [SourcePosition]
    public var watermarks: [SplitWatermark]
    public var states: [String: [[UInt8]]]

    public init(
        epoch: Epoch, partitions: Int, positions: [SourcePosition], watermarks: [SplitWatermark] = [],
        states: [String: [[UInt8]]]
    ) {
        self.epoch = epoch
        self.partitions = partitions
        self.positions = positions
        self.watermarks = watermarks
        self.states = states
    }

    /// The largest event time split `split` of `source` had read, if it had read any.
    public func maxEventTime(source: String, split: Int) -> EventTime? {
        watermarks.first { $0.source == source && $0.split == split }?.maxEventTime
    }
}

/// The event-time progress of one source split at a checkpoint.
public struct SplitWatermark: Sendable, Hashable {
    public var source: String
    public var split: Int
    /// The largest event time the split had read (its watermark is this minus the
    /// source's out-of-orderness bound).
    public var maxEventTime: EventTime

    public init(source: String, split: Int, maxEventTime: EventTime) {
        self.source = source
        self.split = split
        self.maxEventTime = maxEventTime
    }
}

/// Stores completed checkpoints.
///
/// Laws:
/// - `save` is called once every sink has committed (or, for members of a `CommitGroup`,
///   prepared) the checkpoint's epoch; when it returns the checkpoint is durable, and only
///   then are source positions up to it acknowledged.
/// - Epochs of one pipeline only increase: `save` of an epoch at or below the latest
///   stored one is refused (a stale worker must not overwrite newer state).
/// - `latest` returns the newest saved checkpoint, or nil.
public protocol CheckpointStore: Sendable {
    func save(_ checkpoint: Checkpoint, pipeline: String) throws
    func latest(pipeline: String) throws -> Checkpoint?
    /// Makes this store's worker the pipeline's only writer: once it returns, a `save` by
    /// any worker that claimed the pipeline earlier is refused, whatever its epoch (a stale
    /// worker may be *ahead* of the checkpoint the new one restored). Call it before
    /// `latest`, so the checkpoint read is the last the previous owner could save.
    func claim(pipeline: String) throws
}

extension CheckpointStore {
    /// Stores of one process (files, memory) have no other workers to fence.
    public func claim(pipeline: String) throws {}
}

/// A sink whose rows become durable in the transaction that saves the checkpoint, so the
/// view, the operator state and the source positions can never disagree after a crash.
///
/// Laws:
/// - At barrier N the runtime calls `prepare(epoch:)` instead of `commit(epoch:)`: the
///   rows written since the previous prepare become epoch N's, still invisible.
/// - The group's `save` of checkpoint N makes every member's epoch-N rows durable with
///   the checkpoint, atomically; epochs are saved in increasing order.
/// - Rows prepared for an epoch that is never saved (a crash) are never visible.
public protocol TransactionalSink: Sink {
    func prepare(epoch: Epoch) throws
}

/// A checkpoint store that is also a transaction shared by sinks (one database).
public protocol CommitGroup: CheckpointStore {
    /// True when `sink` commits through this group's transaction.
    func contains(_ sink: any Sink) -> Bool
}

/// A sink that records, durably with its rows, the last epoch it committed (a view's
/// epoch table). A job starts its epochs after the largest of them, so epoch numbers keep
/// increasing across runs and "skip what was already committed" never skips new data.
public protocol EpochRecordingSink: Sink {
    /// The last epoch committed, or nil when none was; callable before `open`.
    func lastCommittedEpoch() throws -> Epoch?
}
