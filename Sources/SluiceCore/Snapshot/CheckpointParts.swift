/// A checkpoint's bytes cut into content-defined parts, so a store writes each distinct
/// part once and each epoch only the parts that changed.
///
/// Cuts fall where a rolling hash of the last ~64 bytes matches a pattern (a gear hash, as
/// in FastCDC), so they depend on the content around them, not on offsets: state that
/// stays the same between epochs (de-duplication's older segments, windows that did not
/// change) gives the same parts even when bytes before it were added or removed. A part is
/// `minimumSize`…`maximumSize` bytes, about 48 KiB on average.
///
/// Laws:
/// - The parts, in order, are exactly the input bytes.
/// - Equal input gives equal parts; an edit changes the parts that overlap it and at most
///   the next one (where the cuts fall in step again).
/// - A part's `PartID` is a 128-bit hash of its bytes and length: equal parts share it;
///   unequal ones collide by accident with negligible chance, and a whole checkpoint read
///   back is still checked by `CheckpointCodec`'s checksum.
public enum CheckpointParts {
    public static let minimumSize = 16 << 10
    public static let maximumSize = 256 << 10
    /// A cut where the hash's top 15 bits are zero: on average 32 KiB past the minimum.
    static let cutMask: UInt64 = 0x7FFF << 49

    /// The end offsets of the parts of `bytes` (the last is `bytes.count`; none for no bytes).
    public static func cuts(_ bytes: [UInt8]) -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(bytes.count / (minimumSize * 2) + 1)
        bytes.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                start = cutEnd(buffer, from: start).end
                ends.append(start)
            }
        }
        return ends
    }

    /// Where the part starting at `start` ends; `byEndOfBytes` when the bytes ran out
    /// before its content or the size limit ended it.
    static func cutEnd(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, byEndOfBytes: Bool) {
        gear.withUnsafeBufferPointer { table in
            let limit = min(buffer.count, start + maximumSize)
            var position = start + minimumSize
            var hash: UInt64 = 0
            while position < limit {
                hash = (hash << 1) &+ table[Int(buffer[position])]
                position += 1
                if hash & cutMask == 0 { return (position, false) }
            }
            return (limit, limit - start < maximumSize)
        }
    }

    /// The id of a part's bytes.
    public static func id(_ bytes: ArraySlice<UInt8>) -> PartID {
        bytes.withUnsafeBytes { id($0) }
    }

    static func id(_ raw: UnsafeRawBufferPointer) -> PartID {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
        var b: UInt64 = 0xC2B2_AE3D_27D4_EB4F &+ UInt64(raw.count)
        var offset = 0
        while offset + 8 <= raw.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            a = mix(a ^ word, 0xFF51_AFD7_ED55_8CCD)
            b = mix(b &+ word, 0xC4CE_B9FE_1A85_EC53)
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < raw.count {
            tail = tail << 8 | UInt64(raw[offset])
            offset += 1
        }
        a = StableHash.mix(a ^ tail)
        b = StableHash.mix(b &+ tail &+ a)
        return PartID(high: a, low: b)
    }

    @inline(__always)
    private static func mix(_ x: UInt64, _ multiplier: UInt64) -> UInt64 {
        let product = (x ^ (x >> 29)) &* multiplier
        return (product << 27) | (product >> 37)
    }

    /// 256 fixed pseudo-random words (SplitMix64 from a constant seed): the cuts must be
    /// the same in every process and version that shares a store.
    static let gear: [UInt64] = {
        var state: UInt64 = 0x51_1CE0_C4EC_4B01
        return (0..<256).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }()
}

/// The identity of one checkpoint part: a 128-bit hash of its bytes (`CheckpointParts.id`).
public struct PartID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 16 bytes, big-endian, as stores key it.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        withUnsafeBytes(of: high.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { out.append(contentsOf: $0) }
        return out
    }

    /// The id in its 16-byte form; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static func < (a: PartID, b: PartID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    public var description: String {
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
        }
        return hex.joined()
    }
}
