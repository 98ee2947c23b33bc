/// Where records that could not be decoded go (the dead-letter destination).
///
/// Like a `Sink`, it commits by epoch: rejections of epoch N are durable once
/// `commit(epoch:)` returns, and only then are the source positions acknowledged, so a
/// bad record is never lost between the broker and the dead-letter store.
public protocol RejectionSink: AnyObject, Sendable {
    func write(_ rejections: [Rejection], source: String) throws
    func commit(epoch: Epoch) throws
    func close() throws
}

/// A checkpoint: everything needed to resume a dataflow after a crash.
///
/// `states[vertex][partition]` is the snapshot of one operator instance; `positions`
/// holds, per source split, the last position whose effects the checkpoint contains.
public struct Checkpoint: Sendable, Equatable {
    public var epoch: Epoch
    public var partitions: Int
    public var positions: [SourcePosition]
    public var states: [String: [[UInt8]]]

    public init(epoch: Epoch, partitions: Int, positions: [SourcePosition], states: [String: [[UInt8]]]) {
        self.epoch = epoch
        self.partitions = partitions
        self.positions = positions
        self.states = states
    }
}

/// Stores completed checkpoints. The PostgreSQL store writes them in the same transaction
/// as the view rows of the epoch; the in-memory store serves tests and local runs.
public protocol CheckpointStore: Sendable {
    /// Called once the sinks have committed `checkpoint.epoch`.
    func save(_ checkpoint: Checkpoint, pipeline: String) throws
    /// The latest completed checkpoint, if any.
    func latest(pipeline: String) throws -> Checkpoint?
}
