/// Event-time timers of sessions, bucketed by time: the sessions whose end (or expiry)
/// the watermark may have passed.
///
/// Entries are hints, not truth: an entry may be stale (its session merged away, fired,
/// or extended). Whoever takes one checks the session's current state and re-arms it if
/// its time has moved, which keeps about one entry per session instead of one per event.
/// Buckets of `granularity` milliseconds make arming an append and expiry a sequential
/// walk, where a heap would pay a logarithmic, cache-missing sift per re-arm.
struct TimerQueue: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var id: Int32
    }

    let granularity: Int64
    private var buckets: [Int64: [Entry]] = [:]
    /// Keys of non-empty buckets as a binary min-heap (there are few).
    private var keys: [Int64] = []

    init(granularity: Int64) { self.granularity = Swift.max(granularity, 1) }

    var memoryBytes: Int {
        buckets.values.reduce(keys.capacity * 8) { $0 + $1.capacity * MemoryLayout<Entry>.stride + 48 }
    }

    mutating func removeAll() {
        buckets = [:]
        keys = []
    }

    mutating func push(_ time: Int64, _ id: Int32) {
        let key = bucket(of: time)
        if buckets[key] == nil { pushKey(key) }
        buckets[key, default: []].append(Entry(time: time, id: id))
    }

    /// Removes and returns every entry with `time <= watermark`, bucket by bucket, in
    /// arrival order within a bucket.
    mutating func popDue(_ watermark: Int64) -> [Entry] {
        let last = bucket(of: watermark)
        var due: [Entry] = []
        while let key = keys.first, key <= last {
            popKey()
            guard let entries = buckets.removeValue(forKey: key) else { continue }
            if key < last {
                due.append(contentsOf: entries)
            } else {
                var kept: [Entry] = []
                for entry in entries {
                    if entry.time <= watermark { due.append(entry) } else { kept.append(entry) }
                }
                if !kept.isEmpty {
                    buckets[key] = kept
                    pushKey(key)
                    break
                }
            }
        }
        return due
    }

    private func bucket(of time: Int64) -> Int64 {
        let q = time / granularity
        return time % granularity < 0 ? q - 1 : q
    }

    private mutating func pushKey(_ key: Int64) {
        keys.append(key)
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard keys[child] < keys[parent] else { break }
            keys.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popKey() {
        let last = keys.removeLast()
        guard !keys.isEmpty else { return }
        keys[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < keys.count && keys[left] < keys[smallest] { smallest = left }
            if right < keys.count && keys[right] < keys[smallest] { smallest = right }
            if smallest == parent { return }
            keys.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
