/// The sessions of every key, as flat arrays indexed by session id, with each key's
/// sessions linked in ascending start order. Sessions of one key never overlap.
///
/// Ids of freed sessions are reused; nothing observable depends on ids (emission and
/// snapshots order sessions by key slot and start).
///
/// Each session also remembers the bounds of the row it last emitted (`emitted*`), so the
/// engine can retract that row when the session's bounds change or it is absorbed.
struct SessionStore: Sendable {
    /// First session of each key slot, -1 when the key has none.
    private(set) var head: [Int32] = []
    private(set) var key: [Int32] = []
    private(set) var start: [Int64] = []
    private(set) var end: [Int64] = []
    private(set) var next: [Int32] = []
    var fired: [Bool] = []
    private(set) var live: [Bool] = []
    /// Whether a row of the session went out (and has not been retracted since).
    private(set) var emitted: [Bool] = []
    /// The bounds of that row, meaningful where `emitted`.
    private(set) var emittedStart: [Int64] = []
    private(set) var emittedEnd: [Int64] = []
    private var freeIDs: [Int32] = []
    private(set) var liveKeys = 0
    private(set) var liveSessions = 0

    /// One more than the largest id ever handed out.
    var capacity: Int { key.count }

    var memoryBytes: Int {
        head.capacity * 4 + key.capacity * 4 + start.capacity * 8 + end.capacity * 8 + next.capacity * 4
            + fired.capacity + live.capacity + freeIDs.capacity * 4 + emitted.capacity + emittedStart.capacity * 8
            + emittedEnd.capacity * 8
    }

    mutating func addKeySlot() { head.append(-1) }

    /// Creates session `[start, end)` for `keySlot`, linked after `previous` (-1: first).
    /// Returns its id and whether the id is a reused one (its state must be reset).
    mutating func create(keySlot: Int, start: Int64, end: Int64, after previous: Int32) -> (id: Int32, reused: Bool) {
        let id: Int32
        let reused: Bool
        if let free = freeIDs.popLast() {
            id = free
            reused = true
            let i = Int(id)
            key[i] = Int32(keySlot)
            self.start[i] = start
            self.end[i] = end
            fired[i] = false
            live[i] = true
            emitted[i] = false
        } else {
            id = Int32(key.count)
            reused = false
            key.append(Int32(keySlot))
            self.start.append(start)
            self.end.append(end)
            next.append(-1)
            fired.append(false)
            live.append(true)
            emitted.append(false)
            emittedStart.append(0)
            emittedEnd.append(0)
        }
        if previous < 0 {
            if head[keySlot] < 0 { liveKeys += 1 }
            next[Int(id)] = head[keySlot]
            head[keySlot] = id
        } else {
            next[Int(id)] = next[Int(previous)]
            next[Int(previous)] = id
        }
        liveSessions += 1
        return (id, reused)
    }

    mutating func setBounds(_ id: Int32, start: Int64, end: Int64) {
        self.start[Int(id)] = start
        self.end[Int(id)] = end
    }

    /// Records that the row of `id` went out with bounds `[start, end)`.
    mutating func markEmitted(_ id: Int32, start: Int64, end: Int64) {
        emitted[Int(id)] = true
        emittedStart[Int(id)] = start
        emittedEnd[Int(id)] = end
    }

    /// Records that no row of `id` stands in the output (never emitted, or retracted).
    mutating func markUnemitted(_ id: Int32) { emitted[Int(id)] = false }

    /// The bounds of the row `id` last emitted, when that row differs from its current
    /// bounds: the row to retract before emitting the current one.
    func staleRow(_ id: Int32) -> (start: Int64, end: Int64)? {
        let i = Int(id)
        guard emitted[i], emittedStart[i] != start[i] || emittedEnd[i] != end[i] else { return nil }
        return (emittedStart[i], emittedEnd[i])
    }

    /// Unlinks and frees `id`.
    mutating func remove(_ id: Int32) {
        let i = Int(id)
        let keySlot = Int(key[i])
        if head[keySlot] == id {
            head[keySlot] = next[i]
            if head[keySlot] < 0 { liveKeys -= 1 }
        } else {
            var previous = head[keySlot]
            while next[Int(previous)] != id { previous = next[Int(previous)] }
            next[Int(previous)] = next[i]
        }
        next[i] = -1
        live[i] = false
        freeIDs.append(id)
        liveSessions -= 1
    }

    /// Live session ids ordered by (key slot, start): the canonical order.
    func canonicalOrder(_ ids: [Int32]) -> [Int32] {
        ids.sorted { a, b in
            let (ka, kb) = (key[Int(a)], key[Int(b)])
            return ka != kb ? ka < kb : start[Int(a)] < start[Int(b)]
        }
    }

    /// Every live session in canonical order.
    var allLive: [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(liveSessions)
        for keySlot in head.indices {
            var id = head[keySlot]
            while id >= 0 {
                out.append(id)
                id = next[Int(id)]
            }
        }
        return out
    }

    /// Drops key slots without sessions, keeping the others in order. Returns the new slot
    /// of each old slot (-1 for dropped ones).
    mutating func compactKeys() -> [Int32] {
        var remap = [Int32](repeating: -1, count: head.count)
        var newHead: [Int32] = []
        newHead.reserveCapacity(liveKeys)
        for slot in head.indices where head[slot] >= 0 {
            remap[slot] = Int32(newHead.count)
            newHead.append(head[slot])
        }
        for i in key.indices where live[i] { key[i] = remap[Int(key[i])] }
        head = newHead
        return remap
    }
}
