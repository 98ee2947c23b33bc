public import SluiceCore

/// A checkpoint as versioned, deterministic bytes (the `bytes` of `sluice_checkpoints`).
///
/// Layout (little-endian, `SnapshotWriter` primitives): section `sluice.checkpoint`
/// version 1; epoch; partitions; positions (source, split, offset); split watermarks
/// (source, split, max event time); states sorted by vertex name, each a list of
/// per-partition byte strings. Equal checkpoints give equal bytes.
public enum PostgresCheckpointEncoding {
    public static let version: UInt32 = 1
    static let tag = "sluice.checkpoint"

    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        var writer = SnapshotWriter()
        writer.beginSection(tag, version: version)
        writer.write(checkpoint.epoch.value)
        writer.write(checkpoint.partitions)
        writer.write(UInt64(checkpoint.positions.count))
        for position in checkpoint.positions {
            writer.write(position.source)
            writer.write(position.split)
            writer.write(position.offset)
        }
        writer.write(UInt64(checkpoint.watermarks.count))
        for watermark in checkpoint.watermarks {
            writer.write(watermark.source)
            writer.write(watermark.split)
            writer.write(watermark.maxEventTime)
        }
        writer.write(UInt64(checkpoint.states.count))
        for vertex in checkpoint.states.keys.sorted() {
            let partitions = checkpoint.states[vertex]!
            writer.write(vertex)
            writer.write(UInt64(partitions.count))
            for state in partitions { writer.write(bytes: state) }
        }
        return writer.bytes
    }

    /// - Throws: `SluiceError` `.corruptSnapshot` for truncated or unknown bytes.
    public static func decode(_ bytes: [UInt8]) throws -> Checkpoint {
        var reader = SnapshotReader(bytes)
        _ = try reader.expectSection(tag, maxVersion: version)
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
            let vertex = try reader.readString()
            states[vertex] = try (0..<(try count(&reader))).map { _ in try reader.readBytes() }
        }
        guard reader.isAtEnd else {
            throw SluiceError(.corruptSnapshot, "checkpoint has \(bytes.count - reader.offset) bytes after its end")
        }
        return Checkpoint(epoch: epoch, partitions: partitions, positions: positions, watermarks: watermarks, states: states)
    }

    /// A count that cannot exceed the bytes left (each element takes at least 4 bytes).
    private static func count(_ reader: inout SnapshotReader) throws -> Int {
        let n = try reader.readUInt64()
        guard n <= UInt64(reader.bytes.count - reader.offset) / 4 else {
            throw SluiceError(.corruptSnapshot, "checkpoint: bad element count \(n)")
        }
        return Int(n)
    }
}
