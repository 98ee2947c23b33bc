/// Turns the bytes of one string column into per-batch dictionary codes, keeping the
/// `String`s across batches so recurring values (agent ids, metric names) are hashed
/// and compared as bytes but allocated only once.
///
/// Each entry remembers the batch it was last coded in and its code there; a new batch
/// only bumps `batchStamp`. The table is cleared between batches once it holds more
/// than `maxEntries` strings or `maxArenaBytes` of text, which bounds memory for
/// unique-per-event columns such as `id`.
///
/// - Important: Owns raw allocations: its owner (`DecoderState`) calls `deallocate()`.
struct StringTable {
    static let maxEntries = 1 << 18
    static let maxArenaBytes = 8 << 20

    /// One distinct string, 32 bytes so it never straddles a cache line. Strings of up
    /// to 16 bytes live in `inline0`/`inline1` and compare without touching the arena;
    /// longer ones keep their arena offset in `inline0`.
    private struct Entry: BitwiseCopyable {
        var inline0: UInt64
        var inline1: UInt64
        var length: Int32
        var stamp: UInt32
        var code: UInt32
        var allowed: Bool
    }

    /// Open addressing: each slot is `hash tag (high 32 bits) | entry + 1 (low 32)`, 0 when
    /// empty, so most mismatches are settled without loading the entry.
    private var index: UnsafeMutablePointer<UInt64>
    private var mask: Int
    private var entries = GrowableBuffer<Entry>(capacity: 1024)
    private var arena = GrowableBuffer<UInt8>(capacity: 16 << 10)
    private var strings: [String] = []
    private var batchStamp: UInt32 = 0
    private let allowedValues: Set<String>?
    /// This batch's dictionary: code → string.
    private(set) var dictionary: [String] = []

    init(allowedValues: Set<String>? = nil) {
        self.allowedValues = allowedValues
        mask = 2047
        index = .allocate(capacity: mask + 1)
        index.initialize(repeating: 0, count: mask + 1)
    }

    func deallocate() {
        index.deallocate()
        entries.deallocate()
        arena.deallocate()
    }

    /// Starts a batch with an empty dictionary.
    mutating func beginBatch() {
        if entries.count > StringTable.maxEntries || arena.count > StringTable.maxArenaBytes {
            index.update(repeating: 0, count: mask + 1)
            entries.removeAll()
            arena.removeAll()
            strings.removeAll(keepingCapacity: true)
        }
        if batchStamp == UInt32.max {
            for i in 0..<entries.count { entries.base[i].stamp = 0 }
            batchStamp = 0
        }
        batchStamp &+= 1
        dictionary = []
    }

    /// Hands this batch's dictionary over and leaves an empty one.
    mutating func takeDictionary() -> [String] {
        let out = dictionary
        dictionary = []
        return out
    }

    /// The entry for the `n` bytes at `p` (valid UTF-8), created if new.
    @inline(__always)
    mutating func entry(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        let hash = ByteHash.hash(p, n)
        let tag = hash & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let word = index[i]
            if word == 0 { break }
            if word & 0xFFFF_FFFF_0000_0000 == tag {
                let e = Int32(truncatingIfNeeded: word) &- 1
                if matches(entries.base + Int(e), p, n) { return e }
            }
            i = (i &+ 1) & mask
        }
        return insert(p, n, tag: tag, at: i)
    }

    @inline(__always)
    private func matches(_ entry: UnsafeMutablePointer<Entry>, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        guard Int(entry.pointee.length) == n else { return false }
        if n <= 16 {
            return UnsafeMutableRawPointer(entry).withMemoryRebound(to: UInt8.self, capacity: 16) {
                bytesEqual($0, p, n)
            }
        }
        return bytesEqual(arena.base + Int(entry.pointee.inline0), p, n)
    }

    @inline(never)
    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, tag: UInt64, at slot: Int) -> Int32 {
        let e = Int32(entries.count)
        index[slot] = tag | UInt64(e + 1)
        let string = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        var entry = Entry(
            inline0: 0, inline1: 0, length: Int32(clamping: n), stamp: 0, code: 0,
            allowed: allowedValues?.contains(string) ?? true)
        if n <= 16 {
            withUnsafeMutableBytes(of: &entry) { raw in raw.copyMemory(from: UnsafeRawBufferPointer(start: p, count: n)) }
        } else {
            entry.inline0 = UInt64(arena.count)
            arena.append(p, count: n)
        }
        entries.append(entry)
        strings.append(string)
        if entries.count * 2 > mask + 1 { grow() }
        return e
    }

    /// Doubles the index, re-hashing every string (the entries keep no full hash).
    private mutating func grow() {
        let size = (mask + 1) * 2
        let grown = UnsafeMutablePointer<UInt64>.allocate(capacity: size)
        grown.initialize(repeating: 0, count: size)
        let newMask = size - 1
        for e in 0..<entries.count {
            let n = Int(entries.base[e].length)
            let hash: UInt64
            if n <= 16 {
                hash = UnsafeMutableRawPointer(entries.base + e).withMemoryRebound(to: UInt8.self, capacity: 16) {
                    ByteHash.hash($0, n)
                }
            } else {
                hash = ByteHash.hash(arena.base + Int(entries.base[e].inline0), n)
            }
            var i = Int(truncatingIfNeeded: hash) & newMask
            while grown[i] != 0 { i = (i + 1) & newMask }
            grown[i] = hash & 0xFFFF_FFFF_0000_0000 | UInt64(e + 1)
        }
        index.deallocate()
        index = grown
        mask = newMask
    }

    /// The code of `entry` in this batch's dictionary, adding it on first use.
    @inline(__always)
    mutating func code(of e: Int32) -> UInt32 {
        let entry = entries.base + Int(e)
        if entry.pointee.stamp == batchStamp { return entry.pointee.code }
        let code = UInt32(dictionary.count)
        dictionary.append(strings[Int(e)])
        entry.pointee.stamp = batchStamp
        entry.pointee.code = code
        return code
    }

    func string(_ e: Int32) -> String { strings[Int(e)] }

    /// False when the table has an allowed set that does not contain `e`'s string.
    func isAllowed(_ e: Int32) -> Bool { entries.base[Int(e)].allowed }
}
