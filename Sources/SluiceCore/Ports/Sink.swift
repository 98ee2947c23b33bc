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
/// - Only the runtime's sink executor calls a sink, from one thread at a time.
public protocol Sink: AnyObject, Sendable {
    var name: String { get }
    /// Called once before the first write with the schema of the rows and the mode.
    func open(schema: Schema, mode: SinkMode) throws
    func write(_ batch: Batch) throws
    func commit(epoch: Epoch) throws
    func close() throws
}
