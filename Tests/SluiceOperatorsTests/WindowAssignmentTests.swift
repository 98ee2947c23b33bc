import SluiceCore
import Testing

@testable import SluiceOperators

@Suite struct WindowAssignmentTests {
    private func countOperator(_ window: WindowSpec, lateness: Int64 = 0) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: window,
            aggregates: [AggregateSpec("c", .count)], allowedLatenessMillis: lateness)
    }

    /// (window_start, window_end, c) of every final row, sorted.
    private func finalWindows(_ recording: Recording) -> [[Int64]] {
        recording.mainRows.filter { $0["is_final"] == .bool(true) }.map {
            [$0["window_start"]!.asInt!, $0["window_end"]!.asInt!, $0["c"]!.asInt!]
        }.sorted { $0.lexicographicallyPrecedes($1) }
    }

    @Test func tumblingWindowsAreHalfOpenAndEpochAligned() {
        let op = countOperator(.tumbling(sizeMillis: 10_000))
        let recording = op.run([
            .rows([
                Event(agent: "a", ts: 0), Event(agent: "a", ts: 9_999), Event(agent: "a", ts: 10_000),
                Event(agent: "a", ts: 25_001),
            ]),
            .watermark(.max),
        ])
        #expect(finalWindows(recording) == [[0, 10_000, 2], [10_000, 20_000, 1], [20_000, 30_000, 1]])
    }

    @Test func negativeEventTimesFloorToTheirWindow() {
        let op = countOperator(.tumbling(sizeMillis: 10_000))
        let recording = op.run([
            .rows([
                Event(agent: "a", ts: -1), Event(agent: "a", ts: -10_000), Event(agent: "a", ts: -10_001),
                Event(agent: "a", ts: -19_999),
            ]),
            .watermark(.max),
        ])
        #expect(finalWindows(recording) == [[-20_000, -10_000, 2], [-10_000, 0, 2]])
    }

    @Test func windowFiresExactlyWhenTheWatermarkReachesItsEnd() {
        let op = countOperator(.tumbling(sizeMillis: 1_000))
        let before = op.run([.rows([Event(agent: "a", ts: 500)]), .watermark(999)])
        #expect(before.main.isEmpty)
        let at = op.run([.watermark(1_000)])
        #expect(finalWindows(at) == [[0, 1_000, 1]])
    }

    @Test func slidingWindowsGiveEachEventSizeOverSlideWindows() {
        let op = countOperator(.sliding(sizeMillis: 10_000, slideMillis: 2_000))
        let recording = op.run([.rows([Event(agent: "a", ts: 13_500)]), .watermark(.max)])
        #expect(
            finalWindows(recording) == [
                [4_000, 14_000, 1], [6_000, 16_000, 1], [8_000, 18_000, 1], [10_000, 20_000, 1], [12_000, 22_000, 1],
            ])
    }

    @Test func slidingWindowCountsMatchBruteForce() {
        var rng = SplitMix64(seed: 7)
        let events = TestInput.randomEvents(count: 2_000, agents: 5, span: 60_000, rng: &rng)
        let (size, slide): (Int64, Int64) = (6_000, 1_500)
        let op = countOperator(.sliding(sizeMillis: size, slideMillis: slide))
        let recording = op.run([.rows(Array(events[..<900])), .rows(Array(events[900...])), .watermark(.max)])
        var expected: [String: Int64] = [:]
        for e in events {
            var start = WindowMath.alignDown(e.ts!, to: slide)!
            while start + size > e.ts! {
                expected["\(e.agent)|\(start)", default: 0] += 1
                start -= slide
            }
        }
        var actual: [String: Int64] = [:]
        for row in recording.mainRows {
            actual["\(row["agent"]!.asString!)|\(row["window_start"]!.asInt!)"] = row["c"]!.asInt!
        }
        #expect(actual == expected)
        #expect(actual.values.reduce(0, +) == Int64(events.count) * (size / slide))
    }

    @Test func sessionsMergeEventsCloserThanTheGap() {
        let op = countOperator(.session(gapMillis: 1_000))
        let recording = op.run([
            .rows([
                Event(agent: "a", ts: 0), Event(agent: "a", ts: 500), Event(agent: "a", ts: 1_400),
                // Exactly one gap after the last event: a new session (half-open intervals).
                Event(agent: "a", ts: 2_400), Event(agent: "b", ts: 100),
            ]),
            .watermark(.max),
        ])
        let rows = recording.mainRows.map {
            "\($0["agent"]!.asString!) [\($0["window_start"]!.asInt!), \($0["window_end"]!.asInt!)) \($0["c"]!.asInt!)"
        }
        #expect(Set(rows) == ["a [0, 2400) 3", "a [2400, 3400) 1", "b [100, 1100) 1"])
        #expect(rows.count == 3)
    }

    @Test func bridgingEventMergesTwoSessions() {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .session(gapMillis: 1_000),
            aggregates: [
                AggregateSpec("c", .count), AggregateSpec("total", .sum, TestInput.column("value")),
                AggregateSpec("first_label", .first, TestInput.column("label")),
                AggregateSpec("last_label", .last, TestInput.column("label")),
                AggregateSpec("p50", .percentile, TestInput.column("value"), parameter: 0.5),
                AggregateSpec("distinct", .countDistinct, TestInput.column("label")),
            ])
        let recording = op.run([
            .rows([
                Event(agent: "a", ts: 0, value: 1, label: "x"), Event(agent: "a", ts: 1_800, value: 2, label: "y"),
                Event(agent: "a", ts: 2_500, value: 4, label: "z"),
            ]),
            .rows([Event(agent: "a", ts: 900, value: 8, label: "x")]),
            .watermark(.max),
        ])
        let rows = recording.mainRows
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row["window_start"] == .timestamp(0))
        #expect(row["window_end"] == .timestamp(3_500))
        #expect(row["c"] == .int(4))
        #expect(row["total"] == .double(15))
        #expect(row["first_label"] == .string("x"))
        #expect(row["last_label"] == .string("z"))
        #expect(row["distinct"] == .int(3))
        let p50 = row["p50"]!.asDouble!
        #expect(abs(p50 - 2) <= 0.02 * 2)
    }

    @Test func sessionsOfOneKeyStayApartUntilBridged() {
        let op = countOperator(.session(gapMillis: 200))
        // [0,200), [500,700) and [250,450) stay apart; 150 bridges the first two of them,
        // 420 bridges the result with [500,700), and 80 falls inside.
        let apart = op.run([
            .rows([Event(agent: "a", ts: 0), Event(agent: "a", ts: 500), Event(agent: "a", ts: 250)]),
            .watermark(-1),
        ])
        #expect(apart.main.isEmpty)
        let recording = op.run([
            .rows([Event(agent: "a", ts: 150)]),
            .rows([Event(agent: "a", ts: 420), Event(agent: "a", ts: 80)]),
            .watermark(.max),
        ])
        #expect(finalWindows(recording) == [[0, 700, 6]])
    }

    @Test func validationExplainsBadWindows() {
        #expect(WindowSpec.validate(.tumbling(sizeMillis: 10_000)) == nil)
        #expect(WindowSpec.validate(.tumbling(sizeMillis: 0)) != nil)
        #expect(WindowSpec.validate(.sliding(sizeMillis: 10_000, slideMillis: 2_500)) == nil)
        #expect(WindowSpec.validate(.sliding(sizeMillis: 10_000, slideMillis: 3_000))?.contains("multiple") == true)
        #expect(WindowSpec.validate(.sliding(sizeMillis: 1_000, slideMillis: 2_000)) != nil)
        #expect(WindowSpec.validate(.session(gapMillis: -1)) != nil)

        let problems = KeyedAggregateOperator.validate(
            inputSchema: TestInput.schema, keys: ["agent", "nope"], timeField: "value",
            window: .sliding(sizeMillis: 10, slideMillis: 3),
            aggregates: [
                AggregateSpec("c", .sum), AggregateSpec("c", .avg, TestInput.column("label")),
                AggregateSpec("p", .percentile, TestInput.column("value"), parameter: 1.5),
                AggregateSpec("agent", .count),
            ], allowedLatenessMillis: -1)
        #expect(problems.count == 9)
        #expect(problems.contains("unknown key column 'nope'"))
        #expect(problems.contains { $0.hasPrefix("event time 'value'") })
        #expect(problems.contains("output column 'agent' is defined twice"))
        #expect(
            KeyedAggregateOperator.validate(
                inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: nil,
                aggregates: [AggregateSpec("c", .count)], partialEveryMillis: 1_000
            ).count == 1)
    }

    @Test func outputSchemaListsKeysWindowAggregatesAndFinality() {
        let aggregates = [
            AggregateSpec("c", .count), AggregateSpec("s", .sum, TestInput.column("n")),
            AggregateSpec("hi", .max, TestInput.column("ts")), AggregateSpec("p", .percentile, TestInput.column("n"), parameter: 0.9),
        ]
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts",
            window: .tumbling(sizeMillis: 1_000), aggregates: aggregates)
        #expect(
            op.outputSchemas[0]
                == Schema([
                    Field("agent", .string, nullable: false), Field("metric", .string, nullable: false),
                    Field("window_start", .timestamp, nullable: false), Field("window_end", .timestamp, nullable: false),
                    Field("c", .int64, nullable: false), Field("s", .int64), Field("hi", .timestamp),
                    Field("p", .double), Field("is_final", .bool, nullable: false),
                ]))
        #expect(op.outputSchemas[1] == TestInput.schema)
        #expect(
            KeyedAggregateOperator.outputSchema(
                inputSchema: TestInput.schema, keys: ["agent", "metric"], window: .tumbling(sizeMillis: 1_000),
                aggregates: aggregates) == op.outputSchemas[0])
        let fold = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: nil, aggregates: aggregates)
        #expect(fold.outputSchemas[0].names == ["agent", "c", "s", "hi", "p"])
    }
}
