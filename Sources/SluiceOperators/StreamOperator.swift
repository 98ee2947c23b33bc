public import SluiceCore

/// The batches one operator call produced, by output port.
///
/// Port 0 is the main output. Operators with side outputs document their ports:
/// windows use port 1 for late data, de-duplication port 1 for duplicates, a branch one
/// port per route (the last port is "no route matched" when the branch has a default).
///
/// An emission may be a selection: some rows of a batch, not yet gathered. The runtime
/// hands a selection along a forward edge as it is (an operator that reads rows in place,
/// like a keyed window, never copies them) and gathers it only for an exchange or a sink.
public struct OperatorOutput: Sendable {
    /// One emitted batch, or the rows `rows` (ascending) of it.
    public struct Emission: Sendable {
        public let port: Int
        public let batch: Batch
        public let rows: [Int32]?
    }

    public private(set) var emissions: [Emission] = []

    public init() {}

    public mutating func emit(_ batch: Batch, port: Int = 0) {
        guard !batch.isEmpty else { return }
        emissions.append(Emission(port: port, batch: batch, rows: nil))
    }

    /// Emits rows `rows` (ascending) of `batch`; the whole batch when they are all of it.
    public mutating func emit(_ batch: Batch, rows: [Int32], port: Int = 0) {
        guard !rows.isEmpty else { return }
        emissions.append(Emission(port: port, batch: batch, rows: rows.count == batch.count ? nil : rows))
    }

    /// Every emission as a batch of its own (selections gathered).
    public var batches: [(port: Int, batch: Batch)] {
        emissions.map { ($0.port, $0.rows.map($0.batch.gather) ?? $0.batch) }
    }

    public mutating func removeAll() { emissions.removeAll(keepingCapacity: true) }

    public var isEmpty: Bool { emissions.isEmpty }
}

/// Counters an operator keeps for the run summary and metrics.
public struct OperatorCounters: Sendable, Equatable {
    public var rowsIn: Int64 = 0
    public var rowsOut: Int64 = 0
    /// Events later than the allowed lateness, sent to the late output.
    public var late: Int64 = 0
    /// Events recognised as already seen (de-duplication).
    public var duplicates: Int64 = 0
    /// Events that updated an already fired window (within allowed lateness).
    public var lateUpdates: Int64 = 0
    public init() {}

    public static func += (lhs: inout OperatorCounters, rhs: OperatorCounters) {
        lhs.rowsIn += rhs.rowsIn
        lhs.rowsOut += rhs.rowsOut
        lhs.late += rhs.late
        lhs.duplicates += rhs.duplicates
        lhs.lateUpdates += rhs.lateUpdates
    }
}

/// One operator instance, owned by one partition.
///
/// Laws:
/// - An instance is used by one partition executor at a time and is never shared: it needs
///   no locks. The runtime moves it between threads only while it is idle.
/// - `process` sees batches in arrival order per input; `advanceWatermark` is called with
///   the partition's combined watermark (the minimum over every upstream input), which
///   never decreases. Event-time decisions (lateness, firing) use the watermark as it was
///   *before* the batch, so results do not depend on how rows are split into batches
///   across partitions; tumbling windows, window joins and de-duplication also take the
///   batch's `origin` into account, so that theirs do not depend on the progress of other
///   splits or partitions either.
/// - `snapshot` writes the complete state deterministically; `restore` into a fresh
///   instance built from the same spec, followed by the same inputs, produces exactly the
///   outputs the original instance would have produced.
/// - Outputs carry absolute values (a window row holds its full aggregate, not a delta).
/// - Retraction batches (`Batch.isRetraction`, sent by session windows when a row they
///   emitted is replaced under another key) pass through stateless operators with their
///   flag: filters and branches pass them whole (a condition on values a retraction does
///   not carry cannot judge it, and deleting a key a view lacks is harmless), maps and
///   unions compute their columns like any row's. Keyed, windowed and join operators
///   ignore them; de-duplication passes them on.
public protocol StreamOperator: AnyObject {
    /// The schema of each output port.
    var outputSchemas: [Schema] { get }
    /// Handles a batch that arrived on input `input` (0, or 1 for the right side of a join).
    func process(_ batch: Batch, input: Int, into out: inout OperatorOutput)
    /// Handles rows `rows` (ascending) of `batch`: a source's exchange gives every
    /// partition the same batch and its own rows of it. By default the rows are gathered
    /// and passed to `process(_:input:into:)`; keyed operators read them in place.
    func process(_ batch: Batch, rows: [Int32], input: Int, into out: inout OperatorOutput)
    /// Handles `batch` (only its rows `rows` unless nil) whose rows came behind `origin`:
    /// the watermark their source split had sent before them. The runtime calls this one.
    /// An operator that judges rows late judges them against the larger of `origin`, which
    /// depends only on the split's input, and its own watermark, which depends on how far
    /// other splits and partitions happen to be (it is the smaller one unless the split
    /// was idle or the job was just restored). By default `origin` is ignored and the call
    /// goes to the two above.
    func process(_ batch: Batch, rows: [Int32]?, input: Int, origin: EventTime, into out: inout OperatorOutput)
    /// The watermark has advanced to `watermark` (`EventTime.endOfTime` at end of input).
    func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput)
    /// Processing time has reached `nowMillis` (partial results of open windows).
    func tick(nowMillis: Int64, into out: inout OperatorOutput)
    /// A bounded job has read `fraction` (0…1) of its input, told at each tick and as the
    /// share first passes 1, 2, 4, 8 and 16 % (never for unbounded input; never less than
    /// a share told before): an operator whose state grows with its input may size it for
    /// the rest at once instead of growing it step by step.
    func inputRead(fraction: Double)
    /// Writes the operator's state.
    func snapshot(into writer: inout SnapshotWriter)
    /// Replaces the operator's state with a snapshot.
    func restore(from reader: inout SnapshotReader) throws
    /// Counters since creation (restored counters are not carried over).
    var counters: OperatorCounters { get }
}

extension StreamOperator {
    public func process(_ batch: Batch, rows: [Int32], input: Int, into out: inout OperatorOutput) {
        process(batch.gather(rows), input: input, into: &out)
    }
    public func process(_ batch: Batch, rows: [Int32]?, input: Int, origin: EventTime, into out: inout OperatorOutput) {
        if let rows {
            process(batch, rows: rows, input: input, into: &out)
        } else {
            process(batch, input: input, into: &out)
        }
    }
    public func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {}
    public func tick(nowMillis: Int64, into out: inout OperatorOutput) {}
    public func inputRead(fraction: Double) {}
    public func snapshot(into writer: inout SnapshotWriter) {}
    public func restore(from reader: inout SnapshotReader) throws {}
}
