@testable import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteSchemaTests {
    let schema = Schema([Field("k", .string), Field("n", .int64), Field("x", .double)])

    /// Creates view "v" with `schema` upserted by k, then opens it again as `reopened`.
    func reopen(_ reopened: Schema, mode: SinkMode = .upsert(key: ["k"]), path: String) throws {
        try runSink(path: path, view: "v", mode: .upsert(key: ["k"]), schema: schema, epochs: [])
        let sink = SQLiteViewSink(name: "t", path: path, view: "v")
        try sink.open(schema: reopened, mode: mode)
        try sink.close()
    }

    func mismatch(_ reopened: Schema, mode: SinkMode = .upsert(key: ["k"])) throws -> String? {
        try withViewStore { path throws in
            let error = #expect(throws: SluiceError.self) { try reopen(reopened, mode: mode, path: path) }
            #expect(error?.code == .schemaMismatch)
            // Nothing was migrated: the table still has its original columns.
            #expect(try SQLiteViews.read(path: path, view: "v", limit: 0).columns == ["k", "n", "x"])
            return error?.message
        }
    }

    @Test func reopeningWithTheSameColumnsInAnyOrderSucceeds() throws {
        try withViewStore { path in
            try reopen(Schema([Field("x", .double), Field("k", .string), Field("n", .int64)]), path: path)
        }
    }

    @Test func namesAMissingColumn() throws {
        let message = try mismatch(Schema([Field("k", .string), Field("n", .int64), Field("x", .double), Field("y", .bool)]))
        #expect(message?.contains("missing column 'y' BOOLEAN") == true)
        #expect(message?.contains("view 'v'") == true)
    }

    @Test func namesAnUnexpectedColumn() throws {
        let message = try mismatch(Schema([Field("k", .string), Field("n", .int64)]))
        #expect(message?.contains("unexpected column 'x' REAL") == true)
    }

    @Test func namesAChangedType() throws {
        let message = try mismatch(Schema([Field("k", .string), Field("n", .timestamp), Field("x", .double)]))
        #expect(message?.contains("column 'n' is INTEGER, the pipeline writes TIMESTAMP_MS") == true)
    }

    @Test func namesAChangedKey() throws {
        let message = try mismatch(schema, mode: .upsert(key: ["k", "n"]))
        #expect(message?.contains("primary key is (k), the pipeline needs (k, n)") == true)
        let appended = try mismatch(schema, mode: .append)
        #expect(appended?.contains("primary key is (k), the pipeline needs none") == true)
    }

    @Test func listsEveryDifferenceAtOnce() throws {
        let message = try mismatch(Schema([Field("k", .string), Field("n", .double), Field("z", .string)]))
        #expect(message?.contains("column 'n' is INTEGER, the pipeline writes REAL") == true)
        #expect(message?.contains("missing column 'z' TEXT") == true)
        #expect(message?.contains("unexpected column 'x' REAL") == true)
    }

    @Test func rejectsUnusableConfigurations() throws {
        try withViewStore { path in
            let cases: [(view: String, schema: Schema, mode: SinkMode, says: String)] = [
                ("v", schema, .upsert(key: ["missing"]), "key column 'missing' is not in the schema"),
                ("v", schema, .upsert(key: []), "upserts without key columns"),
                ("v", Schema([]), .append, "has no columns"),
                ("v", Schema([Field("a", .int64), Field("A", .string)]), .append, "has column 'A' twice"),
                ("_sluice_epochs", schema, .append, "is reserved"),
                ("_Sluice_Epochs", schema, .append, "is reserved"),
                ("sqlite_stat1", schema, .append, "is reserved"),
                ("", schema, .append, "needs a name"),
            ]
            for item in cases {
                let sink = SQLiteViewSink(name: "t", path: path, view: item.view)
                let error = #expect(throws: SluiceError.self) { try sink.open(schema: item.schema, mode: item.mode) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.contains(item.says) == true, "\(error?.message ?? "no error")")
            }
        }
    }

    @Test func rejectsABatchOfAnotherSchema() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "t", path: path, view: "v")
            try sink.open(schema: schema, mode: .upsert(key: ["k"]))
            let wider = Batch(
                schema: schema.appending(Field("extra", .int64)),
                columns: [Column(strings: ["a"]), Column(ints: [1]), Column(doubles: [1]), Column(ints: [2])])
            let retyped = Batch(
                schema: Schema([Field("k", .string), Field("n", .double), Field("x", .double)]),
                columns: [Column(strings: ["a"]), Column(doubles: [1]), Column(doubles: [1])])
            for batch in [wider, retyped] {
                let error = #expect(throws: SluiceError.self) { try sink.write(batch) }
                #expect(error?.code == .schemaMismatch)
            }
        }
    }

    @Test func refusesASQLViewOfTheSameName() throws {
        try withViewStore { path in
            try runSink(path: path, view: "base", mode: .append, schema: schema, epochs: [])
            let connection = try testConnection(path)
            try connection.execute("CREATE VIEW v AS SELECT * FROM base")
            let sink = SQLiteViewSink(name: "t", path: path, view: "v")
            let error = #expect(throws: SluiceError.self) { try sink.open(schema: schema, mode: .append) }
            #expect(error?.message.contains("is a view, not a table") == true)
        }
    }

    @Test func enforcesTheLifecycle() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "t", path: path, view: "v")
            #expect(throws: SluiceError.self) { try sink.write(.empty(schema)) }
            #expect(throws: SluiceError.self) { try sink.commit(epoch: Epoch(1)) }
            try sink.open(schema: schema, mode: .append)
            #expect(throws: SluiceError.self) { try sink.open(schema: schema, mode: .append) }
            try sink.close()
            try sink.close()
            #expect(throws: SluiceError.self) { try sink.write(.empty(schema)) }
            #expect(throws: SluiceError.self) { try sink.commit(epoch: Epoch(1)) }
        }
    }
}
