import SluiceCore
import SluiceOperators

/// SplitMix64: a small seeded generator so randomized tests are reproducible.
struct JoinTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// One input row of a two-sided join test: key, event time, payload.
struct JoinTestRow {
    var key: String?
    var ts: Int64
    var payload: Value
}

/// One thing that happens to an operator: a batch on an input, or a watermark.
enum JoinTestStep {
    case rows(input: Int, Batch)
    case watermark(Int64)
}

/// One emitted row: the port and its values in schema order.
struct JoinTestOutput: Equatable, CustomStringConvertible {
    var port: Int
    var values: [Value]
    var description: String { "\(port): " + values.map(\.description).joined(separator: ", ") }
}

enum JoinTestHarness {
    static let leftSchema = Schema([Field("key", .string), Field("ts", .timestamp), Field("lv", .int64)])
    static let rightSchema = Schema([Field("key", .string), Field("ts", .timestamp), Field("rv", .double)])

    static func rows(of batch: Batch, port: Int) -> [JoinTestOutput] {
        (0..<batch.count).map { row in
            JoinTestOutput(port: port, values: (0..<batch.columns.count).map { batch.value(row: row, column: $0) })
        }
    }

    static func collect(_ out: OperatorOutput) -> [JoinTestOutput] {
        out.batches.flatMap { rows(of: $0.batch, port: $0.port) }
    }

    /// Runs `steps` through `op`, returning everything it emitted, in order.
    static func run(_ op: any StreamOperator, _ steps: ArraySlice<JoinTestStep>) -> [JoinTestOutput] {
        var emitted: [JoinTestOutput] = []
        for step in steps {
            var out = OperatorOutput()
            switch step {
            case .rows(let input, let batch): op.process(batch, input: input, into: &out)
            case .watermark(let w): op.advanceWatermark(to: w, into: &out)
            }
            emitted += collect(out)
        }
        return emitted
    }

    /// A multiset of rows as a sorted list of their descriptions.
    static func multiset(_ rows: [JoinTestOutput]) -> [String] { rows.map(\.description).sorted() }

    static func batch(_ rows: [JoinTestRow], schema: Schema) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [row.key.map(Value.string) ?? .null, .timestamp(row.ts), row.payload])
        }
        return builder.finish()
    }

    /// Random rows: keys from `keys` distinct values (some null), times roughly increasing
    /// by `spacing` per row with jitter.
    static func randomRows(
        count: Int, keys: Int, start: Int64, spacing: Int64, right: Bool, rng: inout JoinTestRandom
    ) -> [JoinTestRow] {
        (0..<count).map { i in
            let key: String? = Int.random(in: 0..<20, using: &rng) == 0 ? nil : "k\(Int.random(in: 0..<keys, using: &rng))"
            let ts = start + Int64(i) * spacing + Int64.random(in: 0...(spacing * 3), using: &rng)
            let payload: Value =
                right
                ? .double(Double(i) + 0.5)
                : (Int.random(in: 0..<10, using: &rng) == 0 ? .null : .int(Int64(i)))
            return JoinTestRow(key: key, ts: ts, payload: payload)
        }
    }

    /// Interleaves both sides' rows in a plausible arrival order (each row delayed by up to
    /// `maxDelay` after its event time), cuts them into single-input batches of random
    /// sizes, and advances the watermark at random points without ever making a row late
    /// (the watermark never passes a row still to arrive). Ends with `EventTime.endOfTime`.
    static func schedule(
        left: [JoinTestRow], right: [JoinTestRow], maxDelay: Int64, rng: inout JoinTestRandom
    ) -> [JoinTestStep] {
        var arrivals: [(arrival: Int64, side: Int, index: Int)] = []
        for (i, row) in left.enumerated() { arrivals.append((row.ts + Int64.random(in: 0...maxDelay, using: &rng), 0, i)) }
        for (i, row) in right.enumerated() { arrivals.append((row.ts + Int64.random(in: 0...maxDelay, using: &rng), 1, i)) }
        arrivals.sort { ($0.arrival, $0.side, $0.index) < ($1.arrival, $1.side, $1.index) }
        let timeOf = { (a: (arrival: Int64, side: Int, index: Int)) in a.side == 0 ? left[a.index].ts : right[a.index].ts }
        var suffixMin = [Int64](repeating: .max, count: arrivals.count + 1)
        for i in stride(from: arrivals.count - 1, through: 0, by: -1) { suffixMin[i] = min(suffixMin[i + 1], timeOf(arrivals[i])) }

        var steps: [JoinTestStep] = []
        var watermark = Int64.min
        var i = 0
        while i < arrivals.count {
            let side = arrivals[i].side
            let limit = Int.random(in: 1...8, using: &rng)
            var taken: [JoinTestRow] = []
            while i < arrivals.count, arrivals[i].side == side, taken.count < limit {
                taken.append(side == 0 ? left[arrivals[i].index] : right[arrivals[i].index])
                i += 1
            }
            steps.append(.rows(input: side, batch(taken, schema: side == 0 ? leftSchema : rightSchema)))
            if i < arrivals.count, Bool.random(using: &rng) {
                let candidate = suffixMin[i] - Int64.random(in: 0...(maxDelay / 2), using: &rng)
                if candidate > watermark {
                    watermark = candidate
                    steps.append(.watermark(candidate))
                }
            }
        }
        steps.append(.watermark(.max))
        return steps
    }

    /// The output rows of running `steps` with a snapshot/restore into `fresh()` after
    /// step `cut`, and whether the restored operator's own snapshot equals the one it
    /// was restored from.
    static func runWithRestore(
        _ original: any StreamOperator, fresh: () -> any StreamOperator, steps: [JoinTestStep], cut: Int
    ) throws -> (rows: [JoinTestOutput], sameSnapshot: Bool, restored: any StreamOperator) {
        var rows = run(original, steps[..<cut])
        var writer = SnapshotWriter()
        original.snapshot(into: &writer)
        let restored = fresh()
        var reader = SnapshotReader(writer.bytes)
        try restored.restore(from: &reader)
        var again = SnapshotWriter()
        restored.snapshot(into: &again)
        rows += run(restored, steps[cut...])
        return (rows, reader.isAtEnd && again.bytes == writer.bytes, restored)
    }
}
