import SluiceConnectors
import SluiceCore
import Testing

@testable import SluiceOperators

/// Every aggregate against a brute-force reference computed from the raw rows, on
/// randomized inputs (fixed seeds), for each kind of window and the fold.
@Suite struct AggregateReferenceTests {
    private func makeOperator(_ window: WindowSpec?) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: window,
            aggregates: AggregateReference.specs.map(\.spec))
    }

    /// Feeds `events` in random batch sizes, then ends the input.
    private func runToEnd(_ op: KeyedAggregateOperator, _ events: [Event], rng: inout SplitMix64) -> Recording {
        var steps: [Step] = []
        var i = 0
        while i < events.count {
            let n = min(Int.random(in: 1...700, using: &rng), events.count - i)
            steps.append(.rows(Array(events[i..<(i + n)])))
            i += n
        }
        steps.append(.watermark(.max))
        return op.run(steps)
    }

    private func events(seed: UInt64) -> [Event] {
        var rng = SplitMix64(seed: seed)
        var events = TestInput.randomEvents(count: 3_000, agents: 3, span: 60_000, rng: &rng)
        // A few rows without event time: they must go to the late port, not into groups.
        for i in stride(from: 17, to: events.count, by: 500) { events[i].ts = nil }
        return events
    }

    @Test(arguments: [WindowSpec.tumbling(sizeMillis: 10_000), .sliding(sizeMillis: 15_000, slideMillis: 5_000)])
    func fixedWindowsMatchTheReference(window: WindowSpec) {
        var rng = SplitMix64(seed: 42)
        let events = events(seed: 1)
        let recording = runToEnd(makeOperator(window), events, rng: &rng)
        let (size, slide) = window.sizeAndSlide!
        var groups: [String: [Event]] = [:]
        for e in events where e.ts != nil {
            var start = WindowMath.alignDown(e.ts!, to: slide)!
            while start + size > e.ts! {
                groups["\(e.agent)|\(e.metric)|\(start)", default: []].append(e)
                start -= slide
            }
        }
        let rows = recording.mainRows
        #expect(rows.count == groups.count)
        #expect(rows.allSatisfy { $0["is_final"] == .bool(true) })
        for row in rows {
            let group = "\(row["agent"]!.asString!)|\(row["metric"]!.asString!)|\(row["window_start"]!.asInt!)"
            guard let members = groups[group] else {
                Issue.record("unexpected group \(group)")
                continue
            }
            #expect(row["window_end"]!.asInt! - row["window_start"]!.asInt! == size)
            AggregateReference.check(row: row, events: members, group: group)
        }
        #expect(recording.lateRows.count == 6)
    }

    @Test func sessionsMatchTheReference() {
        var rng = SplitMix64(seed: 43)
        let gap: Int64 = 100
        // Sparse enough that sessions form, split and get bridged by out-of-order rows.
        let events = events(seed: 2)
        let recording = runToEnd(makeOperator(.session(gapMillis: gap)), events, rng: &rng)
        var byKey: [String: [Event]] = [:]
        for e in events where e.ts != nil { byKey["\(e.agent)|\(e.metric)", default: []].append(e) }
        var groups: [String: [Event]] = [:]
        for (key, members) in byKey {
            // Sessions: sort times, cut where consecutive times are >= gap apart; members
            // keep arrival order.
            let times = Set(members.map { $0.ts! }).sorted()
            var starts: [Int64] = [times[0]]
            for (a, b) in zip(times, times.dropFirst()) where b - a >= gap { starts.append(b) }
            for e in members {
                let start = starts.last { $0 <= e.ts! }!
                groups["\(key)|\(start)", default: []].append(e)
            }
        }
        let rows = recording.mainRows
        #expect(rows.count == groups.count)
        #expect(groups.count > 300)
        for row in rows {
            let group = "\(row["agent"]!.asString!)|\(row["metric"]!.asString!)|\(row["window_start"]!.asInt!)"
            guard let members = groups[group] else {
                Issue.record("unexpected session \(group)")
                continue
            }
            #expect(row["window_end"]!.asInt! == members.map { $0.ts! }.max()! + gap)
            AggregateReference.check(row: row, events: members, group: group)
        }
    }

    @Test func foldMatchesTheReferenceAfterEveryBatch() {
        let events = events(seed: 3)
        let op = makeOperator(nil)
        var seen: [Event] = []
        var rng = SplitMix64(seed: 44)
        var i = 0
        while i < events.count {
            let n = min(Int.random(in: 1...400, using: &rng), events.count - i)
            let batch = Array(events[i..<(i + n)])
            i += n
            let recording = op.run([.rows(batch)])
            seen.append(contentsOf: batch.filter { $0.ts != nil })
            // Exactly the keys this batch changed, each with its absolute current value.
            let changed = Set(batch.filter { $0.ts != nil }.map { "\($0.agent)|\($0.metric)" })
            let rows = recording.mainRows
            #expect(rows.count == changed.count)
            for row in rows {
                let key = "\(row["agent"]!.asString!)|\(row["metric"]!.asString!)"
                #expect(changed.contains(key))
                AggregateReference.check(
                    row: row, events: seen.filter { "\($0.agent)|\($0.metric)" == key }, group: key)
            }
        }
        #expect(op.counters.late == 6)
    }

    @Test func nonNullableArgumentsShareTheRowCounter() {
        let schema = DAA.metricSampleSchema
        let value = ColumnRef("value", in: schema)
        let op = KeyedAggregateOperator(
            inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [
                AggregateSpec("count", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
                AggregateSpec("n", .count, value),
            ])
        // count, count(value), avg and sum share accumulators: count, sum, min, max.
        #expect(op.engine.context.plan.accumulations.count == 4)
        var builder = BatchBuilder(schema: schema)
        for i in 0..<100 {
            builder.append(values: [
                .string("agent-\(i % 3)"), .string("tokens"), .double(Double(i)), .timestamp(Int64(i) * 100),
            ])
        }
        let recording = op.run([.batch(builder.finish()), .watermark(.max)])
        let rows = recording.mainRows.sorted { $0["agent_id"]!.asString! < $1["agent_id"]!.asString! }
        #expect(rows.map { $0["count"] } == [.int(34), .int(33), .int(33)])
        #expect(rows.map { $0["n"] } == [.int(34), .int(33), .int(33)])
        #expect(rows[0]["sum"] == .double(Double((0..<100).filter { $0 % 3 == 0 }.reduce(0, +))))
        #expect(rows[0]["avg"] == .double(49.5))
        #expect(rows[2]["min"] == .double(2))
        #expect(rows[2]["max"] == .double(98))
    }

    @Test func resultTypesFollowTheContract() {
        typealias R = AggregateSpec
        #expect(R.resultType(kind: .count, argumentType: nil) == .int64)
        #expect(R.resultType(kind: .count, argumentType: .string) == .int64)
        #expect(R.resultType(kind: .sum, argumentType: .int64) == .int64)
        #expect(R.resultType(kind: .sum, argumentType: .double) == .double)
        #expect(R.resultType(kind: .sum, argumentType: .timestamp) == nil)
        #expect(R.resultType(kind: .sum, argumentType: nil) == nil)
        #expect(R.resultType(kind: .min, argumentType: .timestamp) == .timestamp)
        #expect(R.resultType(kind: .max, argumentType: .string) == .string)
        #expect(R.resultType(kind: .max, argumentType: .bool) == nil)
        #expect(R.resultType(kind: .first, argumentType: .bool) == .bool)
        #expect(R.resultType(kind: .last, argumentType: .string) == .string)
        #expect(R.resultType(kind: .avg, argumentType: .int64) == .double)
        #expect(R.resultType(kind: .stddev, argumentType: .string) == nil)
        #expect(R.resultType(kind: .percentile, argumentType: .double) == .double)
        #expect(R.resultType(kind: .countDistinct, argumentType: .bool) == .int64)
        #expect(R.resultType(kind: .approxCountDistinct, argumentType: .double) == .int64)
        #expect(AggregateKind(rawValue: "count_distinct") == .countDistinct)
        #expect(AggregateKind(rawValue: "approx_count_distinct") == .approxCountDistinct)
    }
}
