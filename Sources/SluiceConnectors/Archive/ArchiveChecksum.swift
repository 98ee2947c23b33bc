import SluiceCore

/// The checksum an archive index keeps of each compressed frame, checked before the frame
/// is decompressed (the frames carry no LZ4 content checksum of their own since the
/// `lanes64` kind; older ones do, and keep being checked by liblz4 as well).
///
/// Kinds (the index line's `checksumKind`): absent is `StableHash` (FNV-1a, a byte at a
/// time, ~1 GB/s: a fifth of a frame read's time), what archives written before had;
/// `lanes64` is four independent 64-bit multiply-rotate lanes over 32-byte stripes (the
/// xxHash64 round, not xxHash64 itself), several times faster, and as stable: the same
/// value in every process and on every little- or big-endian machine.
enum ArchiveChecksum {
    /// The kind new frames get.
    static let current = "lanes64"

    /// The checksum of `bytes` by `kind`; nil for a kind this build does not know.
    static func hash(_ bytes: UnsafeRawBufferPointer, kind: String?) -> UInt64? {
        switch kind {
        case nil: StableHash.hash(bytes: bytes)
        case "lanes64": lanes64(bytes)
        default: nil
        }
    }

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        let sum = accumulator &+ value &* prime2
        return ((sum << 31) | (sum >> 33)) &* prime1
    }

    static func lanes64(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        guard let base = bytes.baseAddress, count > 0 else { return StableHash.mix(prime1) }
        @inline(__always) func word(_ at: Int) -> UInt64 {
            UInt64(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
        // Four lanes, so the multiplies of one stripe do not wait on each other.
        var lane0 = prime1 &+ prime2
        var lane1 = prime2
        var lane2: UInt64 = 0
        var lane3: UInt64 = 0 &- prime1
        var at = 0
        while at + 32 <= count {
            lane0 = round(lane0, word(at))
            lane1 = round(lane1, word(at + 8))
            lane2 = round(lane2, word(at + 16))
            lane3 = round(lane3, word(at + 24))
            at += 32
        }
        var hash = round(round(round(round(UInt64(count) &* prime1, lane0), lane1), lane2), lane3)
        while at + 8 <= count {
            hash = round(hash, word(at))
            at += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while at < count {
            tail |= UInt64(base.load(fromByteOffset: at, as: UInt8.self)) << shift
            shift += 8
            at += 1
        }
        return StableHash.mix(round(hash, tail ^ shift))
    }
}
