import SluiceTestSupport
import SluiceCore

/// Random batches over a fixed test schema: nulls in every nullable column, int/double
/// extremes, zeros, dictionary-encoded strings with repeated values, timestamps.
enum RandomBatches {
    static let schema = Schema([
        Field("i", .int64), Field("j", .int64), Field("n", .int64, nullable: false),
        Field("x", .double), Field("y", .double),
        Field("s", .string), Field("t", .string, nullable: false),
        Field("b", .bool), Field("c", .bool),
        Field("ts", .timestamp), Field("ts2", .timestamp, nullable: false),
    ])

    static let strings = [
        "", "a", "A", "metric", "Metric", "agent-1", "agent-2", " padded\t", "hello world", "it's", "ÉCOLE",
        "école", "x_y", "123", "-7", " 42 ", "4.5", "1e3", "true", "no", "T", "2024-03-01T10:00:00Z",
        "2024-02-30", "日本語", "aaa", "ab", "ba",
    ]

    static func int(_ rng: inout SplitMix64) -> Int64 {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: rng.pick([Int64.max, Int64.min, Int64.max - 1, Int64.min + 1])
        case 1: 0
        case 2: -1
        case 3: Int64.random(in: -(1 << 40)...(1 << 40), using: &rng)
        case 4: Int64.random(in: -(1 << 62)...(1 << 62), using: &rng)
        default: Int64.random(in: -20...20, using: &rng)
        }
    }

    static func double(_ rng: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: rng.pick([1e300, -1e300, 1e-300, 1.7e308])
        case 1: 0
        case 2: -0.0
        case 3: rng.pick([0.5, 1.5, 2.5, -2.5, -0.5])
        case 4: Double(Int64.random(in: -(1 << 55)...(1 << 55), using: &rng))
        default: Double(Int.random(in: -160...160, using: &rng)) / 8
        }
    }

    static func timestamp(_ rng: inout SplitMix64) -> Int64 {
        let base: Int64 = 1_709_251_200_000  // 2024-03-01T00:00:00Z
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return base + Int64.random(in: -40...40, using: &rng) * 86_400_000  // midnights
        case 1: return Int64.random(in: -2_000_000_000_000...0, using: &rng)  // 1906...1970
        default: return base + Int64.random(in: -400 * 86_400_000...400 * 86_400_000, using: &rng)
        }
    }

    static func row(_ rng: inout SplitMix64, nullRate: Double) -> [Value] {
        func maybe(_ value: Value) -> Value { rng.chance(nullRate) ? .null : value }
        return [
            maybe(.int(int(&rng))), maybe(.int(int(&rng))), .int(int(&rng)),
            maybe(.double(double(&rng))), maybe(.double(double(&rng))),
            maybe(.string(rng.pick(strings))), .string(rng.pick(strings)),
            maybe(.bool(rng.chance(0.5))), maybe(.bool(rng.chance(0.5))),
            maybe(.timestamp(timestamp(&rng))), .timestamp(timestamp(&rng)),
        ]
    }

    /// A batch of `rows` rows. Variants exercise dictionary layouts: 0 plain, 1 a string
    /// dictionary with duplicate and unused entries, 2 a slice of a larger batch (its
    /// dictionary is larger than the rows), 3 no nulls at all.
    static func batch(rows: Int, variant: Int, _ rng: inout SplitMix64) -> Batch {
        let nullRate = variant == 3 ? 0 : 0.15
        let total = variant == 2 ? rows * 4 + 40 : rows
        var builder = BatchBuilder(schema: schema, capacity: total)
        for _ in 0..<total { builder.append(values: row(&rng, nullRate: nullRate)) }
        var batch = builder.finish()
        if variant == 1 {
            for name in ["s", "t"] { batch.setColumn(schema.field(named: name)!, duplicated(batch.column(named: name)!, &rng)) }
        }
        if variant == 2 {
            let start = Int.random(in: 0...(total - rows), using: &rng)
            batch = batch.slice(start..<start + rows)
        }
        return batch
    }

    /// The same strings through a dictionary that lists every entry twice (plus unused
    /// ones), with rows pointing at either copy.
    static func duplicated(_ column: Column, _ rng: inout SplitMix64) -> Column {
        let dictionary = column.dictionary + ["unused-1"] + column.dictionary + ["unused-2"]
        let shift = UInt32(column.dictionary.count + 1)
        let codes = column.codes.map { rng.chance(0.5) ? $0 : $0 + shift }
        return Column(codes: codes, dictionary: dictionary, validity: column.validity)
    }
}
