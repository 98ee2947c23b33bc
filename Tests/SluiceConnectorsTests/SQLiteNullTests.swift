import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteNullTests {
    @Test func nullsOfEveryTypeAreStoredAsSQLNull() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [(Epoch(1), [metricBatch([
                MetricRow(agent: "a", metric: "m"),
                MetricRow(agent: "b", metric: "m", samples: 0, mean: 0, healthy: false, windowEnd: 0),
            ])])])
            let view = try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil)
            #expect(view.rows == [
                [.string("a"), .string("m"), .null, .null, .null, .null],
                [.string("b"), .string("m"), .int(0), .double(0), .bool(false), .timestamp(0)],
            ])
            let storage = try queryTexts(
                "SELECT typeof(samples) || typeof(mean) || typeof(healthy) || typeof(window_end) "
                    + "FROM agent_metrics ORDER BY agent_id", path: path)
            #expect(storage == ["nullnullnullnull", "integerrealintegerinteger"])
        }
    }

    @Test func anUpsertWithNullsClearsEarlierValues() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [
                (Epoch(1), [metricBatch([MetricRow(agent: "a", metric: "m", samples: 5, mean: 1.5, healthy: true)])]),
                (Epoch(2), [metricBatch([MetricRow(agent: "a", metric: "m", samples: 6)])]),
            ])
            #expect(try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil).rows == [
                [.string("a"), .string("m"), .int(6), .null, .null, .null]
            ])
        }
    }

    @Test func nullStringsInADictionaryColumnStayNull() throws {
        try withViewStore { path in
            let schema = Schema([Field("k", .int64), Field("s", .string)])
            let batch = Batch(schema: schema, columns: [Column(ints: [1, 2, 3]), Column(strings: ["x", nil, "x"])])
            try runSink(path: path, view: "v", mode: .append, schema: schema, epochs: [(Epoch(1), [batch])])
            #expect(try queryTexts("SELECT s FROM v ORDER BY k", path: path) == ["x", "NULL", "x"])
        }
    }
}
