import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// Acknowledgement after commit: a job reading a queue is aborted (a crash) mid-run and
/// restarted from its checkpoint in the SQLite views file. The broker must not have had
/// more acknowledged than the checkpoint covers, and the final view must equal the one a
/// run over the same events from a file leaves.
@Suite(.serialized) struct AMQPSourceRestartTests {
    static func runWithSQLite(
        _ name: String, events: String, views: String, abortAtEpoch: UInt64? = nil, epochEveryBatches: Int? = nil
    ) throws -> (RunSummary, SQLiteCommitGroup) {
        var environment = AMQPPipelineRuns.memoryEnvironment(events: events)
        environment["DAA_VIEWS"] = "sqlite:\(views)"
        let planned = try PipelinePlanner(catalog: Catalog()).plan(try AMQPPipelineRuns.load(name, environment: environment))
        let group = SQLiteCommitGroup(path: views)
        for view in planned.dataflow.sinks.compactMap({ $0 as? SQLiteViewSink }) { try view.join(group) }
        var options = RunOptions(workers: 2, partitions: 2)
        options.deadLetter = planned.deadLetter
        options.checkpointStore = group
        options.restoreFrom = try group.latest(pipeline: planned.spec.name)
        options.epochEveryBatches = epochEveryBatches
        // Small reads, so an abort at an early epoch comes long before the queue is read.
        if epochEveryBatches != nil { options.batchRows = 200 }
        let holder = JobHolder()
        if let abortAtEpoch {
            // The crash comes after the first acknowledgement: epochs complete on their own
            // queue, and several can complete while the split's loop sleeps (backpressure),
            // so an abort at a fixed epoch could precede every acknowledgement of the run.
            let status = (planned.dataflow.sources.first as? AMQPSource)?.status
            options.onEpochComplete = { epoch in
                let acknowledged = status?.snapshot.contains { $0.acknowledged > 0 } ?? true
                if epoch.value >= abortAtEpoch && acknowledged { holder.abort() }
            }
        }
        let job = try Job(planned.dataflow, options: options)
        holder.set(job)
        return (try job.run(), group)
    }

    /// The view's rows, rendered and sorted.
    static func view(_ path: String, _ name: String) throws -> [String] {
        let table = try SQLiteViews.read(path: path, view: name, limit: nil)
        return table.rows.map { row in zip(table.columns, row).map { "\($0)=\($1)" }.joined(separator: ",") }.sorted()
    }

    @Test func anAbortedRunRestartedFromItsCheckpointEndsWithTheFileRunsViewAndAcknowledgedNothingEarly() throws {
        let directory = try TemporaryDirectory()
        let lines = try AMQPPipelineRuns.eventLines(count: 20_000)
        let file = directory.path("events.ndjson")
        try AMQPPipelineRuns.writeFile(lines, to: file)
        let (fileSummary, _) = try Self.runWithSQLite("agent-metrics", events: "file:\(file)", views: directory.path("file.db"))
        #expect(fileSummary.outcome == .completed)
        let expected = try Self.view(directory.path("file.db"), "agent_metrics_10s")
        #expect(expected.count > 100)

        let queue = try AMQPTestBroker.freshQueue("restart")
        try AMQPTestBroker.publish(lines, to: queue)
        let uri = try AMQPTestBroker.uri("queue=\(queue)&end_when_idle=1s")
        let views = directory.path("amqp.db")
        let checkpointOffset: Int64
        do {
            let (aborted, group) = try Self.runWithSQLite("agent-metrics", events: uri, views: views, abortAtEpoch: 4, epochEveryBatches: 2)
            #expect(aborted.outcome == .aborted)
            #expect(aborted.eventsIn < Int64(lines.count), "the abort came after the whole queue was read")
            let checkpoint = try #require(try group.latest(pipeline: "agent-metrics"))
            #expect(checkpoint.positions.count == 1, "\(checkpoint.positions)")
            checkpointOffset = try #require(checkpoint.positions.first).offset
        }
        // The aborted job's connection is gone: what it did not acknowledge is ready again.
        try waitFor("the aborted consumer's deliveries to return") { try AMQPTestBroker.counts(queue).unacked == 0 }
        let acknowledged = lines.count - (try AMQPTestBroker.counts(queue).ready)
        #expect(acknowledged <= Int(checkpointOffset), "acknowledged \(acknowledged) messages, the checkpoint covers \(checkpointOffset)")
        #expect(acknowledged > 0, "nothing was acknowledged before the abort")

        let (restarted, _) = try Self.runWithSQLite("agent-metrics", events: uri, views: views)
        #expect(restarted.outcome == .completed)
        #expect(try Self.view(views, "agent_metrics_10s") == expected)
        try waitFor("the queue to be empty") { try AMQPTestBroker.counts(queue) == (0, 0) }
    }
}
