import SluiceCore

/// Sliding windows computed from panes.
///
/// Event time is cut into panes of length `slide`; each event is looked up once, in its
/// pane's `GroupTable`, instead of once per window (`size / slide` times). A window
/// `[s, s + size)` is materialized when it has to emit — when it fires, on a partial tick,
/// or after a late update — by merging its panes with the accumulators' `merge`.
/// Outputs, row order included, are those of `WindowedEngine` computing the same windows
/// directly; only floating sums and moments may differ in the last bits, since a window's
/// floating values are added pane by pane instead of row by row.
///
/// A pane is kept until the last window containing it (the one starting at the pane) has
/// passed `end + allowedLateness`; that is also when an event in it becomes late.
struct PaneEngine: AggregationEngine {
    var context: AggregationContext
    let size: Int64
    let slide: Int64
    /// Panes per window (size / slide).
    let panesPerWindow: Int
    /// Live panes, in creation order (restored ones in start order).
    var panes: [Pane] = []
    var paneByStart: [Int64: Int] = [:]
    /// Numbers the batches, so windows can order keys by first arrival as if computed directly.
    var batchNumber: UInt64 = 0
    /// Key counts of the last complete pane and the last fired window, to size new tables.
    var paneCapacityHint = 16
    var windowCapacityHint = 16

    init(context: AggregationContext, size: Int64, slide: Int64) {
        self.context = context
        self.size = size
        self.slide = slide
        panesPerWindow = Int(size / slide)
    }

    // MARK: Processing

    mutating func process(_ batch: Batch, selection: [Int32]?, into out: inout OperatorOutput) {
        let n = batch.count
        guard n > 0, selection?.isEmpty != true else { return }
        context.counters.rowsIn += Int64(selection?.count ?? n)
        batchNumber += 1
        context.encodeKeys(batch, rows: selection)
        let time = batch.columns[context.timeColumn]
        var touched: [Int] = []
        let assignment = assign(time: time, selection: selection, touched: &touched)

        if !touched.isEmpty {
            let arguments = context.prepareArguments(batch)
            let markDirty = context.partialEvery != nil
            for t in touched {
                panes[t].recordInsertions(batch: batchNumber)
                if hasLiveFiredWindow(paneStart: panes[t].start) {
                    panes[t].touched.insert(contentsOf: panes[t].table.pendingSlots, limit: panes[t].table.keys.count)
                }
                panes[t].table.applyPending(
                    context: context, arguments: arguments, times: time.ints, markDirty: markDirty)
            }
        }

        context.counters.lateUpdates += Int64(assignment.firedUpdates)
        context.emitLate(batch, rows: assignment.unplaced, into: &out)
        emitLateUpdates(touched: touched, into: &out)
    }

    /// Each row's pane and slot; each pane's rows are then queued at it (the whole arrays,
    /// without copying, when one pane took the entire batch).
    private mutating func assign(time: Column, selection: [Int32]?, touched: inout [Int]) -> RowAssignment {
        let (keyWords, keyHashes) = (context.keyWords, context.keyHashes)
        // One pass: the assignment's late rows and late updates are the batch's.
        var noFlags: [UInt8] = []
        let assignment = RowAssignment.assign(
            time: time, selection: selection, flags: &noFlags,
            bind: { t in
                let bound = bind(time: t)
                return (bound.pane, bound.low, bound.high, bound.fired)
            },
            lookUp: { pane, positions, slots in
                panes[pane].table.keys.findOrInsert(
                    at: positions, keyWords: keyWords, hashes: keyHashes, lookahead: RowAssignment.lookahead, slots: slots)
            })
        for run in assignment.runs {
            if panes[run.target].table.pendingSlots.isEmpty { touched.append(run.target) }
            panes[run.target].table.enqueue(assignment, run: run)
        }
        return assignment
    }

    /// The pane (index in `panes`, created if needed, or -1 when the row is late) of event
    /// time `t`, the range of event times in the same pane, and whether one of the pane's
    /// windows has fired but is still within lateness.
    private mutating func bind(time t: Int64) -> (pane: Int, low: Int64, high: Int64, fired: Bool) {
        guard let start = WindowMath.alignDown(t, to: slide) else { return (-1, t, t, false) }
        let high = WindowMath.saturatingAdd(start, slide)
        if isExpired(paneStart: start) { return (-1, start, high, false) }
        let fired = hasLiveFiredWindow(paneStart: start)
        if let index = paneByStart[start] { return (index, start, high, fired) }
        let accumulators = context.plan.makeAccumulators()
        for accumulator in accumulators { accumulator.reserveSlots(paneCapacityHint) }
        let table = GroupTable(
            keys: KeyTable(width: context.encoder.width, capacity: paneCapacityHint), accumulators: accumulators,
            start: start, end: high, fired: false)
        var pane = Pane(table: table)
        pane.nextWindowToFire = newestUnfiredOffset(paneStart: start)
        panes.append(pane)
        paneByStart[start] = panes.count - 1
        return (panes.count - 1, start, high, fired)
    }

    // MARK: Window arithmetic

    /// Bounds of the window that starts `offset` panes before the pane at `paneStart`, or
    /// nil when that start is not representable.
    func windowBounds(paneStart: Int64, offset: Int) -> (start: Int64, end: Int64)? {
        let (start, overflow) = paneStart.subtractingReportingOverflow(Int64(offset) * slide)
        return overflow ? nil : (start, WindowMath.saturatingAdd(start, size))
    }

    /// Whether every window of the pane is past `end + allowedLateness` (the window
    /// starting at the pane ends last). Against the combined watermark, not the batch's
    /// origin (`AggregationContext.lateBound`): a pane's row counts in all its windows, so
    /// a row late by its origin for the pane's older windows only would still count in
    /// them, where the windows computed one by one (`WindowedEngine`) leave it out.
    func isExpired(paneStart: Int64) -> Bool {
        let end = WindowMath.saturatingAdd(paneStart, size)
        return WindowMath.saturatingAdd(end, context.allowedLateness) <= context.watermark
    }

    /// Whether a window of the pane has fired and is still within lateness (an update to
    /// the pane is then re-emitted for that window).
    func hasLiveFiredWindow(paneStart: Int64) -> Bool {
        let watermark = context.watermark
        // Oldest window first: it ends first.
        for offset in stride(from: panesPerWindow - 1, through: 0, by: -1) {
            guard let (_, end) = windowBounds(paneStart: paneStart, offset: offset) else { continue }
            if end > watermark { return false }
            if WindowMath.saturatingAdd(end, context.allowedLateness) > watermark { return true }
        }
        return false
    }

    /// The offset of the oldest window of the pane that has not fired, or -1. Windows of a
    /// pane fire from the largest offset down.
    func newestUnfiredOffset(paneStart: Int64) -> Int {
        var offset = panesPerWindow - 1
        while offset >= 0 {
            if let (_, end) = windowBounds(paneStart: paneStart, offset: offset), end > context.watermark { break }
            offset -= 1
        }
        return offset
    }

    // MARK: Time

    mutating func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        guard watermark > context.watermark else { return }
        context.watermark = watermark
        var due = Set<Int64>()
        for p in panes.indices {
            while panes[p].nextWindowToFire >= 0,
                let (start, end) = windowBounds(paneStart: panes[p].start, offset: panes[p].nextWindowToFire),
                end <= watermark
            {
                due.insert(start)
                panes[p].nextWindowToFire -= 1
            }
        }
        var emitter = RowEmitter(context: context)
        for start in due.sorted() {
            let window = mergeWindow(start: start, selection: nil)
            emitter.append(table: window.table, slots: window.order, isFinal: true, context: context)
            // A complete window predicts the size of the next: size new tables for it.
            windowCapacityHint = max(16, window.table.keys.count)
            if let newest = windowPanes(start: start).last {
                paneCapacityHint = max(16, panes[newest.pane].table.keys.count)
            }
        }
        context.emit(emitter, into: &out)
        let before = panes.count
        let (size, lateness) = (size, context.allowedLateness)
        panes.removeAll {
            WindowMath.saturatingAdd(WindowMath.saturatingAdd($0.start, size), lateness) <= watermark
        }
        if panes.count != before { reindex() }
    }

    mutating func tick(nowMillis: Int64, into out: inout OperatorOutput) {
        guard context.partialDue(now: nowMillis) else { return }
        var open = Set<Int64>()
        for pane in panes where !pane.table.dirty.isEmpty && pane.nextWindowToFire >= 0 {
            for offset in 0...pane.nextWindowToFire {
                if let (start, _) = windowBounds(paneStart: pane.start, offset: offset) { open.insert(start) }
            }
        }
        var emitter = RowEmitter(context: context)
        for start in open.sorted() {
            let window = mergeWindow(start: start, selection: \.table.dirty)
            emitter.append(table: window.table, slots: window.order, isFinal: false, context: context)
        }
        // Every open window with a dirty key has just emitted it.
        for p in panes.indices { panes[p].table.dirty.removeAll() }
        context.emitPartial(emitter, now: nowMillis, into: &out)
    }

    /// Re-emits, as final, the rows of fired windows that this batch updated.
    private mutating func emitLateUpdates(touched: [Int], into out: inout OperatorOutput) {
        var fired = Set<Int64>()
        let watermark = context.watermark
        for t in touched where !panes[t].touched.isEmpty {
            for offset in (panes[t].nextWindowToFire + 1)..<panesPerWindow {
                guard let (start, end) = windowBounds(paneStart: panes[t].start, offset: offset) else { continue }
                if WindowMath.saturatingAdd(end, context.allowedLateness) > watermark { fired.insert(start) }
            }
        }
        var emitter = RowEmitter(context: context)
        for start in fired.sorted() {
            let window = mergeWindow(start: start, selection: \.touched)
            emitter.append(table: window.table, slots: window.order, isFinal: true, context: context)
        }
        for t in touched { panes[t].touched.removeAll() }
        context.emit(emitter, into: &out)
    }

    mutating func reindex() {
        paneByStart.removeAll(keepingCapacity: true)
        for (i, pane) in panes.enumerated() { paneByStart[pane.start] = i }
    }

    var stateBytes: Int { panes.reduce(0) { $0 + $1.memoryBytes } }
}
