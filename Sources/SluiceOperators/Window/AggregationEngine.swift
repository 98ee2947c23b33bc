import SluiceCore

/// One way of grouping rows in time — fixed windows, sessions, or none (the keyed fold) —
/// behind `KeyedAggregateOperator`. Engines are values owned by the operator, so their
/// hot loops mutate plain stored properties without runtime exclusivity checks.
protocol AggregationEngine {
    var context: AggregationContext { get set }
    /// Processes the rows `selection` (ascending) of `batch`, or all of them when nil.
    mutating func process(_ batch: Batch, selection: [Int32]?, into out: inout OperatorOutput)
    mutating func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput)
    mutating func tick(nowMillis: Int64, into out: inout OperatorOutput)
    /// Writes the grouping state (the operator writes the context's scalars).
    func writeState(into writer: inout SnapshotWriter)
    /// Replaces the grouping state with what `writeState` wrote in snapshot format
    /// `version` (`KeyedAggregateOperator.snapshotVersion` or an older one it accepts).
    mutating func readState(from reader: inout SnapshotReader, version: UInt32) throws
    /// Approximate heap bytes of live state.
    var stateBytes: Int { get }
    /// The windows holding state for the encoded key, by start; nil when none does.
    /// Read-only (inspection; `KeyStateInspecting`).
    func windows(ofKey key: [UInt64]) -> [KeyWindow]?
}

extension AggregationEngine {
    mutating func process(_ batch: Batch, into out: inout OperatorOutput) {
        process(batch, selection: nil, into: &out)
    }
}
