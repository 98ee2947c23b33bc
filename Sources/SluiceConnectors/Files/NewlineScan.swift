import CSluiceIntrinsics

/// Finds and counts newlines.
enum NewlineScan {
    /// A word with the high bit set in each byte of `w` that is '\n' (exact: no carries
    /// cross bytes).
    @inline(__always)
    private static func newlineBits(_ w: UInt64) -> UInt64 {
        let x = w ^ 0x0A0A_0A0A_0A0A_0A0A
        let nonZero = ((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x
        return ~nonZero & 0x8080_8080_8080_8080
    }

    /// The number of '\n' bytes in `bytes`.
    static func count(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var count = 0
        var i = 0
        while i + 8 <= bytes.count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            count += newlineBits(word).nonzeroBitCount
            i += 8
        }
        while i < bytes.count {
            if bytes[i] == 0x0A { count += 1 }
            i += 1
        }
        return count
    }

    /// Looks for up to `limit` newlines from the start of `bytes`; returns how many it
    /// found and the length of the prefix that ends with the last of them (0 if none).
    /// 64 bytes a step (`sluice_scan_lines`): lines are ~150 bytes in the DAA stream, and
    /// a `memchr` per line cost its call more than its scan.
    static func lines(in bytes: UnsafeRawBufferPointer, limit: Int) -> (byteCount: Int, lines: Int) {
        guard let base = bytes.baseAddress, limit > 0 else { return (0, 0) }
        var found = 0
        let prefix = sluice_scan_lines(base.assumingMemoryBound(to: UInt8.self), bytes.count, limit, &found)
        return (prefix, found)
    }
}
