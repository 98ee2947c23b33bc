import SluiceCore
import Testing

@Suite struct CheckpointCodecTests {
    static let sample = Checkpoint(
        epoch: Epoch(42), partitions: 3,
        positions: [SourcePosition(source: "events", split: 0, offset: 9), SourcePosition(source: "events", split: 1, offset: 12)],
        watermarks: [SplitWatermark(source: "events", split: 1, maxEventTime: 1_764_000_000_123)],
        states: ["window": [[1, 2, 3], [], [9]], "dedupe": [[7], [8], [9, 9]]])

    @Test func roundTripsAndIsDeterministic() throws {
        let bytes = CheckpointCodec.encode(Self.sample)
        #expect(try CheckpointCodec.decode(bytes) == Self.sample)
        #expect(CheckpointCodec.encode(try CheckpointCodec.decode(bytes)) == bytes)
    }

    @Test func refusesDamagedOrTornBytes() {
        var bytes = CheckpointCodec.encode(Self.sample)
        bytes[20] ^= 0x40
        #expect(throws: SluiceError.self) { try CheckpointCodec.decode(bytes) }
        #expect(throws: SluiceError.self) { try CheckpointCodec.decode(Array(CheckpointCodec.encode(Self.sample).prefix(30))) }
        #expect(throws: SluiceError.self) { try CheckpointCodec.decode([]) }
    }
}

/// Version 2 changed only the checksum; checkpoints stored by version 1 still restore.
@Suite struct CheckpointCodecVersionTests {
    /// Version 1's bytes for a checkpoint, built from the format's description, not from
    /// the codec: version 2's body with the version field set to 1 (bytes 14..<18: after
    /// the section tag "checkpoint" and its 4-byte length), then FNV-1a 64 of that body.
    static func versionOne(_ checkpoint: Checkpoint) -> [UInt8] {
        var body = Array(CheckpointCodec.encode(checkpoint).dropLast(8))
        #expect(body[14..<18] == [2, 0, 0, 0])
        body.replaceSubrange(14..<18, with: [1, 0, 0, 0])
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return body + withUnsafeBytes(of: hash.littleEndian) { Array($0) }
    }

    @Test func versionOneCheckpointsStillRestore() throws {
        let old = Self.versionOne(CheckpointCodecTests.sample)
        #expect(try CheckpointCodec.decode(old) == CheckpointCodecTests.sample)
        var damaged = old
        damaged[30] ^= 0x01
        #expect(throws: SluiceError.self) { try CheckpointCodec.decode(damaged) }
    }

    /// Every single-byte change anywhere in a larger checkpoint (states of a few kB, so the
    /// four word lanes, the last words and the tail bytes are all exercised) is refused.
    @Test(arguments: [0, 1, 3, 5, 7])
    func everyByteFlipIsRefused(stateTail: Int) throws {
        let state = (0..<(4_096 + stateTail)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let checkpoint = Checkpoint(
            epoch: Epoch(7), partitions: 1, positions: [SourcePosition(source: "s", split: 0, offset: 1)],
            watermarks: [], states: ["window": [state]])
        let bytes = CheckpointCodec.encode(checkpoint)
        #expect(try CheckpointCodec.decode(bytes) == checkpoint)
        for at in stride(from: 0, to: bytes.count, by: 1) {
            var damaged = bytes
            damaged[at] ^= UInt8(1 << (at % 8))
            #expect(throws: SluiceError.self, "a flip at byte \(at) of \(bytes.count) was not noticed") {
                try CheckpointCodec.decode(damaged)
            }
        }
    }
}
