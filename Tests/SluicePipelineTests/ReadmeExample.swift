import SluiceConnectors
import SluiceCore
import SluiceExpr
import SluiceOperators
import SluiceRuntime

/// Agent metrics over 100,000 generated events: 10 s windows upserted into a SQLite view
/// in `directory`, events later than the allowed lateness appended to a file beside it.
func agentMetrics(in directory: String) throws -> RunSummary {
    let events = try DAAGeneratorSource(options: DAAGeneratorOptions(limit: .count(100_000)))
    let isMetric = try Expr.compile("type == 'metric'", schema: DAA.schema)
    let value = try Expr.compile("value", schema: DAA.schema)
    let flow = Dataflow(name: "agent-metrics")
    let (rows, late) = flow.stream(events, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 5_000))
        .filter(isMetric)
        .keyBy(["agent_id", "metric"])
        .window(.tumbling(sizeMillis: 10_000))
        .aggregate(
            [AggregateSpec("samples", .count), AggregateSpec("mean", .avg, value)],
            allowedLatenessMillis: 60_000, partialEveryMillis: 500)
    let view = SQLiteViewSink(name: "view", path: "\(directory)/views.db", view: "agent_metrics_10s")
    rows.sink("view", view, mode: .upsert(key: ["agent_id", "metric", "window_start"]))
    late.sink("late", NDJSONFileSink(name: "late", path: "\(directory)/late.ndjson", append: true), mode: .append)
    return try Job(flow, options: RunOptions(workers: 2)).run()
}
