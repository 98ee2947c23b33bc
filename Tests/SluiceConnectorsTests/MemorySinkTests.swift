import Dispatch
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct MemorySinkTests {
    private static let schema = Schema([
        Field("agent_id", .string, nullable: false), Field("window", .timestamp, nullable: false),
        Field("count", .int64), Field("avg", .double),
    ])

    private func batch(_ rows: [(String, Int64, Int64, Double)]) -> Batch {
        EventFactory.batch(
            rows.map { ["agent_id": .string($0.0), "window": .timestamp($0.1), "count": .int($0.2), "avg": .double($0.3)] },
            schema: Self.schema)
    }

    @Test func upsertKeepsTheLatestCommittedRowPerKey() throws {
        let sink = MemorySink(name: "view")
        try sink.open(schema: Self.schema, mode: .upsert(key: ["agent_id", "window"]))
        try sink.write(batch([("a", 0, 1, 1.0), ("b", 0, 1, 5.0)]))
        try sink.write(batch([("a", 0, 2, 1.5)]))
        try sink.commit(epoch: Epoch(1))
        try sink.write(batch([("a", 10_000, 1, 3.0), ("b", 0, 3, 4.0)]))
        #expect(sink.uncommitted.count == 2)
        // Not yet committed: the view still shows epoch 1.
        #expect(RowMultiset(sink.upsertedRows) == RowMultiset(batch([("a", 0, 2, 1.5), ("b", 0, 1, 5.0)]).rows))
        try sink.commit(epoch: Epoch(2))
        // Replaying epoch 2 (a restart after a crash) leaves the view unchanged.
        try sink.write(batch([("a", 10_000, 1, 3.0), ("b", 0, 3, 4.0)]))
        try sink.commit(epoch: Epoch(2))

        let expected = RowMultiset(batch([("a", 0, 2, 1.5), ("b", 0, 3, 4.0), ("a", 10_000, 1, 3.0)]).rows)
        let actual = RowMultiset(sink.upsertedRows)
        #expect(actual == expected, "\(actual.difference(from: expected))")
        #expect(sink.commits == [Epoch(1), Epoch(2), Epoch(2)])
        #expect(sink.rows.count == 7)
        #expect(sink.rows(committedIn: Epoch(1)).count == 3)
        #expect(sink.uncommitted.isEmpty)
        // Keys keep the order in which they first appeared.
        #expect(sink.upsertedRows.map { $0["agent_id"]! } == [.string("a"), .string("b"), .string("a")])
    }

    @Test func appendModeKeepsEveryRowAndNoView() throws {
        let sink = MemorySink()
        try sink.open(schema: Self.schema, mode: .append)
        try sink.write(batch([("a", 0, 1, 1.0), ("a", 0, 1, 1.0)]))
        try sink.commit(epoch: Epoch(7))
        try sink.write(batch([("c", 0, 1, 1.0)]))
        #expect(sink.rows.count == 2)
        #expect(sink.upsertedRows.isEmpty)
        #expect(sink.uncommitted.count == 1)
        #expect(sink.committedEpochs.map(\.epoch) == [Epoch(7)])
        try sink.close()
        #expect(sink.isClosed)
        #expect(throws: SluiceError.self) { try sink.write(self.batch([("d", 0, 1, 1.0)])) }
    }

    @Test func misuseIsReported() throws {
        let sink = MemorySink()
        #expect(throws: SluiceError.self) { try sink.write(self.batch([])) }
        #expect(throws: SluiceError.self) { try sink.open(schema: Self.schema, mode: .upsert(key: ["nope"])) }
        try sink.open(schema: Self.schema, mode: .append)
        #expect(throws: SluiceError.self) { try sink.write(EventFactory.batch([], schema: DAA.schema)) }
    }

    @Test func readersOnOtherThreadsSeeConsistentState() async throws {
        let sink = MemorySink()
        try sink.open(schema: Self.schema, mode: .upsert(key: ["agent_id"]))
        let writer = Task.detached {
            for epoch in 1...200 {
                try sink.write(self.batch([("a", 0, Int64(epoch), 1.0), ("b", 0, Int64(epoch), 2.0)]))
                try sink.commit(epoch: Epoch(UInt64(epoch)))
            }
        }
        var observations = 0
        while observations < 1000 {
            let view = sink.upsertedRows
            #expect(view.count == 0 || view.count == 2)
            observations += 1
            await Task.yield()
        }
        try await writer.value
        #expect(sink.commits.count == 200)
        #expect(sink.upsertedRows.map { $0["count"]! } == [.int(200), .int(200)])
    }
}
