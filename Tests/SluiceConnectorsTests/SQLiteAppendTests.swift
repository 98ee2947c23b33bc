import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteAppendTests {
    let alertSchema = Schema([Field("agent_id", .string), Field("level", .string), Field("at", .timestamp)])

    func alerts(_ rows: [(String, String, Int64)]) -> Batch {
        Batch(
            schema: alertSchema,
            columns: [
                Column(strings: rows.map(\.0)), Column(strings: rows.map(\.1)),
                Column(ints: rows.map(\.2), type: .timestamp),
            ])
    }

    @Test func appendsEveryRowInArrivalOrderIncludingDuplicates() throws {
        try withViewStore { path in
            try runSink(path: path, view: "alerts", mode: .append, schema: alertSchema, epochs: [
                (Epoch(1), [alerts([("a", "warn", 3), ("b", "crit", 1)])]),
                (Epoch(2), [alerts([("a", "warn", 3)]), alerts([("c", "info", 2)])]),
            ])
            let view = try SQLiteViews.read(path: path, view: "alerts", limit: nil)
            #expect(view.rows == [
                [.string("a"), .string("warn"), .timestamp(3)], [.string("b"), .string("crit"), .timestamp(1)],
                [.string("a"), .string("warn"), .timestamp(3)], [.string("c"), .string("info"), .timestamp(2)],
            ])
        }
    }

    @Test func createsAPlainTableWithoutPrimaryKey() throws {
        try withViewStore { path in
            try runSink(path: path, view: "alerts", mode: .append, schema: alertSchema, epochs: [])
            let sql = try queryTexts("SELECT sql FROM sqlite_master WHERE name = 'alerts'", path: path)
            #expect(sql == [#"CREATE TABLE "alerts" ("agent_id" TEXT, "level" TEXT, "at" TIMESTAMP_MS)"#])
        }
    }

    @Test func reopeningAppendsAfterTheExistingRows() throws {
        try withViewStore { path in
            for epoch in 1...3 {
                try runSink(path: path, view: "alerts", mode: .append, schema: alertSchema,
                            epochs: [(Epoch(UInt64(epoch)), [alerts([("a", "run \(epoch)", Int64(epoch))])])])
            }
            let rows = try SQLiteViews.read(path: path, view: "alerts", limit: nil).rows
            #expect(rows.map { $0[1] } == [.string("run 1"), .string("run 2"), .string("run 3")])
        }
    }
}
