/// A fast hash of short byte strings (field names, dictionary strings) for the decoder's
/// private lookup tables. Never used to pick a partition: that is `StableHash`'s job.
///
/// Both halves of the result are usable: tables index with the low bits and keep the
/// high 32 bits as a tag. Strings of up to 16 bytes are hashed from their two
/// zero-padded words (`ShortBytes`), so tables can keep those words and compare them.
enum ByteHash {
    /// The hash of the `n` bytes at `p`, of which `readable` (at least `n`) may be read.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> UInt64 {
        guard n <= 16 else { return long(p, n) }
        let (low, high) = ShortBytes.words(p, n, readable: readable)
        return short(low, high, n)
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 { hash(p, n, readable: n) }

    /// The hash of a string of `n` ≤ 16 bytes given as its zero-padded words.
    @inline(__always)
    static func short(_ low: UInt64, _ high: UInt64, _ n: Int) -> UInt64 {
        var h = (low ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
            ^ (high &+ UInt64(truncatingIfNeeded: n)) &* 0x94D0_49BB_1331_11EB
        // A product bit depends only on lower input bits: fold the high half down and
        // multiply again so both halves of the result depend on every input bit.
        h = (h ^ (h &>> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h &>> 32)
    }

    /// Strings over 16 bytes: fold every word in, then mix thoroughly.
    static func long(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: n)
        var i = 0
        while i &+ 8 < n {
            h = rotate((h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9)
            i &+= 8
        }
        h = rotate((h ^ raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9)
        // SplitMix64's finalizer: every input bit reaches every output bit.
        h = (h ^ (h &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h &>> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h &>> 31)
    }

    @inline(__always)
    private static func rotate(_ x: UInt64) -> UInt64 { (x &<< 27) | (x &>> 37) }
}

/// Strings of up to 16 bytes as two zero-padded little-endian words: compared and
/// hashed with a couple of instructions and no branch on the length.
enum ShortBytes {
    /// The `n` (≤ 16) bytes at `p` as two words, bytes past `n` zero. With 16 readable
    /// bytes this is two loads and two masks; otherwise the bytes are copied.
    @inline(__always)
    static func words(_ p: UnsafePointer<UInt8>, _ n: Int, readable: Int) -> (UInt64, UInt64) {
        if readable >= 16 {
            let raw = UnsafeRawPointer(p)
            let low = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let high = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let lowMask: UInt64 = n >= 8 ? .max : (1 &<< UInt64(truncatingIfNeeded: n &* 8)) &- 1
            let highMask: UInt64 =
                n >= 16 ? .max : n <= 8 ? 0 : (1 &<< UInt64(truncatingIfNeeded: (n &- 8) &* 8)) &- 1
            return (low & lowMask, high & highMask)
        }
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: n)) }
        return (UInt64(littleEndian: words.0), UInt64(littleEndian: words.1))
    }
}
