import SluiceCore

/// The groups of one window (or of the whole unwindowed fold): a key table mapping keys
/// to dense slots and one accumulator per physical aggregate, indexed by slot.
///
/// Tables are dropped whole when their window expires, which is why `KeyTable` never
/// needs to delete entries.
struct GroupTable {
    var keys: KeyTable
    let accumulators: [any Accumulator]
    /// Slots changed since their row was last emitted (partial results, late updates,
    /// fold output).
    var dirty = SlotBitmap()
    /// Window bounds `[start, end)`; the fold uses the whole time line.
    let start: Int64
    let end: Int64
    /// The window's final row has been emitted (the watermark passed `end`).
    var fired: Bool
    /// This batch's updates, in row order: row `pendingRows[j]` goes to `pendingSlots[j]`.
    var pendingRows: [Int32] = []
    var pendingSlots: [Int32] = []

    init(keys: KeyTable, accumulators: [any Accumulator], start: Int64, end: Int64, fired: Bool) {
        self.keys = keys
        self.accumulators = accumulators
        self.start = start
        self.end = end
        self.fired = fired
    }

    var memoryBytes: Int {
        keys.memoryBytes + dirty.memoryBytes + accumulators.reduce(0) { $0 + $1.memoryBytes }
            + (pendingRows.capacity + pendingSlots.capacity) * 4
    }

    /// Folds this batch's pending updates into the accumulators, marks them dirty when
    /// asked, and clears them.
    mutating func applyPending(
        context: AggregationContext, arguments: [PreparedArgument], times: [Int64], markDirty: Bool
    ) {
        guard !pendingSlots.isEmpty else { return }
        let slotCount = keys.count
        for accumulator in accumulators { accumulator.ensureSlots(slotCount) }
        context.accumulate(
            accumulators, rows: pendingRows, slots: pendingSlots, arguments: arguments, times: times)
        if markDirty { dirty.insert(contentsOf: pendingSlots, limit: slotCount) }
        pendingRows.removeAll(keepingCapacity: true)
        pendingSlots.removeAll(keepingCapacity: true)
    }

    /// Puts this batch's pending updates in row order (sliding windows collect them in
    /// one pass per window offset).
    mutating func sortPendingByRow() {
        var pairs = zip(pendingRows, pendingSlots).map { UInt64(UInt32(bitPattern: $0)) << 32 | UInt64(UInt32(bitPattern: $1)) }
        pairs.sort()
        for (j, pair) in pairs.enumerated() {
            pendingRows[j] = Int32(bitPattern: UInt32(truncatingIfNeeded: pair >> 32))
            pendingSlots[j] = Int32(bitPattern: UInt32(truncatingIfNeeded: pair))
        }
    }
}
