import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Testing

/// `pattern-effectiveness`: pattern.applied per (agent, pattern, minute) and per
/// (pattern, minute), recomputed here from the distinct events.
@Suite struct PatternEffectivenessRunTests {
    @Test func bothViewsMatchGroupedEvents() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 31)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("pattern-effectiveness", events: uri))
        #expect(summary.outcome == .completed)

        struct Stats {
            var count = 0
            var successes = 0
            var scores: [Double] = []
            var agents: Set<Value> = []
        }
        var perAgent: [[Value]: Stats] = [:]
        var perPattern: [[Value]: Stats] = [:]
        for event in try PipelineRunSupport.distinctEvents(options) where event["type"] == .string("pattern.applied") {
            let minute = Value.timestamp(windowStart(event.timestamp("ts")!, size: 60_000))
            let success = event["success"] == .bool(true) ? 1 : 0
            for key in [[event["agent_id"]!, event["pattern"]!, minute]] {
                perAgent[key, default: Stats()].count += 1
                perAgent[key]!.successes += success
                if let score = event.double("score") { perAgent[key]!.scores.append(score) }
            }
            let key = [event["pattern"]!, minute]
            perPattern[key, default: Stats()].count += 1
            perPattern[key]!.successes += success
            if let score = event.double("score") { perPattern[key]!.scores.append(score) }
            perPattern[key]!.agents.insert(event["agent_id"]!)
        }
        func columns(_ stats: Stats, distinctAgents: Bool) -> [String: Expected] {
            var columns: [String: Expected] = [
                "applications": .exact(.int(Int64(stats.count))),
                "successes": .exact(.int(Int64(stats.successes))),
                "success_rate": .approximately(Double(stats.successes) / Double(stats.count)),
                "mean_score": .approximatelyOrNull(stats.scores.isEmpty ? nil : stats.scores.reduce(0, +) / Double(stats.scores.count)),
                "is_final": .exact(.bool(true)),
            ]
            if distinctAgents { columns["agents"] = .exact(.int(Int64(stats.agents.count))) }
            return columns
        }
        let agentRows = try #require(memory.all["views.pattern_effectiveness_1m"]).upsertedRows
        let patternRows = try #require(memory.all["views.pattern_overall_1m"]).upsertedRows
        #expect(perAgent.count > 20)
        expectView(agentRows, key: ["agent_id", "pattern", "window_start"], equals: perAgent.mapValues { columns($0, distinctAgents: false) })
        expectView(patternRows, key: ["pattern", "window_start"], equals: perPattern.mapValues { columns($0, distinctAgents: true) })
    }
}
