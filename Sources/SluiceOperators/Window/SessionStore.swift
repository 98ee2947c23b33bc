/// The sessions of every key, as flat arrays indexed by session id, with each key's
/// sessions linked in ascending start order. Sessions of one key never overlap.
///
/// Ids of freed sessions are reused; nothing observable depends on ids (emission and
/// snapshots order sessions by key slot and start).
struct SessionStore: Sendable {
    /// First session of each key slot, -1 when the key has none.
    private(set) var head: [Int32] = []
    private(set) var key: [Int32] = []
    private(set) var start: [Int64] = []
    private(set) var end: [Int64] = []
    private(set) var next: [Int32] = []
    var fired: [Bool] = []
    private(set) var live: [Bool] = []
    private var freeIDs: [Int32] = []
    private(set) var liveKeys = 0
    private(set) var liveSessions = 0

    /// One more than the largest id ever handed out.
    var capacity: Int { key.count }

    var memoryBytes: Int {
        head.capacity * 4 + key.capacity * 4 + start.capacity * 8 + end.capacity * 8 + next.capacity * 4
            + fired.capacity + live.capacity + freeIDs.capacity * 4
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
        } else {
            id = Int32(key.count)
            reused = false
            key.append(Int32(keySlot))
            self.start.append(start)
            self.end.append(end)
            next.append(-1)
            fired.append(false)
            live.append(true)
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
