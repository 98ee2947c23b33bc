import Foundation
import SluiceConnectors
import SluiceCore
import SluiceTestSupport
import Testing

@Suite struct GeneratorDAANDJSONTests {
    /// Payload fields per type, written out from daa-events.md.
    private static let payload: [String: Set<String>] = [
        "agent.created": ["cognitive_pattern", "learning_rate", "capabilities"],
        "agent.adapted": ["performance_score", "cognitive_pattern", "feedback"],
        "agent.destroyed": ["reason"],
        "pattern.updated": ["pattern", "previous_pattern", "confidence"],
        "pattern.applied": ["pattern", "success", "score"],
        "metric": ["metric", "value", "unit"],
        "knowledge.shared": ["domain", "target_agents", "items"],
        "knowledge.retrieved": ["domain", "latency_ms", "hit"],
        "learning.progress": ["domain", "proficiency"],
        "learning.transfer": ["source_domain", "target_domain", "mode", "gain"],
        "workflow.started": ["workflow_id", "steps", "strategy"],
        "workflow.step_completed": ["workflow_id", "step", "duration_ms", "success"],
        "workflow.completed": ["workflow_id", "duration_ms"],
        "workflow.failed": ["workflow_id", "error"],
    ]
    private static let optional: Set<String> = ["tenant", "feedback", "reason", "unit"]

    @Test func generatedEventsEncodeAsContractLines() throws {
        let options = DAAGeneratorOptions(agents: 100, limit: .count(20_000))
        let batches = try GeneratorRead.batches(DAAGeneratorSource(options: options))
        var lines = 0
        var seenTypes = Set<String>()
        for batch in batches {
            let bytes = DAAGeneratorSource.encodeNDJSON(batch)
            #expect(bytes.last == UInt8(ascii: "\n"))
            for (row, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                let type = try #require(object["type"] as? String)
                seenTypes.insert(type)
                let allowed = Self.payload[type]!.union(["id", "type", "agent_id", "ts", "tenant"])
                let required = allowed.subtracting(Self.optional)
                #expect(Set(object.keys).isSubset(of: allowed), "\(type) has \(object.keys.sorted())")
                #expect(required.isSubset(of: Set(object.keys)), "\(type) lacks \(required.subtracting(object.keys))")
                #expect(object["ts"] is Int, "ts is an integer")
                #expect(object["ts"] as? Int == Int(batch.column(named: "ts")!.ints[row]))
                #expect(object["id"] as? String == batch.column(named: "id")!.string(at: row))
                if type == "agent.created" { #expect((object["capabilities"] as? [String])?.isEmpty == false) }
                if type == "knowledge.shared" { #expect(object["target_agents"] is [String]) }
                lines += 1
            }
        }
        #expect(lines == 20_000)
        #expect(seenTypes.count >= 12)
    }

    @Test func documentExampleEncodesExactly() {
        let batch = EventFactory.batch([
            [
                "id": .string("e-1"), "type": .string("agent.created"), "agent_id": .string("agent-000123"),
                "ts": .timestamp(1_764_000_000_000), "cognitive_pattern": .string("systems"),
                "learning_rate": .double(0.001), "capabilities": .string(#"["optimization","resource_management"]"#),
            ],
            [
                "id": .string("e-2"), "type": .string("metric"), "agent_id": .string("agent-000123"),
                "ts": .timestamp(1_764_000_000_123), "metric": .string("latency_ms"), "value": .double(12.5),
                "unit": .string("ms"),
            ],
            [
                "id": .string("e-3"), "type": .string("agent.adapted"), "agent_id": .string("a\"b\\c\n"),
                "ts": .timestamp(5), "success": .bool(true), "items": .int(3),
            ],
        ])
        let text = String(decoding: DAAGeneratorSource.encodeNDJSON(batch), as: UTF8.self)
        #expect(
            text == """
                {"id":"e-1","type":"agent.created","agent_id":"agent-000123","ts":1764000000000,"cognitive_pattern":"systems","learning_rate":0.001,"capabilities":["optimization","resource_management"]}
                {"id":"e-2","type":"metric","agent_id":"agent-000123","ts":1764000000123,"metric":"latency_ms","value":12.5,"unit":"ms"}
                {"id":"e-3","type":"agent.adapted","agent_id":"a\\"b\\\\c\\n","ts":5,"success":true,"items":3}

                """)
    }
}
