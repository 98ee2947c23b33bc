import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Testing

/// `performance-alerts`: sliding 5-minute windows (every minute) of agent.adapted scores
/// per agent; one alert per final window whose mean is below 0.5.
@Suite struct PerformanceAlertsRunTests {
    @Test func alertsAreTheLowScoringWindows() throws {
        let (uri, options) = PipelineRunSupport.generator(seed: 81, agents: 20, count: 80_000)
        let (summary, memory) = try PipelineRunSupport.run(try PipelineRunSupport.load("performance-alerts", events: uri))
        #expect(summary.outcome == .completed)

        var windows: [[Value]: [Double]] = [:]
        for event in try PipelineRunSupport.distinctEvents(options) where event["type"] == .string("agent.adapted") {
            guard let score = event.double("performance_score") else { continue }
            let ts = event.timestamp("ts")!
            // The five 5-minute windows sliding by a minute that contain ts.
            let last = windowStart(ts, size: 60_000)
            for start in stride(from: last - 240_000, through: last, by: 60_000) {
                windows[[event["agent_id"]!, .timestamp(start)], default: []].append(score)
            }
        }
        var expected: [[Value]: [String: Expected]] = [:]
        for (key, scores) in windows {
            let mean = scores.reduce(0, +) / Double(scores.count)
            guard mean < 0.5 else { continue }
            expected[key] = [
                "mean_score": .approximately(mean), "adaptations": .exact(.int(Int64(scores.count))),
                "lowest": .exact(.double(scores.min()!)), "alert": .exact(.string("low_performance")),
                "is_final": .exact(.bool(true)), "window_end": .exact(.timestamp(key[1].asInt! + 300_000)),
            ]
        }
        #expect(!expected.isEmpty, "some windows should score below 0.5")
        #expect(windows.count > expected.count, "and some above")
        // An append sink: every alert once, so the key identifies each row.
        expectView(try #require(memory.all["performance_alerts"]).rows, key: ["agent_id", "window_start"], equals: expected)
    }
}
