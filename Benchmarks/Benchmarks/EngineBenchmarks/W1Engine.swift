import SluiceConnectors
import SluiceCore
import SluiceOperators
import SluiceRuntime

/// W1 through the engine: the pre-generated stream as P input splits, keyed by
/// (agent_id, metric), 10 s tumbling windows, count/sum/min/max/avg.
enum W1Engine {
    static func dataflow(_ splits: [[Batch]], sink: CountingSink) -> Dataflow {
        let flow = Dataflow(name: "w1")
        let events = flow.source(
            InMemorySource(name: "w1", schema: W1Data.schema, splits: splits),
            eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000))
        let schema = W1Data.schema
        let value = ColumnRef("value", in: schema)
        let windows = flow.add("window", inputs: [(events, .hash(["agent_id", "metric"]))], preservesPartitioning: true) { _ in
            KeyedAggregateOperator(
                inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
                aggregates: [
                    AggregateSpec("n", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                    AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
                ])
        }
        flow.sink("count", from: windows[0], to: sink, mode: .append)
        return flow
    }

    /// Runs W1 and returns the summary and the sink (for the sum(count) check).
    static func run(_ splits: [[Batch]], workers: Int) throws -> (RunSummary, CountingSink) {
        let sink = CountingSink()
        var options = RunOptions(workers: workers, partitions: workers)
        options.epochIntervalMillis = 1000
        let summary = try Job(dataflow(splits, sink: sink), options: options).run()
        return (summary, sink)
    }
}
