/// An open-addressing hash table from fixed-width keys (`width` UInt64 words) to dense
/// slot numbers `0..<count`.
///
/// Keyed operators (window tables, folds, joins, de-duplication) store their state in flat
/// arrays indexed by slot; this table only maps keys to slots. Each bucket holds the key
/// words *and* the slot side by side, so a lookup touches one cache line — on machines
/// where keyed state does not fit in cache, memory latency is the whole cost. Keys are
/// also kept slot-major in `keys` for emission and snapshots. Entries are never removed
/// one by one: state that expires (a fired window, an old de-duplication bucket) drops its
/// whole table, which keeps lookups branch-light and memory flat.
public struct KeyTable: Sendable {
    public let width: Int
    /// Words per bucket: the key, then the slot (`UInt64.max` when empty).
    @usableFromInline let stride: Int
    @usableFromInline var buckets: [UInt64]
    @usableFromInline var storedKeys: [UInt64] = []
    @usableFromInline var storedCount = 0
    /// log2 of the bucket count; the hash's top `bits` pick the bucket.
    @usableFromInline var bits: Int

    /// Slot-major key words: slot `s` owns `keys[s*width ..< (s+1)*width]`.
    public var keys: [UInt64] { storedKeys }
    /// The number of keys (and slots) in the table.
    public var count: Int { storedCount }

    public init(width: Int, capacity: Int = 16) {
        precondition(width >= 1)
        self.width = width
        stride = width + 1
        var bits = 4
        while (1 << bits) < capacity * 2 { bits += 1 }
        self.bits = bits
        buckets = KeyTable.emptyBuckets(count: 1 << bits, stride: width + 1)
        storedKeys.reserveCapacity(capacity * width)
    }

    @usableFromInline
    static func emptyBuckets(count: Int, stride: Int) -> [UInt64] {
        [UInt64](repeating: .max, count: count * stride)
    }

    /// Keys the table takes before it grows.
    public var capacity: Int { 1 << (bits - 1) }

    /// Bytes held by the table (for memory accounting).
    public var memoryBytes: Int { storedKeys.capacity * 8 + buckets.capacity * 8 }

    @inlinable
    static func hashWords(_ words: UnsafePointer<UInt64>, _ width: Int) -> UInt64 {
        var h: UInt64 = 0x2545_f491_4f6c_dd1d
        for j in 0..<width {
            h = (h ^ words[j]) &* 0x9e37_79b9_7f4a_7c15
            h ^= h >> 29
        }
        return h &* 0xbf58_476d_1ce4_e5b9
    }

    /// The slot of `key` (exactly `width` words), or nil.
    public func find(_ key: UnsafeBufferPointer<UInt64>) -> Int32? {
        let (w, s, b) = (width, stride, bits)
        return buckets.withUnsafeBufferPointer { table in
            let mask = (1 << b) - 1
            var i = Int(truncatingIfNeeded: KeyTable.hashWords(key.baseAddress!, w) >> UInt64(64 - b))
            while true {
                let entry = table.baseAddress! + i * s
                if entry[w] == .max { return nil }
                var equal = true
                for j in 0..<w where entry[j] != key[j] { equal = false }
                if equal { return Int32(truncatingIfNeeded: entry[w]) }
                i = (i + 1) & mask
            }
        }
    }

    /// The slot of `key`, inserting it with the next free slot if absent. (Batches go
    /// through `findOrInsert(at:keyWords:hashes:lookahead:slots:)`.)
    @inlinable
    public mutating func findOrInsert(_ key: UnsafeBufferPointer<UInt64>) -> (slot: Int32, inserted: Bool) {
        let (w, s, b) = (width, stride, bits)
        let next = UInt64(storedCount)
        let found: (slot: Int32, inserted: Bool) = buckets.withUnsafeMutableBufferPointer { table in
            let mask = (1 << b) - 1
            let k = key.baseAddress!
            var i = Int(truncatingIfNeeded: KeyTable.hashWords(k, w) >> UInt64(64 - b))
            while true {
                let entry = table.baseAddress! + i * s
                if entry[w] == .max {
                    for j in 0..<w { entry[j] = k[j] }
                    entry[w] = next
                    return (Int32(truncatingIfNeeded: next), true)
                }
                if w == 2 {
                    if entry[0] == k[0] && entry[1] == k[1] { return (Int32(truncatingIfNeeded: entry[2]), false) }
                } else {
                    var equal = true
                    for j in 0..<w where entry[j] != k[j] { equal = false }
                    if equal { return (Int32(truncatingIfNeeded: entry[w]), false) }
                }
                i = (i + 1) & mask
            }
        }
        if found.inserted {
            storedKeys.append(contentsOf: key)
            storedCount += 1
            if storedCount * 2 > (1 << bits) { grow() }
        }
        return found
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

    /// Empties the table, keeping its memory (and bucket count) for reuse.
    public mutating func removeAll() {
        buckets.withUnsafeMutableBufferPointer { $0.update(repeating: .max) }
        storedKeys.removeAll(keepingCapacity: true)
        storedCount = 0
    }

    /// The words of the key in `slot`.
    public func key(at slot: Int) -> ArraySlice<UInt64> { storedKeys[(slot * width)..<((slot + 1) * width)] }

    @usableFromInline
    mutating func grow() {
        bits += 1
        let (w, s, b) = (width, stride, bits)
        var fresh = KeyTable.emptyBuckets(count: 1 << b, stride: s)
        let mask = (1 << b) - 1
        fresh.withUnsafeMutableBufferPointer { table in
            storedKeys.withUnsafeBufferPointer { all in
                for slot in 0..<storedCount {
                    let k = all.baseAddress! + slot * w
                    var i = Int(truncatingIfNeeded: KeyTable.hashWords(k, w) >> UInt64(64 - b))
                    while table[i * s + w] != .max { i = (i + 1) & mask }
                    for j in 0..<w { table[i * s + j] = k[j] }
                    table[i * s + w] = UInt64(slot)
                }
            }
        }
        buckets = fresh
    }
}
