import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceOperators

/// The unwindowed keyed fold, e.g. the `agent_state` projection over `agent.*` events.
@Suite struct AggregateFoldTests {
    private let op = KeyedAggregateOperator(
        inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: nil,
        aggregates: [
            AggregateSpec("events", .count),
            AggregateSpec("first_pattern", .first, TestInput.column("label")),
            AggregateSpec("cognitive_pattern", .last, TestInput.column("label")),
            AggregateSpec("created", .min, TestInput.column("ts")),
            AggregateSpec("updated", .max, TestInput.column("ts")),
            AggregateSpec("score", .last, TestInput.column("value")),
        ])

    private func state(_ recording: Recording) -> [String] {
        recording.mainRows.map { row in
            ["agent", "events", "first_pattern", "cognitive_pattern", "created", "updated", "score"].map {
                "\(row[$0]!)"
            }.joined(separator: " ")
        }
    }

    @Test func firstAndLastFollowEventTimeNotArrival() {
        let first = op.run([
            .rows([
                Event(agent: "a", ts: 100, value: 0.5, label: "systems"),
                Event(agent: "a", ts: 50, value: 0.1, label: "convergent"),
            ])
        ])
        #expect(state(first) == ["'a' 2 'convergent' 'systems' ts(50) ts(100) 0.5"])

        // Same time as the latest event: the later arrival wins `last`; a null pattern is
        // ignored by first/last but still counted by count().
        let second = op.run([
            .rows([
                Event(agent: "a", ts: 100, value: 0.7, label: "adaptive"),
                Event(agent: "a", ts: 20, value: 0.2, label: nil),
                Event(agent: "b", ts: 10, value: nil, label: "lateral"),
            ])
        ])
        #expect(
            state(second) == [
                "'a' 4 'convergent' 'adaptive' ts(20) ts(100) 0.7", "'b' 1 'lateral' 'lateral' ts(10) ts(10) null",
            ])

        // Only keys changed by the batch are emitted, with absolute values.
        let third = op.run([.rows([Event(agent: "b", ts: 5, value: 0.9, label: "critical")])])
        #expect(state(third) == ["'b' 2 'critical' 'lateral' ts(5) ts(10) 0.9"])
        #expect(op.run([.watermark(1_000), .tick(5)]).main.isEmpty)
        #expect(op.outputSchemas[0].names.contains("is_final") == false)
    }

    @Test func stateBytesStayCompactForManyKeys() {
        // W1-like state: 2,000 agents × 8 metrics in one window, count/sum/min/max/avg.
        let schema = DAA.metricSampleSchema
        let value = ColumnRef("value", in: schema)
        let window = KeyedAggregateOperator(
            inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [
                AggregateSpec("count", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
            ])
        var builder = BatchBuilder(schema: schema, capacity: 16_000)
        for agent in 0..<2_000 {
            for metric in DAA.metricNames {
                builder.append(values: [.string("agent-\(agent)"), .string(metric), .double(1), .timestamp(5)])
            }
        }
        _ = window.run([.batch(builder.finish())])
        let perKey = Double(window.stateBytes) / 16_000
        #expect(perKey < 200, "state bytes per key: \(perKey)")
    }
}
