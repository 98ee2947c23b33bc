import SluiceFormats
import SluiceConnectors
public import SluiceCore
public import SluiceOperators
public import SluiceRuntime

/// W1 through the engine: the pre-generated stream as P input splits, keyed by
/// (agent_id, metric), 10 s tumbling windows (or another `window`), count/sum/min/max/avg.
public enum W1Engine {
    /// The W1 window: 10 s tumbling.
    public static let tumbling = WindowSpec.tumbling(sizeMillis: 10_000)

    /// With `percentile`, the aggregate also computes `percentile(value, 0.95)` (the p95 of
    /// agent-metrics), for its cost beside the same job without it.
    public static func dataflow(
        _ splits: [[Batch]], sink: CountingSink, window: WindowSpec = tumbling, percentile: Bool = false
    ) -> Dataflow {
        let flow = Dataflow(name: "w1")
        let events = flow.source(
            InMemorySource(name: "w1", schema: W1Data.schema, splits: splits),
            eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000), partitionKey: DAA.partitionKey)
        let windows = addWindows(flow, events, schema: W1Data.schema, window: window, percentile: percentile)
        flow.sink("count", from: windows[0], to: sink, mode: .append)
        return flow
    }

    /// The pre-generated stream as the engine's `splits` input splits, cut into batches of
    /// the rows a split reads per chunk: `RunOptions.batchRows`, times the partition count
    /// when it feeds W1's keyed exchange (`SplitDriver`). A decoding source produces chunks
    /// of that size itself; pre-cut smaller, the in-memory source would have to join them.
    public static func inputSplits(_ data: W1Data, splits: Int, partitions: Int) -> [[Batch]] {
        data.splits(splits, batchRows: RunOptions().batchRows * max(1, partitions))
    }

    /// Runs W1 and returns the summary and the sink (for the checks: sum(count) == events ×
    /// windows per event, and the values against the raw loop's). Epochs every second
    /// (no checkpoints) unless `configure` changes the options.
    public static func run(
        _ splits: [[Batch]], workers: Int, partitions: Int? = nil, window: WindowSpec = tumbling,
        percentile: Bool = false, configure: (inout RunOptions) -> Void = { _ in }
    ) throws -> (RunSummary, CountingSink) {
        let sink = CountingSink()
        var options = RunOptions(workers: workers, partitions: partitions ?? workers)
        options.epochIntervalMillis = 1000
        configure(&options)
        let summary = try Job(dataflow(splits, sink: sink, window: window, percentile: percentile), options: options)
            .run()
        return (summary, sink)
    }

    /// `RunOptions.epochEveryBatches` for one epoch per `eventMillis` of W1 event time
    /// (100 events per millisecond) when the stream is read as `splits` splits feeding
    /// `partitions` partitions (each split reads `batchRows × partitions` rows per batch).
    public static func batchesPerSplit(eventMillis: Int, splits: Int, partitions: Int) -> Int {
        let rowsPerBatch = RunOptions().batchRows * max(1, partitions)
        return max(1, eventMillis * 100 / splits / rowsPerBatch)
    }

    /// W1-file: the NDJSON file read in `workers` splits through the engine's decoder.
    public static func fileDataflow(path: String, splits: Int, sink: CountingSink) throws -> Dataflow {
        let schema = DAA.metricSampleSchema
        let flow = Dataflow(name: "w1-file")
        let source = try NDJSONFileSource(
            name: "w1-file", path: path, schema: schema, required: Set(schema.names), splits: splits)
        let events = flow.source(
            source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000), partitionKey: DAA.partitionKey)
        let windows = addWindows(flow, events, schema: schema)
        flow.sink("count", from: windows[0], to: sink, mode: .append)
        return flow
    }

    /// W1 over the archive `directory` or over the file `path` it was archived from, as the
    /// archive benchmark compares them: `workers` workers, partitions and splits, an epoch
    /// a second. The flow is built when called (a cold run evicts the pages first).
    public static func runArchiveOrFile(overArchive: Bool, directory: String, path: String, workers: Int) throws
        -> (summary: RunSummary, sink: CountingSink, time: Duration)
    {
        let sink = CountingSink()
        var options = RunOptions(workers: workers, partitions: workers)
        options.epochIntervalMillis = 1000
        let flow =
            overArchive
            ? try archiveDataflow(directory: directory, splits: workers, sink: sink)
            : try fileDataflow(path: path, splits: workers, sink: sink)
        let start = ContinuousClock.now
        let summary = try Job(flow, options: options).run()
        return (summary, sink, ContinuousClock.now - start)
    }

    /// W1 over an archive of the W1-file lines (`W1ArchiveInput`): `splits` runs of
    /// consecutive segments, like a file's `splits` ranges.
    public static func archiveDataflow(directory: String, splits: Int, sink: CountingSink) throws -> Dataflow {
        let schema = DAA.metricSampleSchema
        let flow = Dataflow(name: "w1-archive")
        let source = try ArchiveSource(
            name: "w1-archive", directory: directory, schema: schema, required: Set(schema.names), splits: splits)
        let events = flow.source(
            source, eventTime: EventTimeSpec(field: "ts", maxOutOfOrdernessMillis: 2000), partitionKey: DAA.partitionKey)
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

    /// A window spec from text: `tumbling:SIZE_MS` or `sliding:SIZE_MS:SLIDE_MS` (nil if malformed).
    public static func window(parsing text: String) -> WindowSpec? {
        let parts = text.split(separator: ":").map(String.init)
        switch (parts.first, parts.count) {
        case ("tumbling", 2): return Int64(parts[1]).map { .tumbling(sizeMillis: $0) }
        case ("sliding", 3):
            guard let size = Int64(parts[1]), let slide = Int64(parts[2]) else { return nil }
            return .sliding(sizeMillis: size, slideMillis: slide)
        default: return nil
        }
    }

    /// Windows each event belongs to.
    public static func windowsPerEvent(_ window: WindowSpec) -> Int64 {
        if case .sliding(let size, let slide) = window { return size / slide }
        return 1
    }

    /// The W1 aggregation: (agent_id, metric), 10 s tumbling windows (or `window`), count/sum/min/max/avg.
    static func addWindows(
        _ flow: Dataflow, _ events: StreamRef, schema: Schema, window: WindowSpec = tumbling, percentile: Bool = false
    ) -> [StreamRef] {
        let value = ColumnRef("value", in: schema)
        let p95 = percentile ? [AggregateSpec("p95", .percentile, value, parameter: 0.95)] : []
        return flow.add("window", inputs: [(events, .hash(["agent_id", "metric"]))], passThrough: .only(["agent_id", "metric"])) { _ in
            KeyedAggregateOperator(
                inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: window,
                aggregates: [
                    AggregateSpec("n", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                    AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
                ] + p95)
        }
    }
}
