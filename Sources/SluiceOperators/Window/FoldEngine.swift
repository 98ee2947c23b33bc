import SluiceCore

/// The unwindowed keyed fold: one running aggregate per key over all time (event
/// sourcing, e.g. the `agent_state` projection). After every batch it emits the current
/// row of each key the batch changed; rows carry absolute values and no window columns.
struct FoldEngine: AggregationEngine {
    var context: AggregationContext
    private(set) var table: GroupTable

    init(context: AggregationContext) {
        self.context = context
        table = GroupTable(
            keys: KeyTable(width: context.encoder.width), accumulators: context.plan.makeAccumulators(),
            start: .min, end: .max, fired: false)
    }

    mutating func process(_ batch: Batch, selection: [Int32]?, into out: inout OperatorOutput) {
        // No in-place path here: the selected rows are gathered.
        if let selection { return process(batch.gather(selection), selection: nil, into: &out) }
        let n = batch.count
        guard n > 0 else { return }
        context.counters.rowsIn += Int64(n)
        context.encodeKeys(batch)
        let time = batch.columns[context.timeColumn]
        let validity = time.validity
        let rows = (0..<Int32(truncatingIfNeeded: n)).filter { validity?[Int($0)] ?? true }
        let (keyWords, keyHashes) = (context.keyWords, context.keyHashes)
        let slots = [Int32](unsafeUninitializedCapacity: rows.count) { slotsOut, slotsCount in
            rows.withUnsafeBufferPointer { rows in
                guard let slots = slotsOut.baseAddress else { return }
                table.keys.findOrInsert(
                    at: rows, keyWords: keyWords, hashes: keyHashes, lookahead: RowAssignment.lookahead,
                    slots: slots)
            }
            slotsCount = rows.count
        }
        if !rows.isEmpty {
            table.pendingRows = rows
            table.pendingSlots = slots
            let arguments = context.prepareArguments(batch)
            table.applyPending(context: context, arguments: arguments, times: time.ints, markDirty: true)
            var emitter = RowEmitter(context: context)
            emitter.append(table: table, slots: table.dirty.members, isFinal: true, context: context)
            table.dirty.removeAll()
            context.emit(emitter, into: &out)
        }
        context.emitLate(batch, rows: AggregationContext.rowsWithoutTime(time), into: &out)
    }

    /// The fold has no windows to fire: the watermark is only recorded.
    mutating func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        context.watermark = Swift.max(context.watermark, watermark)
    }

    /// Every change is emitted at the end of its batch, so there are no partial rows.
    mutating func tick(nowMillis: Int64, into out: inout OperatorOutput) {
        context.processingTime = Swift.max(context.processingTime, nowMillis)
    }

    var stateBytes: Int { table.memoryBytes }

    func writeState(into writer: inout SnapshotWriter) {
        GroupTableSnapshot.write(table, into: &writer, context: context)
    }

    mutating func readState(from reader: inout SnapshotReader, version: UInt32) throws {
        table = try GroupTableSnapshot.read(
            from: &reader, start: .min, end: .max, fired: false, version: version, context: &context)
    }
}
