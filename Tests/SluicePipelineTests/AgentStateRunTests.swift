import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Testing

/// `agent-state` folds agent.* and pattern.updated events into one row per agent; the
/// expectation replays the distinct events here. `last` takes the latest event time's
/// non-null value; equal times may resolve either way, so every value at that time is
/// accepted.
@Suite struct AgentStateRunTests {
    @Test func foldMatchesAReplayOfTheEvents() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 21, agents: 60, count: 40_000)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("agent-state", events: uri))
        #expect(summary.outcome == .completed)

        let types: Set<Value> = [.string("agent.created"), .string("agent.adapted"), .string("agent.destroyed"), .string("pattern.updated")]
        var byAgent: [Value: [[String: Value]]] = [:]
        for event in try PipelineRunSupport.distinctEvents(options) where types.contains(event["type"] ?? .null) {
            byAgent[event["agent_id"]!, default: []].append(event)
        }
        func last(_ events: [[String: Value]], _ value: ([String: Value]) -> Value) -> Expected {
            let present = events.filter { value($0) != .null }
            guard let latest = present.compactMap({ $0.timestamp("ts") }).max() else { return .exact(.null) }
            return .oneOf(Set(present.filter { $0.timestamp("ts") == latest }.map(value)))
        }
        var expected: [[Value]: [String: Expected]] = [:]
        for (agent, events) in byAgent {
            let type = { (event: [String: Value]) in event["type"]!.asString! }
            let scores = events.compactMap { $0["performance_score"]?.asDouble }
            let created = events.filter { type($0) == "agent.created" }.compactMap { $0.timestamp("ts") }
            expected[[agent]] = [
                "cognitive_pattern": last(events) { type($0) == "pattern.updated" ? $0["pattern"] ?? .null : $0["cognitive_pattern"] ?? .null },
                "learning_rate": last(events) { $0["learning_rate"] ?? .null },
                "status": last(events) { .string(type($0) == "agent.destroyed" ? "destroyed" : "active") },
                "adaptations": .exact(.int(Int64(events.filter { type($0) == "agent.adapted" }.count))),
                "last_performance": last(events) { $0["performance_score"] ?? .null },
                "avg_performance": .approximatelyOrNull(scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)),
                "created_at": .exact(created.min().map(Value.timestamp) ?? .null),
                "updated_at": .exact(.timestamp(events.compactMap { $0.timestamp("ts") }.max()!)),
            ]
        }
        #expect(expected.count > 10, "the input should touch many agents")
        expectView(try #require(memory.all["views.agent_state"]).upsertedRows, key: ["agent_id"], equals: expected)
    }
}
