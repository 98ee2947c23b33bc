/// A 64-bit checksum of bytes: four independent multiply-rotate lanes over 32-byte stripes
/// (the xxHash64 round, not xxHash64 itself), several times faster than a byte at a time,
/// and stable: the same value in every process and on every little- or big-endian machine.
/// Archive frames (`lanes64`) and checkpoints (`CheckpointCodec` version 2) are checked by it.
public enum LaneChecksum {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        let sum = accumulator &+ value &* prime2
        return ((sum << 31) | (sum >> 33)) &* prime1
    }

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
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
