/// An open-addressing hash table from fixed-width keys (`width` UInt64 words) to dense
/// slot numbers `0..<count`.
///
/// Keyed operators (window tables, folds, joins, de-duplication) store their state in flat
/// arrays indexed by slot; this table only maps keys to slots. Keys are stored slot-major
/// in `keys`, so slot `s` owns `keys[s*width ..< (s+1)*width]`. Entries are never removed
/// one by one: state that expires (a fired window, an old de-duplication bucket) drops its
/// whole table, which keeps lookups branch-light and memory flat.
public struct KeyTable: Sendable {
    public let width: Int
    @usableFromInline var storedKeys: [UInt64] = []
    @usableFromInline var storedCount = 0
    /// Slot-major key words: slot `s` owns `keys[s*width ..< (s+1)*width]`.
    public var keys: [UInt64] { storedKeys }
    /// The number of keys (and slots) in the table.
    public var count: Int { storedCount }
    @usableFromInline var index: [Int32]
    @usableFromInline var mask: Int

    public init(width: Int, capacity: Int = 16) {
        precondition(width >= 1)
        self.width = width
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        index = [Int32](repeating: -1, count: size)
        mask = size - 1
        storedKeys.reserveCapacity(capacity * width)
    }

    /// Bytes held by the table (for memory accounting).
    public var memoryBytes: Int { storedKeys.capacity * 8 + index.capacity * 4 }

    @inlinable
    static func hashWords(_ words: UnsafeBufferPointer<UInt64>) -> UInt64 {
        var h: UInt64 = 0x2545_f491_4f6c_dd1d
        for w in words { h = StableHash.mix(h ^ w) &+ 0x9e37_79b9_7f4a_7c15 }
        return h
    }

    /// The slot of `key` (exactly `width` words), or nil.
    public func find(_ key: UnsafeBufferPointer<UInt64>) -> Int32? {
        var i = Int(truncatingIfNeeded: KeyTable.hashWords(key)) & mask
        while true {
            let slot = index[i]
            if slot < 0 { return nil }
            if matches(slot: Int(slot), key) { return slot }
            i = (i + 1) & mask
        }
    }

    @inlinable
    func matches(slot: Int, _ key: UnsafeBufferPointer<UInt64>) -> Bool {
        let base = slot * width
        for j in 0..<width where storedKeys[base + j] != key[j] { return false }
        return true
    }

    /// The slot of `key`, inserting it with the next free slot if absent.
    @inlinable
    public mutating func findOrInsert(_ key: UnsafeBufferPointer<UInt64>) -> (slot: Int32, inserted: Bool) {
        var i = Int(truncatingIfNeeded: KeyTable.hashWords(key)) & mask
        while true {
            let slot = index[i]
            if slot < 0 { break }
            if matches(slot: Int(slot), key) { return (slot, false) }
            i = (i + 1) & mask
        }
        let slot = Int32(storedCount)
        index[i] = slot
        storedKeys.append(contentsOf: key)
        storedCount += 1
        if count * 2 > mask + 1 { grow() }
        return (slot, true)
    }

    /// Convenience for one-word keys.
    @inlinable
    public mutating func findOrInsert(_ k0: UInt64) -> (slot: Int32, inserted: Bool) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 1) { buf in
            buf[0] = k0
            return findOrInsert(UnsafeBufferPointer(buf))
        }
    }

    /// Convenience for two-word keys.
    @inlinable
    public mutating func findOrInsert(_ k0: UInt64, _ k1: UInt64) -> (slot: Int32, inserted: Bool) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2) { buf in
            buf[0] = k0
            buf[1] = k1
            return findOrInsert(UnsafeBufferPointer(buf))
        }
    }

    /// The words of the key in `slot`.
    public func key(at slot: Int) -> ArraySlice<UInt64> { keys[(slot * width)..<((slot + 1) * width)] }

    @usableFromInline
    mutating func grow() {
        let size = (mask + 1) * 2
        var newIndex = [Int32](repeating: -1, count: size)
        let newMask = size - 1
        storedKeys.withUnsafeBufferPointer { all in
            for slot in 0..<count {
                let key = UnsafeBufferPointer(rebasing: all[(slot * width)..<((slot + 1) * width)])
                var i = Int(truncatingIfNeeded: KeyTable.hashWords(key)) & newMask
                while newIndex[i] >= 0 { i = (i + 1) & newMask }
                newIndex[i] = Int32(slot)
            }
        }
        index = newIndex
        mask = newMask
    }
}
