import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime
import SluiceTestSupport
import Testing

/// The real operators on generated DAA traffic (disorder, minutes-late events, redelivered
/// duplicates) through the partitioned runtime.
@Suite struct EndToEndTests {
    static let keys = ["agent_id", "metric", "window_start"]

    /// dedupe → metric filter → 10 s tumbling windows per (agent, metric).
    static func run(
        partitions: Int, workers: Int, splits: Int, latenessMillis: Int64, events: Int = 30_000
    ) throws -> (view: [[String: Value]], late: [[String: Value]], duplicates: Int, summary: RunSummary) {
        let flow = Dataflow(name: "metrics")
        let source = try DAAGeneratorSource(
            options: DAAGeneratorOptions(seed: 11, agents: 150, limit: .count(events), splits: splits, batchRows: 512))
        // A redelivery carries the same agent: de-duplicating per (agent, id) keeps the
        // stream partitioned by agent, so the per-agent windows need no exchange.
        let (unique, duplicates) = flow.stream(
            source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 5_000), partitionKey: DAA.partitionKey
        )
        .dedupe(horizonMillis: 600_000, partitionKeys: DAA.partitionKey + ["id"])
        let value = try Expr.compile("value", schema: DAA.schema)
        let (rows, late) = unique.filter(try Expr.compile("type == 'metric'", schema: DAA.schema))
            .keyBy(["agent_id", "metric"])
            .window(.tumbling(sizeMillis: 10_000))
            .aggregate(
                [
                    AggregateSpec("n", .count), AggregateSpec("total", .sum, value), AggregateSpec("low", .min, value),
                    AggregateSpec("high", .max, value), AggregateSpec("mean", .avg, value),
                ], allowedLatenessMillis: latenessMillis)
        let view = MemorySink(name: "view")
        let lateSink = MemorySink(name: "late")
        let duplicateSink = MemorySink(name: "duplicates")
        rows.sink("view", view, mode: .upsert(key: keys))
        late.sink("late", lateSink, mode: .append)
        duplicates.sink("duplicates", duplicateSink, mode: .append)
        var options = RunOptions(workers: workers, partitions: partitions)
        options.epochEveryBatches = 7
        let summary = try Job(flow, options: options).run()
        return (view.upsertedRows, lateSink.rows, duplicateSink.rows.count, summary)
    }

    /// Every generated event, for independent reference computations.
    static func generated(splits: Int, events: Int = 30_000) throws -> [[String: Value]] {
        let source = try DAAGeneratorSource(
            options: DAAGeneratorOptions(seed: 11, agents: 150, limit: .count(events), splits: splits, batchRows: 512))
        var rows: [[String: Value]] = []
        for split in 0..<splits {
            let reader = try source.openSplit(split, resumingAfter: nil)
            while case .data(let batch, _) = try reader.next(maxRows: 512) { rows.append(contentsOf: batch.rows) }
        }
        return rows
    }

    @Test(arguments: [(1, 1), (3, 1), (16, 1), (1, 2), (3, 2), (16, 2)])
    func identicalResultsForAnyPartitionAndWorkerCount(partitions: Int, workers: Int) throws {
        // One split: the watermark follows one deterministic prefix, so even which events
        // are late must not depend on the partitioning.
        let baseline = try Self.run(partitions: 1, workers: 1, splits: 1, latenessMillis: 1_000)
        let other = try Self.run(partitions: partitions, workers: workers, splits: 1, latenessMillis: 1_000)
        #expect(RowMultiset(other.view) == RowMultiset(baseline.view))
        #expect(RowMultiset(other.late) == RowMultiset(baseline.late))
        #expect(other.duplicates == baseline.duplicates)
        #expect(!baseline.late.isEmpty, "the generator's minutes-late events must reach the late output")
        #expect(baseline.duplicates > 0)
    }

    @Test func nothingIsLostEveryEventIsCountedLateOrDuplicate() throws {
        let result = try Self.run(partitions: 4, workers: 2, splits: 2, latenessMillis: 1_000)
        let metrics = try Self.generated(splits: 2).filter { $0["type"] == .string("metric") }
        let counted = result.view.reduce(Int64(0)) { $0 + ($1["n"]?.asInt ?? 0) }
        let lateMetrics = result.late.count
        let uniqueMetrics = Set(metrics.map { $0["id"]! }).count
        #expect(Int(counted) + lateMetrics == uniqueMetrics)
        #expect(result.summary.late == Int64(lateMetrics))
    }

    @Test func withGenerousLatenessTheViewEqualsABruteForceGroupBy() throws {
        let result = try Self.run(partitions: 3, workers: 2, splits: 2, latenessMillis: 3_600_000)
        #expect(result.late.isEmpty)
        var seen = Set<Value>()
        var groups: [String: (n: Int64, total: Double, low: Double, high: Double)] = [:]
        for event in try Self.generated(splits: 2) where event["type"] == .string("metric") {
            guard seen.insert(event["id"]!).inserted else { continue }
            let ts = event["ts"]!.asInt!
            let start = ts - ((ts % 10_000) + 10_000) % 10_000
            let key = "\(event["agent_id"]!.asString!)|\(event["metric"]!.asString!)|\(start)"
            let v = event["value"]!.asDouble!
            var g = groups[key] ?? (0, 0, .infinity, -.infinity)
            g.n += 1
            g.total += v
            g.low = min(g.low, v)
            g.high = max(g.high, v)
            groups[key] = g
        }
        #expect(result.view.count == groups.count)
        for row in result.view {
            let key = "\(row["agent_id"]!.asString!)|\(row["metric"]!.asString!)|\(row["window_start"]!.asInt!)"
            let expected = try #require(groups[key])
            #expect(row["n"] == .int(expected.n))
            #expect(abs(row["total"]!.asDouble! - expected.total) < 1e-6 * max(1, abs(expected.total)))
            #expect(row["low"] == .double(expected.low))
            #expect(row["high"] == .double(expected.high))
            #expect(row["is_final"] == .bool(true))
        }
    }
}
