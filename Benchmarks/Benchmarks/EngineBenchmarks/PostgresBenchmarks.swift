import BenchSupport
import Benchmark
import Foundation
import SluiceConnectors
import SluiceCore
import SluicePostgres

// PostgreSQL views, beside a hand-written libpq loop doing the same writes (the raw limit),
// against the server in SLUICE_BENCH_PG_URL (or the test stack's SLUICE_TEST_PG_URL):
//   `PG view upsert 100k`: one epoch of 100,000 agent-metrics rows through a view sink
//     (COPY into a staging table, INSERT … ON CONFLICT DO UPDATE) and its commit group
//     (checkpoint in the same transaction), beside COPY → temp table → INSERT … ON CONFLICT
//     of the same rows by hand; every iteration rewrites existing rows (the update path).
//   `PG view append 100k`: the same rows as final rows of closed windows (append: COPY
//     straight into the view, plus the checkpoint), beside a bare COPY of the same rows.
// Both sides encode the rows from memory inside their timing. Skipped without a server.

private let pgRows = 100_000
private let metricNames = ["cpu", "memory", "latency_ms", "errors", "tokens", "queue_depth", "success_rate", "reward"]

/// The agent-metrics view's rows, column by column.
private struct MetricRows {
    var agents: [String] = []
    var metrics: [String] = []
    var windowStarts: [Int64] = []
    var samples: [Int64] = []
    var values: [Double] = []

    init(count: Int) {
        for i in 0..<count {
            agents.append("agent-\(String(1_000_000 + i / metricNames.count).dropFirst())")
            metrics.append(metricNames[i % metricNames.count])
            windowStarts.append(1_767_225_600_000)
            samples.append(Int64(i % 97 + 1))
            values.append(Double(i % 1013) / 7)
        }
    }

    static let schema = Schema([
        Field("agent_id", .string), Field("metric", .string), Field("window_start", .timestamp),
        Field("samples", .int64), Field("total", .double), Field("low", .double), Field("high", .double),
        Field("mean", .double), Field("p95", .double),
    ])

    func batches(shift: Double) -> [Batch] {
        var batches: [Batch] = []
        var builder = BatchBuilder(schema: Self.schema, capacity: 4096)
        for i in 0..<agents.count {
            let v = values[i] + shift
            builder.append(values: [
                .string(agents[i]), .string(metrics[i]), .timestamp(windowStarts[i]), .int(samples[i]), .double(v * 3),
                .double(v), .double(v * 2), .double(v * 1.5), .double(v * 1.9),
            ])
            if builder.count == 4096 {
                batches.append(builder.finish())
                builder = BatchBuilder(schema: Self.schema, capacity: 4096)
            }
        }
        if builder.count > 0 { batches.append(builder.finish()) }
        return batches
    }

    /// COPY text of every row, written by hand.
    func copyText(shift: Double) -> [UInt8] {
        var text = ""
        text.reserveCapacity(agents.count * 120)
        for i in 0..<agents.count {
            let v = values[i] + shift
            text += agents[i] + "\t" + metrics[i] + "\t" + PostgresText.timestamp(millis: windowStarts[i]) + "\t"
            text += "\(samples[i])\t\(v * 3)\t\(v)\t\(v * 2)\t\(v * 1.5)\t\(v * 1.9)\n"
        }
        return Array(text.utf8)
    }
}

func registerPostgresBenchmarks() {
    let environment = ProcessInfo.processInfo.environment
    guard let url = environment["SLUICE_BENCH_PG_URL"] ?? environment["SLUICE_TEST_PG_URL"] else {
        print("PostgreSQL benchmarks skipped: set SLUICE_BENCH_PG_URL (or start ops/test-stack.sh and source its env)")
        return
    }
    let rowMetrics: [BenchmarkMetric] = [
        .wallClock, .cpuTotal,
        .custom("engine_krows_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("raw_krows_s", polarity: .prefersLarger, useScalingFactor: false),
        .custom("ratio_pct", polarity: .prefersLarger, useScalingFactor: false),
    ]
    registerPostgresCheckpointBenchmark(url: url)
    for upsert in [true, false] {
        let name = upsert ? "PG view upsert 100k" : "PG view append 100k"
        Benchmark(name, configuration: .init(metrics: rowMetrics, maxIterations: 5)) { benchmark in
            try runPostgres(benchmark, url: url, upsert: upsert)
        }
    }
}

private func runPostgres(_ benchmark: Benchmark, url: String, upsert: Bool) throws {
    let rows = MetricRows(count: pgRows)
    let namespace = "sluice_bench_\(UInt32.random(in: 0 ... .max))"
    let configuration = PostgresConfiguration(uri: url)
    let admin = try PostgresConnection.connect(configuration)
    try admin.execute("CREATE SCHEMA \(namespace)")
    defer { _ = try? admin.execute("DROP SCHEMA \(namespace) CASCADE") }
    let group = PostgresCommitGroup(configuration: configuration, namespace: namespace, owner: "bench")
    let sink = group.viewSink(name: "view", view: "engine_metrics")
    let key = ["agent_id", "metric", "window_start"]
    try sink.open(schema: MetricRows.schema, mode: upsert ? .upsert(key: key) : .append)
    let raw = try PostgresConnection.connect(configuration)
    try raw.execute(
        """
        CREATE TABLE \(namespace).raw_metrics (agent_id text NOT NULL, metric text NOT NULL, window_start timestamptz NOT NULL,
            samples bigint, total double precision, low double precision, high double precision, mean double precision,
            p95 double precision\(upsert ? ", PRIMARY KEY (agent_id, metric, window_start)" : ""))
        """)
    let columns = "agent_id, metric, window_start, samples, total, low, high, mean, p95"
    var epoch: UInt64 = 0
    func engineEpoch(shift: Double) throws -> Duration {
        epoch += 1
        let batches = rows.batches(shift: shift)
        let start = ContinuousClock.now
        for batch in batches { try sink.write(batch) }
        try sink.prepare(epoch: Epoch(epoch))
        try group.save(
            Checkpoint(epoch: Epoch(epoch), partitions: 1, positions: [SourcePosition(source: "s", split: 0, offset: Int64(epoch))], states: [:]),
            pipeline: "bench")
        return ContinuousClock.now - start
    }
    func rawEpoch(shift: Double) throws -> Duration {
        let start = ContinuousClock.now
        let text = rows.copyText(shift: shift)
        try raw.transaction { tx in
            if upsert {
                try tx.execute("CREATE TEMP TABLE IF NOT EXISTS raw_stage (LIKE \(namespace).raw_metrics) ON COMMIT DELETE ROWS")
                try tx.copyIn("COPY raw_stage (\(columns)) FROM STDIN", data: text)
                try tx.execute(
                    """
                    INSERT INTO \(namespace).raw_metrics SELECT * FROM raw_stage ON CONFLICT (agent_id, metric, window_start)
                    DO UPDATE SET samples = EXCLUDED.samples, total = EXCLUDED.total, low = EXCLUDED.low,
                        high = EXCLUDED.high, mean = EXCLUDED.mean, p95 = EXCLUDED.p95
                    """)
            } else {
                try tx.copyIn("COPY \(namespace).raw_metrics (\(columns)) FROM STDIN", data: text)
            }
        }
        return ContinuousClock.now - start
    }
    // The first epoch inserts; the measured ones update (upsert) or append more rows.
    _ = try engineEpoch(shift: 0)
    _ = try rawEpoch(shift: 0)
    benchmark.startMeasurement()
    for iteration in benchmark.scaledIterations {
        let shift = Double(iteration + 1)
        // Alternate which side goes first: the VM's speed drifts.
        let (engine, rawTime): (Duration, Duration)
        if iteration % 2 == 0 {
            engine = try engineEpoch(shift: shift)
            rawTime = try rawEpoch(shift: shift)
        } else {
            rawTime = try rawEpoch(shift: shift)
            engine = try engineEpoch(shift: shift)
        }
        let engineRate = Double(pgRows) / seconds(engine)
        let rawRate = Double(pgRows) / seconds(rawTime)
        benchmark.measurement(.custom("engine_krows_s"), Int(engineRate / 1000))
        benchmark.measurement(.custom("raw_krows_s"), Int(rawRate / 1000))
        benchmark.measurement(.custom("ratio_pct"), Int(engineRate / rawRate * 100))
    }
    benchmark.stopMeasurement()
    let engineCount = try admin.execute("SELECT count(*) FROM \(namespace).engine_metrics").rows[0][0]
    let rawCount = try admin.execute("SELECT count(*) FROM \(namespace).raw_metrics").rows[0][0]
    precondition(engineCount == rawCount, "the engine wrote \(engineCount ?? "?") rows, the raw loop \(rawCount ?? "?")")
}

// `PG checkpoint 100k×8`: the state of 100,000 agents × 8 metrics in one open 10 s window
// (W1's five aggregates) saved as a checkpoint by the commit group (encoded, LZ4-framed,
// fenced, upserted in one transaction), beside a hand-written upsert of the same encoded
// bytes as one bytea row. Reports the state's size in the checkpoint format and as stored.
func registerPostgresCheckpointBenchmark(url: String) {
    let metrics: [BenchmarkMetric] = [
        .wallClock,
        .custom("commit_ms", polarity: .prefersSmaller, useScalingFactor: false),
        .custom("raw_ms", polarity: .prefersSmaller, useScalingFactor: false),
        .custom("state_kB", polarity: .prefersSmaller, useScalingFactor: false),
        .custom("stored_kB", polarity: .prefersSmaller, useScalingFactor: false),
    ]
    Benchmark("PG checkpoint 100k×8", configuration: .init(metrics: metrics, maxIterations: 5)) { benchmark in
        let state = W1State.snapshot(agents: 100_000)
        let configuration = PostgresConfiguration(uri: url)
        let namespace = "sluice_bench_\(UInt32.random(in: 0 ... .max))"
        let admin = try PostgresConnection.connect(configuration)
        try admin.execute("CREATE SCHEMA \(namespace)")
        defer { _ = try? admin.execute("DROP SCHEMA \(namespace) CASCADE") }
        let group = PostgresCommitGroup(configuration: configuration, namespace: namespace, owner: "bench")
        try admin.execute("CREATE TABLE \(namespace).raw_checkpoints (pipeline text PRIMARY KEY, epoch bigint, bytes bytea)")
        var epoch: UInt64 = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            epoch += 1
            let checkpoint = Checkpoint(
                epoch: Epoch(epoch), partitions: 1, positions: [SourcePosition(source: "s", split: 0, offset: Int64(epoch))],
                states: ["window": [state]])
            let start = ContinuousClock.now
            try group.save(checkpoint, pipeline: "bench")
            let commit = ContinuousClock.now - start
            let rawStart = ContinuousClock.now
            let bytes = CheckpointCodec.encode(checkpoint)
            try admin.execute(
                "INSERT INTO \(namespace).raw_checkpoints VALUES ('bench', $1, $2) ON CONFLICT (pipeline) DO UPDATE SET epoch = EXCLUDED.epoch, bytes = EXCLUDED.bytes",
                parameters: [.int(Int64(epoch)), .bytes(bytes)])
            let raw = ContinuousClock.now - rawStart
            benchmark.measurement(.custom("commit_ms"), Int(seconds(commit) * 1000))
            benchmark.measurement(.custom("raw_ms"), Int(seconds(raw) * 1000))
            benchmark.measurement(.custom("state_kB"), bytes.count / 1000)
            benchmark.measurement(.custom("stored_kB"), try StoredCheckpoint.encode(checkpoint).count / 1000)
        }
        benchmark.stopMeasurement()
    }
}
