/// An exact set of 64-bit value hashes: the state of `count_distinct` for one group.
///
/// Open addressing with linear probing over a power-of-two array; 0 marks an empty
/// cell, so the value 0 is kept in a flag instead. Values are hashed before they get
/// here (`ValueHash`): for int, timestamp, double and bool the hash is a bijection, so
/// the count is exact; for strings it is exact up to 64-bit hash collisions
/// (probability about n²/2⁶⁵, below 10⁻⁸ for a million distinct strings in one group).
struct DistinctSet: Sendable {
    private var cells: [UInt64] = []
    private var storedNonZero = 0
    private var containsZero = false

    init() {}

    /// The number of distinct hashes inserted.
    var count: Int { storedNonZero + (containsZero ? 1 : 0) }

    /// Heap bytes held (for memory accounting).
    var memoryBytes: Int { cells.capacity * 8 }

    mutating func insert(_ hash: UInt64) {
        if hash == 0 {
            containsZero = true
            return
        }
        if cells.isEmpty {
            cells = [UInt64](repeating: 0, count: 4)
        } else if (storedNonZero + 1) * 4 > cells.count * 3 {
            grow()
        }
        if place(hash) { storedNonZero += 1 }
    }

    /// Inserts every member of `other` (the union of the two sets).
    mutating func formUnion(_ other: DistinctSet) {
        if other.containsZero { containsZero = true }
        for cell in other.cells where cell != 0 { insert(cell) }
    }

    /// The members in ascending order (deterministic snapshots, tests).
    var sortedMembers: [UInt64] {
        var members = cells.filter { $0 != 0 }
        if containsZero { members.append(0) }
        members.sort()
        return members
    }

    /// Returns true when `hash` was new.
    private mutating func place(_ hash: UInt64) -> Bool {
        let mask = cells.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let cell = cells[i]
            if cell == hash { return false }
            if cell == 0 {
                cells[i] = hash
                return true
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let old = cells
        cells = [UInt64](repeating: 0, count: old.count * 2)
        for cell in old where cell != 0 { _ = place(cell) }
    }
}
