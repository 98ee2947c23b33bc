import SluiceCore
import Testing

@testable import SluiceOperators

@Suite struct WindowWatermarkTests {
    private func operator_(_ window: WindowSpec = .tumbling(sizeMillis: 10_000), lateness: Int64 = 0)
        -> KeyedAggregateOperator
    {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: window,
            aggregates: [AggregateSpec("c", .count), AggregateSpec("total", .sum, TestInput.column("value"))],
            allowedLatenessMillis: lateness)
    }

    @Test func outOfOrderEventsWithinTheBoundCountInTheirWindow() {
        let op = operator_()
        // Watermark trails the max event time by 2 s, like the W1 workload.
        let recording = op.run([
            .rows([Event(agent: "a", ts: 9_000, value: 1), Event(agent: "a", ts: 10_500, value: 2)]),
            .watermark(8_500),
            .rows([Event(agent: "a", ts: 8_600, value: 4), Event(agent: "a", ts: 11_900, value: 8)]),
            .watermark(9_900),
            .rows([Event(agent: "a", ts: 9_950, value: 16)]),
            .watermark(12_000),
        ])
        let rows = recording.mainRows
        #expect(rows.count == 1)
        #expect(rows[0]["window_start"] == .timestamp(0))
        #expect(rows[0]["c"] == .int(3))
        #expect(rows[0]["total"] == .double(21))
        #expect(rows[0]["is_final"] == .bool(true))
        #expect(op.counters.late == 0)
        #expect(recording.late.isEmpty)
    }

    @Test func allowedLatenessUpdatesAndReemitsTheFiredRow() {
        let op = operator_(lateness: 5_000)
        let fired = op.run([
            .rows([Event(agent: "a", ts: 1_000, value: 1), Event(agent: "b", ts: 2_000, value: 5)]),
            .watermark(10_000),
        ])
        #expect(fired.mainRows.count == 2)
        #expect(fired.mainRows.allSatisfy { $0["is_final"] == .bool(true) })

        let updated = op.run([.rows([Event(agent: "a", ts: 3_000, value: 2)])])
        #expect(updated.mainRows.count == 1)
        let row = updated.mainRows[0]
        #expect(row["agent"] == .string("a"))
        #expect(row["c"] == .int(2))
        #expect(row["total"] == .double(3))
        #expect(row["is_final"] == .bool(true))
        #expect(op.counters.lateUpdates == 1)
        #expect(op.counters.late == 0)

        // A window that never had a row for this key but is within lateness: created fired.
        let fresh = op.run([.rows([Event(agent: "c", ts: 9_999, value: 7)])])
        #expect(fresh.mainRows.map { $0["c"] } == [.int(1)])
        #expect(op.counters.lateUpdates == 2)

        // Watermark reaches end + lateness: the state is dropped and later rows are late.
        let dropped = op.run([.watermark(15_000), .rows([Event(agent: "a", ts: 4_000, value: 9)])])
        #expect(dropped.main.isEmpty)
        #expect(dropped.lateRows.count == 1)
        #expect(dropped.lateRows[0]["value"] == .double(9))
        #expect(dropped.late[0].schema == TestInput.schema)
        #expect(op.counters.late == 1)
        #expect(op.stateBytes < 50_000)
    }

    @Test func eventsBehindTheWatermarkWithoutLatenessGoToTheLatePort() {
        let op = operator_()
        let recording = op.run([
            .rows([Event(agent: "a", ts: 1_000, value: 1)]),
            .watermark(10_000),
            .rows([
                Event(agent: "a", ts: 9_999, value: 2), Event(agent: "a", ts: 10_000, value: 3),
                Event(agent: "b", ts: 500, value: 4), Event(agent: "b", ts: nil, value: 5),
            ]),
            .watermark(.max),
        ])
        #expect(recording.lateRows.map { $0["value"] } == [.double(2), .double(4), .double(5)])
        #expect(op.counters.late == 3)
        #expect(op.counters.rowsIn == 5)
        let finals = recording.mainRows.map { "\($0["window_start"]!) \($0["c"]!)" }
        #expect(finals == ["ts(0) 1", "ts(10000) 1"])
    }

    @Test func slidingRowLateForOlderWindowsStillUpdatesNewerOnes() {
        let op = operator_(.sliding(sizeMillis: 4_000, slideMillis: 2_000))
        let recording = op.run([
            .watermark(4_500),
            // Windows of ts 3000: [0,4000) (behind the watermark: late) and [2000,6000).
            .rows([Event(agent: "a", ts: 3_000, value: 1)]),
            // Windows of ts 1000: [-2000,2000) and [0,4000): both late.
            .rows([Event(agent: "a", ts: 1_000, value: 2)]),
            .watermark(.max),
        ])
        #expect(recording.mainRows.map { "\($0["window_start"]!) \($0["c"]!)" } == ["ts(2000) 1"])
        #expect(recording.lateRows.map { $0["value"] } == [.double(2)])
        #expect(op.counters.late == 1)
    }

    @Test func sessionLatenessFollowsTheMergedSession() {
        let op = operator_(.session(gapMillis: 1_000), lateness: 2_000)
        let fired = op.run([.rows([Event(agent: "a", ts: 0, value: 1)]), .watermark(1_500)])
        #expect(fired.mainRows.map { "\($0["window_end"]!) \($0["c"]!) \($0["is_final"]!)" } == ["ts(1000) 1 true"])

        // Within lateness and still behind the watermark: updated and re-emitted as final.
        let updated = op.run([.rows([Event(agent: "a", ts: 200, value: 2)])])
        #expect(updated.mainRows.map { "\($0["window_end"]!) \($0["c"]!) \($0["is_final"]!)" } == ["ts(1200) 2 true"])

        // Extends the fired session past the watermark: it is open again and fires later.
        let reopened = op.run([.rows([Event(agent: "a", ts: 900, value: 4)])])
        #expect(reopened.main.isEmpty)
        let refired = op.run([.watermark(1_900)])
        #expect(refired.mainRows.map { "\($0["window_end"]!) \($0["c"]!) \($0["total"]!)" } == ["ts(1900) 3 7.0"])
        #expect(op.counters.lateUpdates == 2)

        // Expired (end + lateness <= watermark) and a row that overlaps nothing kept: late.
        let late = op.run([.watermark(3_900), .rows([Event(agent: "a", ts: 850, value: 8)])])
        #expect(late.lateRows.count == 1)
        #expect(op.counters.late == 1)
    }
}
