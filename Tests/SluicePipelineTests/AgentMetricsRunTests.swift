import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Testing

/// `agent-metrics` on generated events: the view must hold, per (agent, metric, 10 s
/// window), the count, sum, min, max and mean of the distinct metric events, computed
/// here directly from the generator's output; p95 within the sketch's 1% accuracy.
@Suite struct AgentMetricsRunTests {
    @Test func viewMatchesAnIndependentComputation() throws {
        var options = DAAGeneratorOptions(seed: 11, agents: 40, limit: .count(30_000), duplicateFraction: 0.01, splits: 2)
        options.lateFraction = 0  // minutes-late events go to the late output; counted separately below
        let events = "generator:daa?seed=11&agents=40&count=30000&duplicates=0.01&late=0&splits=2"
        let spec = try PipelineRunSupport.load("agent-metrics", events: events)
        let (summary, memory) = try PipelineRunSupport.run(spec)
        #expect(summary.outcome == .completed)

        struct Group { var values: [Double] = [] }
        var groups: [[Value]: Group] = [:]
        for row in PipelineRunSupport.distinctByID(try PipelineRunSupport.generatedEvents(options)) where row["type"] == .string("metric") {
            guard case .timestamp(let ts)? = row["ts"], case .double(let value)? = row["value"] else { continue }
            let start = ts - ((ts % 10_000) + 10_000) % 10_000
            groups[[row["agent_id"]!, row["metric"]!, .timestamp(start)], default: Group()].values.append(value)
        }
        let view = try #require(memory.all["views.agent_metrics_10s"]).upsertedRows
        #expect(view.count == groups.count)
        var checked = 0
        for row in view {
            let key = [row["agent_id"]!, row["metric"]!, row["window_start"]!]
            guard let group = groups[key] else {
                Issue.record("unexpected row \(row)")
                continue
            }
            let values = group.values
            #expect(row["samples"] == .int(Int64(values.count)))
            #expect(row["is_final"] == .bool(true))
            guard case .double(let total)? = row["total"], case .double(let mean)? = row["mean"],
                case .double(let low)? = row["low"], case .double(let high)? = row["high"], case .double(let p95)? = row["p95"]
            else {
                Issue.record("missing aggregates in \(row)")
                continue
            }
            #expect(abs(total - values.reduce(0, +)) < 1e-6 * max(1, abs(total)))
            #expect(abs(mean - values.reduce(0, +) / Double(values.count)) < 1e-9 * max(1, abs(mean)))
            #expect(low == values.min())
            #expect(high == values.max())
            // DDSketch: the estimate is within 1% of some value whose rank is the target rank.
            let sorted = values.sorted()
            let rank = 0.95 * Double(sorted.count - 1)
            let candidates = sorted[Int(rank.rounded(.down))...Int(rank.rounded(.up))]
            #expect(candidates.contains { abs(p95 - $0) <= 0.0101 * abs($0) + 1e-9 }, "p95 \(p95) vs \(Array(candidates))")
            checked += 1
        }
        #expect(checked == groups.count)
        #expect(summary.duplicates > 0, "the input has re-deliveries, and dedupe must drop them")
    }
}
