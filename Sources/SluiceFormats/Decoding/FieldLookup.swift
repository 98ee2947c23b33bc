/// Maps the raw bytes of a JSON key to the decoder slot of that field.
///
/// Immutable after init; names live in one flat allocation so a match is a length check
/// and a word compare, and the table is open addressing over `ByteHash`.
final class FieldLookup: @unchecked Sendable {
    // @unchecked: every stored property is written only in init and then only read.
    private let names: UnsafeMutablePointer<UInt8>
    private let offsets: UnsafeMutablePointer<Int>
    private let lengths: UnsafeMutablePointer<Int>
    private let table: UnsafeMutablePointer<Int32>
    private let mask: Int
    /// The name length for names of printable ASCII other than `"` and `\\`, which can be
    /// matched against raw key bytes; -1 for any other name (found only unescaped).
    private let rawLengths: UnsafeMutablePointer<Int>
    /// Names of up to 16 bytes as `ShortBytes` words (two per slot).
    private let shortWords: UnsafeMutablePointer<UInt64>

    init(names fieldNames: [String]) {
        let utf8 = fieldNames.map { Array($0.utf8) }
        let total = utf8.reduce(0) { $0 + $1.count }
        let names = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
        self.names = names
        var offsets: [Int] = []
        var offset = 0
        for bytes in utf8 {
            offsets.append(offset)
            for (i, b) in bytes.enumerated() { names[offset + i] = b }
            offset += bytes.count
        }
        shortWords = .allocate(capacity: max(utf8.count * 2, 1))
        for (slot, bytes) in utf8.enumerated() {
            var words: (UInt64, UInt64) = (0, 0)
            if bytes.count <= 16 {
                words = bytes.withUnsafeBufferPointer {
                    ShortBytes.words($0.baseAddress ?? UnsafePointer(names), $0.count, readable: $0.count)
                }
            }
            let (low, high) = words
            (shortWords + 2 * slot).initialize(to: low)
            (shortWords + 2 * slot + 1).initialize(to: high)
        }
        rawLengths = .allocate(capacity: max(utf8.count, 1))
        for (slot, bytes) in utf8.enumerated() {
            let plain = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x80 && $0 != 0x22 && $0 != 0x5C }
            (rawLengths + slot).initialize(to: plain ? bytes.count : -1)
        }
        self.offsets = .allocate(capacity: max(offsets.count, 1))
        self.offsets.initialize(from: offsets, count: offsets.count)
        lengths = .allocate(capacity: max(utf8.count, 1))
        lengths.initialize(from: utf8.map(\.count), count: utf8.count)
        var size = 16
        while size < fieldNames.count * 4 { size <<= 1 }
        var table = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (slot, bytes) in utf8.enumerated() {
            let hash = bytes.withUnsafeBufferPointer { ByteHash.hash($0.baseAddress ?? UnsafePointer(names), $0.count) }
            var i = Int(truncatingIfNeeded: hash) & mask
            var duplicate = false
            while table[i] >= 0 {
                if utf8[Int(table[i])] == bytes { duplicate = true }
                i = (i + 1) & mask
            }
            // The first field of a name wins, as in `Schema.index(of:)`.
            if !duplicate { table[i] = Int32(slot) }
        }
        self.table = .allocate(capacity: size)
        self.table.initialize(from: table, count: size)
    }

    deinit {
        names.deallocate()
        offsets.deallocate()
        lengths.deallocate()
        rawLengths.deallocate()
        shortWords.deallocate()
        table.deallocate()
    }

    /// The lookup as plain pointers, for hot loops: holding it costs no reference count
    /// (a class reference held across a record costs a retain and a release per record).
    /// Valid while this lookup lives.
    var probe: Probe {
        Probe(
            names: names, offsets: offsets, lengths: lengths, rawLengths: rawLengths, shortWords: shortWords,
            table: table, mask: mask)
    }

    @inline(__always)
    func matches(_ slot: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool { probe.matches(slot, p, n) }

    @inline(__always)
    func matchesQuoted(_ slot: Int, _ p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> Bool {
        probe.matchesQuoted(slot, p, end: end)
    }

    @inline(__always)
    func nameLength(_ slot: Int) -> Int { lengths[slot] }

    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int { probe.find(p, n) }

    /// `FieldLookup`'s read-only tables; see `probe`.
    struct Probe {
        let names: UnsafeMutablePointer<UInt8>
        let offsets: UnsafeMutablePointer<Int>
        let lengths: UnsafeMutablePointer<Int>
        let rawLengths: UnsafeMutablePointer<Int>
        let shortWords: UnsafeMutablePointer<UInt64>
        let table: UnsafeMutablePointer<Int32>
        let mask: Int

        /// True when `slot`'s name is exactly the `n` bytes at `p`.
        @inline(__always)
        func matches(_ slot: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
            lengths[slot] == n && bytesEqual(names + offsets[slot], p, n)
        }

        /// True when the bytes at `p` are `slot`'s name followed by a closing quote: the key
        /// under the cursor is that field, and needs no scan (names contain no `"` or `\\`,
        /// see `canMatchRaw`). Reads only below `end`.
        @inline(__always)
        func matchesQuoted(_ slot: Int, _ p: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> Bool {
            let n = rawLengths[slot]
            let readable = end - p
            guard readable > n && n >= 0 && p[n] == 0x22 else { return false }
            if n <= 16 && readable >= 16 {
                let (low, high) = ShortBytes.words(p, n, readable: readable)
                return low == shortWords[2 &* slot] && high == shortWords[2 &* slot &+ 1]
            }
            return bytesEqual(names + offsets[slot], p, n)
        }

        @inline(__always)
        func nameLength(_ slot: Int) -> Int { lengths[slot] }

        /// The slot named by the `n` bytes at `p`, or -1.
        @inline(__always)
        func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
            var i = Int(truncatingIfNeeded: ByteHash.hash(p, n, readable: n)) & mask
            while true {
                let slot = Int(table[i])
                if slot < 0 || matches(slot, p, n) { return slot }
                i = (i + 1) & mask
            }
        }
    }
}
