import SluiceTestSupport
import SluiceConnectors
import SluiceCore
import Testing

@Suite struct SQLiteBulkCommitTests {
    @Test func commitsOneHundredThousandRowsInOneTransaction() throws {
        try withViewStore { path in
            let rowCount = 100_000
            var random = SplitMix64(seed: 7)
            let agents = (0..<1_000).map { "agent-\($0)" }
            let metrics = (0..<100).map { "metric-\($0)" }
            var agentCodes: [UInt32] = [], metricCodes: [UInt32] = [], samples: [Int64] = []
            var means: [Double] = [], healthy: [Bool] = [], windowEnds: [Int64] = []
            for row in 0..<rowCount {
                agentCodes.append(UInt32(row / metrics.count))  // every (agent, metric) pair once
                metricCodes.append(UInt32(row % metrics.count))
                samples.append(Int64.random(in: 1...1_000, using: &random))
                means.append(Double.random(in: -1...1, using: &random))
                healthy.append(Bool.random(using: &random))
                windowEnds.append(1_700_000_000_000 + Int64(row))
            }
            let batch = Batch(schema: metricSchema, columns: [
                Column(codes: agentCodes, dictionary: agents), Column(codes: metricCodes, dictionary: metrics),
                Column(ints: samples), Column(doubles: means), Column(bools: healthy),
                Column(ints: windowEnds, type: .timestamp),
            ])
            // Written as 10 staged batches, committed as one epoch.
            try runSink(path: path, epochs: [(Epoch(1), (0..<10).map { batch.slice($0 * 10_000..<($0 + 1) * 10_000) })])

            let totals = try queryTexts(
                "SELECT count(*) || ':' || sum(samples) || ':' || sum(healthy) || ':' || max(window_end) FROM agent_metrics",
                path: path)
            let expected = "\(rowCount):\(samples.reduce(0, +)):\(healthy.count(where: { $0 })):\(windowEnds.last!)"
            #expect(totals == [expected])
            let sample = try SQLiteViews.read(path: path, view: "agent_metrics", limit: 1).rows
            #expect(sample == [[.string("agent-0"), .string("metric-0"), .int(samples[0]), .double(means[0]),
                                .bool(healthy[0]), .timestamp(windowEnds[0])]])
            // One transaction: the epoch table saw exactly one commit.
            #expect(try queryTexts("SELECT epoch FROM _sluice_epochs", path: path) == ["1"])
        }
    }
}
