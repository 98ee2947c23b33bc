import SluiceCore
import Testing

@testable import SluiceOperators

@Suite struct WindowPartialTests {
    private func summary(_ recording: Recording) -> [String] {
        recording.mainRows.map {
            "\($0["agent"]!.asString!)@\($0["window_start"]!.asInt!) c=\($0["c"]!.asInt!) final=\($0["is_final"]!.asBool!)"
        }
    }

    @Test func partialRowsFollowTheTickSchedule() {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [AggregateSpec("c", .count)], allowedLatenessMillis: 5_000, partialEveryMillis: 1_000)
        #expect(op.run([.tick(0)]).main.isEmpty)
        #expect(summary(op.run([.rows([Event(agent: "a", ts: 1_000), Event(agent: "b", ts: 2_000)])])) == [])
        #expect(summary(op.run([.tick(100)])) == ["a@0 c=1 final=false", "b@0 c=1 final=false"])

        _ = op.run([.rows([Event(agent: "a", ts: 3_000), Event(agent: "c", ts: 12_000)])])
        // Less than an interval since the last emission: nothing yet.
        #expect(summary(op.run([.tick(1_099)])) == [])
        // Only the groups that changed, in window order.
        #expect(summary(op.run([.tick(1_100)])) == ["a@0 c=2 final=false", "c@10000 c=1 final=false"])
        #expect(summary(op.run([.tick(2_200)])) == [])

        // Firing emits every row of the window as final, whether or not it changed.
        #expect(summary(op.run([.watermark(10_000)])) == ["a@0 c=2 final=true", "b@0 c=1 final=true"])
        // A late update is re-emitted as final at once, not at the next tick.
        #expect(summary(op.run([.rows([Event(agent: "b", ts: 9_000)])])) == ["b@0 c=2 final=true"])
        _ = op.run([.rows([Event(agent: "c", ts: 13_000)])])
        #expect(summary(op.run([.tick(3_500)])) == ["c@10000 c=2 final=false"])
    }

    @Test func sessionPartialRowsCoverOpenSessionsOnly() {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .session(gapMillis: 1_000),
            aggregates: [AggregateSpec("c", .count)], partialEveryMillis: 500)
        _ = op.run([.rows([Event(agent: "a", ts: 0), Event(agent: "b", ts: 5_000)])])
        #expect(summary(op.run([.tick(0)])) == ["a@0 c=1 final=false", "b@5000 c=1 final=false"])
        _ = op.run([.rows([Event(agent: "a", ts: 700)]), .watermark(1_800)])
        _ = op.run([.rows([Event(agent: "b", ts: 5_100)])])
        // a's session fired at watermark 1800 (its final row went out then); only b is open.
        #expect(summary(op.run([.tick(600)])) == ["b@5000 c=2 final=false"])
    }
}
