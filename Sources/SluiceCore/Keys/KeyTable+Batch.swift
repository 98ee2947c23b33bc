/// Batch look-ups: a batch's keys are hashed once in a tight pass, then looked up in one
/// loop that holds the bucket array for the whole batch (no per-row uniqueness check,
/// no per-row call) and prefetches the bucket of the key `lookahead` rows ahead from its
/// precomputed hash. Per row this is a third of the single-key path's instructions, which
/// matters because keyed operators spend most of their time here.
extension KeyTable {
    /// Fills `hashes` with the table hash of each of the `words.count / width` keys in
    /// `words` (row-major, `width` words per key) — the hash `findOrInsert` uses.
    public static func hashKeys(_ words: [UInt64], width: Int, into hashes: inout [UInt64]) {
        let n = words.count / width
        hashes = words.withUnsafeBufferPointer { words in
            [UInt64](unsafeUninitializedCapacity: n) { out, count in
                guard let base = words.baseAddress else { return }
                // Literal widths let the word loop unroll away for the common keys.
                switch width {
                case 1: for r in 0..<n { out[r] = hashWords(base + r, 1) }
                case 2: for r in 0..<n { out[r] = hashWords(base + 2 &* r, 2) }
                default: for r in 0..<n { out[r] = hashWords(base + width &* r, width) }
                }
                count = n
            }
        }
    }

    /// The slot of each key `keyWords[p * width ..< (p + 1) * width]` for `p` in
    /// `positions`, written to `slots[j]` for `positions[j]`; absent keys are inserted in
    /// that order. `hashes` must come from `hashKeys` over the same words.
    public mutating func findOrInsert(
        at positions: UnsafeBufferPointer<Int32>, keyWords: [UInt64], hashes: [UInt64], lookahead: Int,
        slots: UnsafeMutablePointer<Int32>
    ) {
        keyWords.withUnsafeBufferPointer { words in
            hashes.withUnsafeBufferPointer { hashes in
                switch width {
                case 1: lookUp(OneWordKey.self, positions, words.baseAddress, hashes.baseAddress, lookahead, slots)
                case 2: lookUp(TwoWordKey.self, positions, words.baseAddress, hashes.baseAddress, lookahead, slots)
                default: lookUp(AnyWidthKey.self, positions, words.baseAddress, hashes.baseAddress, lookahead, slots)
                }
            }
        }
    }

    /// The look-up loop, specialized per key width. It runs in chunks that cannot fill the
    /// table past its load factor, growing between chunks, so it never grows mid-loop.
    private mutating func lookUp<Key: KeyComparison>(
        _: Key.Type, _ rows: UnsafeBufferPointer<Int32>, _ words: UnsafePointer<UInt64>?,
        _ hashes: UnsafePointer<UInt64>?, _ lookahead: Int, _ slots: UnsafeMutablePointer<Int32>
    ) {
        guard let words, let hashes, !rows.isEmpty else { return }
        let w = width
        let s = stride
        var done = 0
        while done < rows.count {
            // Each row inserts at most one key; `findOrInsert(_:)` keeps count ≤ buckets / 2.
            let room = (1 << (bits - 1)) - storedCount
            if room <= 0 {
                grow()
                continue
            }
            let end = Swift.min(rows.count, done + room)
            let shift = UInt64(64 - bits)
            let mask = (1 << bits) - 1
            var next = storedCount
            // The buckets move into a local for the loop, so inserting into `storedKeys`
            // inside it is not an overlapping access to `self`.
            var table = buckets
            buckets = []
            table.withUnsafeMutableBufferPointer { table in
                let base = table.baseAddress!
                for j in done..<end {
                    if j &+ lookahead < rows.count {
                        let ahead = hashes[Int(rows[j &+ lookahead])]
                        prefetchForWrite(base + Int(truncatingIfNeeded: ahead &>> shift) &* s)
                    }
                    let row = Int(rows[j])
                    let key = words + row &* w
                    var i = Int(truncatingIfNeeded: hashes[row] &>> shift)
                    while true {
                        let entry = base + i &* s
                        let stored = entry[w]
                        if stored == .max {
                            for x in 0..<w { entry[x] = key[x] }
                            entry[w] = UInt64(next)
                            storedKeys.append(contentsOf: UnsafeBufferPointer(start: key, count: w))
                            slots[j] = Int32(truncatingIfNeeded: next)
                            next &+= 1
                            break
                        }
                        if Key.equal(entry, key, width: w) {
                            slots[j] = Int32(truncatingIfNeeded: stored)
                            break
                        }
                        i = (i &+ 1) & mask
                    }
                }
            }
            buckets = table
            storedCount = next
            done = end
        }
    }
}

/// Key comparison specialized by width, so the common one- and two-word keys compare
/// without a loop.
@usableFromInline
protocol KeyComparison {
    static func equal(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, width: Int) -> Bool
}

@usableFromInline
enum OneWordKey: KeyComparison {
    @inline(__always) @usableFromInline
    static func equal(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, width: Int) -> Bool { a[0] == b[0] }
}

@usableFromInline
enum TwoWordKey: KeyComparison {
    @inline(__always) @usableFromInline
    static func equal(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, width: Int) -> Bool {
        (a[0] ^ b[0]) | (a[1] ^ b[1]) == 0
    }
}

@usableFromInline
enum AnyWidthKey: KeyComparison {
    @inline(__always) @usableFromInline
    static func equal(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, width: Int) -> Bool {
        for j in 0..<width where a[j] != b[j] { return false }
        return true
    }
}
