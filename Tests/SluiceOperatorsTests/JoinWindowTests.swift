import SluiceCore
import SluiceOperators
import Testing

@Suite("Window join")
struct JoinWindowTests {
    typealias H = JoinTestHarness

    static func makeJoin(size: Int64, slide: Int64?) -> WindowJoinOperator {
        WindowJoinOperator(
            left: H.leftSchema, right: H.rightSchema, leftKeys: ["key"], rightKeys: ["key"], leftTime: "ts",
            rightTime: "ts", windowSizeMillis: size, slideMillis: slide, leftPrefix: "l_", rightPrefix: "r_")
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { Int64((Double(a) / Double(b)).rounded(.down)) }

    /// Nested loops: every pair with equal keys, once per window holding both rows.
    static func reference(left: [JoinTestRow], right: [JoinTestRow], size: Int64, slide: Int64) -> [JoinTestOutput] {
        var rows: [JoinTestOutput] = []
        for l in left {
            for r in right where l.key != nil && l.key == r.key {
                let first = max(floorDiv(l.ts - size, slide), floorDiv(r.ts - size, slide)) + 1
                let last = min(floorDiv(l.ts, slide), floorDiv(r.ts, slide))
                guard first <= last else { continue }
                for k in first...last {
                    let start = k * slide
                    rows.append(JoinTestOutput(port: 0, values: [
                        .string(l.key!), .timestamp(l.ts), l.payload, .string(r.key!), .timestamp(r.ts), r.payload,
                        .timestamp(start), .timestamp(start + size), .timestamp(start + size - 1),
                    ]))
                }
            }
        }
        return rows
    }

    static let windows: [(size: Int64, slide: Int64?)] = [(100, nil), (100, 25), (60, 20), (50, 50), (7, 3)]

    @Test("matches a nested-loop reference on random inputs", arguments: 0..<windows.count, [UInt64(11), 808])
    func randomizedAgainstReference(windowIndex: Int, seed: UInt64) {
        let (size, slide) = Self.windows[windowIndex]
        var rng = JoinTestRandom(seed: seed &* 31 &+ UInt64(windowIndex))
        // Times start before the epoch too, so floor alignment of negative times is covered.
        let left = H.randomRows(count: 250, keys: 6, start: -1_000, spacing: 9, right: false, rng: &rng)
        let right = H.randomRows(count: 250, keys: 6, start: -1_000, spacing: 9, right: true, rng: &rng)
        let steps = H.schedule(left: left, right: right, maxDelay: 50, rng: &rng)
        let join = Self.makeJoin(size: size, slide: slide)
        let actual = H.run(join, steps[...])
        let expected = Self.reference(left: left, right: right, size: size, slide: slide ?? size)
        #expect(!expected.isEmpty)
        #expect(H.multiset(actual) == H.multiset(expected))
        #expect(join.counters.late == 0)
        #expect(join.counters.rowsOut == Int64(expected.count))
        #expect(join.bufferedRows == (0, 0))
        #expect(join.retainedRows == (0, 0))
        #expect(join.openWindows == 0)
    }

    @Test("a window fires once the watermark reaches its end, then its rows are released")
    func firesAtWindowEnd() {
        let join = Self.makeJoin(size: 100, slide: nil)
        var out = OperatorOutput()
        join.process(H.batch([
            JoinTestRow(key: "a", ts: 10, payload: .int(1)), JoinTestRow(key: "b", ts: 20, payload: .int(2)),
            JoinTestRow(key: "a", ts: 150, payload: .int(3)),
        ], schema: H.leftSchema), input: 0, into: &out)
        join.process(H.batch([
            JoinTestRow(key: "a", ts: 99, payload: .double(1)), JoinTestRow(key: "a", ts: 100, payload: .double(2)),
        ], schema: H.rightSchema), input: 1, into: &out)
        #expect(out.isEmpty)
        #expect(join.openWindows == 2)

        join.advanceWatermark(to: 99, into: &out)
        #expect(out.isEmpty, "an event at 99 may still arrive")
        join.advanceWatermark(to: 100, into: &out)
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [
                .string("a"), .timestamp(10), .int(1), .string("a"), .timestamp(99), .double(1), .timestamp(0),
                .timestamp(100), .timestamp(99),
            ])
        ])
        #expect(join.bufferedRows == (1, 1))
        #expect(join.openWindows == 1)

        out.removeAll()
        join.advanceWatermark(to: 200, into: &out)
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [
                .string("a"), .timestamp(150), .int(3), .string("a"), .timestamp(100), .double(2), .timestamp(100),
                .timestamp(200), .timestamp(199),
            ])
        ])
        #expect(join.bufferedRows == (0, 0))
        #expect(join.retainedRows == (0, 0))
    }

    @Test("output order: windows by start, left rows in arrival order, each with its right rows in arrival order")
    func deterministicOrder() {
        let join = Self.makeJoin(size: 10, slide: nil)
        var out = OperatorOutput()
        join.process(H.batch([JoinTestRow(key: "y", ts: 11, payload: .int(0))], schema: H.leftSchema), input: 0, into: &out)
        join.process(H.batch([
            JoinTestRow(key: "x", ts: 5, payload: .double(1)), JoinTestRow(key: "y", ts: 12, payload: .double(2)),
            JoinTestRow(key: "x", ts: 1, payload: .double(3)),
        ], schema: H.rightSchema), input: 1, into: &out)
        join.process(H.batch([
            JoinTestRow(key: "x", ts: 2, payload: .int(1)), JoinTestRow(key: "x", ts: 3, payload: .int(2)),
        ], schema: H.leftSchema), input: 0, into: &out)
        join.advanceWatermark(to: .max, into: &out)
        let summary = H.collect(out).map { "\($0.values[2])×\($0.values[5])" }
        #expect(summary == ["1×1.0", "1×3.0", "2×1.0", "2×3.0", "0×2.0"])
    }

    @Test("rows whose windows have all fired go to the late ports and are counted")
    func lateRows() {
        let join = Self.makeJoin(size: 100, slide: 50)
        var out = OperatorOutput()
        join.advanceWatermark(to: 200, into: &out)
        // 120 is in [50,150) (fired) and [100,200) (fired at 200): late.
        // 160 and 199 are in [100,200) (fired) and [150,250) (open): they join in the open one only.
        join.process(H.batch([
            JoinTestRow(key: "a", ts: 120, payload: .int(1)), JoinTestRow(key: "a", ts: 160, payload: .int(2)),
        ], schema: H.leftSchema), input: 0, into: &out)
        join.process(H.batch([
            JoinTestRow(key: "a", ts: 140, payload: .double(1)), JoinTestRow(key: "a", ts: 199, payload: .double(2)),
        ], schema: H.rightSchema), input: 1, into: &out)
        #expect(join.counters.late == 2)
        #expect(out.batches.map(\.port) == [1, 2])
        #expect(H.collect(out).map(\.values[1]) == [.timestamp(120), .timestamp(140)])
        out.removeAll()
        join.advanceWatermark(to: .max, into: &out)
        #expect(H.collect(out).map { [$0.values[1], $0.values[4], $0.values[6]] } == [
            [.timestamp(160), .timestamp(199), .timestamp(150)]
        ])
    }

    @Test("output schema and validation")
    func schemaAndValidation() {
        let join = Self.makeJoin(size: 10, slide: 5)
        #expect(join.outputSchemas[0].names == [
            "l_key", "l_ts", "l_lv", "r_key", "r_ts", "r_rv", "window_start", "window_end", "ts",
        ])
        #expect(join.outputSchemas[1] == H.leftSchema)
        #expect(join.outputSchemas[2] == H.rightSchema)

        func errors(size: Int64, slide: Int64?, leftPrefix: String = "l_") -> [String] {
            WindowJoinOperator.validate(
                left: H.leftSchema, right: H.rightSchema, leftKeys: ["key"], rightKeys: ["key"], leftTime: "ts",
                rightTime: "ts", windowSizeMillis: size, slideMillis: slide, leftPrefix: leftPrefix, rightPrefix: "r_")
        }
        #expect(errors(size: 10, slide: nil).isEmpty)
        #expect(errors(size: 0, slide: nil) == ["window size must be positive, got 0 ms"])
        #expect(errors(size: 10, slide: 20) == ["window slide must be in 1...10 ms (the size), got 20 ms"])
        #expect(errors(size: 10, slide: 0) == ["window slide must be in 1...10 ms (the size), got 0 ms"])
        #expect(errors(size: 100_000, slide: 1).count == 1)
        #expect(errors(size: 10, slide: nil, leftPrefix: "r_").count == 2, "r_key and r_ts clash")
        let mismatched = WindowJoinOperator.validate(
            left: H.leftSchema, right: H.rightSchema, leftKeys: ["lv"], rightKeys: ["rv"], leftTime: "ts",
            rightTime: "ts", windowSizeMillis: 10, slideMillis: nil, leftPrefix: "", rightPrefix: "x_",
            outputTimeField: "window_end")
        #expect(mismatched.contains("key fields 'lv' (int) and 'rv' (double) have different types"))
        #expect(mismatched.contains { $0.hasPrefix("output field 'window_end' appears twice") })
    }
}
