import SluiceCore
import Testing

@testable import SluiceOperators

/// A small seeded generator so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// One input row of the test schema.
struct Event: Sendable {
    var agent: String
    var metric: String = "m"
    var ts: Int64?
    var value: Double? = nil
    var n: Int64? = nil
    var label: String? = nil
    var flag: Bool? = nil
}

/// The schema the window tests feed: string keys, event time, and nullable arguments of
/// every type.
enum TestInput {
    static let schema = Schema([
        Field("agent", .string, nullable: false),
        Field("metric", .string, nullable: false),
        Field("ts", .timestamp),
        Field("value", .double),
        Field("n", .int64),
        Field("label", .string),
        Field("flag", .bool),
    ])

    static func column(_ name: String) -> ColumnRef { ColumnRef(name, in: schema) }

    static func batch(_ events: [Event]) -> Batch {
        var builder = BatchBuilder(schema: schema, capacity: events.count)
        for e in events {
            builder.append(values: [
                .string(e.agent), .string(e.metric), e.ts.map { .timestamp($0) } ?? .null,
                e.value.map { .double($0) } ?? .null, e.n.map { .int($0) } ?? .null,
                e.label.map { .string($0) } ?? .null, e.flag.map { .bool($0) } ?? .null,
            ])
        }
        return builder.finish()
    }

    /// Random events over `agents` × `metrics` keys with event times in
    /// `[t0, t0 + span)`, arriving in a shuffled-by-up-to-`disorder` order.
    static func randomEvents(
        count: Int, agents: Int, metrics: Int = 2, t0: Int64 = 0, span: Int64, nullRate: Double = 0.1,
        rng: inout SplitMix64
    ) -> [Event] {
        let labels = ["convergent", "divergent", "lateral", "systems", "critical", "adaptive", "ä", ""]
        var events: [Event] = []
        events.reserveCapacity(count)
        for _ in 0..<count {
            let nullable = { (r: inout SplitMix64) in Double.random(in: 0..<1, using: &r) < nullRate }
            var e = Event(
                agent: "agent-\(Int.random(in: 0..<agents, using: &rng))",
                metric: "metric-\(Int.random(in: 0..<metrics, using: &rng))",
                ts: t0 + Int64.random(in: 0..<span, using: &rng))
            if !nullable(&rng) { e.value = (Double.random(in: -500..<1500, using: &rng) * 100).rounded() / 100 }
            if !nullable(&rng) { e.n = Int64.random(in: -1000..<1000, using: &rng) }
            if !nullable(&rng) { e.label = labels[Int.random(in: 0..<labels.count, using: &rng)] }
            if !nullable(&rng) { e.flag = Bool.random(using: &rng) }
            events.append(e)
        }
        return events
    }
}

/// What to feed an operator, in order.
enum Step: Sendable {
    case rows([Event])
    case batch(Batch)
    case watermark(Int64)
    case tick(Int64)
}

/// Everything an operator emitted.
struct Recording {
    /// Port 0 rows (retraction batches excluded).
    var main: [Batch] = []
    var late: [Batch] = []
    /// Port 0 retraction batches.
    var retractions: [Batch] = []
    /// Every port 0 batch, rows and retractions, in emission order.
    var changes: [Batch] = []

    var mainRows: [[String: Value]] { main.flatMap(\.rows) }
    var lateRows: [[String: Value]] { late.flatMap(\.rows) }
    var retractedRows: [[String: Value]] { retractions.flatMap(\.rows) }

    mutating func record(_ out: OperatorOutput) {
        for (port, batch) in out.batches {
            if port == 0 {
                changes.append(batch)
                if batch.isRetraction { retractions.append(batch) } else { main.append(batch) }
            } else {
                late.append(batch)
            }
        }
    }

    /// The view an upsert sink keyed by `identity` holds after applying port 0 in order:
    /// rows upserted, retractions deleted (the `Sink` law).
    func view(identity: [String]) -> [String: [String: Value]] {
        var view: [String: [String: Value]] = [:]
        for batch in changes {
            for row in batch.rows {
                let key = identity.map { "\(row[$0] ?? .null)" }.joined(separator: "|")
                if batch.isRetraction { view[key] = nil } else { view[key] = row }
            }
        }
        return view
    }
}

extension KeyedAggregateOperator {
    /// Feeds `steps` and returns what came out.
    func run(_ steps: [Step]) -> Recording {
        var recording = Recording()
        for step in steps {
            var out = OperatorOutput()
            switch step {
            case .rows(let events): process(TestInput.batch(events), input: 0, into: &out)
            case .batch(let batch): process(batch, input: 0, into: &out)
            case .watermark(let t): advanceWatermark(to: t, into: &out)
            case .tick(let now): tick(nowMillis: now, into: &out)
            }
            recording.record(out)
        }
        return recording
    }

    /// Snapshot bytes of the current state.
    var snapshotBytes: [UInt8] {
        var writer = SnapshotWriter()
        snapshot(into: &writer)
        return writer.bytes
    }
}

/// A row rendered as text in schema order, for order-sensitive comparisons.
func render(_ batch: Batch) -> [String] {
    (0..<batch.count).map { r in
        batch.schema.fields.enumerated().map { i, f in "\(f.name)=\(batch.value(row: r, column: i))" }.joined(
            separator: " ")
    }
}

func render(_ batches: [Batch]) -> [String] { batches.flatMap(render) }

/// The view a sink would hold after upserting `rows` by `identity` columns.
func upsertView(_ rows: [[String: Value]], identity: [String]) -> [String: [String: Value]] {
    var view: [String: [String: Value]] = [:]
    for row in rows { view[identity.map { "\(row[$0] ?? .null)" }.joined(separator: "|")] = row }
    return view
}

/// The row of a view whose identity columns have these values.
func viewKey(_ values: Value...) -> String { values.map { "\($0)" }.joined(separator: "|") }

/// Snapshots `original` (already fed `steps[..<cut]`) and restores it into `restored`, a
/// fresh operator of the same spec; then both must continue step for step exactly like
/// `expected` (one recording per step of an uninterrupted run).
func expectRestoreContinues(
    _ original: KeyedAggregateOperator, into restored: KeyedAggregateOperator, steps: [Step], cut: Int,
    expected: [Recording]
) throws {
    let bytes = original.snapshotBytes
    var reader = SnapshotReader(bytes)
    try restored.restore(from: &reader)
    #expect(reader.isAtEnd)
    // Deterministic bytes: the restored state writes exactly the same snapshot.
    #expect(restored.snapshotBytes == bytes)
    for (i, step) in steps[cut...].enumerated() {
        let got = restored.run([step])
        #expect(render(got.main) == render(expected[cut + i].main), "cut \(cut), step \(cut + i)")
        #expect(render(got.late) == render(expected[cut + i].late), "cut \(cut), step \(cut + i)")
        #expect(
            render(got.retractions) == render(expected[cut + i].retractions), "cut \(cut), step \(cut + i)")
    }
    // Taking a snapshot does not disturb the original either.
    let continued = steps[cut...].map { original.run([$0]) }
    #expect(render(continued.flatMap(\.main)) == render(expected[cut...].flatMap(\.main)))
}

/// The snapshot tests' operator: every window engine (and none, a fold) over every
/// aggregate, so both the column path of table snapshots and sessions' per-slot path run.
enum SnapshotSubject {
    static let modes: [WindowSpec?] = [
        .tumbling(sizeMillis: 5_000), .sliding(sizeMillis: 6_000, slideMillis: 2_000), .session(gapMillis: 300), nil,
    ]

    static func make(_ window: WindowSpec?) -> KeyedAggregateOperator {
        KeyedAggregateOperator(
            inputSchema: TestInput.schema, keys: ["agent", "metric"], timeField: "ts", window: window,
            aggregates: AggregateReference.specs.map(\.spec), allowedLatenessMillis: window == nil ? 0 : 1_500,
            partialEveryMillis: window == nil ? nil : 1_000)
    }
}
