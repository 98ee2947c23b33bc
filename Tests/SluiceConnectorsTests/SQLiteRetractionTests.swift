import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

/// `SQLiteViewSink.delete`: retractions delete by primary key inside the commit, in
/// arrival order with the upserts of the epoch.
@Suite struct SQLiteRetractionTests {
    let ts: Int64 = 1_709_294_400_000

    /// A retraction of the rows (agent, metric): key columns set, the others null.
    private func retraction(_ keys: [(String, String)]) -> Batch {
        var batch = metricBatch(keys.map { MetricRow(agent: $0.0, metric: $0.1) })
        batch.isRetraction = true
        return batch
    }

    private func row(_ agent: String, _ metric: String, samples: Int64) -> MetricRow {
        MetricRow(agent: agent, metric: metric, samples: samples, mean: 1, healthy: true, windowEnd: ts)
    }

    /// The view as `agent/metric=samples`, in key order.
    private func contents(_ path: String) throws -> [String] {
        try queryTexts("SELECT agent_id || '/' || metric || '=' || samples FROM agent_metrics ORDER BY 1", path: path)
    }

    private func run(path: String, mode: SinkMode = .upsert(key: ["agent_id", "metric"]), _ epochs: [(Epoch, [Batch])])
        throws
    {
        let sink = SQLiteViewSink(name: "test", path: path, view: "agent_metrics", timeSource: ManualTimeSource())
        try sink.open(schema: metricSchema, mode: mode)
        for (epoch, batches) in epochs {
            for batch in batches {
                if batch.isRetraction { try sink.delete(batch) } else { try sink.write(batch) }
            }
            try sink.commit(epoch: epoch)
        }
        try sink.close()
    }

    @Test func aDeleteThenAnUpsertOfTheSameKeyInOneEpochLeavesTheUpsert() throws {
        try withViewStore { path in
            try run(path: path, [
                (Epoch(1), [metricBatch([row("a", "cpu", samples: 1), row("b", "cpu", samples: 1)])]),
                (Epoch(2), [retraction([("a", "cpu")]), metricBatch([row("a", "cpu", samples: 2)])]),
            ])
            #expect(try contents(path) == ["a/cpu=2", "b/cpu=1"])
        }
    }

    @Test func anUpsertThenADeleteOfTheSameKeyInOneEpochLeavesNoRow() throws {
        try withViewStore { path in
            try run(path: path, [
                (Epoch(1), [metricBatch([row("b", "cpu", samples: 1)])]),
                (Epoch(2), [metricBatch([row("a", "cpu", samples: 5), row("b", "mem", samples: 1)]),
                            retraction([("a", "cpu"), ("b", "cpu")])]),
            ])
            #expect(try contents(path) == ["b/mem=1"])
        }
    }

    @Test func deletingAbsentKeysDoesNothingAndReplayingAnEpochIsHarmless() throws {
        try withViewStore { path in
            let epoch: (Epoch, [Batch]) = (
                Epoch(2), [retraction([("x", "none"), ("a", "cpu")]), metricBatch([row("a", "disk", samples: 3)])]
            )
            try run(path: path, [(Epoch(1), [metricBatch([row("a", "cpu", samples: 1)])]), epoch, epoch])
            #expect(try contents(path) == ["a/disk=3"])
        }
    }

    @Test func stagedDeletesAreDiscardedWithoutACommit() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "test", path: path, view: "agent_metrics", timeSource: ManualTimeSource())
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            try sink.write(metricBatch([row("a", "cpu", samples: 1)]))
            try sink.commit(epoch: Epoch(1))
            try sink.delete(retraction([("a", "cpu")]))
            try sink.close()
            #expect(try contents(path) == ["a/cpu=1"])
        }
    }

    @Test func appendViewsIgnoreRetractions() throws {
        try withViewStore { path in
            try run(path: path, mode: .append, [
                (Epoch(1), [metricBatch([row("a", "cpu", samples: 1)]), retraction([("a", "cpu")])]),
            ])
            #expect(try contents(path) == ["a/cpu=1"])
        }
    }
}
