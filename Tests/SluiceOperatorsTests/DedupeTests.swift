import SluiceCore
import SluiceOperators
import Testing

@Suite("De-duplication")
struct DedupeTests {
    static let schema = Schema([Field("id", .string), Field("ts", .timestamp), Field("n", .int64)])

    static func batch(_ rows: [(id: String?, ts: Int64?, n: Int64)]) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [row.id.map(Value.string) ?? .null, row.ts.map(Value.timestamp) ?? .null, .int(row.n)])
        }
        return builder.finish()
    }

    static func make(horizon: Int64 = 1000) -> DedupeOperator {
        DedupeOperator(schema: schema, idField: "id", timeField: "ts", horizonMillis: horizon)
    }

    /// The `n` values sent to each port.
    static func ports(_ out: OperatorOutput) -> (firsts: [Int64], duplicates: [Int64]) {
        var firsts: [Int64] = []
        var duplicates: [Int64] = []
        for (port, batch) in out.batches {
            let values = batch.column(named: "n")!.ints
            if port == 0 { firsts += values } else { duplicates += values }
        }
        return (firsts, duplicates)
    }

    @Test("redeliveries inside the horizon go to port 1 and are counted")
    func duplicatesInsideHorizon() {
        let dedupe = Self.make()
        var out = OperatorOutput()
        dedupe.process(Self.batch([("e-1", 10_000, 1), ("e-2", 10_001, 2), ("e-1", 10_000, 3)]), input: 0, into: &out)
        dedupe.advanceWatermark(to: 10_500, into: &out)
        dedupe.process(Self.batch([("e-2", 10_001, 4), ("e-3", 10_400, 5), ("e-1", 10_000, 6)]), input: 0, into: &out)
        let (firsts, duplicates) = Self.ports(out)
        #expect(firsts == [1, 2, 5])
        #expect(duplicates == [3, 4, 6])
        #expect(dedupe.counters.duplicates == 3)
        #expect(dedupe.counters.rowsOut == 3)
        #expect(dedupe.counters.rowsIn == 6)
        #expect(out.batches.allSatisfy { $0.batch.schema == Self.schema })
    }

    @Test("an id is remembered for the horizon behind the watermark, forgotten one bucket later")
    func horizonBoundary() {
        // horizon 1000 ms, buckets of 250 ms: e-1 at 10_000 lives in bucket [10_000, 10_250).
        let dedupe = Self.make()
        var out = OperatorOutput()
        dedupe.process(Self.batch([("e-1", 10_000, 1)]), input: 0, into: &out)
        dedupe.advanceWatermark(to: 11_000, into: &out)  // exactly the horizon behind: still known
        dedupe.process(Self.batch([("e-1", 10_000, 2)]), input: 0, into: &out)
        dedupe.advanceWatermark(to: 11_249, into: &out)  // bucket not yet wholly older than 10_249
        dedupe.process(Self.batch([("e-1", 10_000, 3)]), input: 0, into: &out)
        #expect(dedupe.rememberedIds == 1)
        dedupe.advanceWatermark(to: 11_250, into: &out)  // [10_000, 10_250) is now older than 10_250
        #expect(dedupe.rememberedIds == 0)
        dedupe.process(Self.batch([("e-1", 10_000, 4), ("e-1", 10_000, 5)]), input: 0, into: &out)
        let (firsts, duplicates) = Self.ports(out)
        // Outside the horizon the id passes again; an event already behind the horizon is
        // not remembered, so its redelivery in the same batch passes too.
        #expect(firsts == [1, 4, 5])
        #expect(duplicates == [2, 3])
        #expect(dedupe.rememberedIds == 0)
    }

    @Test("a redelivery with a later event time is still recognised while the first is remembered")
    func laterRedelivery() {
        let dedupe = Self.make()
        var out = OperatorOutput()
        dedupe.process(Self.batch([("e-1", 10_000, 1)]), input: 0, into: &out)
        dedupe.process(Self.batch([("e-1", 10_900, 2)]), input: 0, into: &out)
        #expect(Self.ports(out).duplicates == [2])
    }

    @Test("rows with a null id or time pass and are not remembered")
    func nulls() {
        let dedupe = Self.make()
        var out = OperatorOutput()
        dedupe.process(Self.batch([(nil, 5, 1), (nil, 5, 2), ("a", nil, 3), ("a", nil, 4), ("a", 5, 5)]), input: 0, into: &out)
        #expect(Self.ports(out).firsts == [1, 2, 3, 4, 5])
        #expect(dedupe.rememberedIds == 1)
    }

    @Test("integer ids are compared exactly")
    func integerIds() {
        let schema = Schema([Field("seq", .int64), Field("ts", .timestamp)])
        let dedupe = DedupeOperator(schema: schema, idField: "seq", timeField: "ts", horizonMillis: 100)
        var out = OperatorOutput()
        let batch = Batch(schema: schema, columns: [
            Column(ints: [0, 1, -1, 0, Int64.min, Int64.min, 1]), Column(ints: [5, 5, 5, 5, 5, 5, 5], type: .timestamp),
        ])
        dedupe.process(batch, input: 0, into: &out)
        #expect(out.batches.map { $0.batch.column(named: "seq")!.ints } == [[0, 1, -1, Int64.min], [0, Int64.min, 1]])
    }

    @Test("memory stays bounded: ids leave as the watermark moves on")
    func memoryIsBounded() {
        let dedupe = Self.make(horizon: 100)
        var out = OperatorOutput()
        var peak = 0
        for step in 0..<100 {
            let base = Int64(step) * 50
            let rows = (0..<50).map { i in (id: Optional("id-\(step)-\(i)"), ts: Optional(base + Int64(i)), n: Int64(i)) }
            dedupe.process(Self.batch(rows), input: 0, into: &out)
            dedupe.advanceWatermark(to: base + 50, into: &out)
            peak = max(peak, dedupe.storedIds)
            // Remembered: at most horizon + one bucket (125 ms) of 1-per-ms ids.
            #expect(dedupe.rememberedIds <= 125)
        }
        #expect(peak <= 2 * 125 + 64, "forgotten ids are compacted away")
        dedupe.advanceWatermark(to: .max, into: &out)
        #expect(dedupe.rememberedIds == 0)
        #expect(dedupe.storedIds == 0)
    }

    @Test("matches a reference model on random redeliveries", arguments: [UInt64(1), 17, 123])
    func randomizedAgainstModel(seed: UInt64) {
        var rng = JoinTestRandom(seed: seed)
        let horizon: Int64 = 400
        let dedupe = Self.make(horizon: horizon)
        // Model: an id is a duplicate while an earlier passed event with that id is within
        // `horizon` of the watermark, counting its whole 100 ms bucket.
        var remembered: [String: Int64] = [:]
        var watermark = Int64.min
        var expectedFirsts: [Int64] = []
        var expectedDuplicates: [Int64] = []
        var out = OperatorOutput()
        var n: Int64 = 0
        var published: [(String, Int64)] = []
        for step in 0..<300 {
            var rows: [(id: String?, ts: Int64?, n: Int64)] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let event: (String, Int64)
                if !published.isEmpty, Int.random(in: 0..<3, using: &rng) == 0 {
                    event = published[Int.random(in: max(0, published.count - 200)..<published.count, using: &rng)]
                } else {
                    event = ("evt-\(published.count)", Int64(step) * 10 + Int64.random(in: 0..<30, using: &rng))
                    published.append(event)
                }
                n += 1
                rows.append((event.0, event.1, n))
                let bucket = Int64((Double(event.1) / 100).rounded(.down))
                let firstLive = watermark == .min ? Int64.min : Int64((Double(watermark - horizon) / 100).rounded(.down))
                if let seen = remembered[event.0], seen >= firstLive {
                    expectedDuplicates.append(n)
                } else {
                    remembered[event.0] = bucket
                    expectedFirsts.append(n)
                }
            }
            dedupe.process(Self.batch(rows), input: 0, into: &out)
            if Bool.random(using: &rng) {
                watermark = max(watermark, Int64(step) * 10 - 20)
                dedupe.advanceWatermark(to: watermark, into: &out)
            }
        }
        let (firsts, duplicates) = Self.ports(out)
        #expect(firsts == expectedFirsts)
        #expect(duplicates == expectedDuplicates)
        #expect(expectedDuplicates.count > 100)
        #expect(dedupe.counters.duplicates == Int64(expectedDuplicates.count))
    }

    @Test("fingerprints of distinct ids differ in both halves")
    func noCollisionsInPractice() {
        let dedupe = Self.make(horizon: 1_000_000)
        var out = OperatorOutput()
        let rows = (0..<20_000).map { i in (id: Optional("agent-\(i % 97)-evt-\(i)"), ts: Optional(Int64(i)), n: Int64(i)) }
        dedupe.process(Self.batch(rows), input: 0, into: &out)
        #expect(dedupe.counters.duplicates == 0)
        #expect(dedupe.rememberedIds == 20_000)
    }

    @Test("validate reports each problem")
    func validation() {
        #expect(DedupeOperator.validate(schema: Self.schema, idField: "id", timeField: "ts", horizonMillis: 1).isEmpty)
        #expect(DedupeOperator.validate(schema: Self.schema, idField: "n", timeField: "ts", horizonMillis: 5).isEmpty)
        let errors = DedupeOperator.validate(schema: Self.schema, idField: "nope", timeField: "id", horizonMillis: 0)
        #expect(errors == [
            "unknown de-duplication id field 'nope'",
            "de-duplication time field 'id' is string, expected timestamp or int",
            "de-duplication horizon must be positive, got 0 ms",
        ])
        let doubles = Schema([Field("x", .double), Field("ts", .timestamp)])
        #expect(DedupeOperator.validate(schema: doubles, idField: "x", timeField: "ts", horizonMillis: 5) == [
            "de-duplication id field 'x' is double, expected string or int"
        ])
    }
}
