import Foundation
@testable import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteEpochTests {
    @Test func recordsTheLastCommittedEpochWithItsCommitTime() throws {
        try withViewStore { path in
            let clock = ManualTimeSource(startingAt: 1_700_000_000_000)
            let sink = SQLiteViewSink(name: "t", path: path, view: "agent_metrics", timeSource: clock)
            #expect(try sink.lastCommittedEpoch() == nil)
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            #expect(try sink.lastCommittedEpoch() == nil)
            try sink.write(metricBatch([MetricRow(agent: "a", metric: "m", samples: 1)]))
            try sink.commit(epoch: Epoch(7))
            #expect(try sink.lastCommittedEpoch() == Epoch(7))
            clock.advance(byMillis: 500)
            try sink.commit(epoch: Epoch(8))  // an epoch without rows still records progress
            #expect(try sink.lastCommittedEpoch() == Epoch(8))
            try sink.close()
            #expect(try queryTexts(
                "SELECT view || ':' || epoch || ':' || committed_at FROM _sluice_epochs", path: path)
                == ["agent_metrics:8:1700000000500"])
        }
    }

    @Test func aNewSinkReadsTheEpochBeforeOpening() throws {
        try withViewStore { path in
            try runSink(path: path, epochs: [(Epoch(3), [metricBatch([MetricRow(agent: "a", metric: "m")])])])
            let restarted = SQLiteViewSink(name: "t", path: path, view: "agent_metrics")
            #expect(try restarted.lastCommittedEpoch() == Epoch(3))
            let other = SQLiteViewSink(name: "t", path: path, view: "other_view")
            #expect(try other.lastCommittedEpoch() == nil)
        }
    }

    @Test func askingWithoutADatabaseCreatesNoFile() throws {
        try withViewStore { path throws in
            let sink = SQLiteViewSink(name: "t", path: path, view: "v")
            #expect(try sink.lastCommittedEpoch() == nil)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func viewsInOneFileKeepTheirOwnEpochs() throws {
        try withViewStore { path in
            let first = SQLiteViewSink(name: "a", path: path, view: "first")
            let second = SQLiteViewSink(name: "b", path: path, view: "second")
            try first.open(schema: metricSchema, mode: .append)
            try second.open(schema: metricSchema, mode: .append)
            try first.commit(epoch: Epoch(1))
            try second.commit(epoch: Epoch(5))
            try first.commit(epoch: Epoch(2))
            #expect(try first.lastCommittedEpoch() == Epoch(2))
            #expect(try second.lastCommittedEpoch() == Epoch(5))
            try first.close()
            try second.close()
        }
    }

    @Test func aFailedCommitWritesNothingAndKeepsTheRowsForARetry() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "t", path: path, view: "agent_metrics")
            try sink.open(schema: metricSchema, mode: .upsert(key: ["agent_id", "metric"]))
            try sink.write(metricBatch([MetricRow(agent: "a", metric: "m", samples: 1)]))
            try sink.commit(epoch: Epoch(1))

            // A trigger makes the second row of the next epoch fail halfway through the transaction.
            let saboteur = try testConnection(path)
            try saboteur.execute(
                "CREATE TRIGGER boom BEFORE INSERT ON agent_metrics WHEN NEW.agent_id = 'bad' "
                    + "BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
            try sink.write(metricBatch([
                MetricRow(agent: "a", metric: "m", samples: 2), MetricRow(agent: "bad", metric: "m", samples: 3),
            ]))
            let error = #expect(throws: SQLiteError.self) { try sink.commit(epoch: Epoch(2)) }
            #expect(error?.message == "refused by test")
            #expect(error?.operation.contains("INSERT INTO \"agent_metrics\"") == true)
            #expect(try sink.lastCommittedEpoch() == Epoch(1))
            #expect(try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil).rows == [
                MetricRow(agent: "a", metric: "m", samples: 1).values
            ])

            try saboteur.execute("DROP TRIGGER boom")
            try sink.commit(epoch: Epoch(2))
            try sink.close()
            #expect(try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil).rows == [
                MetricRow(agent: "a", metric: "m", samples: 2).values,
                MetricRow(agent: "bad", metric: "m", samples: 3).values,
            ])
            #expect(try SQLiteViewSink(name: "t", path: path, view: "agent_metrics").lastCommittedEpoch() == Epoch(2))
        }
    }

    @Test func uncommittedRowsAreDiscardedOnClose() throws {
        try withViewStore { path in
            let sink = SQLiteViewSink(name: "t", path: path, view: "agent_metrics")
            try sink.open(schema: metricSchema, mode: .append)
            try sink.write(metricBatch([MetricRow(agent: "a", metric: "m")]))
            try sink.close()
            #expect(try SQLiteViews.read(path: path, view: "agent_metrics", limit: nil).rows.isEmpty)
        }
    }
}
