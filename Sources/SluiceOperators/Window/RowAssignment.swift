import SluiceCore

/// One batch's rows bound to slots of their target tables (windows or panes), in row
/// order, with each maximal run of rows that went to the same table.
struct RowAssignment {
    var rows: [Int32] = []
    var slots: [Int32] = []
    var runs: [(target: Int, start: Int, end: Int)] = []

    /// The assignment pass the windowed engines share: every row with a valid time is bound
    /// to a target table by `bind` (-1: none, the row is late), looked up in that table's
    /// keys (prefetching the key `lookahead` rows ahead) and flagged in `flags` (bit 0: it
    /// went to some table; bit 1: to one already fired).
    ///
    /// Consecutive rows nearly always hit the target of the row before, so `bind` runs only
    /// when the event time leaves the range it returned. The target's key table is held in a
    /// local while rows go to it: `exchangeKeys(&keys, target)` swaps it in and out.
    @inline(__always)
    static func assign(
        time: Column, keyWords: [UInt64], width: Int, spareKeys: KeyTable, lookahead: Int, flags: inout [UInt8],
        bind: (Int64) -> (target: Int, low: Int64, high: Int64, fired: Bool),
        exchangeKeys: (inout KeyTable, Int) -> Void
    ) -> RowAssignment {
        let n = time.count
        let validity = time.validity
        var assignment = RowAssignment()
        var current = -1
        var currentFired = false
        var keys = spareKeys
        var produced = 0
        var runStart = 0
        // Event times in [cacheLow, cacheHigh) map to the target bound last.
        var cacheLow = Int64.max
        var cacheHigh = Int64.min

        assignment.slots = [Int32](unsafeUninitializedCapacity: n) { slotsOut, slotsCount in
            assignment.rows = [Int32](unsafeUninitializedCapacity: n) { rowsOut, rowsCount in
                keyWords.withUnsafeBufferPointer { words in
                    time.ints.withUnsafeBufferPointer { times in
                        flags.withUnsafeMutableBufferPointer { flags in
                            for r in 0..<n {
                                if let validity, !validity[r] { continue }
                                let t = times[r]
                                if t < cacheLow || t >= cacheHigh {
                                    if current >= 0 {
                                        exchangeKeys(&keys, current)
                                        if produced > runStart { assignment.runs.append((current, runStart, produced)) }
                                        runStart = produced
                                    }
                                    (current, cacheLow, cacheHigh, currentFired) = bind(t)
                                    if current >= 0 { exchangeKeys(&keys, current) }
                                }
                                if current < 0 { continue }
                                // Keyed state rarely fits in cache: start the miss for a row
                                // ahead while this one is looked up.
                                let ahead = r + lookahead < n ? words.baseAddress! + (r + lookahead) * width : nil
                                let key = UnsafeBufferPointer(start: words.baseAddress! + r * width, count: width)
                                slotsOut[produced] = keys.findOrInsert(key, prefetching: ahead).slot
                                rowsOut[produced] = Int32(truncatingIfNeeded: r)
                                produced += 1
                                flags[r] |= currentFired ? 3 : 1
                            }
                        }
                    }
                }
                rowsCount = produced
            }
            slotsCount = produced
        }
        if current >= 0 {
            exchangeKeys(&keys, current)
            if produced > runStart { assignment.runs.append((current, runStart, produced)) }
        }
        return assignment
    }
}

extension GroupTable {
    /// Queues run `run` of `assignment` as pending updates; the whole arrays, without
    /// copying, when the run is the batch's only one and nothing is pending yet.
    mutating func enqueue(_ assignment: RowAssignment, run: (target: Int, start: Int, end: Int)) {
        if pendingSlots.isEmpty && assignment.runs.count == 1 {
            pendingRows = assignment.rows
            pendingSlots = assignment.slots
        } else {
            pendingRows.append(contentsOf: assignment.rows[run.start..<run.end])
            pendingSlots.append(contentsOf: assignment.slots[run.start..<run.end])
        }
    }
}
