/// A binary min-heap of (event time, session) timers.
///
/// Entries are hints, not truth: an entry may be stale (its session merged away, fired,
/// or extended). Whoever pops one checks the session's current state and re-arms it if
/// its time has moved, which keeps one entry per session instead of one per event.
struct TimerQueue: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var id: Int32
    }

    private(set) var entries: [Entry] = []

    var memoryBytes: Int { entries.capacity * MemoryLayout<Entry>.stride }

    var first: Entry? { entries.first }

    mutating func removeAll() { entries.removeAll() }

    mutating func push(_ time: Int64, _ id: Int32) {
        entries.append(Entry(time: time, id: id))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popFirst() -> Entry? {
        guard !entries.isEmpty else { return nil }
        let top = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count && Self.before(entries[left], entries[smallest]) { smallest = left }
                if right < entries.count && Self.before(entries[right], entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return top
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool { a.time < b.time || (a.time == b.time && a.id < b.id) }
}
