public import SluiceCore
import SluiceLZ4

/// An incrementally stored checkpoint: a small manifest in the checkpoint row, naming the
/// content-defined parts (`CheckpointParts`) of its `CheckpointCodec` bytes, each kept once
/// in a parts table. A store writes only the parts the previous manifest did not name and
/// deletes those the new one no longer names, in the transaction that saves the manifest,
/// so bytes written per epoch follow what changed, not the whole state (issue #14).
///
/// Manifest format 1: `SPRT` · version byte 1 · the codec bytes' length · part count · per
/// part its 16-byte id and length · FNV-1a 64 of everything before it.
/// A stored part: one byte 0 then the part's bytes, or 1 then one LZ4 frame of them (when
/// that is smaller; de-duplication's fingerprints do not compress).
public struct CheckpointManifest: Sendable, Equatable {
    static let marker: [UInt8] = Array("SPRT".utf8)
    static let version: UInt8 = 1

    public var length: Int
    public var parts: [(id: PartID, length: Int)]

    public static func == (a: CheckpointManifest, b: CheckpointManifest) -> Bool {
        a.length == b.length && a.parts.elementsEqual(b.parts) { $0.id == $1.id && $0.length == $1.length }
    }

    /// The distinct part ids, as a store keeps them.
    public var ids: Set<PartID> { Set(parts.map(\.id)) }

    /// Cuts a checkpoint's codec bytes into parts: the manifest and each part's bytes
    /// (ranges of `plain`, in order, repeated ids included). Reuses the parts the
    /// pipeline's last split found (`memo`, left holding this split's): the result does not
    /// depend on the memo, only the work does.
    public static func split(_ checkpoint: Checkpoint, memo: inout CheckpointPartsMemo)
        -> (manifest: CheckpointManifest, plain: [UInt8], ranges: [Range<Int>])
    {
        let plain = CheckpointCodec.encode(checkpoint)
        let parts = CheckpointParts.parts(of: plain, memo: &memo)
        let manifest = CheckpointManifest(length: plain.count, parts: parts.map { (id: $0.id, length: $0.range.count) })
        return (manifest, plain, parts.map(\.range))
    }

    /// Whether stored checkpoint bytes are a manifest (else `StoredCheckpoint` forms).
    public static func isManifest(_ bytes: [UInt8]) -> Bool { bytes.starts(with: marker) }

    public func encoded() -> [UInt8] {
        var writer = SnapshotWriter()
        for byte in Self.marker { writer.write(byte) }
        writer.write(Self.version)
        writer.write(length)
        writer.write(parts.count)
        for part in parts {
            writer.write(part.id.high)
            writer.write(part.id.low)
            writer.write(part.length)
        }
        writer.write(fnv(writer.bytes))
        return writer.bytes
    }

    /// - Throws: `SluiceError(.corruptSnapshot)` for a damaged or foreign manifest.
    public init(decoding bytes: [UInt8]) throws {
        guard Self.isManifest(bytes), bytes.count >= Self.marker.count + 1 + 8 else {
            throw SluiceError(.corruptSnapshot, "not a checkpoint manifest")
        }
        guard bytes[Self.marker.count] == Self.version else {
            throw SluiceError(.corruptSnapshot, "checkpoint manifest of unknown format version \(bytes[Self.marker.count])")
        }
        let body = Array(bytes[..<(bytes.count - 8)])
        var tail = SnapshotReader(Array(bytes[(bytes.count - 8)...]))
        guard try tail.readUInt64() == fnv(body) else {
            throw SluiceError(.corruptSnapshot, "checkpoint manifest checksum mismatch: the stored bytes are damaged")
        }
        var reader = SnapshotReader(Array(body[(Self.marker.count + 1)...]))
        length = try reader.readInt()
        let count = try reader.readInt()
        guard count >= 0, count <= (body.count / 24) else {
            throw SluiceError(.corruptSnapshot, "checkpoint manifest claims \(count) parts")
        }
        parts = try (0..<count).map { _ in
            (PartID(high: try reader.readUInt64(), low: try reader.readUInt64()), try reader.readInt())
        }
        guard parts.reduce(0, { $0 + $1.length }) == length else {
            throw SluiceError(.corruptSnapshot, "checkpoint manifest parts do not add up to its length")
        }
    }

    public init(length: Int, parts: [(id: PartID, length: Int)]) {
        self.length = length
        self.parts = parts
    }

    /// The bytes to store for one part.
    static func storedPart(_ bytes: ArraySlice<UInt8>, compressor: LZ4FrameCompressor) throws -> [UInt8] {
        var framed: [UInt8] = [1]
        try bytes.withUnsafeBytes { try compressor.compressFrame($0, into: &framed) }
        if framed.count < bytes.count + 1 { return framed }
        var plain: [UInt8] = [0]
        plain.append(contentsOf: bytes)
        return plain
    }

    /// The checkpoint, reading each part through `part` (nil: missing).
    /// - Throws: `SluiceError(.corruptSnapshot)` for a missing or damaged part or codec bytes
    ///   that fail their checksum.
    public func checkpoint(reading part: (PartID) throws -> [UInt8]?) throws -> Checkpoint {
        var plain: [UInt8] = []
        plain.reserveCapacity(length)
        let decompressor = try LZ4FrameDecompressor()
        for (id, partLength) in parts {
            guard let stored = try part(id), let kind = stored.first else {
                throw SluiceError(.corruptSnapshot, "checkpoint part \(id) is missing")
            }
            let start = plain.count
            switch kind {
            case 0: plain.append(contentsOf: stored.dropFirst())
            case 1:
                do {
                    _ = try stored.withUnsafeBytes {
                        try decompressor.decompressFrame(UnsafeRawBufferPointer(rebasing: $0[1...]), into: &plain)
                    }
                } catch {
                    throw SluiceError(.corruptSnapshot, "checkpoint part \(id) is damaged: \(error)")
                }
            default: throw SluiceError(.corruptSnapshot, "checkpoint part \(id) has unknown kind \(kind)")
            }
            guard plain.count - start == partLength, CheckpointParts.id(plain[start...]) == id else {
                throw SluiceError(.corruptSnapshot, "checkpoint part \(id) does not hold the bytes it names")
            }
        }
        return try CheckpointCodec.decode(plain)
    }
}

private func fnv(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01b3
    }
    return hash
}
