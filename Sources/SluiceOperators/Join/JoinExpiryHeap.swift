/// A binary min-heap of (expiry time, row) pairs: which buffered join rows the watermark
/// has passed. Ties break on the row number, so the pop order is a function of the
/// contents alone (not of the push order).
struct JoinExpiryHeap: Sendable {
    private var times: [Int64] = []
    private var rows: [Int32] = []

    var count: Int { times.count }
    var minTime: Int64? { times.first }

    mutating func removeAll() {
        times.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func less(_ i: Int, _ j: Int) -> Bool {
        times[i] < times[j] || (times[i] == times[j] && rows[i] < rows[j])
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        times.swapAt(i, j)
        rows.swapAt(i, j)
    }

    mutating func push(time: Int64, row: Int32) {
        times.append(time)
        rows.append(row)
        var child = times.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the row with the smallest expiry.
    mutating func popMin() -> (time: Int64, row: Int32) {
        let top = (times[0], rows[0])
        let last = times.count - 1
        swapAt(0, last)
        times.removeLast()
        rows.removeLast()
        var parent = 0
        let n = times.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { break }
            var smallest = left
            if left + 1 < n, less(left + 1, left) { smallest = left + 1 }
            guard less(smallest, parent) else { break }
            swapAt(smallest, parent)
            parent = smallest
        }
        return top
    }
}
