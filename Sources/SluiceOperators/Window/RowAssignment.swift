import SluiceCore

/// One batch's rows bound to slots of their target tables (windows or panes), grouped
/// by target: `runs` lists each target once, with its rows in row order.
struct RowAssignment {
    var rows: [Int32] = []
    var slots: [Int32] = []
    var runs: [(target: Int, start: Int, end: Int)] = []
    /// Rows that went to no table: late, or without an event time (ascending).
    var unplaced: [Int32] = []
    /// Rows that updated a table already fired (late updates).
    var firedUpdates = 0

    /// Rows between the looked-up key and the prefetched one. 16, not 8: W1-file's group
    /// table (80,000 keys a window) is beyond the caches, and with 8 some misses were still
    /// in flight when their row came (`findOrInsert` 10.9 % of W1Run's samples, 9.3 % with 16).
    static let lookahead = 16

    /// The assignment the windowed engines share, in two passes. First every row with a
    /// valid time is bound to a target table by `bind` (-1: none, the row is late) and,
    /// unless `flags` is empty, flagged there (bit 0: it went to some table; bit 1: to one
    /// already fired — what engines assigning a row several times combine);
    /// consecutive rows nearly always hit the target of the row before, so `bind` runs
    /// only when the event time leaves the range it returned. Then each target's rows are
    /// looked up in one batch call, `lookUp(target, keys, slots)`, which keeps the look-up
    /// loop free of window switches (rows near a window boundary alternate between two).
    ///
    /// With `selection`, only those rows (ascending) take part. `keys` are positions in
    /// the encoded keys: a row's own number, or with a selection its position in it.
    @inline(__always)
    static func assign(
        time: Column, selection: [Int32]?, flags: inout [UInt8],
        bind: (Int64) -> (target: Int, low: Int64, high: Int64, fired: Bool),
        lookUp: (_ target: Int, _ keys: UnsafeBufferPointer<Int32>, _ slots: UnsafeMutablePointer<Int32>) -> Void
    ) -> RowAssignment {
        let n = time.count
        let m = selection?.count ?? n
        let validity = time.validity
        // This batch's distinct targets by first appearance, with their row counts.
        var targets: [(target: Int, fired: Bool, rows: Int)] = []
        var current = -1
        // The current target's rows and flag bits are kept in locals and added to
        // `targets` when the target changes: per row, only stores to flat arrays.
        var currentRows = 0
        var currentFlags: UInt8 = 0
        // Event times in [cacheLow, cacheHigh) map to `targets[current]` (-1: none).
        var cacheLow = Int64.max
        var cacheHigh = Int64.min
        // Per taking-part row j (row `selection[j]`, or j): its index in `targets`.
        var unplaced: [Int32] = []
        var firedUpdates = 0
        var currentFired = 0
        let flagging = !flags.isEmpty
        let targetOfRow = [Int32](unsafeUninitializedCapacity: m) { targetOut, targetCount in
            withRows(selection) { selection in
                time.ints.withUnsafeBufferPointer { times in
                    flags.withUnsafeMutableBufferPointer { flags in
                        for j in 0..<m {
                            let r = selection.map { Int($0[j]) } ?? j
                            if let validity, !validity[r] {
                                targetOut[j] = -1
                                unplaced.append(Int32(truncatingIfNeeded: r))
                                continue
                            }
                            let t = times[r]
                            if t < cacheLow || t >= cacheHigh {
                                if current >= 0 { targets[current].rows += currentRows }
                                currentRows = 0
                                let bound = bind(t)
                                (cacheLow, cacheHigh) = (bound.low, bound.high)
                                if bound.target < 0 {
                                    current = -1
                                } else if let known = targets.firstIndex(where: { $0.target == bound.target }) {
                                    current = known
                                } else {
                                    targets.append((bound.target, bound.fired, 0))
                                    current = targets.count - 1
                                }
                                currentFired = current >= 0 && targets[current].fired ? 1 : 0
                                currentFlags = current < 0 ? 0 : currentFired == 1 ? 3 : 1
                            }
                            targetOut[j] = Int32(truncatingIfNeeded: current)
                            if current < 0 {
                                unplaced.append(Int32(truncatingIfNeeded: r))
                            } else {
                                currentRows &+= 1
                                firedUpdates &+= currentFired
                            }
                            if flagging { flags[r] |= currentFlags }
                        }
                        if current >= 0 { targets[current].rows += currentRows }
                    }
                }
            }
            targetCount = m
        }

        var assignment = RowAssignment()
        assignment.unplaced = unplaced
        assignment.firedUpdates = firedUpdates
        let assigned = targets.reduce(0) { $0 + $1.rows }
        guard assigned > 0 else { return assignment }
        // Where each assigned row's key is: its position among the taking-part rows.
        var keyPositions: [Int32]
        if assigned == m && targets.count == 1 {
            // The common batch: every row in one table.
            keyPositions = (0..<Int32(truncatingIfNeeded: m)).map { $0 }
            assignment.rows = selection ?? keyPositions
        } else {
            // A stable counting sort of the rows by target.
            var next = [Int](repeating: 0, count: targets.count)
            var offset = 0
            for k in targets.indices {
                next[k] = offset
                offset += targets[k].rows
            }
            keyPositions = [Int32](repeating: 0, count: assigned)
            assignment.rows = [Int32](unsafeUninitializedCapacity: assigned) { rowsOut, rowsCount in
                keyPositions.withUnsafeMutableBufferPointer { keysOut in
                    for j in 0..<m where targetOfRow[j] >= 0 {
                        let k = Int(targetOfRow[j])
                        rowsOut[next[k]] = selection?[j] ?? Int32(truncatingIfNeeded: j)
                        keysOut[next[k]] = Int32(truncatingIfNeeded: j)
                        next[k] &+= 1
                    }
                }
                rowsCount = assigned
            }
        }
        var start = 0
        for target in targets {
            assignment.runs.append((target.target, start, start + target.rows))
            start += target.rows
        }
        let runs = assignment.runs
        assignment.slots = [Int32](unsafeUninitializedCapacity: assigned) { slotsOut, slotsCount in
            keyPositions.withUnsafeBufferPointer { keys in
                for run in runs {
                    lookUp(run.target, UnsafeBufferPointer(rebasing: keys[run.start..<run.end]), slotsOut.baseAddress! + run.start)
                }
            }
            slotsCount = assigned
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

/// `body` with the rows' buffer, or nil when there is no selection.
@inline(__always)
private func withRows<R>(_ rows: [Int32]?, _ body: (UnsafeBufferPointer<Int32>?) -> R) -> R {
    if let rows { return rows.withUnsafeBufferPointer { body($0) } }
    return body(nil)
}
