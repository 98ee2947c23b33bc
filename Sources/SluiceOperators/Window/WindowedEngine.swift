import SluiceCore

/// Tumbling windows: one `GroupTable` per open window. It computes sliding windows
/// directly too (one look-up per window of an event), which `PaneEngine` replaces in
/// production; the tests keep it as the reference the pane engine must match row for row.
///
/// A batch is processed column-at-a-time: keys are encoded once, then one pass per window
/// offset (one pass for tumbling, size/slide for sliding) computes each row's window and
/// slot — consecutive rows nearly always hit the window of the row before, so the window
/// is resolved only when the event time leaves the cached range — and finally each
/// accumulator folds in each touched window's updates in one tight loop.
struct WindowedEngine: AggregationEngine {
    var context: AggregationContext
    let size: Int64
    let slide: Int64
    /// Windows per event (size / slide).
    let offsets: Int
    /// Open and fired-but-not-expired windows, in creation order.
    private(set) var windows: [GroupTable] = []
    private var windowByStart: [Int64: Int] = [:]
    /// The key count of the last fired window, to size new ones without rehashing.
    private var capacityHint = 16
    /// Expired windows' tables, emptied and reused by new windows: fresh tables of that
    /// size would fault their memory in again, page by page, every window.
    private var spareTables: [GroupTable] = []
    static let maxSpareTables = 2

    init(context: AggregationContext, size: Int64, slide: Int64) {
        self.context = context
        self.size = size
        self.slide = slide
        offsets = Int(size / slide)
    }

    // MARK: Processing

    mutating func process(_ batch: Batch, selection: [Int32]?, into out: inout OperatorOutput) {
        let n = batch.count
        guard n > 0, selection?.isEmpty != true else { return }
        context.counters.rowsIn += Int64(selection?.count ?? n)
        context.encodeKeys(batch, rows: selection)
        let time = batch.columns[context.timeColumn]
        // Rows go to several windows when sliding directly: flags combine the passes (bit
        // 0: the row went to some window; bit 1: it updated an already fired window).
        // Tumbling takes its late rows and updates from the one pass.
        var flags = offsets > 1 ? [UInt8](repeating: 0, count: n) : []
        var touched: [Int] = []
        var onePass = RowAssignment()
        for offset in 0..<offsets {
            onePass = assign(offset: offset, time: time, selection: selection, flags: &flags, touched: &touched)
        }

        if !touched.isEmpty {
            let arguments = context.prepareArguments(batch)
            for t in touched {
                if offsets > 1 { windows[t].sortPendingByRow() }
                let markDirty = context.partialEvery != nil || windows[t].fired
                windows[t].applyPending(context: context, arguments: arguments, times: time.ints, markDirty: markDirty)
            }
        }

        let late: [Int32]
        if offsets > 1 {
            late = context.countLateUpdatesAndCollectLate(flags: flags, selection: selection)
        } else {
            late = onePass.unplaced
            context.counters.lateUpdates += Int64(onePass.firedUpdates)
        }
        context.emitLate(batch, rows: late, into: &out)
        emitLateUpdates(touched: touched, into: &out)
    }

    /// One assignment for window offset `offset` (the window starting `offset · slide`
    /// before the newest window of each row); each window's rows are then queued at it
    /// (the whole arrays, without copying, when one window took the entire batch — the
    /// common case).
    private mutating func assign(
        offset: Int, time: Column, selection: [Int32]?, flags: inout [UInt8], touched: inout [Int]
    ) -> RowAssignment {
        let shift = Int64(offset) * slide
        let (keyWords, keyHashes) = (context.keyWords, context.keyHashes)
        let assignment = RowAssignment.assign(
            time: time, selection: selection, flags: &flags,
            bind: { t in
                let (window, low, high) = bind(time: t, shift: shift)
                return (window, low, high, window >= 0 && windows[window].fired)
            },
            lookUp: { window, positions, slots in
                windows[window].keys.findOrInsert(
                    at: positions, keyWords: keyWords, hashes: keyHashes, lookahead: RowAssignment.lookahead, slots: slots)
            })
        for run in assignment.runs {
            if windows[run.target].pendingSlots.isEmpty { touched.append(run.target) }
            windows[run.target].enqueue(assignment, run: run)
        }
        return assignment
    }

    /// The window (index in `windows`, created if needed, or -1 when late) of event time
    /// `t` at `shift`, and the range of event times that map to the same window.
    private mutating func bind(time t: Int64, shift: Int64) -> (window: Int, low: Int64, high: Int64) {
        guard let newest = WindowMath.alignDown(t, to: slide) else { return (-1, t, t) }
        let high = WindowMath.saturatingAdd(newest, slide)
        let (start, overflow) = newest.subtractingReportingOverflow(shift)
        guard !overflow else { return (-1, newest, high) }
        let end = WindowMath.saturatingAdd(start, size)
        // Tumbling windows judge rows against their origin too (`AggregationContext.lateBound`);
        // sliding ones, as `PaneEngine` does in production, against the combined watermark.
        let lateAgainst = offsets == 1 ? context.lateBound : context.watermark
        if WindowMath.saturatingAdd(end, context.allowedLateness) <= lateAgainst { return (-1, newest, high) }
        if let index = windowByStart[start] { return (index, newest, high) }
        windows.append(newTable(start: start, end: end))
        windowByStart[start] = windows.count - 1
        return (windows.count - 1, newest, high)
    }

    /// An empty table for window `[start, end)`: a spare one if there is one.
    private mutating func newTable(start: Int64, end: Int64) -> GroupTable {
        let fired = end <= context.watermark
        // A spare too small for the window would grow into fresh memory anyway (the first
        // window of a stream is often a sliver).
        if let fitting = spareTables.lastIndex(where: { $0.keys.capacity >= capacityHint }) {
            var spare = spareTables.remove(at: fitting)
            spare.keys.removeAll()
            for accumulator in spare.accumulators { accumulator.removeAllSlots() }
            return GroupTable(keys: spare.keys, accumulators: spare.accumulators, start: start, end: end, fired: fired)
        }
        // Spares smaller than windows now are would never fit: let them go.
        spareTables.removeAll { $0.keys.capacity < capacityHint }
        let accumulators = context.plan.makeAccumulators()
        for accumulator in accumulators { accumulator.reserveSlots(capacityHint) }
        return GroupTable(
            keys: KeyTable(width: context.encoder.width, capacity: capacityHint), accumulators: accumulators,
            start: start, end: end, fired: fired)
    }

    /// Re-emits, as final, the rows of fired windows that this batch updated.
    private mutating func emitLateUpdates(touched: [Int], into out: inout OperatorOutput) {
        var emitter = RowEmitter(context: context)
        for t in touched.sorted(by: { windows[$0].start < windows[$1].start }) where windows[t].fired {
            emitter.append(table: windows[t], slots: windows[t].dirty.members, isFinal: true, context: context)
            windows[t].dirty.removeAll()
        }
        context.emit(emitter, into: &out)
    }

    // MARK: Time

    mutating func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        guard watermark > context.watermark else { return }
        context.watermark = watermark
        var emitter = RowEmitter(context: context)
        for t in windowOrder() where !windows[t].fired && windows[t].end <= watermark {
            emitter.append(table: windows[t], slots: context.slotsInOrder.first(windows[t].keys.count), isFinal: true, context: context)
            // A complete window predicts the size of the next: size new tables for it.
            capacityHint = max(16, windows[t].keys.count)
            windows[t].fired = true
            windows[t].dirty.removeAll()
        }
        context.emit(emitter, into: &out)
        let lateness = context.allowedLateness
        guard windows.contains(where: { $0.fired && WindowMath.saturatingAdd($0.end, lateness) <= watermark }) else { return }
        var live: [GroupTable] = []
        for table in windows {
            if !table.fired || WindowMath.saturatingAdd(table.end, lateness) > watermark {
                live.append(table)
            } else if spareTables.count < Self.maxSpareTables {
                spareTables.append(table)
            }
        }
        windows = live
        reindex()
    }

    mutating func tick(nowMillis: Int64, into out: inout OperatorOutput) {
        guard context.partialDue(now: nowMillis) else { return }
        var emitter = RowEmitter(context: context)
        for t in windowOrder() where !windows[t].fired && !windows[t].dirty.isEmpty {
            emitter.append(table: windows[t], slots: windows[t].dirty.members, isFinal: false, context: context)
            windows[t].dirty.removeAll()
        }
        context.emitPartial(emitter, now: nowMillis, into: &out)
    }

    /// Window indices by ascending start.
    private func windowOrder() -> [Int] { windows.indices.sorted { windows[$0].start < windows[$1].start } }

    private mutating func reindex() {
        windowByStart.removeAll(keepingCapacity: true)
        for (i, table) in windows.enumerated() { windowByStart[table.start] = i }
    }

    var stateBytes: Int { (windows + spareTables).reduce(0) { $0 + $1.memoryBytes } }

    // MARK: Snapshot

    func writeState(into writer: inout SnapshotWriter) {
        let order = windowOrder()
        writer.write(UInt64(order.count))
        for t in order {
            let table = windows[t]
            writer.write(table.start)
            writer.write(table.end)
            writer.write(table.fired)
            GroupTableSnapshot.write(table, into: &writer, context: context)
        }
    }

    mutating func readState(from reader: inout SnapshotReader, version: UInt32) throws {
        windows = []
        let count = try reader.readElementCount(minimumBytes: 17)
        for _ in 0..<count {
            let start = try reader.readInt64()
            let end = try reader.readInt64()
            let fired = try reader.readBool()
            guard WindowMath.alignDown(start, to: slide) == start, WindowMath.saturatingAdd(start, size) == end else {
                throw SluiceError(.corruptSnapshot, "window [\(start), \(end)) does not fit this operator's windows")
            }
            windows.append(
                try GroupTableSnapshot.read(
                    from: &reader, start: start, end: end, fired: fired, version: version, context: &context))
        }
        reindex()
    }
}
