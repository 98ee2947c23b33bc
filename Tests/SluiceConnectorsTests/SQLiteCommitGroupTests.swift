import Foundation
import SluiceCore
import Testing

@testable import SluiceConnectors

@Suite struct SQLiteCommitGroupTests {
    static func checkpoint(_ epoch: UInt64, offset: Int64) -> Checkpoint {
        Checkpoint(
            epoch: Epoch(epoch), partitions: 1, positions: [SourcePosition(source: "events", split: 0, offset: offset)],
            states: ["window": [[UInt8(epoch)]]])
    }

    @Test func rowsBecomeVisibleOnlyWithTheirCheckpointInOneTransaction() throws {
        try withViewStore { path in
            let group = SQLiteCommitGroup(path: path, timeSource: ManualTimeSource())
            let sink = SQLiteViewSink(name: "view", path: path, view: "agent_metrics")
            try sink.join(group)
            #expect(group.contains(sink))
            #expect(!group.contains(SQLiteViewSink(name: "other", path: path, view: "other")))
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            try sink.write(metricBatch([MetricRow(agent: "a", metric: "cpu", samples: 1, mean: 1, healthy: true, windowEnd: 5)]))
            try sink.prepare(epoch: Epoch(1))
            try sink.write(metricBatch([MetricRow(agent: "b", metric: "cpu", samples: 2, mean: 2, healthy: true, windowEnd: 5)]))
            // Sealed and open rows are both invisible before the save.
            #expect(try queryTexts("SELECT agent_id FROM agent_metrics", path: path) == [])
            try group.save(Self.checkpoint(1, offset: 10), pipeline: "p")
            // Epoch 1's row is in, epoch 2's (not yet prepared) is not.
            #expect(try queryTexts("SELECT agent_id FROM agent_metrics", path: path) == ["a"])
            #expect(try group.latest(pipeline: "p") == Self.checkpoint(1, offset: 10))
            #expect(try sink.lastCommittedEpoch() == Epoch(1))
            try sink.prepare(epoch: Epoch(2))
            try group.save(Self.checkpoint(2, offset: 20), pipeline: "p")
            #expect(try queryTexts("SELECT agent_id FROM agent_metrics ORDER BY agent_id", path: path) == ["a", "b"])
            #expect(try group.latest(pipeline: "q") == nil)
            try sink.close()
        }
    }

    @Test func aCheckpointThatGoesBackwardsIsRefusedAndWritesNothing() throws {
        try withViewStore { path in
            let group = SQLiteCommitGroup(path: path)
            let sink = SQLiteViewSink(name: "view", path: path, view: "agent_metrics")
            try sink.join(group)
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            try sink.prepare(epoch: Epoch(5))
            try group.save(Self.checkpoint(5, offset: 50), pipeline: "p")
            // A stale worker's epoch 4, with a row: refused, and the row is not written.
            try sink.write(metricBatch([MetricRow(agent: "stale", metric: "cpu", samples: 1, mean: 1, healthy: true, windowEnd: 5)]))
            try sink.prepare(epoch: Epoch(4))
            #expect(throws: SluiceError.self) { try group.save(Self.checkpoint(4, offset: 40), pipeline: "p") }
            #expect(try queryTexts("SELECT agent_id FROM agent_metrics", path: path) == [])
            #expect(try group.latest(pipeline: "p")?.epoch == Epoch(5))
        }
    }

    @Test func aGroupMemberCannotCommitOnItsOwn() throws {
        try withViewStore { path in
            let group = SQLiteCommitGroup(path: path)
            let sink = SQLiteViewSink(name: "view", path: path, view: "agent_metrics")
            try sink.join(group)
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            #expect(throws: SluiceError.self) { try sink.commit(epoch: Epoch(1)) }
            #expect(throws: SluiceError.self) { try SQLiteViewSink(name: "x", path: path + "-other", view: "v").join(group) }
        }
    }
}
