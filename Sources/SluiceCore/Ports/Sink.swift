/// How a sink treats the rows it receives.
public enum SinkMode: Sendable, Equatable {
    /// Rows are appended (alerts, archives, dead letters).
    case append
    /// Rows are upserted by `key`: a later row with the same key replaces the earlier one.
    /// Rows carry absolute values, so writing the same row twice is harmless.
    case upsert(key: [String])
}

/// A destination for rows: a view, a topic, a file.
///
/// Laws:
/// - Rows arrive through `write`, grouped into epochs; `commit(epoch:)` makes every row
///   written since the previous commit durable before it returns.
/// - Writes are idempotent per epoch: replaying an epoch after a crash must leave the
///   same result (upserts of absolute values; append sinks de-duplicate by position or
///   accept at-least-once, documented per sink).
/// - Retractions: `delete` removes, in `.upsert(key:)` mode, the row whose key equals the
///   key columns of each row given (the other columns are ignored, and may be null).
///   Writes and deletes of one epoch take effect in the order they arrived: a delete then
///   a write of the same key leaves the written row, a write then a delete leaves none.
///   Deleting a key the sink does not hold does nothing, so replaying an epoch is still
///   harmless. Append sinks keep history and ignore deletes (the default implementation).
/// - Only the runtime's sink executor calls a sink, from one thread at a time.
public protocol Sink: AnyObject, Sendable {
    var name: String { get }
    /// Called once before the first write with the schema of the rows and the mode.
    func open(schema: Schema, mode: SinkMode) throws
    func write(_ batch: Batch) throws
    /// Removes the rows keyed like the rows of `keys` (a retraction batch of the opened
    /// schema), in order with the writes of the epoch; see the laws above.
    func delete(_ keys: Batch) throws
    func commit(epoch: Epoch) throws
    func close() throws
}

extension Sink {
    /// Append sinks keep what they wrote: a retraction is not theirs to apply, and an
    /// archive or alert file records what was emitted, not what a view holds now.
    public func delete(_ keys: Batch) throws {}
}
