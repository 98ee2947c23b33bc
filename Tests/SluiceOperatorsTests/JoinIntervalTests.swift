import SluiceCore
import SluiceOperators
import Testing

@Suite("Interval join")
struct JoinIntervalTests {
    typealias H = JoinTestHarness

    static func makeJoin(lower: Int64, upper: Int64, unmatched: Bool) -> IntervalJoinOperator {
        IntervalJoinOperator(
            left: H.leftSchema, right: H.rightSchema, leftKeys: ["key"], rightKeys: ["key"], leftTime: "ts",
            rightTime: "ts", lowerMillis: lower, upperMillis: upper, leftPrefix: "l_", rightPrefix: "r_",
            emitUnmatchedLeft: unmatched)
    }

    /// What the join must produce, by nested loops over all rows (no row is ever late).
    static func reference(left: [JoinTestRow], right: [JoinTestRow], lower: Int64, upper: Int64, unmatched: Bool)
        -> [JoinTestOutput]
    {
        var rows: [JoinTestOutput] = []
        for l in left {
            var matched = false
            for r in right where l.key != nil && l.key == r.key && l.ts + lower <= r.ts && r.ts <= l.ts + upper {
                matched = true
                rows.append(JoinTestOutput(port: 0, values: [
                    .string(l.key!), .timestamp(l.ts), l.payload, .string(r.key!), .timestamp(r.ts), r.payload,
                    .timestamp(max(l.ts, r.ts)),
                ]))
            }
            if unmatched && !matched {
                rows.append(JoinTestOutput(port: 0, values: [
                    l.key.map(Value.string) ?? .null, .timestamp(l.ts), l.payload, .null, .null, .null,
                    .timestamp(l.ts + upper),
                ]))
            }
        }
        return rows
    }

    static let bounds: [(lower: Int64, upper: Int64, unmatched: Bool)] = [
        (-50, 50, true), (0, 100, true), (20, 80, false), (-120, -10, true), (0, 0, true), (-300, 300, false),
    ]

    @Test("matches a nested-loop reference on random inputs", arguments: 0..<bounds.count, [UInt64(7), 4242])
    func randomizedAgainstReference(boundsIndex: Int, seed: UInt64) {
        let (lower, upper, unmatched) = Self.bounds[boundsIndex]
        var rng = JoinTestRandom(seed: seed &+ UInt64(boundsIndex))
        let left = H.randomRows(count: 300, keys: 7, start: 1_000_000, spacing: 10, right: false, rng: &rng)
        let right = H.randomRows(count: 300, keys: 7, start: 1_000_000, spacing: 10, right: true, rng: &rng)
        let steps = H.schedule(left: left, right: right, maxDelay: 60, rng: &rng)
        let join = Self.makeJoin(lower: lower, upper: upper, unmatched: unmatched)
        let actual = H.run(join, steps[...])
        let expected = Self.reference(left: left, right: right, lower: lower, upper: upper, unmatched: unmatched)
        #expect(!expected.isEmpty)
        #expect(H.multiset(actual) == H.multiset(expected))
        #expect(join.counters.rowsOut == Int64(expected.count))
        #expect(join.counters.rowsIn == 600)
        #expect(join.bufferedRows == (0, 0))
        #expect(join.retainedRows == (0, 0))
    }

    @Test("an unmatched left row is emitted once, when the watermark passes its bound")
    func unmatchedLeftExactlyOnce() {
        let join = Self.makeJoin(lower: 0, upper: 100, unmatched: true)
        var out = OperatorOutput()
        join.process(
            H.batch([
                JoinTestRow(key: "a", ts: 1000, payload: .int(1)),  // matched twice below
                JoinTestRow(key: "b", ts: 1000, payload: .int(2)),  // never matched
                JoinTestRow(key: "a", ts: 1050, payload: .int(3)),  // matched once
            ], schema: H.leftSchema), input: 0, into: &out)
        join.process(
            H.batch([
                JoinTestRow(key: "a", ts: 1060, payload: .double(1)),
                JoinTestRow(key: "a", ts: 1100, payload: .double(2)),
                JoinTestRow(key: "b", ts: 1101, payload: .double(3)),  // one past b's bound
            ], schema: H.rightSchema), input: 1, into: &out)
        let pairs = H.collect(out)
        #expect(H.multiset(pairs) == H.multiset([
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(1000), .int(1), .string("a"), .timestamp(1060), .double(1), .timestamp(1060)]),
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(1000), .int(1), .string("a"), .timestamp(1100), .double(2), .timestamp(1100)]),
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(1050), .int(3), .string("a"), .timestamp(1060), .double(1), .timestamp(1060)]),
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(1050), .int(3), .string("a"), .timestamp(1100), .double(2), .timestamp(1100)]),
        ]))

        // At 1100 nothing has run out yet: b's bound is 1000 + 100, inclusive.
        var early = OperatorOutput()
        join.advanceWatermark(to: 1100, into: &early)
        #expect(early.isEmpty)

        var expiry = OperatorOutput()
        join.advanceWatermark(to: 1101, into: &expiry)
        #expect(H.collect(expiry) == [
            JoinTestOutput(port: 0, values: [.string("b"), .timestamp(1000), .int(2), .null, .null, .null, .timestamp(1100)])
        ])
        for w: Int64 in [1200, 5000, .max] {
            var later = OperatorOutput()
            join.advanceWatermark(to: w, into: &later)
            #expect(later.isEmpty, "nothing more at \(w)")
        }
    }

    @Test("buffers shrink as the watermark passes each row's bound")
    func stateIsReleased() {
        let join = Self.makeJoin(lower: -10, upper: 10, unmatched: false)
        var out = OperatorOutput()
        let left = (0..<1000).map { JoinTestRow(key: "k\($0 % 50)", ts: Int64($0), payload: .int(Int64($0))) }
        let right = (0..<1000).map { JoinTestRow(key: "k\($0 % 50)", ts: Int64($0), payload: .double(Double($0))) }
        join.process(H.batch(left, schema: H.leftSchema), input: 0, into: &out)
        join.process(H.batch(right, schema: H.rightSchema), input: 1, into: &out)
        #expect(join.bufferedRows == (1000, 1000))

        // Left rows live until watermark > ts + 10, right rows until watermark > ts + 10.
        join.advanceWatermark(to: 500, into: &out)
        #expect(join.bufferedRows == (510, 510))
        join.advanceWatermark(to: 900, into: &out)
        #expect(join.bufferedRows == (110, 110))
        #expect(join.retainedRows.left < 1000, "dropped rows are compacted away")
        join.advanceWatermark(to: 2000, into: &out)
        #expect(join.bufferedRows == (0, 0))
        #expect(join.retainedRows == (0, 0))
    }

    @Test("a late row still joins what is buffered and is not buffered itself")
    func lateRowsJoinBufferedRows() {
        let join = Self.makeJoin(lower: 0, upper: 100, unmatched: true)
        var out = OperatorOutput()
        join.process(H.batch([JoinTestRow(key: "a", ts: 1000, payload: .int(1))], schema: H.leftSchema), input: 0, into: &out)
        join.advanceWatermark(to: 1090, into: &out)
        #expect(out.isEmpty)

        // Right row at 1050 is behind the watermark (1090) but left@1000 is still buffered.
        join.process(H.batch([JoinTestRow(key: "a", ts: 1050, payload: .double(9))], schema: H.rightSchema), input: 1, into: &out)
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(1000), .int(1), .string("a"), .timestamp(1050), .double(9), .timestamp(1050)])
        ])
        #expect(join.bufferedRows == (1, 0), "r.ts − lower = 1050 < watermark: no future left row can match it")

        // A left row already past its bound on arrival with no partner is emitted at once.
        out.removeAll()
        join.process(H.batch([JoinTestRow(key: "z", ts: 900, payload: .int(2))], schema: H.leftSchema), input: 0, into: &out)
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [.string("z"), .timestamp(900), .int(2), .null, .null, .null, .timestamp(1000)])
        ])
        #expect(join.bufferedRows == (1, 0))
    }

    @Test("rows with null keys or times never join; null left rows are emitted as unmatched")
    func nullKeysAndTimes() {
        let join = Self.makeJoin(lower: -100, upper: 100, unmatched: true)
        var out = OperatorOutput()
        var left = BatchBuilder(schema: H.leftSchema)
        left.append(values: [.null, .timestamp(1000), .int(1)])
        left.append(values: [.string("a"), .null, .int(2)])
        join.process(left.finish(), input: 0, into: &out)
        var right = BatchBuilder(schema: H.rightSchema)
        right.append(values: [.null, .timestamp(1000), .double(1)])
        right.append(values: [.string("a"), .null, .double(2)])
        join.process(right.finish(), input: 1, into: &out)
        #expect(H.multiset(H.collect(out)) == H.multiset([
            JoinTestOutput(port: 0, values: [.null, .timestamp(1000), .int(1), .null, .null, .null, .timestamp(1100)]),
            JoinTestOutput(port: 0, values: [.string("a"), .null, .int(2), .null, .null, .null, .null]),
        ]))
        #expect(join.bufferedRows == (0, 0))
    }

    @Test("buffered string columns keep their values and nulls across batches and compaction")
    func bufferedStrings() {
        let left = Schema([Field("k", .int64), Field("ts", .timestamp), Field("note", .string)])
        let right = Schema([Field("k", .int64), Field("ts", .timestamp), Field("tag", .string)])
        let join = IntervalJoinOperator(
            left: left, right: right, leftKeys: ["k"], rightKeys: ["k"], leftTime: "ts", rightTime: "ts",
            lowerMillis: 0, upperMillis: 1000, leftPrefix: "l_", rightPrefix: "r_", emitUnmatchedLeft: false)
        var out = OperatorOutput()
        // Filler rows that expire, so the survivors go through a compaction.
        let filler = Batch(schema: left, columns: [
            Column(ints: Array(100..<300)), Column(ints: [Int64](repeating: 0, count: 200), type: .timestamp),
            Column(strings: (0..<200).map { "filler-\($0)" }),
        ])
        join.process(filler, input: 0, into: &out)
        join.process(Batch(schema: left, columns: [
            Column(ints: [1, 2, 3]), Column(ints: [2000, 2000, 2000], type: .timestamp),
            Column(strings: ["first", nil, "third"]),
        ]), input: 0, into: &out)
        join.process(Batch(schema: left, columns: [
            Column(ints: [4]), Column(ints: [2000], type: .timestamp), Column.nulls(.string, count: 1),
        ]), input: 0, into: &out)
        join.advanceWatermark(to: 1500, into: &out)
        #expect(join.retainedRows.left == 4, "the 200 expired rows were compacted away")
        join.process(Batch(schema: right, columns: [
            Column(ints: [3, 2, 1, 4]), Column(ints: [2500, 2500, 2500, 2500], type: .timestamp),
            Column.nulls(.string, count: 4),
        ]), input: 1, into: &out)
        let rows = H.collect(out).map { [$0.values[0], $0.values[2], $0.values[5]] }
        #expect(rows == [
            [.int(3), .string("third"), .null], [.int(2), .null, .null], [.int(1), .string("first"), .null],
            [.int(4), .null, .null],
        ])
    }

    @Test("the end of input releases every row, even one whose bound saturates")
    func endOfInputReleasesAll() {
        let join = Self.makeJoin(lower: 0, upper: 100, unmatched: true)
        var out = OperatorOutput()
        join.process(H.batch([JoinTestRow(key: "a", ts: .max - 10, payload: .int(1))], schema: H.leftSchema), input: 0, into: &out)
        join.advanceWatermark(to: .max - 1, into: &out)
        #expect(out.isEmpty)
        join.advanceWatermark(to: .endOfTime, into: &out)
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [.string("a"), .timestamp(.max - 10), .int(1), .null, .null, .null, .timestamp(.max)])
        ])
        #expect(join.retainedRows == (0, 0))
    }

    @Test("multi-field keys join only when every key field is equal")
    func compositeKeys() {
        let left = Schema([Field("agent", .string), Field("n", .int64), Field("ts", .timestamp)])
        let right = Schema([Field("agent_id", .string), Field("step", .int64), Field("at", .timestamp)])
        let join = IntervalJoinOperator(
            left: left, right: right, leftKeys: ["agent", "n"], rightKeys: ["agent_id", "step"], leftTime: "ts",
            rightTime: "at", lowerMillis: 0, upperMillis: 10, leftPrefix: "", rightPrefix: "done_",
            emitUnmatchedLeft: false, outputTimeField: "event_time")
        var out = OperatorOutput()
        var l = BatchBuilder(schema: left)
        l.append(values: [.string("x"), .int(1), .timestamp(100)])
        l.append(values: [.string("x"), .int(2), .timestamp(100)])
        join.process(l.finish(), input: 0, into: &out)
        var r = BatchBuilder(schema: right)
        r.append(values: [.string("x"), .int(2), .timestamp(105)])
        r.append(values: [.string("y"), .int(1), .timestamp(105)])
        join.process(r.finish(), input: 1, into: &out)
        #expect(out.batches.first?.batch.schema.names == ["agent", "n", "ts", "done_agent_id", "done_step", "done_at", "event_time"])
        #expect(H.collect(out) == [
            JoinTestOutput(port: 0, values: [.string("x"), .int(2), .timestamp(100), .string("x"), .int(2), .timestamp(105), .timestamp(105)])
        ])
    }

    @Test("output schema: prefixed fields, right side nullable for the outer join, then ts")
    func outputSchema() {
        let join = Self.makeJoin(lower: 0, upper: 5, unmatched: true)
        let schema = join.outputSchemas[0]
        #expect(schema.names == ["l_key", "l_ts", "l_lv", "r_key", "r_ts", "r_rv", "ts"])
        #expect(schema.fields.map(\.type) == [.string, .timestamp, .int64, .string, .timestamp, .double, .timestamp])
        #expect(schema.fields.map(\.nullable) == [true, true, true, true, true, true, true])
        let strict = Schema([Field("k", .string, nullable: false), Field("ts", .timestamp, nullable: false)])
        let inner = IntervalJoinOperator(
            left: strict, right: strict, leftKeys: ["k"], rightKeys: ["k"], leftTime: "ts", rightTime: "ts",
            lowerMillis: 0, upperMillis: 5, leftPrefix: "a_", rightPrefix: "b_", emitUnmatchedLeft: false)
        #expect(inner.outputSchemas[0].fields.map(\.nullable) == [false, false, false, false, false])
    }

    @Test("validate reports each problem")
    func validation() {
        let l = H.leftSchema
        let r = Schema([Field("key", .int64), Field("ts", .double)])
        let errors = IntervalJoinOperator.validate(
            left: l, right: r, leftKeys: ["key", "nope"], rightKeys: ["key"], leftTime: "missing", rightTime: "ts",
            lowerMillis: 10, upperMillis: 5, leftPrefix: "", rightPrefix: "", emitUnmatchedLeft: true)
        #expect(errors.contains("left has 2 key fields, right has 1"))
        #expect(errors.contains("unknown left key field 'nope'"))
        #expect(errors.contains("key fields 'key' (string) and 'key' (int) have different types"))
        #expect(errors.contains("unknown left time field 'missing'"))
        #expect(errors.contains("right time field 'ts' is double, expected timestamp or int"))
        #expect(errors.contains("interval lower bound 10 ms is above the upper bound 5 ms"))
        #expect(errors.contains { $0.hasPrefix("output field 'key' appears twice") })
        #expect(errors.contains { $0.hasPrefix("output field 'ts' appears twice") })
        #expect(IntervalJoinOperator.validate(
            left: l, right: H.rightSchema, leftKeys: ["key"], rightKeys: ["key"], leftTime: "ts", rightTime: "ts",
            lowerMillis: -5, upperMillis: 5, leftPrefix: "started_", rightPrefix: "done_", emitUnmatchedLeft: true
        ).isEmpty)
        #expect(IntervalJoinOperator.validate(
            left: l, right: H.rightSchema, leftKeys: [], rightKeys: [], leftTime: "ts", rightTime: "ts",
            lowerMillis: 0, upperMillis: 5, leftPrefix: "a_", rightPrefix: "b_", emitUnmatchedLeft: false
        ) == ["a join needs at least one key field"])
    }
}
