/// The byte format of a whole `Checkpoint`, shared by every store (SQLite, PostgreSQL):
/// versioned, deterministic (the same checkpoint always gives the same bytes: dictionaries
/// are written in sorted key order) and self-checking (a length-prefixed body and a
/// trailing checksum, so a torn or foreign blob is refused, never misread).
///
/// Version 1: section "checkpoint" · epoch · partitions · positions (source, split,
/// offset) · split watermarks (source, split, max event time) · states by vertex name
/// (per partition, the operator's snapshot bytes) · FNV-1a 64 of everything before it.
public enum CheckpointCodec {
    public static let version: UInt32 = 1

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
        writer.write(checksum(writer.bytes))
        return writer.bytes
    }

    /// - Throws: `SluiceError(.corruptSnapshot)` for a wrong checksum, an unknown version or
    ///   bytes that end early.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        guard bytes.count >= 8 else { throw SluiceError(.corruptSnapshot, "a checkpoint of \(bytes.count) bytes is torn") }
        let body = Array(bytes[..<(bytes.count - 8)])
        var tail = SnapshotReader(Array(bytes[(bytes.count - 8)...]))
        guard try tail.readUInt64() == checksum(body) else {
            throw SluiceError(.corruptSnapshot, "checkpoint checksum mismatch: the stored bytes are damaged")
        }
        var reader = SnapshotReader(body)
        _ = try reader.expectSection("checkpoint", maxVersion: version)
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

    private static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
