import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

/// `MemorySink.delete` follows the `Sink` law the SQLite view does: deletes by key, in
/// arrival order with the writes, applied at commit.
@Suite struct MemorySinkRetractionTests {
    private static let schema = Schema([
        Field("agent_id", .string, nullable: false), Field("window", .timestamp, nullable: false), Field("count", .int64),
    ])

    private func batch(_ rows: [(String, Int64, Int64?)], retraction: Bool = false) -> Batch {
        var batch = EventFactory.batch(
            rows.map { ["agent_id": .string($0.0), "window": .timestamp($0.1), "count": $0.2.map(Value.int) ?? .null] },
            schema: Self.schema)
        batch.isRetraction = retraction
        return batch
    }

    private func view(_ sink: MemorySink) -> [String] {
        sink.upsertedRows.map { "\($0["agent_id"]!.asString!)@\($0["window"]!.asInt!)=\($0["count"]!.asInt!)" }.sorted()
    }

    @Test func deletesApplyInArrivalOrderAtCommit() throws {
        let sink = MemorySink(name: "view")
        try sink.open(schema: Self.schema, mode: .upsert(key: ["agent_id", "window"]))
        try sink.write(batch([("a", 0, 1), ("b", 0, 1), ("c", 0, 1)]))
        try sink.commit(epoch: Epoch(1))
        // Delete then write the same key: the write stays. Write then delete: gone.
        try sink.delete(batch([("a", 0, nil)], retraction: true))
        try sink.write(batch([("a", 0, 2), ("b", 10, 1)]))
        try sink.delete(batch([("b", 10, nil), ("c", 0, nil), ("zz", 5, nil)], retraction: true))
        #expect(view(sink) == ["a@0=1", "b@0=1", "c@0=1"], "nothing applies before the commit")
        try sink.commit(epoch: Epoch(2))
        #expect(view(sink) == ["a@0=2", "b@0=1"])
        #expect(sink.committedEpochs.last?.retractions.count == 4)
        // A deleted key written again comes back.
        try sink.write(batch([("c", 0, 7)]))
        try sink.commit(epoch: Epoch(3))
        #expect(view(sink) == ["a@0=2", "b@0=1", "c@0=7"])
    }

    @Test func appendSinksIgnoreDeletes() throws {
        let sink = MemorySink(name: "log")
        try sink.open(schema: Self.schema, mode: .append)
        try sink.write(batch([("a", 0, 1)]))
        try sink.delete(batch([("a", 0, nil)], retraction: true))
        try sink.commit(epoch: Epoch(1))
        #expect(sink.rows.count == 1)
        #expect(sink.committedEpochs.last?.retractions == [])
    }
}
