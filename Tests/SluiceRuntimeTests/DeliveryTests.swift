import Foundation
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime
import SluiceTestSupport
import Synchronization
import Testing

/// Exactly-once effect under crashes at random moments, read off the evidence: the
/// acknowledgement log, the committed rows and the saved checkpoints.
@Suite(.serialized) struct DeliveryTests {
    static let schema = Schema([
        Field("id", .string, nullable: false), Field("agent_id", .string, nullable: false),
        Field("value", .double, nullable: false), Field("ts", .timestamp, nullable: false),
    ])

    /// Two splits of metric-like events with re-delivered ids (1 in 20) and disorder.
    static let splits: [[Batch]] = (0..<2).map { split in
        var random = SplitMix64(seed: 40 + UInt64(split))
        var t: Int64 = 1_764_000_000_000
        var recent: [[Value]] = []
        return (0..<60).map { b in
            var builder = BatchBuilder(schema: schema)
            for r in 0..<100 {
                t += 3
                if random.next() % 20 == 0, let again = recent.randomElement(using: &random) {
                    builder.append(values: again)
                    continue
                }
                let row: [Value] = [
                    .string("s\(split)-\(b)-\(r)"), .string("agent-\(random.next() % 17)"),
                    .double(Double(random.next() % 1000) / 10), .timestamp(t - Int64(random.next() % 400)),
                ]
                recent = Array((recent + [row]).suffix(50))
                builder.append(values: row)
            }
            return builder.finish()
        }
    }

    struct Outputs {
        let database: MemoryDatabase
        let plainView: ViewSink
        let source: BatchListSource
    }

    /// dedupe → key by agent → 200 ms windows (count, sum) into a group view; duplicates
    /// and late rows into group append tables; the same results into a view that commits
    /// by itself (the case of a sink outside the checkpoint's transaction).
    static func flow(_ outputs: Outputs) throws -> Dataflow {
        let flow = Dataflow(name: "delivery")
        let value = try Expr.compile("value", schema: schema)
        let (unique, duplicates) = flow.stream(outputs.source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 300))
            .dedupe(horizonMillis: 60_000)
        let (rows, late) = unique.keyBy(["agent_id"]).window(.tumbling(sizeMillis: 200))
            .aggregate([AggregateSpec("n", .count), AggregateSpec("total", .sum, value)], allowedLatenessMillis: 100)
        let key = ["agent_id", "window_start"]
        rows.sink("view", outputs.database.table("view"), mode: .upsert(key: key))
        rows.sink("plain", outputs.plainView, mode: .upsert(key: key))
        duplicates.sink("duplicates", outputs.database.table("duplicates"), mode: .append)
        late.sink("late", outputs.database.table("late"), mode: .append)
        return flow
    }

    static func newOutputs(_ database: MemoryDatabase, plain: ViewSink) -> Outputs {
        Outputs(
            database: database, plainView: plain,
            source: BatchListSource(name: "events", schema: schema, splits: splits))
    }

    static func options(_ database: MemoryDatabase) -> RunOptions {
        var options = RunOptions(workers: 2, partitions: 3)
        options.epochEveryBatches = 3
        options.maxSplitDriftMillis = nil
        options.checkpointStore = database
        return options
    }

    static func rowsKey(_ rows: [[String: Value]]) -> [String] {
        rows.map { row in row.keys.sorted().map { "\($0)=\(row[$0]!)" }.joined(separator: ",") }.sorted()
    }

    /// Keys whose rows differ (sums compared to 1e-6), at most a few, for the report.
    static func differences(_ a: [[Value]: [String: Value]], _ b: [[Value]: [String: Value]]) -> [String] {
        var found: [String] = []
        for key in Set(a.keys).union(b.keys) {
            guard let x = a[key], let y = b[key] else {
                found.append("\(key): only in \(a[key] == nil ? "expected" : "actual")")
                continue
            }
            let same = x.keys.sorted() == y.keys.sorted() && x.keys.allSatisfy { field in
                if let p = x[field]?.asDouble, let q = y[field]?.asDouble, case .double = x[field]! { return abs(p - q) < 1e-6 }
                return x[field] == y[field]
            }
            if !same { found.append("\(key): \(x) vs \(y)") }
        }
        return Array(found.sorted().prefix(5))
    }

    @Test(.timeLimit(.minutes(5)), arguments: [1, 2, 3])
    func crashesAtRandomMomentsLeaveTheUninterruptedResult(seed: UInt64) throws {
        let reference = MemoryDatabase()
        let referencePlain = ViewSink(name: "plain")
        let summary = try Job(Self.flow(Self.newOutputs(reference, plain: referencePlain)), options: Self.options(reference)).run()
        #expect(summary.outcome == .completed)
        #expect(!reference.view("view").isEmpty && !reference.appended("duplicates").isEmpty)

        let database = MemoryDatabase()
        let plain = ViewSink(name: "plain")
        var random = SplitMix64(seed: seed)
        var crashes = 0
        for attempt in 0..<12 {
            let outputs = Self.newOutputs(database, plain: plain)
            var options = Self.options(database)
            options.restoreFrom = try database.latest(pipeline: "delivery")
            let box = JobBox()
            let crashEpoch = (options.restoreFrom?.epoch.value ?? 0) + 1 + random.next() % 4
            // Three crashes at chosen epochs first, then crashes at arbitrary moments.
            let crash: UInt64 = crashes < 3 ? random.next() % 2 : (attempt < 10 ? 2 : 9)
            switch crash {
            case 0:
                // After a checkpoint is durable, before the next.
                options.onEpochComplete = { epoch in if epoch.value >= crashEpoch { box.job?.abort() } }
            case 1:
                // Between the sinks' commit (the plain view's) and the checkpoint's save.
                database.beforeSave.withLock { hook in
                    hook = { epoch in
                        guard epoch.value >= crashEpoch else { return true }
                        box.job?.abort()
                        return false
                    }
                }
            case 2:
                // At an arbitrary moment.
                let delay = Int(random.next() % 2_500)
                DispatchQueue.global().asyncAfter(deadline: .now() + .microseconds(delay)) { box.job?.abort() }
            default:
                break
            }
            let job = try Job(Self.flow(outputs), options: options)
            box.job = job
            let outcome = try job.run().outcome
            database.beforeSave.withLock { $0 = nil }
            // No acknowledged position is past the last durable checkpoint.
            let latest = try database.latest(pipeline: "delivery")
            for acked in outputs.source.acknowledged.all {
                let durable = latest?.positions.first { $0.source == acked.source && $0.split == acked.split }
                #expect(durable != nil && acked.offset <= durable!.offset, "acknowledged \(acked) past \(String(describing: latest?.positions))")
            }
            if outcome == .completed { break }
            crashes += 1
        }
        #expect(crashes >= 3)
        // Sums may differ in the last bits: two splits interleave differently each run.
        #expect(Self.differences(database.view("view"), reference.view("view")) == [])
        #expect(Self.differences(plain.view, referencePlain.view) == [])
        let (got, want) = (Self.rowsKey(database.appended("duplicates")), Self.rowsKey(reference.appended("duplicates")))
        #expect(got == want, "duplicates: \(got.count) vs \(want.count); extra \(Array(Set(got).subtracting(want)).prefix(3)); missing \(Array(Set(want).subtracting(got)).prefix(3))")
        #expect(Self.rowsKey(database.appended("late")) == Self.rowsKey(reference.appended("late")))
    }
}
