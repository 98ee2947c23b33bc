import SluiceTestSupport
import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteUpsertTests {
    let ts: Int64 = 1_709_294_400_000

    @Test func createsTheTableAndUpsertReplacesTheRowOfTheSameKey() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [
                (Epoch(1), [metricBatch([
                    MetricRow(agent: "a-1", metric: "cpu", samples: 3, mean: 0.5, healthy: true, windowEnd: ts),
                    MetricRow(agent: "a-2", metric: "cpu", samples: 1, mean: 0.25, healthy: false, windowEnd: ts),
                ])]),
                (Epoch(2), [metricBatch([
                    MetricRow(agent: "a-1", metric: "cpu", samples: 7, mean: 0.75, healthy: false, windowEnd: ts + 10_000),
                ])]),
            ])
            let view = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            #expect(view.columns == ["agent_id", "metric", "samples", "mean", "healthy", "window_end"])
            #expect(view.rows == [
                MetricRow(agent: "a-1", metric: "cpu", samples: 7, mean: 0.75, healthy: false, windowEnd: ts + 10_000).values,
                MetricRow(agent: "a-2", metric: "cpu", samples: 1, mean: 0.25, healthy: false, windowEnd: ts).values,
            ])
        }
    }

    @Test func declaresTypedColumnsAndTheKeyAsPrimaryKey() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [])
            let sql = try queryTexts("SELECT sql FROM sqlite_master WHERE name = 'agent_metrics'", path: path)
            #expect(sql == [
                #"CREATE TABLE "agent_metrics" ("agent_id" TEXT NOT NULL, "metric" TEXT NOT NULL, "samples" INTEGER, "#
                    + #""mean" REAL, "healthy" BOOLEAN, "window_end" TIMESTAMP_MS, PRIMARY KEY ("agent_id", "metric")) "#
                    + "WITHOUT ROWID"
            ])
        }
    }

    @Test func storesBoolsAndTimestampsAsIntegers() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [(Epoch(1), [metricBatch([
                MetricRow(agent: "a", metric: "m", samples: 1, mean: 2.5, healthy: true, windowEnd: ts),
            ])])])
            let stored = try queryTexts(
                "SELECT typeof(samples) || typeof(mean) || typeof(healthy) || typeof(window_end) "
                    + "|| ':' || healthy || ':' || window_end FROM agent_metrics", path: path)
            #expect(stored == ["integerrealintegerinteger:1:\(ts)"])
        }
    }

    @Test func replayingAnEpochLeavesIdenticalContent() throws {
        try withViewStore { path in
            var random = SplitMix64(seed: 42)
            let rows = (0..<500).map { i in
                MetricRow(
                    agent: "agent-\(Int.random(in: 0..<50, using: &random))", metric: i % 2 == 0 ? "cpu" : "mem",
                    samples: Int64(i), mean: Double.random(in: 0..<1, using: &random),
                    healthy: Bool.random(using: &random), windowEnd: ts + Int64(i))
            }
            let batch = metricBatch(rows)
            try runSink(path: path, epochs: [(Epoch(1), [batch]), (Epoch(2), [batch.slice(0..<100)])])
            let before = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            // A restarted worker replays epoch 2, then epoch 1 and 2 again after a second crash.
            try runSink(path: path, epochs: [(Epoch(2), [batch.slice(0..<100)])])
            try runSink(path: path, epochs: [(Epoch(1), [batch]), (Epoch(2), [batch.slice(0..<100)])])
            let after = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            #expect(after.rows == before.rows)
            #expect(before.rows.count == Set(rows.map { [$0.agent!, $0.metric!] }).count)
        }
    }

    @Test func laterRowsOfOneEpochWinForTheSameKey() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [(Epoch(1), [
                metricBatch([MetricRow(agent: "a", metric: "m", samples: 1), MetricRow(agent: "a", metric: "m", samples: 2)]),
                metricBatch([MetricRow(agent: "a", metric: "m", samples: 3)]),
            ])])
            let view = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            #expect(view.rows == [MetricRow(agent: "a", metric: "m", samples: 3).values])
        }
    }

    @Test func acceptsBatchesWithColumnsInAnotherOrder() throws {
        try withViewStore { path in
            let schema = Schema([Field("k", .string), Field("v", .int64)])
            let sink = SQLiteViewSink(name: "t", path: path, view: "kv")
            try sink.open(schema: schema, mode: .upsert(key: ["k"]))
            try sink.write(Batch(
                schema: Schema([Field("v", .int64), Field("k", .string)]),
                columns: [Column(ints: [10, 20]), Column(strings: ["x", "y"])]))
            try sink.commit(epoch: Epoch(1))
            try sink.close()
            #expect(try SQLiteViews.read(path: path, view: "kv", limit: nil).rows == [
                [.string("x"), .int(10)], [.string("y"), .int(20)],
            ])
        }
    }

    @Test func aViewOfOnlyKeyColumnsKeepsOneRowPerKey() throws {
        try withViewStore { path in
            let schema = Schema([Field("agent_id", .string)])
            let batch = Batch(schema: schema, columns: [Column(strings: ["b", "a", "b"])])
            try runSink(path: path, view: "agents", mode: .upsert(key: ["agent_id"]), schema: schema,
                        epochs: [(Epoch(1), [batch]), (Epoch(2), [batch])])
            #expect(try SQLiteViews.read(path: path, view: "agents", limit: nil).rows == [[.string("a")], [.string("b")]])
        }
    }

    @Test func rejectsANullKey() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "t", path: path, view: "agent_metrics")
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            let error = #expect(throws: SluiceError.self) {
                try sink.write(metricBatch([MetricRow(agent: "a", metric: "m"), MetricRow(agent: "a", metric: nil)]))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("key column 'metric' is null in row 1") == true)
        }
    }

    @Test func stringsKeepEmptyValuesUnicodeAndQuotes() throws {
        try withViewStore { path in
            let schema = Schema([Field("k", .int64), Field("text", .string)])
            let texts = ["", "Grüße, 東京 🚀", "it's \"quoted\"", String(repeating: "x", count: 10_000)]
            let batch = Batch(schema: schema, columns: [Column(ints: [1, 2, 3, 4]), Column(strings: texts)])
            try runSink(path: path, view: "weird \"name\"", mode: .upsert(key: ["k"]), schema: schema,
                        epochs: [(Epoch(1), [batch])])
            let rows = try SQLiteViews.read(path: path, view: "weird \"name\"", limit: nil).rows
            #expect(rows.map { $0[1] } == texts.map(Value.string))
        }
    }
}
