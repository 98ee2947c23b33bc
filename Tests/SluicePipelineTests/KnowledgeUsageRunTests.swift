import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Testing

/// `knowledge-usage`: knowledge.retrieved per (domain, minute), recomputed here.
@Suite struct KnowledgeUsageRunTests {
    @Test func viewMatchesGroupedRetrievals() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 41)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("knowledge-usage", events: uri))
        #expect(summary.outcome == .completed)

        struct Stats {
            var queries = 0
            var hits = 0
            var latencies: [Double] = []
            var agents: Set<Value> = []
        }
        var groups: [[Value]: Stats] = [:]
        for event in try PipelineRunSupport.distinctEvents(options) where event["type"] == .string("knowledge.retrieved") {
            let key = [event["domain"]!, .timestamp(windowStart(event.timestamp("ts")!, size: 60_000))]
            groups[key, default: Stats()].queries += 1
            if event["hit"] == .bool(true) { groups[key]!.hits += 1 }
            if let latency = event.double("latency_ms") { groups[key]!.latencies.append(latency) }
            groups[key]!.agents.insert(event["agent_id"]!)
        }
        let expected = groups.mapValues { stats -> [String: Expected] in
            [
                "queries": .exact(.int(Int64(stats.queries))),
                "hit_rate": .approximately(Double(stats.hits) / Double(stats.queries)),
                "p95_latency_ms": .quantile(0.95, sorted: stats.latencies.sorted()),
                "agents": .exact(.int(Int64(stats.agents.count))),
                "is_final": .exact(.bool(true)),
            ]
        }
        #expect(expected.count > 10)
        expectView(try #require(memory.all["views.knowledge_usage_1m"]).upsertedRows, key: ["domain", "window_start"], equals: expected)
    }
}
