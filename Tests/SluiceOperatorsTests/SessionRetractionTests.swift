import SluiceCore
import Testing

@testable import SluiceOperators

/// Session rows move (start earlier, end later, merges): the operator must retract every
/// row it emitted under bounds the session no longer has, so upsert views hold no orphans.
@Suite struct SessionRetractionTests {
    private func sessions(lateness: Int64 = 10_000, partialEvery: Int64? = nil) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .session(gapMillis: 1_000),
            aggregates: [AggregateSpec("c", .count)], allowedLatenessMillis: lateness, partialEveryMillis: partialEvery)
    }

    /// `agent [start, end)` of each row (or each retraction).
    private func bounds(_ rows: [[String: Value]]) -> [String] {
        rows.map { "\($0["agent"]!.asString!) [\($0["window_start"]!.asInt!), \($0["window_end"]!.asInt!))" }
    }

    /// `agent@start c=… final=…` of each row of an upsert view, sorted.
    private func contents(_ view: [String: [String: Value]]) -> [String] {
        view.values.map {
            "\($0["agent"]!.asString!)@\($0["window_start"]!.asInt!)-\($0["window_end"]!.asInt!) c=\($0["c"]!.asInt!)"
        }.sorted()
    }

    @Test func aMergeRetractsTheAbsorbedSessionAndTheMovedSurvivor() {
        let op = sessions()
        let fired = op.run([.rows([Event(agent: "a", ts: 0), Event(agent: "a", ts: 1_800)]), .watermark(3_000)])
        #expect(bounds(fired.mainRows) == ["a [0, 1000)", "a [1800, 2800)"])
        #expect(fired.retractions.isEmpty)

        // 900 bridges the two fired sessions (within the allowed lateness).
        let merged = op.run([.rows([Event(agent: "a", ts: 900)])])
        #expect(bounds(merged.retractedRows) == ["a [1800, 2800)", "a [0, 1000)"])
        #expect(bounds(merged.mainRows) == ["a [0, 2800)"])
        // Retractions come first, so a view never deletes the row that replaces them.
        #expect(merged.changes.map(\.isRetraction) == [true, false])
        #expect(merged.retractions.allSatisfy { $0.schema == op.outputSchemas[0] })

        let all = [fired, merged].flatMap(\.changes)
        var recording = Recording()
        recording.changes = all
        #expect(contents(recording.view(identity: ["agent", "window_start"])) == ["a@0-2800 c=3"])
        #expect(contents(recording.view(identity: ["agent", "window_start", "window_end"])) == ["a@0-2800 c=3"])
    }

    @Test func aStartMovingEarlierRetractsTheOldRow() {
        let op = sessions()
        let fired = op.run([.rows([Event(agent: "a", ts: 1_000), Event(agent: "b", ts: 1_000)]), .watermark(2_500)])
        let moved = op.run([.rows([Event(agent: "a", ts: 500)])])
        #expect(bounds(moved.retractedRows) == ["a [1000, 2000)"])
        #expect(bounds(moved.mainRows) == ["a [500, 2000)"])
        var recording = Recording()
        recording.changes = fired.changes + moved.changes
        #expect(contents(recording.view(identity: ["agent", "window_start"])) == ["a@500-2000 c=2", "b@1000-2000 c=1"])
    }

    @Test func rowsWhoseBoundsDidNotChangeAreNotRetracted() {
        let op = sessions()
        _ = op.run([.rows([Event(agent: "a", ts: 0), Event(agent: "a", ts: 500)]), .watermark(2_000)])
        // Inside [0, 1500) without extending it: the row is re-emitted under the same key.
        let updated = op.run([.rows([Event(agent: "a", ts: 100)])])
        #expect(bounds(updated.mainRows) == ["a [0, 1500)"])
        #expect(updated.retractions.isEmpty)
    }

    @Test func partialRowsAreRetractedWhenTheirSessionMovesOrMerges() {
        let op = sessions(partialEvery: 500)
        var recording = Recording()
        func step(_ steps: [Step]) -> Recording {
            let got = op.run(steps)
            recording.changes += got.changes
            return got
        }
        _ = step([.rows([Event(agent: "a", ts: 1_000), Event(agent: "b", ts: 5_000), Event(agent: "b", ts: 6_500)])])
        #expect(bounds(step([.tick(0)]).mainRows) == ["a [1000, 2000)", "b [5000, 6000)", "b [6500, 7500)"])

        // a's start moves earlier; 5800 bridges b's two open sessions.
        let changed = step([.rows([Event(agent: "a", ts: 400), Event(agent: "b", ts: 5_800)])])
        // The absorbed session's row goes at once; nothing else until the next tick.
        #expect(bounds(changed.retractedRows) == ["b [6500, 7500)"])
        #expect(changed.main.isEmpty)
        let tick = step([.tick(500)])
        #expect(bounds(tick.retractedRows) == ["a [1000, 2000)", "b [5000, 6000)"])
        #expect(bounds(tick.mainRows) == ["a [400, 2000)", "b [5000, 7500)"])
        #expect(tick.changes.map(\.isRetraction) == [true, false])

        _ = step([.watermark(.max)])
        let expected = ["a@400-2000 c=2", "b@5000-7500 c=3"]
        #expect(contents(recording.view(identity: ["agent", "window_start"])) == expected)
        #expect(contents(recording.view(identity: ["agent", "window_start", "window_end"])) == expected)
    }

    @Test func fixedWindowsNeverRetract() {
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent"], timeField: "ts", window: .tumbling(sizeMillis: 1_000),
            aggregates: [AggregateSpec("c", .count)], allowedLatenessMillis: 5_000, partialEveryMillis: 100)
        let got = op.run([
            .rows([Event(agent: "a", ts: 10)]), .tick(0), .rows([Event(agent: "a", ts: 900)]), .tick(200),
            .watermark(1_500), .rows([Event(agent: "a", ts: 5)]), .watermark(.max),
        ])
        #expect(got.retractions.isEmpty)
        #expect(got.mainRows.count == 4)
    }

    @Test func retractionsOnTheInputAreIgnored() {
        let op = sessions()
        var retraction = TestInput.batch([Event(agent: "a", ts: 100)])
        retraction.isRetraction = true
        let got = op.run([.batch(retraction), .watermark(.max)])
        #expect(got.main.isEmpty && got.retractions.isEmpty && got.late.isEmpty)
        #expect(op.counters.rowsIn == 0)
    }

    /// Random disordered events, interleaved watermarks and partial ticks; the allowed
    /// lateness is large enough that nothing is late, so at the end the views must hold
    /// exactly the sessions of all events — whatever fired, moved or merged on the way.
    @Test(arguments: [UInt64(5), 6, 7])
    func viewsEqualTheSessionsOfAllEvents(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let gap: Int64 = 1_000
        let op = KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: .session(gapMillis: gap),
            aggregates: [AggregateSpec("c", .count), AggregateSpec("total", .sum, TestInput.column("n"))],
            allowedLatenessMillis: 1_000_000, partialEveryMillis: 100)
        var events: [Event] = []
        for i in 0..<2_000 {
            // Time runs forward with jitter of up to 8 s: rows land before fired sessions,
            // extend them and bridge them.
            let ts = Int64(i) * 150 + Int64.random(in: -8_000...0, using: &rng)
            events.append(
                Event(
                    agent: "agent-\(Int.random(in: 0..<3, using: &rng))", metric: "m\(Int.random(in: 0..<2, using: &rng))",
                    ts: ts, n: Int64.random(in: 0..<100, using: &rng)))
        }
        var recording = Recording()
        var now: Int64 = 0
        var i = 0
        while i < events.count {
            let n = min(Int.random(in: 1...40, using: &rng), events.count - i)
            let batch = Array(events[i..<(i + n)])
            i += n
            let maxSeen = events[..<i].map { $0.ts! }.max()!
            now += 60
            for step in [Step.rows(batch), .watermark(maxSeen - 500), .tick(now)] {
                recording.changes += op.run([step]).changes
            }
        }
        recording.changes += op.run([.watermark(.max)]).changes
        #expect(op.counters.late == 0)

        var byKey: [String: [Event]] = [:]
        for e in events { byKey["\(e.agent)|\(e.metric)", default: []].append(e) }
        var expected: [String] = []
        for (key, members) in byKey {
            let sorted = members.sorted { $0.ts! < $1.ts! }
            var session: [Event] = [sorted[0]]
            func close() {
                let start = session.first!.ts!
                let end = session.last!.ts! + gap
                expected.append("\(key)|\(start)|\(end)|\(session.count)|\(session.reduce(0) { $0 + $1.n! })")
            }
            for (a, b) in zip(sorted, sorted.dropFirst()) {
                if b.ts! - a.ts! >= gap {
                    close()
                    session = []
                }
                session.append(b)
            }
            close()
        }
        func rendered(_ view: [String: [String: Value]]) -> [String] {
            view.values.map { row in
                ["agent", "metric", "window_start", "window_end", "c", "total"].map { name -> String in
                    switch row[name]! {
                    case .string(let s): s
                    case .int(let v), .timestamp(let v): String(v)
                    default: "\(row[name]!)"
                    }
                }.joined(separator: "|")
            }.sorted()
        }
        let retracted = recording.changes.filter(\.isRetraction).reduce(0) { $0 + $1.count }
        #expect(retracted > 20, "the input must move and merge emitted sessions")
        #expect(rendered(recording.view(identity: ["agent", "metric", "window_start"])) == expected.sorted())
        #expect(
            rendered(recording.view(identity: ["agent", "metric", "window_start", "window_end"])) == expected.sorted())
    }

    /// The bounds each session last emitted are state: a restored operator must retract
    /// exactly what the uninterrupted one does.
    @Test func restoredOperatorsRetractLikeUninterruptedOnes() throws {
        let make = { self.sessions(partialEvery: 100) }
        var steps: [Step] = []
        var rng = SplitMix64(seed: 11)
        for i in 0..<40 {
            let t = Int64(i) * 400
            steps.append(
                .rows(
                    (0..<5).map { _ in
                        Event(agent: "a\(Int.random(in: 0..<2, using: &rng))", ts: t + Int64.random(in: -3_000...0, using: &rng))
                    }))
            steps.append(.tick(Int64(i) * 100))
            steps.append(.watermark(t - 1_500))
        }
        steps.append(.watermark(.max))
        let reference = make()
        let expected = steps.map { reference.run([$0]) }
        #expect(expected.reduce(0) { $0 + $1.retractions.count } > 5)
        for cut in stride(from: 10, to: steps.count, by: 23) {
            let original = make()
            _ = original.run(Array(steps[..<cut]))
            try expectRestoreContinues(original, into: make(), steps: steps, cut: cut, expected: expected)
        }
    }
}
