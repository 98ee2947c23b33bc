import SluiceCore

/// One batch's rows bound to slots of their target tables (windows or panes), grouped
/// by target: `runs` lists each target once, with its rows in row order.
struct RowAssignment {
    var rows: [Int32] = []
    var slots: [Int32] = []
    var runs: [(target: Int, start: Int, end: Int)] = []

    /// Rows between the looked-up key and the prefetched one.
    static let lookahead = 8

    /// The assignment the windowed engines share, in two passes. First every row with a
    /// valid time is bound to a target table by `bind` (-1: none, the row is late) and
    /// flagged in `flags` (bit 0: it went to some table; bit 1: to one already fired);
    /// consecutive rows nearly always hit the target of the row before, so `bind` runs
    /// only when the event time leaves the range it returned. Then each target's rows are
    /// looked up in one batch call, `lookUp(target, rows, slots)`, which keeps the look-up
    /// loop free of window switches (rows near a window boundary alternate between two).
    @inline(__always)
    static func assign(
        time: Column, flags: inout [UInt8],
        bind: (Int64) -> (target: Int, low: Int64, high: Int64, fired: Bool),
        lookUp: (_ target: Int, _ rows: UnsafeBufferPointer<Int32>, _ slots: UnsafeMutablePointer<Int32>) -> Void
    ) -> RowAssignment {
        let n = time.count
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
        let targetOfRow = [Int32](unsafeUninitializedCapacity: n) { targetOut, targetCount in
            time.ints.withUnsafeBufferPointer { times in
                flags.withUnsafeMutableBufferPointer { flags in
                    for r in 0..<n {
                        if let validity, !validity[r] {
                            targetOut[r] = -1
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
                            currentFlags = current < 0 ? 0 : targets[current].fired ? 3 : 1
                        }
                        targetOut[r] = Int32(truncatingIfNeeded: current)
                        currentRows &+= 1
                        flags[r] |= currentFlags
                    }
                    if current >= 0 { targets[current].rows += currentRows }
                }
            }
            targetCount = n
        }

        var assignment = RowAssignment()
        let assigned = targets.reduce(0) { $0 + $1.rows }
        guard assigned > 0 else { return assignment }
        if assigned == n {
            // The common batch: every row in one table.
            if targets.count == 1 { assignment.rows = (0..<Int32(truncatingIfNeeded: n)).map { $0 } }
        }
        if assignment.rows.isEmpty {
            // A stable counting sort of the rows by target.
            var next = [Int](repeating: 0, count: targets.count)
            var offset = 0
            for k in targets.indices {
                next[k] = offset
                offset += targets[k].rows
            }
            assignment.rows = [Int32](unsafeUninitializedCapacity: assigned) { rowsOut, rowsCount in
                for r in 0..<n where targetOfRow[r] >= 0 {
                    let k = Int(targetOfRow[r])
                    rowsOut[next[k]] = Int32(truncatingIfNeeded: r)
                    next[k] &+= 1
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
            assignment.rows.withUnsafeBufferPointer { rows in
                for run in runs {
                    lookUp(run.target, UnsafeBufferPointer(rebasing: rows[run.start..<run.end]), slotsOut.baseAddress! + run.start)
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
