public import SluiceCore
import SluiceLZ4

/// How the commit groups store a checkpoint: `CheckpointCodec` bytes, LZ4-framed behind a
/// versioned marker when that is smaller.
///
/// Format 1: `SLZ4` · version byte 1 · one LZ4 frame (content-checksummed) holding the
/// `CheckpointCodec` bytes. Anything else is read as plain `CheckpointCodec` bytes, which
/// is what stores wrote before (their first four bytes are the length of the section
/// tag, never `SLZ4`), so old checkpoints still load. A checkpoint that does not shrink
/// (a tiny one) is stored plain.
public enum StoredCheckpoint {
    static let marker: [UInt8] = Array("SLZ4".utf8)
    static let version: UInt8 = 1

    /// The bytes to store for `checkpoint`.
    public static func encode(_ checkpoint: Checkpoint) throws -> [UInt8] {
        let plain = CheckpointCodec.encode(checkpoint)
        var framed = marker
        framed.append(version)
        try LZ4FrameCompressor().compressFrame(plain, into: &framed)
        return framed.count < plain.count ? framed : plain
    }

    /// The checkpoint in stored bytes of either form.
    /// - Throws: `SluiceError(.corruptSnapshot)` for a damaged frame, an unknown format
    ///   version, or codec bytes that fail their checksum.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        guard !CheckpointManifest.isManifest(bytes) else {
            throw SluiceError(.corruptSnapshot, "these bytes are a checkpoint manifest: read them with their store's parts")
        }
        guard bytes.starts(with: marker) else { return try CheckpointCodec.decode(bytes) }
        guard bytes.count > marker.count, bytes[marker.count] == version else {
            let found = bytes.count > marker.count ? "\(bytes[marker.count])" : "none"
            throw SluiceError(.corruptSnapshot, "compressed checkpoint of unknown format version \(found)")
        }
        let plain: [UInt8]
        do {
            plain = try LZ4Frame.decompress(Array(bytes[(marker.count + 1)...]))
        } catch {
            throw SluiceError(.corruptSnapshot, "compressed checkpoint is damaged: \(error)")
        }
        return try CheckpointCodec.decode(plain)
    }
}
