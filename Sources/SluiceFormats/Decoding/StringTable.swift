#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the bytes of one string column into per-batch dictionary codes, keeping the
/// `String`s across batches so recurring values (agent ids, metric names) are hashed
/// and compared as bytes but allocated only once.
///
/// Each entry remembers the batch it was last coded in and its code there; a new batch
/// only bumps `batchStamp`. The table is cleared between batches once it holds more
/// than `maxEntries` strings or `maxArenaBytes` of text, which bounds memory for
/// unique-per-event columns such as `id`.
struct StringTable {
    static let maxEntries = 1 << 18
    static let maxArenaBytes = 8 << 20

    private var index: [Int32] = []
    private var mask = 0
    private var hashes: [UInt64] = []
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var arena: [UInt8] = []
    private var strings: [String] = []
    private var allowed: [Bool] = []
    private var stamps: [UInt32] = []
    private var codes: [UInt32] = []
    private var batchStamp: UInt32 = 0
    private let allowedValues: Set<String>?
    /// This batch's dictionary: code → string.
    private(set) var dictionary: [String] = []

    init(allowedValues: Set<String>? = nil) {
        self.allowedValues = allowedValues
        reset()
    }

    private mutating func reset() {
        index = [Int32](repeating: -1, count: 1024)
        mask = 1023
        hashes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
        strings.removeAll(keepingCapacity: true)
        allowed.removeAll(keepingCapacity: true)
        stamps.removeAll(keepingCapacity: true)
        codes.removeAll(keepingCapacity: true)
    }

    /// Starts a batch with an empty dictionary.
    mutating func beginBatch() {
        if strings.count > StringTable.maxEntries || arena.count > StringTable.maxArenaBytes { reset() }
        if batchStamp == UInt32.max {
            for i in stamps.indices { stamps[i] = 0 }
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
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = index[i]
            if e < 0 { break }
            let k = Int(e)
            if hashes[k] == hash && lengths[k] == n
                && arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + offsets[k], p, n) }) == 0
            {
                return e
            }
            i = (i + 1) & mask
        }
        return insert(p, n, hash: hash, at: i)
    }

    private mutating func insert(_ p: UnsafePointer<UInt8>, _ n: Int, hash: UInt64, at slot: Int) -> Int32 {
        let e = Int32(strings.count)
        index[slot] = e
        hashes.append(hash)
        offsets.append(arena.count)
        lengths.append(n)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        let string = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        allowed.append(allowedValues?.contains(string) ?? true)
        strings.append(string)
        stamps.append(0)
        codes.append(0)
        if strings.count * 2 > mask + 1 { grow() }
        return e
    }

    private mutating func grow() {
        let size = (mask + 1) * 2
        var grown = [Int32](repeating: -1, count: size)
        let newMask = size - 1
        for (e, hash) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: hash) & newMask
            while grown[i] >= 0 { i = (i + 1) & newMask }
            grown[i] = Int32(e)
        }
        index = grown
        mask = newMask
    }

    /// The code of `entry` in this batch's dictionary, adding it on first use.
    @inline(__always)
    mutating func code(of entry: Int32) -> UInt32 {
        let k = Int(entry)
        if stamps[k] == batchStamp { return codes[k] }
        let code = UInt32(dictionary.count)
        dictionary.append(strings[k])
        stamps[k] = batchStamp
        codes[k] = code
        return code
    }

    func string(_ entry: Int32) -> String { strings[Int(entry)] }

    /// False when the table has an allowed set that does not contain `entry`'s string.
    func isAllowed(_ entry: Int32) -> Bool { allowed[Int(entry)] }
}
