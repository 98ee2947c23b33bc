/// What a source reader hands the runtime on each call.
public enum SourceChunk: Sendable {
    /// Decoded rows (possibly empty) plus the records that could not be decoded.
    /// `batch.position` is where the split stands after both.
    case data(Batch, rejections: [Rejection])
    /// Nothing available right now (an unbounded source with no traffic).
    case idle
    /// The split has ended (bounded inputs only).
    case end
}

/// A source of events, made of one or more independent splits (files, queues, Kafka
/// partitions, generator shards). Each split is read by one reader on its own thread.
///
/// Laws:
/// - A split emits positions in increasing order.
/// - `acknowledge(upTo:)` is called only once everything derived from the batches up to
///   that position is durable; a source must not acknowledge earlier (at-least-once).
/// - A split reopened at a position resumes *after* it.
public protocol Source: Sendable {
    /// The source's name inside its pipeline (used in positions and metrics).
    var name: String { get }
    /// The schema of the batches it produces.
    var schema: Schema { get }
    /// How many splits can be read in parallel.
    var splitCount: Int { get }
    /// True when the input ends by itself (files, bounded generators, queries).
    var isBounded: Bool { get }
    /// Opens split `index`, resuming after `position` when given.
    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader
}

/// Reads one split. Called from one thread only; `next` may block briefly for I/O.
public protocol SourceReader: AnyObject {
    /// The next chunk of at most `maxRows` rows.
    func next(maxRows: Int) throws -> SourceChunk
    /// Everything up to and including `position` is durable downstream.
    func acknowledge(upTo position: SourcePosition) throws
    /// Fraction of a bounded input read so far (0...1), when known: progress bars, and
    /// operators sizing their state for the rest (`StreamOperator.inputRead`), so it should
    /// grow roughly in proportion to the rows read.
    var progress: Double? { get }
    /// True when the reader can read little more until an acknowledgement arrives (a
    /// broker's prefetch window filling with unacknowledged deliveries). The runtime then
    /// begins an epoch at once instead of waiting for its clock, since only a committed
    /// epoch acknowledges; otherwise the input would stall until the next tick.
    var awaitsAcknowledgement: Bool { get }
    func close()
}

extension SourceReader {
    public func acknowledge(upTo position: SourcePosition) throws {}
    public var progress: Double? { nil }
    public var awaitsAcknowledgement: Bool { false }
    public func close() {}
}
