/// The order de-duplication's snapshots list a segment's ids in: by
/// `FingerprintTable.snapshotOrder` of word 0, then by word 1. It depends only on the ids
/// (word 0's hash is a bijection, so no two ids tie), never on the table's size or history,
/// so equal id sets give equal bytes. It is the table's own order but for a few places,
/// so ids gathered from the table (`forEach`) sort in about one pass.
enum DedupeIdOrder {
    /// Sorts `count` ids stored at `ids` (each 16 bytes: word 0, word 1, little-endian;
    /// any alignment) into this order, in place.
    ///
    /// An insertion sort, which costs one comparison per id that is already in place. Ids
    /// far out of place would make it quadratic: past a budget of moves it sorts them all
    /// by comparisons instead. Returns the moves made, nil when it fell back (tests).
    @discardableResult
    static func sort(_ ids: UnsafeMutableRawPointer, count: Int) -> Int? {
        guard count > 1 else { return 0 }
        let budget = 8 * count + 64
        var moves = 0
        var last = key(ids, 0)
        for i in 1..<count {
            let current = key(ids, i)
            guard current < last else {
                last = current
                continue
            }
            // `last` stays the largest so far: it moves up one place.
            var j = i
            while j > 0 {
                let before = key(ids, j - 1)
                guard current < before else { break }
                store(before, ids, j)
                j -= 1
            }
            store(current, ids, j)
            moves += i - j
            if moves > budget {
                sortByComparison(ids, count: count)
                return nil
            }
        }
        return moves
    }

    /// An id with word 0's order key.
    private struct Key: Comparable {
        var order: UInt64
        var w0: UInt64
        var w1: UInt64

        @inline(__always)
        static func < (a: Key, b: Key) -> Bool { a.order < b.order || (a.order == b.order && a.w1 < b.w1) }
    }

    @inline(__always)
    private static func key(_ ids: UnsafeMutableRawPointer, _ index: Int) -> Key {
        let w0 = UInt64(littleEndian: ids.loadUnaligned(fromByteOffset: 16 &* index, as: UInt64.self))
        let w1 = UInt64(littleEndian: ids.loadUnaligned(fromByteOffset: 16 &* index &+ 8, as: UInt64.self))
        return Key(order: FingerprintTable.snapshotOrder(w0), w0: w0, w1: w1)
    }

    @inline(__always)
    private static func store(_ key: Key, _ ids: UnsafeMutableRawPointer, _ index: Int) {
        ids.storeBytes(of: key.w0.littleEndian, toByteOffset: 16 &* index, as: UInt64.self)
        ids.storeBytes(of: key.w1.littleEndian, toByteOffset: 16 &* index &+ 8, as: UInt64.self)
    }

    private static func sortByComparison(_ ids: UnsafeMutableRawPointer, count: Int) {
        let keys = (0..<count).map { key(ids, $0) }.sorted()
        for (index, key) in keys.enumerated() { store(key, ids, index) }
    }

    /// Sorts `keys` into this order (ids kept outside the table).
    static func sorted(_ keys: [DedupeKey]) -> [DedupeKey] {
        keys.map { Key(order: FingerprintTable.snapshotOrder($0.w0), w0: $0.w0, w1: $0.w1) }
            .sorted().map { DedupeKey(w0: $0.w0, w1: $0.w1) }
    }
}
