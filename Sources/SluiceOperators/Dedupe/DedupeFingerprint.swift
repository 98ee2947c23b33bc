/// The 128-bit fingerprint under which de-duplication remembers a string id.
///
/// Two independent stable 64-bit hashes of the id's UTF-8 bytes: `StableHash` (FNV-1a
/// finished with MurmurHash3's mixer) and a word-at-a-time multiply-rotate hash finished
/// with SplitMix64's mixer. Both are the same in every process, so fingerprints survive
/// snapshots and moves between workers.
///
/// Collision bound: treating the pair as a uniform 128-bit value, the chance that any two
/// of `n` ids remembered at the same time share a fingerprint is about `n² / 2¹²⁹` —
/// below 10⁻²⁰ for a billion ids. A collision would make a new id look like a duplicate.
enum DedupeFingerprint {
    static func secondary(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x243f_6a88_85a3_08d3 ^ (UInt64(bytes.count) &* 0xc2b2_ae3d_27d4_eb4f)
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            h ^= rotate(word &* 0x8764_3b8f_1a73_52e1, 29) &* 0x4cf5_ad43_2745_937f
            h = rotate(h, 27) &* 5 &+ 0x52dc_e729
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        h ^= rotate(tail &* 0x8764_3b8f_1a73_52e1, 29) &* 0x4cf5_ad43_2745_937f
        return splitMixFinish(h)
    }

    static func secondary(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { secondary(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always)
    private static func splitMixFinish(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
