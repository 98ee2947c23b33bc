import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct MemorySourceTests {
    private static let schema = Schema([Field("agent_id", .string, nullable: true), Field("n", .int64)])

    /// Batches of 3 rows whose string dictionaries differ, with a null in every other one.
    private static func batches(_ count: Int) -> [Batch] {
        (0..<count).map { b in
            let rows: [[String: Value]] = (0..<3).map { r in
                let agent: Value = b % 2 == 0 && r == 1 ? .null : .string("agent-\(b)-\(r % 2)")
                return ["agent_id": agent, "n": .int(Int64(b * 3 + r))]
            }
            return EventFactory.batch(rows, schema: schema)
        }
    }

    private static func read(_ reader: any SourceReader, maxRows: Int) throws -> [Batch] {
        var out: [Batch] = []
        while case .data(let batch, _) = try reader.next(maxRows: maxRows) { out.append(batch) }
        return out
    }

    @Test func consecutiveBatchesAreJoinedUpToTheRowsAskedFor() throws {
        let input = Self.batches(7)
        let source = InMemorySource(name: "m", schema: Self.schema, splits: [input])
        let chunks = try Self.read(try source.openSplit(0, resumingAfter: nil), maxRows: 7)
        // 3 + 3 fit in 7, a third batch would not; the last chunk is what is left.
        #expect(chunks.map(\.count) == [6, 6, 6, 3])
        #expect(chunks.map { $0.position?.offset } == [2, 4, 6, 7])
        #expect(chunks.flatMap(\.rows) == input.flatMap(\.rows))
        // A chunk smaller than one batch still returns whole batches.
        #expect(try Self.read(try source.openSplit(0, resumingAfter: nil), maxRows: 1).map(\.count) == Array(repeating: 3, count: 7))
    }

    @Test func resumingAfterAJoinedChunkSkipsExactlyItsBatches() throws {
        let input = Self.batches(5)
        let source = InMemorySource(name: "m", schema: Self.schema, splits: [input])
        let reader = try source.openSplit(0, resumingAfter: nil)
        guard case .data(let first, _) = try reader.next(maxRows: 6) else {
            Issue.record("no data")
            return
        }
        let rest = try Self.read(try source.openSplit(0, resumingAfter: first.position), maxRows: 6)
        #expect(rest.flatMap(\.rows) == input[2...].flatMap(\.rows))
    }
}
