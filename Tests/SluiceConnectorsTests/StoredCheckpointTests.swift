import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

@testable import SluiceConnectors

/// Checkpoints stored LZ4-framed behind a versioned marker (issue #15), old plain ones
/// still loading, in both commit groups.
@Suite struct StoredCheckpointTests {
    /// A checkpoint shaped like a keyed aggregate's: many similar keys and values.
    static func large(_ epoch: UInt64) -> Checkpoint {
        var state: [UInt8] = []
        for agent in 0..<2000 {
            state.append(contentsOf: Array("agent-\(agent)|latency_ms|".utf8))
            state.append(contentsOf: [UInt8](repeating: UInt8(agent % 7), count: 24))
        }
        return Checkpoint(
            epoch: Epoch(epoch), partitions: 2, positions: [SourcePosition(source: "events", split: 0, offset: 99)],
            watermarks: [SplitWatermark(source: "events", split: 0, maxEventTime: 5000)],
            states: ["aggregate": [state, state.reversed()]])
    }

    @Test func aLargeCheckpointIsStoredFramedAndSmallerAndReadsBack() throws {
        let checkpoint = Self.large(3)
        let stored = try StoredCheckpoint.encode(checkpoint)
        let plain = CheckpointCodec.encode(checkpoint)
        #expect(stored.starts(with: Array("SLZ4".utf8)))
        #expect(stored[4] == 1)
        #expect(stored.count * 3 < plain.count, "\(stored.count) of \(plain.count) bytes")
        #expect(try StoredCheckpoint.decode(stored) == checkpoint)
    }

    @Test func aTinyCheckpointStaysPlainAndPlainBytesStillLoad() throws {
        // Incompressible state bytes: the frame's own overhead would make it larger.
        var random = SplitMix64(seed: 3)
        let noise = (0..<4000).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let tiny = Checkpoint(epoch: Epoch(1), partitions: 1, positions: [], states: ["w": [noise]])
        #expect(try StoredCheckpoint.encode(tiny) == CheckpointCodec.encode(tiny))
        // What older versions stored: plain codec bytes, large or small.
        #expect(try StoredCheckpoint.decode(CheckpointCodec.encode(Self.large(2))) == Self.large(2))
    }

    @Test func aDamagedOrUnknownFrameIsRefused() throws {
        var stored = try StoredCheckpoint.encode(Self.large(3))
        var damaged = stored
        damaged[damaged.count / 2] ^= 0xFF
        #expect(throws: SluiceError.self) { try StoredCheckpoint.decode(damaged) }
        #expect(throws: SluiceError.self) { try StoredCheckpoint.decode(Array(stored.dropLast(9))) }
        stored[4] = 2
        #expect(throws: SluiceError.self) { try StoredCheckpoint.decode(stored) }
    }

    @Test func theSQLiteGroupStoresAManifestAndLoadsOldFramedAndPlainRows() throws {
        try withViewStore { path in
            let group = SQLiteCommitGroup(path: path, timeSource: ManualTimeSource())
            try group.save(Self.large(1), pipeline: "new")
            #expect(try group.latest(pipeline: "new") == Self.large(1))
            let connection = try testConnection(path)
            let query = try connection.prepare("SELECT bytes FROM _sluice_checkpoints WHERE pipeline = 'new'")
            #expect(try query.step())
            let blob = query.blob(0)
            #expect(blob.starts(with: Array("SPRT".utf8)))
            query.reset()
            // The parts are stored LZ4-framed where that is smaller.
            let parts = try connection.prepare(
                "SELECT count(*), sum(length(bytes)) FROM _sluice_checkpoint_parts WHERE pipeline = 'new'")
            #expect(try parts.step())
            #expect(parts.int64(0) >= 1)
            #expect(Int(parts.int64(1)) < CheckpointCodec.encode(Self.large(1)).count / 3)
            parts.reset()
            // Rows written by versions before parts: LZ4-framed, and before compression, plain.
            let insert = try connection.prepare(
                "INSERT INTO _sluice_checkpoints (pipeline, epoch, saved_at, bytes) VALUES (?1, 7, 0, ?2)")
            try insert.bind("framed", at: 1)
            try insert.bind(blob: try StoredCheckpoint.encode(Self.large(7)), at: 2)
            try insert.run()
            insert.reset()
            try insert.bind("old", at: 1)
            try insert.bind(blob: CheckpointCodec.encode(Self.large(7)), at: 2)
            try insert.run()
            #expect(try group.latest(pipeline: "framed") == Self.large(7))
            #expect(try group.latest(pipeline: "old") == Self.large(7))
            // A framed row is replaced by a manifest on the next save.
            try group.save(Self.large(8), pipeline: "framed")
            #expect(try group.latest(pipeline: "framed") == Self.large(8))
        }
    }

    @Test func aMissingOrAlteredPartIsRefused() throws {
        try withViewStore { path in
            let group = SQLiteCommitGroup(path: path, timeSource: ManualTimeSource())
            try group.save(Self.large(1), pipeline: "p")
            let connection = try testConnection(path)
            try connection.execute(
                "UPDATE _sluice_checkpoint_parts SET bytes = x'00' || substr(bytes, 2) WHERE rowid = (SELECT min(rowid) FROM _sluice_checkpoint_parts)")
            #expect(throws: SluiceError.self) { try SQLiteCommitGroup(path: path).latest(pipeline: "p") }
            try connection.execute("DELETE FROM _sluice_checkpoint_parts")
            #expect(throws: SluiceError.self) { try SQLiteCommitGroup(path: path).latest(pipeline: "p") }
        }
    }
}
