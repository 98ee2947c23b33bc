import Foundation
import SluiceConnectors
import SluiceCore
import SluiceRuntime
import Testing

@Suite struct EpochContinuityTests {
    /// Each run of the same view must continue its epoch numbers: a view that restarted
    /// at epoch 1 would make "skip epochs already committed" skip new data.
    @Test func aSecondRunOfAViewContinuesItsEpochs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-epochs-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("views.db").path
        var lastEpochs: [UInt64] = []
        for _ in 0..<2 {
            let sink = SQLiteViewSink(name: "view", path: path, view: "totals")
            let sqliteFlow = Dataflow(name: "totals")
            let events = sqliteFlow.source(
                BatchListSource(name: "events", schema: SampleData.schema, splits: [JobTests.input]),
                eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
            let totals = sqliteFlow.add("totals", inputs: [(events, .hash(["agent_id"]))]) { _ in
                KeyTotalsOperator(key: "agent_id")
            }
            sqliteFlow.sink("view", from: totals[0], to: sink, mode: .upsert(key: ["agent_id"]))
            var options = RunOptions(workers: 1, partitions: 2)
            options.epochEveryBatches = 10
            let summary = try Job(sqliteFlow, options: options).run()
            #expect(summary.epochsCommitted == 5)
            lastEpochs.append(try #require(try sink.lastCommittedEpoch()).value)
        }
        #expect(lastEpochs == [5, 10])
    }
}
