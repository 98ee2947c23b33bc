import SluiceCore

/// The checksum an archive index keeps of each compressed frame, checked before the frame
/// is decompressed (the frames carry no LZ4 content checksum of their own since the
/// `lanes64` kind; older ones do, and keep being checked by liblz4 as well).
///
/// Kinds (the index line's `checksumKind`): absent is `StableHash` (FNV-1a, a byte at a
/// time, ~1 GB/s: a fifth of a frame read's time), what archives written before had;
/// `lanes64` is `LaneChecksum` (four multiply-rotate lanes), several times faster.
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

    static func lanes64(_ bytes: UnsafeRawBufferPointer) -> UInt64 { LaneChecksum.hash(bytes) }
}
