import SluiceFormats
import SluiceConnectors
public import SluiceCore
import SluiceOperators
public import SluiceRuntime

/// W1 through the engine: the pre-generated stream as P input splits, keyed by
/// (agent_id, metric), 10 s tumbling windows, count/sum/min/max/avg.
public enum W1Engine {
    public static func dataflow(_ splits: [[Batch]], sink: CountingSink) -> Dataflow {
        let flow = Dataflow(name: "w1")
        let events = flow.source(
            InMemorySource(name: "w1", schema: W1Data.schema, splits: splits),
            eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000))
        let windows = addWindows(flow, events, schema: W1Data.schema)
        flow.sink("count", from: windows[0], to: sink, mode: .append)
        return flow
    }

    /// Runs W1 and returns the summary and the sink (for the sum(count) check).
    public static func run(_ splits: [[Batch]], workers: Int, partitions: Int? = nil) throws -> (RunSummary, CountingSink) {
        let sink = CountingSink()
        var options = RunOptions(workers: workers, partitions: partitions ?? workers)
        options.epochIntervalMillis = 1000
        let summary = try Job(dataflow(splits, sink: sink), options: options).run()
        return (summary, sink)
    }

    /// W1-file: the NDJSON file read in `workers` splits through the engine's decoder.
    public static func fileDataflow(path: String, splits: Int, sink: CountingSink) throws -> Dataflow {
        let schema = DAA.metricSampleSchema
        let flow = Dataflow(name: "w1-file")
        let source = try NDJSONFileSource(
            name: "w1-file", path: path, schema: schema, required: Set(schema.names), splits: splits)
        let events = flow.source(source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000))
        let windows = addWindows(flow, events, schema: schema)
        flow.sink("count", from: windows[0], to: sink, mode: .append)
        return flow
    }

    public static func runFile(path: String, workers: Int) throws -> (RunSummary, CountingSink) {
        let sink = CountingSink()
        var options = RunOptions(workers: workers, partitions: workers)
        options.epochIntervalMillis = 1000
        let summary = try Job(fileDataflow(path: path, splits: workers, sink: sink), options: options).run()
        return (summary, sink)
    }

    /// The W1 aggregation: (agent_id, metric), 10 s tumbling windows, count/sum/min/max/avg.
    static func addWindows(_ flow: Dataflow, _ events: StreamRef, schema: Schema) -> [StreamRef] {
        let value = ColumnRef("value", in: schema)
        return flow.add("window", inputs: [(events, .hash(["agent_id", "metric"]))], preservesPartitioning: true) { _ in
            KeyedAggregateOperator(
                inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
                aggregates: [
                    AggregateSpec("n", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                    AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
                ])
        }
    }
}
