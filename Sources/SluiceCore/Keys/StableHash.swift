/// A hash that is the same in every process, on every run and machine.
///
/// Swift's `Hasher` is seeded per process, so it must never decide a partition: two
/// workers would disagree on who owns `agent-000123`. This is FNV-1a over the bytes,
/// finished with MurmurHash3's 64-bit mixer so nearby keys spread over partitions.
public enum StableHash {
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xff51_afd7_ed55_8ccd
        k ^= k >> 33
        k &*= 0xc4ce_b9fe_1a85_ec53
        k ^= k >> 33
        return k
    }

    @inlinable
    public static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return mix(h)
    }

    /// The hash of a string's UTF-8 bytes.
    @inlinable
    public static func hash(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { hash(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The hash of an integer key: the mixer applied to its bit pattern (cheaper than
    /// hashing its bytes, and as stable).
    @inlinable
    public static func hash(_ value: Int64) -> UInt64 {
        mix(UInt64(bitPattern: value) ^ 0x2d35_8dcc_aa6c_78a5)
    }

    /// Combines a running hash with another (order-sensitive).
    @inlinable
    public static func combine(_ seed: UInt64, _ value: UInt64) -> UInt64 {
        mix(seed ^ (value &+ 0x9e37_79b9_7f4a_7c15 &+ (seed << 6) &+ (seed >> 2)))
    }

    /// The partition, in `0..<partitions`, that owns a key of this hash.
    @inlinable
    public static func partition(of hash: UInt64, count partitions: Int) -> Int {
        // Multiply-shift: uniform without a division.
        Int((UInt128(hash) &* UInt128(partitions)) >> 64)
    }
}
