/// A fast hash of short byte strings (field names, dictionary strings) for the decoder's
/// private lookup tables. Never used to pick a partition: that is `StableHash`'s job.
enum ByteHash {
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: n &+ 1)
        let raw = UnsafeRawPointer(p)
        if n >= 8 {
            var i = 0
            while i &+ 8 < n {
                h = mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i &+= 8
            }
            // The last word overlaps the previous one instead of a byte-by-byte tail.
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
        } else {
            var word: UInt64 = 0
            var i = 0
            while i < n {
                word |= UInt64(p[i]) &<< UInt64(i &* 8)
                i &+= 1
            }
            h = mix(h ^ word)
        }
        return h ^ (h &>> 32)
    }

    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        let z = x &* 0xBF58_476D_1CE4_E5B9
        return z ^ (z &>> 31)
    }
}
