import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import Testing

/// `learning-progress`: per (domain, 5 minutes) the mean proficiency of progress
/// events, transfers into and out of the domain, the mean gain of transfers into it and
/// the agents involved — a transfer counting for both its domains.
@Suite struct LearningProgressRunTests {
    @Test func viewMatchesPerDomainReplay() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 51, agents: 50, count: 60_000)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("learning-progress", events: uri))
        #expect(summary.outcome == .completed)

        struct Stats {
            var proficiencies: [Double] = []
            var transfersIn = 0
            var transfersOut = 0
            var gains: [Double] = []
            var agents: Set<Value> = []
        }
        var groups: [[Value]: Stats] = [:]
        for event in try PipelineRunSupport.distinctEvents(options) {
            let window = Value.timestamp(windowStart(event.timestamp("ts")!, size: 300_000))
            let agent = event["agent_id"]!
            switch event["type"]?.asString {
            case "learning.progress":
                let key = [event["domain"] ?? .null, window]
                if let level = event.double("proficiency") { groups[key, default: Stats()].proficiencies.append(level) }
                groups[key, default: Stats()].agents.insert(agent)
            case "learning.transfer":
                let into = [event["target_domain"] ?? .null, window]
                groups[into, default: Stats()].transfersIn += 1
                if let gain = event.double("gain") { groups[into]!.gains.append(gain) }
                groups[into]!.agents.insert(agent)
                let outOf = [event["source_domain"] ?? .null, window]
                groups[outOf, default: Stats()].transfersOut += 1
                groups[outOf]!.agents.insert(agent)
            default:
                continue
            }
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let expected = groups.mapValues { stats -> [String: Expected] in
            [
                "mean_proficiency": .approximatelyOrNull(mean(stats.proficiencies)),
                "transfers_in": .exact(.int(Int64(stats.transfersIn))),
                "transfers_out": .exact(.int(Int64(stats.transfersOut))),
                "mean_gain": .approximatelyOrNull(mean(stats.gains)),
                "agents": .exact(.int(Int64(stats.agents.count))),
                "is_final": .exact(.bool(true)),
            ]
        }
        #expect(groups.values.contains { $0.transfersIn > 0 }, "the input should have transfers")
        expectView(try #require(memory.all["views.learning_progress_5m"]).upsertedRows, key: ["domain", "window_start"], equals: expected)
    }
}
