import SluiceCore

/// The rows one input of an interval join has buffered, with per-key lists.
///
/// `head`/`tail` (indexed by key slot) and `next` (indexed by row) chain each key's rows in
/// arrival order, so a probe walks only the rows of its own key. Dead rows stay chained
/// until the next rebuild; probes skip them.
struct IntervalJoinSide: Sendable {
    var store: JoinRowStore
    /// Event time of each row.
    var times: [Int64] = []
    /// The next row of the same key, or -1.
    var next: [Int32] = []
    /// Whether the row has joined at least once (used for the left outer emission).
    var matched: [Bool] = []
    /// Rows by the time the watermark must pass to drop them.
    var expiry = JoinExpiryHeap()
    var head: [Int32] = []
    var tail: [Int32] = []

    init(schema: Schema) { store = JoinRowStore(schema: schema) }

    /// Buffers `rows` of `batch` under their key slots.
    mutating func add(
        _ batch: Batch, rows: [Int32], slots: [Int32], times rowTimes: [Int64], expiries: [Int64], matched rowMatched: [Bool],
        slotCount: Int
    ) {
        guard !rows.isEmpty else { return }
        if head.count < slotCount {
            head.append(contentsOf: repeatElement(-1, count: slotCount - head.count))
            tail.append(contentsOf: repeatElement(-1, count: slotCount - tail.count))
        }
        let first = store.append(batch, rows: rows)
        times.append(contentsOf: rowTimes)
        matched.append(contentsOf: rowMatched)
        next.append(contentsOf: repeatElement(-1, count: rows.count))
        for k in 0..<rows.count {
            let row = first + Int32(k)
            let slot = Int(slots[k])
            if tail[slot] >= 0 { next[Int(tail[slot])] = row } else { head[slot] = row }
            tail[slot] = row
            expiry.push(time: expiries[k], row: row)
        }
    }
}
