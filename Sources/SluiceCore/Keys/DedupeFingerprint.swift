/// The fingerprint under which de-duplication remembers a string id.
///
/// Two independent stable 64-bit hashes of the id's UTF-8 bytes, the same in every process,
/// so fingerprints survive snapshots and moves between workers. Stored fingerprints must be
/// compared with fingerprints made the same way, so two functions exist:
/// - `of` (snapshots from version 4): both words from one pass over the bytes eight at a
///   time; the first folds each word in with a 64×64→128-bit multiply, the second with
///   `secondary`'s multiply-rotate step. An id's last word is read overlapping the one
///   before, not gathered byte by byte.
///   The decoder makes these words itself for an id column only de-duplication reads
///   (`Column.fingerprints`), from the same bytes the `String` would hold.
/// - `byteWise` (snapshots up to version 3): `StableHash` (FNV-1a, a byte at a time,
///   finished with MurmurHash3's mixer) and `secondary`. Ids restored from such a
///   snapshot are also looked up this way until they are forgotten (`DedupeOperator`).
///
/// The memory keeps 112 of the 128 bits (the low 16 bits of the second hash hold the
/// entry's generation tag, `FingerprintTable`). Collision bound: treating those bits as
/// uniform, the chance that any two of `n` ids remembered at the same time share a
/// fingerprint is about `n² / 2¹¹³` — about 3·10⁻¹⁹ for the 60 million ids of a
/// 10-minute horizon at 100,000 events/s, below 10⁻¹⁶ for a billion. A collision would
/// make a new id look like a duplicate. (64 bits would give about 10⁻⁴ per horizon at
/// 60 million ids, which is why the memory pays for a second word.)
public enum DedupeFingerprint {
    /// Both words of the id's fingerprint.
    @inlinable
    public static func of(_ string: String) -> (UInt64, UInt64) {
        var s = string
        return s.withUTF8 { wordWise(UnsafeRawBufferPointer($0)) }
    }

    /// Both words as snapshots before version 4 made them.
    public static func byteWise(_ string: String) -> (UInt64, UInt64) {
        var s = string
        return s.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            return (StableHash.hash(bytes: bytes), secondary(bytes))
        }
    }

    /// Both words in one pass: each 8-byte word (the last read overlapping, or a short id
    /// gathered into one) goes into both lanes, and the length into their seeds.
    @inlinable
    public static func wordWise(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        let count = bytes.count
        var a: UInt64 = 0x1319_8a2e_0370_7344 ^ (UInt64(count) &* 0x9e37_79b9_7f4a_7c15)
        var b: UInt64 = 0x243f_6a88_85a3_08d3 ^ (UInt64(count) &* 0xc2b2_ae3d_27d4_eb4f)
        var offset = 0
        while offset + 8 <= count {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            a = fold(a ^ word, 0xa076_1d64_78bd_642f)
            b ^= rotate(word &* 0x8764_3b8f_1a73_52e1, 29) &* 0x4cf5_ad43_2745_937f
            b = rotate(b, 27) &* 5 &+ 0x52dc_e729
            offset += 8
        }
        let last: UInt64
        if count >= 8 {
            // The final word ends at the last byte; for a multiple of 8 it is read twice.
            last = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
        } else if count >= 4 {
            last = UInt64(UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self))) << 32
                | UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
        } else if count > 0 {
            last = UInt64(bytes[0]) << 16 | UInt64(bytes[count / 2]) << 8 | UInt64(bytes[count - 1])
        } else {
            last = 0
        }
        a = fold(a ^ last, 0xe703_7ed1_a0b4_28db)
        b ^= rotate(last &* 0x8764_3b8f_1a73_52e1, 29) &* 0x4cf5_ad43_2745_937f
        return (StableHash.mix(a), splitMixFinish(b))
    }

    /// The high and low halves of `x · k` combined: every bit of `x` reaches most of both.
    @inlinable
    static func fold(_ x: UInt64, _ k: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: k)
        return product.high ^ product.low
    }

    public static func secondary(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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

    public static func secondary(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { secondary(UnsafeRawBufferPointer($0)) }
    }

    @inlinable
    static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inlinable
    static func splitMixFinish(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
