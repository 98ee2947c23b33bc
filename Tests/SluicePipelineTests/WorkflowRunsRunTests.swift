import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// `workflow-runs`: each workflow.started joined with its workflow.completed/failed
/// within an hour (else timed out), and the alerts for failed, timed-out and slow runs.
@Suite struct WorkflowRunsRunTests {
    @Test func runsAndAlertsMatchAReplayOfTheWorkflows() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 71, agents: 40, count: 50_000)
        // Generated runs take milliseconds: a low threshold makes some of them "slow".
        let slow = 60.0
        let spec = try PipelineRunSupport.load("workflow-runs", events: uri, extra: ["DAA_SLOW_RUN_MS": "60"])
        let (summary, memory) = try PipelineRunSupport.run(spec)
        #expect(summary.outcome == .completed)

        let events = try PipelineRunSupport.distinctEvents(options)
        let ends = Dictionary(
            grouping: events.filter { $0["type"] == .string("workflow.completed") || $0["type"] == .string("workflow.failed") },
            by: { $0["workflow_id"]! })
        var expected: [[Value]: [String: Expected]] = [:]
        var alerts: [[String: Value]] = []
        for start in events where start["type"] == .string("workflow.started") {
            let ts = start.timestamp("ts")!
            let matches = (ends[start["workflow_id"]!] ?? []).filter { end in
                let delta = end.timestamp("ts")! - ts
                return delta >= 0 && delta <= 3_600_000
            }
            #expect(matches.count <= 1, "one end per run in generated traffic")
            let end = matches.first
            let outcome: String =
                switch end?["type"]?.asString {
                case "workflow.completed": "completed"
                case "workflow.failed": "failed"
                default: "timed_out"
                }
            let runMillis: Value =
                if let duration = end?["duration_ms"], duration != .null { duration }
                else if let endTs = end?.timestamp("ts") { .double(Double(endTs - ts)) }
                else { .null }
            let row: [String: Value] = [
                "workflow_id": start["workflow_id"]!, "agent_id": start["agent_id"]!, "ts": .timestamp(ts),
                "end_ts": end?["ts"] ?? .null, "steps": start["steps"] ?? .null, "strategy": start["strategy"] ?? .null,
                "outcome": .string(outcome), "run_ms": runMillis, "end_error": end?["error"] ?? .null,
            ]
            expected[[start["workflow_id"]!]] = row.mapValues { .exact($0) }
            if outcome != "completed" || (runMillis.asDouble ?? 0) > slow { alerts.append(row) }
        }
        #expect(expected.count > 20, "the input should have workflows")
        #expect(Set(expected.values.compactMap { $0["outcome"]?.description }).count == 3, "completed, failed and timed-out runs all occur")
        expectView(try #require(memory.all["views.workflow_runs"]).upsertedRows, key: ["workflow_id"], equals: expected)
        #expect(alerts.contains { $0["outcome"] == .string("completed") }, "some completed runs are slow")
        #expect(alerts.contains { $0["outcome"] != .string("completed") }, "some runs failed or timed out")
        let alerted = RowMultiset(try #require(memory.all["workflow_alerts"]).rows)
        #expect(alerted == RowMultiset(alerts), "\(alerted.difference(from: RowMultiset(alerts)))")
    }
}
