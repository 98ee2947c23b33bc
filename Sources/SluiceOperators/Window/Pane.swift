import SluiceCore

/// One `slide`-long slice of event time of a sliding window operator: the groups of the
/// events in `[start, start + slide)`. A sliding window is the merge of its `size / slide`
/// consecutive panes, so each event is looked up once, in its pane.
struct Pane {
    /// The pane's groups; `table.start` / `table.end` are the pane bounds, `table.dirty`
    /// the keys changed since the last partial emission.
    var table: GroupTable
    /// Keys changed by the current batch while some window of this pane had fired (to
    /// re-emit those windows at the end of the batch).
    var touched = SlotBitmap()
    /// The offset (in panes before this one) of the oldest window of this pane that has
    /// not fired, or -1 once all have. Windows of a pane fire from the largest offset down.
    var nextWindowToFire = -1
    /// Batch number of each run of slots inserted together: slots from
    /// `runFirstSlots[i]` on were inserted by batch `runBatches[i]`. Windows order their
    /// rows by first arrival, which needs the batch that first saw each key.
    private(set) var runBatches: [UInt64] = []
    private(set) var runFirstSlots: [Int32] = []

    init(table: GroupTable) { self.table = table }

    var start: Int64 { table.start }

    var memoryBytes: Int {
        table.memoryBytes + touched.memoryBytes + runBatches.capacity * 8 + runFirstSlots.capacity * 4
    }

    /// Slots already covered by a run.
    private var recordedSlots = 0

    /// Records that the slots added since the last call arrived in batch `batch`.
    mutating func recordInsertions(batch: UInt64) {
        guard table.keys.count > recordedSlots else { return }
        runBatches.append(batch)
        runFirstSlots.append(Int32(recordedSlots))
        recordedSlots = table.keys.count
    }

    /// Replaces the insertion runs (snapshot restore); they must cover exactly the table's slots.
    mutating func restoreInsertions(batches: [UInt64], firstSlots: [Int32]) throws {
        let count = table.keys.count
        guard batches.count == firstSlots.count, (count == 0) == firstSlots.isEmpty,
            firstSlots.first.map({ $0 == 0 }) ?? true,
            zip(firstSlots, firstSlots.dropFirst()).allSatisfy({ $0 < $1 }),
            firstSlots.allSatisfy({ Int($0) < count })
        else { throw SluiceError(.corruptSnapshot, "pane insertion runs do not match its keys") }
        runBatches = batches
        runFirstSlots = firstSlots
        recordedSlots = count
    }

    /// The batch that inserted `slot`.
    func insertionBatch(of slot: Int32) -> UInt64 {
        // Last run starting at or before `slot` (binary search; runs ascend).
        var low = 0
        var high = runFirstSlots.count
        while high - low > 1 {
            let mid = (low + high) / 2
            if runFirstSlots[mid] <= slot { low = mid } else { high = mid }
        }
        return runBatches[low]
    }
}

/// Where a key first arrived in a window, as the unpaned engine orders slots: by batch,
/// then (within a batch, one pass per pane) by pane, then by arrival within the pane.
struct ArrivalOrder: Comparable {
    var batch: UInt64
    var pane: Int32
    var slot: Int32

    static let last = ArrivalOrder(batch: .max, pane: .max, slot: .max)

    static func < (a: ArrivalOrder, b: ArrivalOrder) -> Bool {
        (a.batch, a.pane, a.slot) < (b.batch, b.pane, b.slot)
    }
}
