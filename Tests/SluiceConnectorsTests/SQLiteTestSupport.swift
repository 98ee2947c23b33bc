import Foundation
import SluiceCore
@testable import SluiceConnectors

/// A fresh directory for one test, removed afterwards; the body gets a database path
/// inside a not-yet-existing subdirectory, so every test also covers directory creation.
func withViewStore<T>(_ body: (_ path: String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("sluice-sqlite-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    return try body(directory.appendingPathComponent("nested/views.db").path)
}

/// The schema most tests use: one row per (agent_id, metric).
let metricSchema = Schema([
    Field("agent_id", .string), Field("metric", .string), Field("samples", .int64),
    Field("mean", .double), Field("healthy", .bool), Field("window_end", .timestamp),
])

/// One metric row, in `metricSchema` order.
struct MetricRow {
    var agent: String?
    var metric: String?
    var samples: Int64?
    var mean: Double?
    var healthy: Bool?
    var windowEnd: Int64?

    var values: [Value] {
        [
            agent.map(Value.string) ?? .null, metric.map(Value.string) ?? .null,
            samples.map(Value.int) ?? .null, mean.map(Value.double) ?? .null,
            healthy.map(Value.bool) ?? .null, windowEnd.map(Value.timestamp) ?? .null,
        ]
    }
}

func metricBatch(_ rows: [MetricRow]) -> Batch {
    var builder = BatchBuilder(schema: metricSchema)
    for row in rows { builder.append(values: row.values) }
    return builder.finish()
}

/// Opens a sink on `path`, writes each epoch's batches and commits it, then closes.
func runSink(
    path: String, view: String = "agent_metrics", mode: SinkMode = .upsert(key: ["agent_id", "metric"]),
    schema: Schema = metricSchema, epochs: [(Epoch, [Batch])], timeSource: any TimeSource = ManualTimeSource()
) throws {
    let sink = SQLiteViewSink(name: "test", path: path, view: view, timeSource: timeSource)
    try sink.open(schema: schema, mode: mode)
    for (epoch, batches) in epochs {
        for batch in batches { try sink.write(batch) }
        try sink.commit(epoch: epoch)
    }
    try sink.close()
}

/// Runs one query through the wrapper layer and returns the first column of each row as text
/// (NULL as "NULL"): an independent look at what SQLite stored.
func queryTexts(_ sql: String, path: String) throws -> [String] {
    let statement = try SQLiteConnection.open(path: path, access: .readOnly).prepare(sql)
    var out: [String] = []
    while try statement.step() { out.append(statement.storageClass(0) == .null ? "NULL" : statement.text(0)) }
    return out
}

/// A writable connection through the wrapper layer, for tests that tamper with a database.
func testConnection(_ path: String) throws -> SQLiteConnection {
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return try SQLiteConnection.open(path: path, access: .readWriteCreate)
}
