import SluiceConnectors
import SluiceCore
import SluicePostgres
import Testing

/// The PostgreSQL view sink against the real server: tables, upserts, appends, deletes.
@Suite struct PostgresViewSinkTests {
    static let columns = ["agent", "n", "mean", "ok", "at"]

    @Test func openCreatesATypedTableKeyedLikeTheSink() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent", "at"]))
            let columns = try db.admin.execute(
                """
                SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns
                WHERE table_schema = $1 AND table_name = 'metrics' ORDER BY ordinal_position
                """, parameters: [.text(db.name)]
            ).rows
            #expect(
                columns == [
                    ["agent", "text", "NO"], ["n", "bigint", "YES"], ["mean", "double precision", "YES"],
                    ["ok", "boolean", "YES"], ["at", "timestamp with time zone", "NO"],
                ])
            let key = try db.admin.execute(
                """
                SELECT a.attname::text FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '\(db.name).metrics'::regclass AND i.indisprimary
                ORDER BY a.attname
                """
            ).rows
            #expect(key == [["agent"], ["at"]])
            // Opening again over the table it made is accepted.
            try group.viewSink(name: "again", view: "metrics").open(schema: PGTestRows.schema, mode: .upsert(key: ["at", "agent"]))
        }
    }

    @Test func aMismatchingTableIsAnErrorNamingEveryDifferenceAndNothingIsWritten() throws {
        try PostgresTestNamespace.with { db in
            try db.admin.execute(
                "CREATE TABLE \(db.name).metrics (agent text PRIMARY KEY, n integer, mean double precision, extra text)")
            try db.admin.execute("INSERT INTO \(db.name).metrics VALUES ('a', 1, 2.0, 'keep')")
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            let error = try #require(throws: SluiceError.self) {
                try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent", "at"]))
            }
            #expect(error.code == .schemaMismatch)
            for difference in [
                "column 'n' is integer, the pipeline writes bigint", "missing column 'ok' boolean",
                "missing column 'at' timestamp with time zone", "unexpected column 'extra' text",
                "primary key is (agent), the pipeline needs (agent, at)",
            ] {
                #expect(error.message.contains(difference), "\(error.message)")
            }
            #expect(throws: SluiceError.self) { try sink.write(PGTestRows.batch([("b", 1, 1, true, 0)])) }
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            #expect(try db.rows("metrics", columns: ["agent", "n", "extra"]) == [["a", "1", "keep"]])
            #expect(try db.count("sluice_epochs") == 0)
        }
    }

    @Test func rowsStayInvisibleUntilTheGroupSavesTheirEpoch() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
            try sink.write(PGTestRows.batch([("a", 1, 0.5, true, 1_764_000_000_123)]))
            try sink.prepare(epoch: Epoch(1))
            try sink.write(PGTestRows.batch([("b", 2, 1.5, false, 0)]))
            #expect(try db.count("metrics") == 0)
            #expect(try sink.lastCommittedEpoch() == nil)
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            // Epoch 1 only: b was written after the prepare.
            #expect(try db.rows("metrics", columns: Self.columns, timestamps: ["at"]) == [["a", "1", "0.5", "t", "1764000000123"]])
            #expect(try sink.lastCommittedEpoch() == Epoch(1))
            try sink.prepare(epoch: Epoch(2))
            try group.save(PGTestRows.checkpoint(2), pipeline: "p")
            #expect(try db.count("metrics") == 2)
            #expect(try sink.lastCommittedEpoch() == Epoch(2))
        }
    }

    @Test func upsertsKeepTheLastRowOfAKeyAndNullsSurvive() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
            try sink.write(PGTestRows.batch([("a", 1, 1, true, 10), ("b", 1, nil, nil, nil), ("a", 2, 2, false, 20)]))
            try sink.write(PGTestRows.batch([("a", 3, 3, true, 30), ("tab\there", 9, -0.25, true, -1)]))
            try sink.prepare(epoch: Epoch(1))
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            #expect(
                try db.rows("metrics", columns: Self.columns, timestamps: ["at"]) == [
                    ["a", "3", "3", "t", "30"], ["b", "1", nil, nil, nil], ["tab\there", "9", "-0.25", "t", "-1"],
                ])
            // A later epoch overwrites with absolute values.
            try sink.write(PGTestRows.batch([("b", 5, 5, true, 50)]))
            try sink.prepare(epoch: Epoch(2))
            try group.save(PGTestRows.checkpoint(2), pipeline: "p")
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "3"], ["b", "5"], ["tab\there", "9"]])
        }
    }

    @Test func retractionsDeleteByKeyInArrivalOrderWithTheUpserts() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "sessions")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent", "at"]))
            try sink.write(PGTestRows.batch([("a", 1, 1, true, 10), ("b", 1, 1, true, 10), ("c", 1, 1, true, 10)]))
            try sink.prepare(epoch: Epoch(1))
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            // a: deleted then written again → kept; b: written then deleted → gone;
            // c at 10: deleted (other columns null in a retraction); d: never there.
            try sink.delete(PGTestRows.batch([("a", nil, nil, nil, 10), ("c", nil, nil, nil, 10)], retraction: true))
            try sink.write(PGTestRows.batch([("a", 2, 2, true, 10), ("b", 2, 2, true, 10)]))
            try sink.delete(PGTestRows.batch([("b", nil, nil, nil, 10), ("d", nil, nil, nil, 99)], retraction: true))
            try sink.prepare(epoch: Epoch(2))
            try group.save(PGTestRows.checkpoint(2), pipeline: "p")
            #expect(try db.rows("sessions", columns: ["agent", "n"]) == [["a", "2"]])
        }
    }

    @Test func appendViewsCopyEveryRowAndIgnoreRetractions() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "alerts", view: "alerts")
            try sink.open(schema: PGTestRows.schema, mode: .append)
            try sink.write(PGTestRows.batch([("a", 1, 1, true, 10), ("a", 1, 1, true, 10)]))
            try sink.delete(PGTestRows.batch([("a", nil, nil, nil, 10)], retraction: true))
            try sink.write(PGTestRows.batch([("b", 2, nil, false, 20)]))
            try sink.prepare(epoch: Epoch(1))
            try group.save(PGTestRows.checkpoint(1), pipeline: "p")
            #expect(
                try db.rows("alerts", columns: ["agent", "n", "mean"]) == [["a", "1", "1"], ["a", "1", "1"], ["b", "2", nil]])
            let key = try db.admin.execute(
                "SELECT count(*) FROM pg_index WHERE indrelid = '\(db.name).alerts'::regclass AND indisprimary"
            ).rows
            #expect(key == [["0"]])
        }
    }

    @Test func commitWithoutTheGroupAsStoreWritesTheEpochAlone() throws {
        try PostgresTestNamespace.with { db in
            let group = db.group()
            let sink = group.viewSink(name: "view", view: "metrics")
            try sink.open(schema: PGTestRows.schema, mode: .upsert(key: ["agent"]))
            try sink.write(PGTestRows.batch([("a", 1, 1, true, 10)]))
            try sink.commit(epoch: Epoch(7))
            #expect(try db.rows("metrics", columns: ["agent", "n"]) == [["a", "1"]])
            #expect(try sink.lastCommittedEpoch() == Epoch(7))
            #expect(try group.latest(pipeline: "p") == nil)
        }
    }
}
