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
