import Foundation
import SluiceCore
import Testing

@testable import SluiceConnectors
@testable import SluiceOperators

/// Incremental checkpoints (issue #14's checkpoint goal, issue #12 item 8): the SQLite
/// commit group stores a manifest and content-defined parts, de-duplication snapshots by
/// sealed segment, so each epoch writes what changed and a restore gives the same state.
@Suite struct IncrementalCheckpointTests {
    /// De-duplication by `label` (the event id) into a 10 s tumbling count and sum per agent.
    struct Chain {
        let dedupe = DedupeOperator(schema: TestInput.schema, idField: "label", timeField: "ts", horizonMillis: 20_000)
        let window = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [AggregateSpec("events", .count), AggregateSpec("total", .sum, TestInput.column("value"))])

        /// Feeds one epoch; returns what left the chain, as comparable text.
        func run(_ events: [Event], watermark: Int64) -> [String] {
            var out = OperatorOutput()
            dedupe.process(TestInput.batch(events), input: 0, into: &out)
            var lines: [String] = []
            var windowOut = OperatorOutput()
            for (port, batch) in out.batches {
                if port == 0 { window.process(batch, input: 0, into: &windowOut) } else { lines.append("dup \(batch.count)") }
            }
            dedupe.advanceWatermark(to: watermark, into: &out)
            window.advanceWatermark(to: watermark, into: &windowOut)
            for (port, batch) in windowOut.batches {
                lines += batch.rows.map { row in "\(port) " + row.keys.sorted().map { "\($0)=\(row[$0]!)" }.joined(separator: " ") }
            }
            return lines
        }

        func checkpoint(_ epoch: Int) -> Checkpoint {
            var d = SnapshotWriter()
            dedupe.snapshot(into: &d)
            var w = SnapshotWriter()
            window.snapshot(into: &w)
            return Checkpoint(
                epoch: Epoch(UInt64(epoch + 1)), partitions: 1,
                positions: [SourcePosition(source: "events", split: 0, offset: Int64(epoch))],
                states: ["dedupe": [d.bytes], "window": [w.bytes]])
        }

        static func restored(_ checkpoint: Checkpoint) throws -> Chain {
            let chain = Chain()
            var d = SnapshotReader(checkpoint.states["dedupe"]![0])
            try chain.dedupe.restore(from: &d)
            var w = SnapshotReader(checkpoint.states["window"]![0])
            try chain.window.restore(from: &w)
            return chain
        }
    }

    /// Epoch `e` carries 1 s of event time: new ids, and redeliveries of recent ones.
    static func epochs(seed: UInt64, count: Int, perEpoch: Int) -> [[Event]] {
        var rng = SplitMix64(seed: seed)
        var next = 0
        return (0..<count).map { e in
            (0..<perEpoch).map { _ in
                let redelivery = next > 0 && Int.random(in: 0..<5, using: &rng) == 0
                let id = redelivery ? Int.random(in: max(0, next - 3 * perEpoch)..<next, using: &rng) : next
                if !redelivery { next += 1 }
                var event = Event(agent: "agent-\(id % 17)", ts: Int64(e) * 1000 + Int64.random(in: 0..<1500, using: &rng))
                event.value = Double(id % 100)
                event.label = "evt-\(id)"
                return event
            }
        }
    }

    static func watermark(_ epoch: Int) -> Int64 { Int64(epoch) * 1000 - 2000 }

    @Test("a run checkpointed incrementally and restored at random epochs equals an uninterrupted one",
          arguments: [UInt64(1), 7, 42])
    func restoredAtRandomEpochsEqualsUninterrupted(seed: UInt64) throws {
        let inputs = Self.epochs(seed: seed, count: 60, perEpoch: 300)
        var rng = SplitMix64(seed: seed &* 31)
        let cuts = Set((0..<3).map { _ in Int.random(in: 0..<(inputs.count - 1), using: &rng) })
        try withIncrementalViewStore { pathA in
            try withIncrementalViewStore { pathB in
                let groupA = SQLiteCommitGroup(path: pathA, timeSource: ManualTimeSource())
                let straight = Chain()
                var expected: [[String]] = []
                for (e, events) in inputs.enumerated() {
                    expected.append(straight.run(events, watermark: Self.watermark(e)))
                    try groupA.save(straight.checkpoint(e), pipeline: "p")
                }

                var chain = Chain()
                var e = 0
                while e < inputs.count {
                    let lines = chain.run(inputs[e], watermark: Self.watermark(e))
                    #expect(lines == expected[e], "epoch \(e) after restores at \(cuts.sorted())")
                    try SQLiteCommitGroup(path: pathB, timeSource: ManualTimeSource()).save(chain.checkpoint(e), pipeline: "p")
                    if cuts.contains(e) {
                        // A crash after epoch e was saved and part of the next was processed:
                        // a new process restores from the file and goes on.
                        _ = chain.run(inputs[e + 1], watermark: Self.watermark(e + 1))
                        let stored = try #require(try SQLiteCommitGroup(path: pathB).latest(pipeline: "p"))
                        #expect(stored.epoch == Epoch(UInt64(e + 1)))
                        chain = try Chain.restored(stored)
                    }
                    e += 1
                }
                let a = try #require(try groupA.latest(pipeline: "p"))
                let b = try #require(try SQLiteCommitGroup(path: pathB).latest(pipeline: "p"))
                #expect(a == b, "the final stored state is the uninterrupted run's, byte for byte")
                #expect(a.states["dedupe"]![0].count > 16 * 300 * 10)
            }
        }
    }

    @Test("bytes written per epoch follow the change, not the state; parts no manifest names are deleted")
    func bytesWrittenFollowTheChange() throws {
        try withIncrementalViewStore { path in
            let group = SQLiteCommitGroup(path: path, timeSource: ManualTimeSource())
            // 2,000 new ids per 1 s epoch, a 60 s horizon: ~2 MB of remembered ids once the
            // oldest buckets are forgotten (from epoch ~75 on).
            let dedupe = DedupeOperator(schema: TestInput.schema, idField: "label", timeField: "ts", horizonMillis: 60_000)
            let connection = try incrementalTestConnection(path)
            #expect(try group.latest(pipeline: "p") == nil)  // opens the file: creates the tables
            var newBytes: [Int] = []
            var stateBytes: [Int] = []
            for (e, events) in Self.epochs(seed: 3, count: 100, perEpoch: 2000).enumerated() {
                var out = OperatorOutput()
                dedupe.process(TestInput.batch(events), input: 0, into: &out)
                dedupe.advanceWatermark(to: Self.watermark(e), into: &out)
                var writer = SnapshotWriter()
                dedupe.snapshot(into: &writer)
                let before = try Self.scalar(connection, "SELECT coalesce(max(rowid), 0) FROM _sluice_checkpoint_parts")
                try group.save(
                    Checkpoint(epoch: Epoch(UInt64(e + 1)), partitions: 1, positions: [], states: ["dedupe": [writer.bytes]]),
                    pipeline: "p")
                // The evidence is in the file: rows added by this save (a part already stored
                // keeps its row), their bytes, against the whole state.
                newBytes.append(
                    try Self.scalar(
                        connection, "SELECT coalesce(sum(length(bytes)), 0) FROM _sluice_checkpoint_parts WHERE rowid > \(before)"))
                stateBytes.append(writer.bytes.count)
                let report = try #require(group.lastSaveReport)
                #expect(report.stateBytes > writer.bytes.count)
            }
            for e in 30..<100 {
                #expect(newBytes[e] * 4 < stateBytes[e], "epoch \(e): \(newBytes[e]) new of \(stateBytes[e]) bytes")
            }
            let written = newBytes[30...].reduce(0, +)
            let whole = stateBytes[30...].reduce(0, +)
            #expect(written * 8 < whole, "\(written) bytes written where whole checkpoints are \(whole)")
            // Only what the newest manifest names is kept: the file holds one state, not a history.
            let stored = try Self.scalar(connection, "SELECT sum(length(bytes)) FROM _sluice_checkpoint_parts WHERE pipeline = 'p'")
            #expect(stored < stateBytes.last! + stateBytes.last! / 10 + 1024)
            #expect(stateBytes[99] < stateBytes[70] + stateBytes[70] / 5, "the horizon bounds the state")
            let manifestBlob = try Self.blob(connection, "SELECT bytes FROM _sluice_checkpoints WHERE pipeline = 'p'")
            let manifest = try CheckpointManifest(decoding: manifestBlob)
            let query = try connection.prepare("SELECT id FROM _sluice_checkpoint_parts WHERE pipeline = 'p'")
            var ids: Set<PartID> = []
            while try query.step() { ids.insert(try #require(PartID(bytes: query.blob(0)))) }
            #expect(ids == manifest.ids)
            // And a new process reads it back whole.
            let restored = try #require(try SQLiteCommitGroup(path: path).latest(pipeline: "p"))
            var check = SnapshotWriter()
            let fresh = DedupeOperator(schema: TestInput.schema, idField: "label", timeField: "ts", horizonMillis: 60_000)
            var reader = SnapshotReader(restored.states["dedupe"]![0])
            try fresh.restore(from: &reader)
            fresh.snapshot(into: &check)
            var again = SnapshotWriter()
            dedupe.snapshot(into: &again)
            #expect(check.bytes == again.bytes)
        }
    }

    static func scalar(_ connection: SQLiteConnection, _ sql: String) throws -> Int {
        let query = try connection.prepare(sql)
        guard try query.step() else { return 0 }
        return Int(query.int64(0))
    }

    static func blob(_ connection: SQLiteConnection, _ sql: String) throws -> [UInt8] {
        let query = try connection.prepare(sql)
        guard try query.step() else { return [] }
        return query.blob(0)
    }
}

/// A temporary views file for one test.
func withIncrementalViewStore<T>(_ body: (_ path: String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-incremental-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory.appendingPathComponent("views.db").path)
}

func incrementalTestConnection(_ path: String) throws -> SQLiteConnection {
    try FileManager.default.createDirectory(
        at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
    return try SQLiteConnection.open(path: path, access: .readWriteCreate)
}
