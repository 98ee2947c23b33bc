import SluiceCore

/// The fingerprint under which de-duplication remembers a string id.
///
/// Two independent stable 64-bit hashes of the id's UTF-8 bytes: `StableHash` (FNV-1a
/// finished with MurmurHash3's mixer) and a word-at-a-time multiply-rotate hash finished
/// with SplitMix64's mixer. Both are the same in every process, so fingerprints survive
/// snapshots and moves between workers.
///
/// The memory keeps 112 of the 128 bits (the low 16 bits of the second hash hold the
/// entry's generation tag, `FingerprintTable`). Collision bound: treating those bits as
/// uniform, the chance that any two of `n` ids remembered at the same time share a
/// fingerprint is about `n² / 2¹¹³` — about 3·10⁻¹⁹ for the 60 million ids of a
/// 10-minute horizon at 100,000 events/s, below 10⁻¹⁶ for a billion. A collision would
/// make a new id look like a duplicate. (64 bits would give about 10⁻⁴ per horizon at
/// 60 million ids, which is why the memory pays for a second word.)
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

    /// Both words of the id's fingerprint, from one pass over its bytes.
    static func of(_ string: String) -> (UInt64, UInt64) {
        var s = string
        return s.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            return (StableHash.hash(bytes: bytes), secondary(bytes))
        }
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
