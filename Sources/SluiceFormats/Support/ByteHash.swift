/// A fast hash of short byte strings (field names, dictionary strings) for the decoder's
/// private lookup tables. Never used to pick a partition: that is `StableHash`'s job.
///
/// Both halves of the result are usable: tables index with the low bits and keep the
/// high 32 bits as a tag.
enum ByteHash {
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        let first: UInt64
        let last: UInt64
        if n >= 8 {
            if n > 16 { return long(p, n) }
            // Two words, overlapping when n < 16.
            first = raw.loadUnaligned(as: UInt64.self)
            last = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 4 {
            first = UInt64(raw.loadUnaligned(as: UInt32.self))
            last = UInt64(raw.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self))
        } else {
            var word: UInt64 = 0
            var i = 0
            while i < n {
                word |= UInt64(p[i]) &<< UInt64(i &* 8)
                i &+= 1
            }
            first = word
            last = 0
        }
        var h = (first ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
            ^ (last &+ UInt64(truncatingIfNeeded: n)) &* 0x94D0_49BB_1331_11EB
        // A product bit depends only on lower input bits: fold the high half down and
        // multiply again so both halves of the result depend on every input bit.
        h = (h ^ (h &>> 32)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h &>> 32)
    }

    /// Strings over 16 bytes: fold every word in, then mix thoroughly.
    private static func long(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
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
