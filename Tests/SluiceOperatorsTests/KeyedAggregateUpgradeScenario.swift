import SluiceCore

@testable import SluiceOperators

/// The run `KeyedAggregateUpgradeTests` restores in the middle: 3,000 random events over 20
/// agents and 60 s, counted, summed and averaged per agent in 10 s windows; part one is the
/// first 1,500 events, up to a watermark of 25 s.
enum KeyedAggregateUpgradeScenario {
    static func makeOperator() -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [
                AggregateSpec("events", .count), AggregateSpec("total", .sum, TestInput.column("value")),
                AggregateSpec("mean", .avg, TestInput.column("value")), AggregateSpec("units", .sum, TestInput.column("n")),
                AggregateSpec("low", .min, TestInput.column("value")),
            ],
            allowedLatenessMillis: 60_000)
    }

    static let partOneWatermark: Int64 = 25_000
    static let finalWatermark: Int64 = 200_000

    static func events() -> (partOne: [Event], partTwo: [Event]) {
        var rng = SplitMix64(seed: 20_261_207)
        let all = TestInput.randomEvents(count: 3000, agents: 20, span: 60_000, rng: &rng)
        return (Array(all[..<1500]), Array(all[1500...]))
    }

    /// Feeds `events` in batches of 100; returns the rows that left, as text.
    static func feed(_ events: [Event], to op: KeyedAggregateOperator, thenWatermark watermark: Int64) -> [String] {
        var out = OperatorOutput()
        for start in stride(from: 0, to: events.count, by: 100) {
            op.process(TestInput.batch(Array(events[start..<min(start + 100, events.count)])), input: 0, into: &out)
        }
        op.advanceWatermark(to: watermark, into: &out)
        return out.batches.flatMap { port, batch in
            batch.rows.map { row in "\(port) " + row.keys.sorted().map { "\($0)=\(row[$0]!)" }.joined(separator: " ") }
        }
    }
}
