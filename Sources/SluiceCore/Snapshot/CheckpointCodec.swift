/// The byte format of a whole `Checkpoint`, shared by every store (SQLite, PostgreSQL):
/// versioned, deterministic (the same checkpoint always gives the same bytes: dictionaries
/// are written in sorted key order) and self-checking (a length-prefixed body and a
/// trailing checksum, so a torn or foreign blob is refused, never misread).
///
/// Version 2: section "checkpoint" · epoch · partitions · positions (source, split,
/// offset) · split watermarks (source, split, max event time) · states by vertex name
/// (per partition, the operator's snapshot bytes) · a 64-bit checksum of everything before
/// it (`LaneChecksum`, eight bytes at a time in four lanes, as archive frames are
/// checked). Version 1, still read, has the
/// same layout with FNV-1a 64 as its checksum: a byte at a time, it took ~45 ms of a 33 MB
/// checkpoint's save.
public enum CheckpointCodec {
    public static let version: UInt32 = 2

    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        var writer = SnapshotWriter()
        // One allocation of the final size: growing by doubling through a large state left
        // a chain of freed buffers in glibc's heap every epoch.
        let stateBytes = checkpoint.states.reduce(0) { $0 + $1.key.utf8.count + 16 + $1.value.reduce(0) { $0 + $1.count + 8 } }
        writer.reserveCapacity(64 + checkpoint.positions.count * 48 + checkpoint.watermarks.count * 48 + stateBytes)
        writer.beginSection("checkpoint", version: version)
        writer.write(checkpoint.epoch.value)
        writer.write(checkpoint.partitions)
        writer.write(checkpoint.positions.count)
        for position in checkpoint.positions {
            writer.write(position.source)
            writer.write(position.split)
            writer.write(position.offset)
        }
        writer.write(checkpoint.watermarks.count)
        for watermark in checkpoint.watermarks {
            writer.write(watermark.source)
            writer.write(watermark.split)
            writer.write(watermark.maxEventTime)
        }
        writer.write(checkpoint.states.count)
        for name in checkpoint.states.keys.sorted() {
            writer.write(name)
            let partitions = checkpoint.states[name]!
            writer.write(partitions.count)
            for state in partitions { writer.write(bytes: state) }
        }
        writer.write(wordChecksum(writer.bytes))
        return writer.bytes
    }

    /// - Throws: `SluiceError(.corruptSnapshot)` for a wrong checksum, an unknown version or
    ///   bytes that end early.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        guard bytes.count >= 8 else { throw SluiceError(.corruptSnapshot, "a checkpoint of \(bytes.count) bytes is torn") }
        let body = Array(bytes[..<(bytes.count - 8)])
        var tail = SnapshotReader(Array(bytes[(bytes.count - 8)...]))
        let stored = try tail.readUInt64()
        var reader = SnapshotReader(body)
        // The header is read before the checksum is checked (it says which checksum); a
        // damaged header fails either here or at the check.
        let found = try reader.expectSection("checkpoint", maxVersion: version)
        guard stored == (found >= 2 ? wordChecksum(body) : fnvChecksum(body)) else {
            throw SluiceError(.corruptSnapshot, "checkpoint checksum mismatch: the stored bytes are damaged")
        }
        let epoch = Epoch(try reader.readUInt64())
        let partitions = try reader.readInt()
        var positions: [SourcePosition] = []
        for _ in 0..<(try count(&reader)) {
            positions.append(
                SourcePosition(source: try reader.readString(), split: try reader.readInt(), offset: try reader.readInt64()))
        }
        var watermarks: [SplitWatermark] = []
        for _ in 0..<(try count(&reader)) {
            watermarks.append(
                SplitWatermark(source: try reader.readString(), split: try reader.readInt(), maxEventTime: try reader.readInt64()))
        }
        var states: [String: [[UInt8]]] = [:]
        for _ in 0..<(try count(&reader)) {
            let name = try reader.readString()
            states[name] = try (0..<(try count(&reader))).map { _ in try reader.readBytes() }
        }
        return Checkpoint(epoch: epoch, partitions: partitions, positions: positions, watermarks: watermarks, states: states)
    }

    private static func count(_ reader: inout SnapshotReader) throws -> Int {
        let n = try reader.readInt()
        guard n >= 0, n < 1 << 32 else { throw SluiceError(.corruptSnapshot, "checkpoint holds an impossible count \(n)") }
        return n
    }

    /// Version 1's checksum: FNV-1a 64.
    static func fnvChecksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    /// Version 2's checksum: `LaneChecksum`, eight bytes at a time in four lanes.
    static func wordChecksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { LaneChecksum.hash($0) }
    }
}
