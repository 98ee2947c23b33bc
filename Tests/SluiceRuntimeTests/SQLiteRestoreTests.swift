import Foundation
import SluiceConnectors
import SluiceCore
import SluiceRuntime
import Testing

/// The embedded store restarts exactly: views, state and positions commit together in
/// the SQLite file, so a job killed at any epoch and restored from it ends with the view
/// an uninterrupted run writes.
@Suite struct SQLiteRestoreTests {
    static func flow(sink: SQLiteViewSink) -> Dataflow {
        let flow = Dataflow(name: "totals")
        let parts = (0..<2).map { s in JobTests.input.enumerated().filter { $0.offset % 2 == s }.map(\.element) }
        let events = flow.source(
            BatchListSource(name: "events", schema: SampleData.schema, splits: parts),
            eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let totals = flow.add("totals", inputs: [(events, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        flow.sink("view", from: totals[0], to: sink, mode: .upsert(key: ["agent_id"]))
        return flow
    }

    @Test(arguments: [2, 5, 9])
    func aJobAbortedAtAnEpochAndRestoredFromTheFileEndsWithTheExactView(crashEpoch: UInt64) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-restore-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("views.db").path
        var attempt = 0
        while true {
            attempt += 1
            let group = SQLiteCommitGroup(path: path)
            let sink = SQLiteViewSink(name: "view", path: path, view: "totals")
            try sink.join(group)
            var options = RunOptions(workers: 2, partitions: 3)
            options.epochEveryBatches = 2
            options.checkpointStore = group
            options.restoreFrom = try group.latest(pipeline: "totals")
            let box = JobBox()
            if attempt == 1 { options.onEpochComplete = { epoch in if epoch.value >= crashEpoch { box.job?.abort() } } }
            let job = try Job(Self.flow(sink: sink), options: options)
            box.job = job
            let summary = try job.run()
            if attempt == 1 {
                #expect(summary.outcome == .aborted)
                continue
            }
            #expect(summary.outcome == .completed)
            #expect(summary.eventsIn < 10_000, "the restored run re-read everything")
            break
        }
        var view: [String: Int64] = [:]
        let table = try SQLiteViews.read(path: path, view: "totals", limit: nil)
        let (key, n) = (table.columns.firstIndex(of: "agent_id")!, table.columns.firstIndex(of: "n")!)
        for row in table.rows { view[row[key].asString!] = row[n].asInt }
        #expect(view == JobTests.expected().mapValues(\.0))
    }
}
