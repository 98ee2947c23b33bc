import SluiceConnectors
import SluiceCore
import SluicePostgres
import Testing

/// Events read from a table through a cursor: batches of at most `batchRows`, bad rows
/// rejected with their row number, and a restored reader resuming after its position.
@Suite struct PostgresQuerySourceTests {
    static let schema = Schema([Field("id", .string), Field("n", .int64)])

    private func source(_ db: PostgresTestNamespace, column: String? = "body", batchRows: Int = 4) throws -> PostgresQuerySource {
        try PostgresQuerySource(
            name: "events", connection: db.configuration.uri, passwordFile: nil, namespace: db.name, table: "events",
            column: column, orderBy: ["seq"], schema: Self.schema, required: ["id", "n"], batchRows: batchRows)
    }

    /// Reads every chunk: the ids accepted, the rejected rows' positions, the chunk sizes.
    private func readAll(_ reader: any SourceReader) throws -> (ids: [String], rejected: [Int64], sizes: [Int]) {
        var ids: [String] = []
        var rejected: [Int64] = []
        var sizes: [Int] = []
        while case .data(let batch, let rejections) = try reader.next(maxRows: 100) {
            sizes.append(batch.count + rejections.count)
            ids += (0..<batch.count).map { batch.columns[0].dictionary[Int(batch.columns[0].codes[$0])] }
            rejected += rejections.compactMap { $0.position?.offset }
        }
        return (ids, rejected, sizes)
    }

    @Test func readsEveryRowInOrderThroughACursorAndRejectsBadOnes() throws {
        try PostgresTestNamespace.with { db in
            try db.admin.execute("CREATE TABLE \(db.name).events (seq bigint PRIMARY KEY, body text)")
            for seq in (1...10).reversed() {
                let body: String? =
                    switch seq {
                    case 4: "{\"id\": \"e4\", \"n\": "  // cut short
                    case 7: nil
                    default: "{\"id\": \"e\(seq)\", \"n\": \(seq)}"
                    }
                // Inserted out of order: the cursor's ORDER BY decides.
                try db.admin.execute(
                    "INSERT INTO \(db.name).events VALUES ($1, $2)", parameters: [.int(Int64(seq)), body.map { .text($0) } ?? .null])
            }
            let read = try readAll(try source(db).openSplit(0, resumingAfter: nil))
            #expect(read.ids == ["e1", "e2", "e3", "e5", "e6", "e8", "e9", "e10"])
            #expect(read.rejected == [4, 7])
            #expect(read.sizes == [4, 4, 2], "FETCH 4 at a time")

            // A reader restored after row 6 starts at row 7.
            let resumed = try readAll(
                try source(db).openSplit(0, resumingAfter: SourcePosition(source: "events", split: 0, offset: 6)))
            #expect(resumed.ids == ["e8", "e9", "e10"])
            #expect(resumed.rejected == [7])
        }
    }

    @Test func withoutAColumnEachWholeRowIsAnEvent() throws {
        try PostgresTestNamespace.with { db in
            try db.admin.execute("CREATE TABLE \(db.name).events (seq bigint PRIMARY KEY, id text, n bigint)")
            try db.admin.execute("INSERT INTO \(db.name).events VALUES (2, 'b', 20), (1, 'a', 10), (3, 'c', NULL)")
            let reader = try source(db, column: nil).openSplit(0, resumingAfter: nil)
            guard case .data(let batch, let rejections) = try reader.next(maxRows: 100) else {
                Issue.record("no data")
                return
            }
            #expect((0..<batch.count).map { batch.columns[0].dictionary[Int(batch.columns[0].codes[$0])] } == ["a", "b"])
            #expect(batch.columns[1].ints.prefix(batch.count) == [10, 20])
            #expect(rejections.compactMap { $0.position?.offset } == [3], "a null required field is rejected")
            #expect(rejections.first?.reason.contains("n") == true, "\(rejections)")
        }
    }

    @Test func aMissingTableIsAClearError() throws {
        try PostgresTestNamespace.with { db in
            let error = try #require(throws: PostgresError.self) { try source(db).openSplit(0, resumingAfter: nil) }
            #expect(error.sqlState == "42P01", "undefined table: \(error)")
        }
    }
}
