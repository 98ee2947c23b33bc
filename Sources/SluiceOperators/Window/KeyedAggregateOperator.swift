public import SluiceCore

/// Keyed event-time window aggregation, and the unwindowed keyed fold.
///
/// Groups rows by the `keys` columns and, when `window` is set, by event-time window
/// (`WindowSpec`), and computes `aggregates` per group.
///
/// Ports:
/// - 0: result rows — the key columns (same names and types), then `window_start` and
///   `window_end` (timestamps; windowed only), then one column per aggregate, then
///   `is_final` (bool; windowed only). Rows carry absolute values: a sink upserts them by
///   keys + `window_start`.
/// - 1: late rows, unchanged (input schema): rows later than the allowed lateness for
///   every window they belong to, and rows whose event time is null. `counters.late`
///   counts them. Nothing is dropped silently.
///
/// Windowed semantics: a window fires (emits its rows with `is_final = true`) when the
/// watermark reaches its end. Lateness is judged against the watermark as it was before
/// the batch; tumbling windows judge it against the batch's origin when that is larger
/// (the watermark the rows' own split had sent before them:
/// `process(_:rows:input:origin:into:)`). A row for a fired window whose
/// `end + allowedLateness` is still above that updates it, and the updated row is
/// re-emitted with `is_final = true` at the end of the batch (`counters.lateUpdates`); the window's state is dropped once the
/// watermark reaches `end + allowedLateness`. With `partialEveryMillis`, `tick` emits
/// rows (`is_final = false`) of open windows that changed since their last emission, at
/// most once per interval of processing time.
///
/// Sessions: a row whose interval `[ts, ts + gap)` overlaps no kept session of its key and
/// ends at or before `watermark - allowedLateness` is late. When a row merges sessions the
/// result keeps the earliest `window_start`. Because a session's bounds move, port 0 also
/// carries retraction batches (`Batch.isRetraction`: keys and the old `window_start` /
/// `window_end`, aggregates null) for rows a session emitted under bounds it no longer
/// has: just before its new row, or, for a session absorbed by a merge, at the end of the
/// batch. A sink upserting by keys + `window_start` (and/or `window_end`) then holds no
/// orphan rows (`Sink.delete`). Fixed windows never move, so they never retract.
///
/// Retractions arriving on the input are ignored: they name rows of some upstream view,
/// not events to aggregate.
///
/// Unwindowed (`window == nil`): after every batch, the current row of each key the batch
/// changed (no window columns, no `is_final`). `first` / `last` order by event time.
public final class KeyedAggregateOperator: StreamOperator {
    public let inputSchema: Schema
    public let keys: [String]
    public let timeField: String
    public let window: WindowSpec?
    public let aggregates: [AggregateSpec]
    public let allowedLatenessMillis: Int64
    public let partialEveryMillis: Int64?
    public let outputSchemas: [Schema]
    /// The grouping engine (fixed windows, sessions or the fold) with all state.
    var engine: any AggregationEngine

    /// Builds the operator. The configuration must pass `validate` (pipelines check it at
    /// load time); an invalid one is a programming error and traps.
    public init(
        inputSchema: Schema, keys: [String], timeField: String, window: WindowSpec?, aggregates: [AggregateSpec],
        allowedLatenessMillis: Int64 = 0, partialEveryMillis: Int64? = nil
    ) {
        let problems = KeyedAggregateOperator.validate(
            inputSchema: inputSchema, keys: keys, timeField: timeField, window: window, aggregates: aggregates,
            allowedLatenessMillis: allowedLatenessMillis, partialEveryMillis: partialEveryMillis)
        precondition(problems.isEmpty, "invalid keyed aggregate: " + problems.joined(separator: "; "))
        self.inputSchema = inputSchema
        self.keys = keys
        self.timeField = timeField
        self.window = window
        self.aggregates = aggregates
        self.allowedLatenessMillis = allowedLatenessMillis
        self.partialEveryMillis = partialEveryMillis

        let plan = AggregatePlan(aggregates)
        let output = KeyedAggregateOperator.outputSchema(
            inputSchema: inputSchema, keys: keys, windowed: window != nil, aggregateFields: plan.fields)
        outputSchemas = [output, inputSchema]
        engine = KeyedAggregateOperator.makeEngine(
            plan: plan, inputSchema: inputSchema, keys: keys, timeField: timeField, window: window,
            outputSchema: output, allowedLatenessMillis: allowedLatenessMillis, partialEveryMillis: partialEveryMillis)
    }

    /// An empty engine for this configuration.
    func makeFreshEngine() -> any AggregationEngine {
        KeyedAggregateOperator.makeEngine(
            plan: engine.context.plan, inputSchema: inputSchema, keys: keys, timeField: timeField, window: window,
            outputSchema: outputSchemas[0], allowedLatenessMillis: allowedLatenessMillis,
            partialEveryMillis: partialEveryMillis)
    }

    private static func makeEngine(
        plan: AggregatePlan, inputSchema: Schema, keys: [String], timeField: String, window: WindowSpec?,
        outputSchema: Schema, allowedLatenessMillis: Int64, partialEveryMillis: Int64?
    ) -> any AggregationEngine {
        let context = AggregationContext(
            plan: plan, encoder: KeyEncoder(schema: inputSchema, keyNames: keys),
            timeColumn: inputSchema.index(of: timeField)!, outputSchema: outputSchema, windowed: window != nil,
            allowedLateness: allowedLatenessMillis, partialEvery: partialEveryMillis)
        switch window {
        case .none:
            return FoldEngine(context: context)
        case .session(let gap):
            return SessionEngine(context: context, gap: gap)
        case .some(let spec):
            let (size, slide) = spec.sizeAndSlide!
            // A window of one pane is tumbling: the direct engine is the fast path.
            if size == slide { return WindowedEngine(context: context, size: size, slide: slide) }
            return PaneEngine(context: context, size: size, slide: slide)
        }
    }

    /// The port-0 schema for a configuration (for plan-time schema propagation).
    public static func outputSchema(inputSchema: Schema, keys: [String], window: WindowSpec?, aggregates: [AggregateSpec])
        -> Schema
    {
        outputSchema(
            inputSchema: inputSchema, keys: keys, windowed: window != nil,
            aggregateFields: aggregates.map {
                let alwaysPresent = $0.kind == .count || $0.kind == .countDistinct || $0.kind == .approxCountDistinct
                return Field($0.output, $0.resultType ?? .int64, nullable: !alwaysPresent)
            })
    }

    private static func outputSchema(inputSchema: Schema, keys: [String], windowed: Bool, aggregateFields: [Field])
        -> Schema
    {
        var fields = keys.compactMap { inputSchema.field(named: $0) }
        if windowed {
            fields.append(Field("window_start", .timestamp, nullable: false))
            fields.append(Field("window_end", .timestamp, nullable: false))
        }
        fields.append(contentsOf: aggregateFields)
        if windowed { fields.append(Field("is_final", .bool, nullable: false)) }
        return Schema(fields)
    }

    public var counters: OperatorCounters { engine.context.counters }

    /// Approximate bytes of live state: key tables, aggregate states and sketches,
    /// bookkeeping, and the interned strings (with their kept snapshot forms).
    public var stateBytes: Int {
        let strings = engine.context.interner.strings.reduce(0) { $0 + $1.utf8.count + 16 } * 2
        return engine.stateBytes + strings + engine.context.encodedStrings.memoryBytes
            + engine.context.slotsInOrder.memoryBytes + engine.context.keyWords.capacity * 8
    }

    /// The watermark the operator last saw.
    public var watermark: EventTime { engine.context.watermark }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        guard !batch.isRetraction else { return }
        engine.process(batch, into: &out)
    }

    public func process(_ batch: Batch, rows: [Int32], input: Int, into out: inout OperatorOutput) {
        guard !batch.isRetraction else { return }
        engine.process(batch, selection: rows, into: &out)
    }

    public func process(_ batch: Batch, rows: [Int32]?, input: Int, origin: EventTime, into out: inout OperatorOutput) {
        guard !batch.isRetraction else { return }
        engine.context.origin = origin
        defer { engine.context.origin = .beginningOfTime }
        engine.process(batch, selection: rows, into: &out)
    }

    public func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        engine.advanceWatermark(to: watermark, into: &out)
    }

    public func tick(nowMillis: Int64, into out: inout OperatorOutput) {
        engine.tick(nowMillis: nowMillis, into: &out)
    }
}
