public import SluiceCore
public import SluiceOperators

/// A stream in a dataflow being built in code — the fluent face of `Dataflow`, shaped
/// like Flink's DataStream → KeyedStream → WindowedStream so only meaningful chains
/// type-check (a window needs keys; an aggregate needs a window or keys).
///
/// ```swift
/// let flow = Dataflow(name: "sensor-readings")
/// let readings = flow.stream(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 5_000))
///     .filter(try Expr.compile("kind == 'reading'", schema: source.schema))
/// let (rows, late) = readings.keyBy(["sensor", "quantity"])
///     .window(.tumbling(sizeMillis: 10_000))
///     .aggregate([AggregateSpec("samples", .count)])
/// rows.sink("view", sqliteSink, mode: .upsert(key: ["sensor", "quantity", "window_start"]))
/// ```
///
/// Each step declares only facts about its operator — its keys and the columns it passes
/// through unchanged (`PassThrough`); where rows are exchanged between partitions is the
/// physical plan's decision (`PartitioningRule`).
public struct DataStream: Sendable {
    public let flow: Dataflow
    public let ref: StreamRef

    public init(flow: Dataflow, ref: StreamRef) {
        self.flow = flow
        self.ref = ref
    }

    public var schema: Schema { flow.schema(of: ref) }

    func node(_ kind: String, _ name: String?) -> String { name ?? "\(kind)-\(flow.nodes.count)" }

    /// Rows where `predicate` is true (null counts as false).
    public func filter(_ predicate: any BatchExpression, name: String? = nil) -> DataStream {
        let schema = self.schema
        let out = flow.add(node("filter", name), inputs: [(ref, .forward)], passThrough: .all) { _ in
            FilterOperator(schema: schema, predicate: predicate)
        }
        return DataStream(flow: flow, ref: out[0])
    }

    /// Computed fields: added to (or replacing) the input's fields, or alone.
    public func map(
        _ outputs: [(name: String, expression: any BatchExpression)], keepInputFields: Bool = true, name: String? = nil
    ) -> DataStream {
        let schema = self.schema
        // The fields it writes change; the others pass through only when kept.
        let passThrough: PassThrough = keepInputFields ? .allExcept(Set(outputs.map(\.name))) : .none
        let out = flow.add(node("map", name), inputs: [(ref, .forward)], passThrough: passThrough) { _ in
            MapOperator(schema: schema, outputs: outputs, keepInputFields: keepInputFields)
        }
        return DataStream(flow: flow, ref: out[0])
    }

    /// Partitions by `keys` for the keyed operators that follow.
    public func keyBy(_ keys: [String]) -> KeyedStream { KeyedStream(stream: self, keys: keys) }

    /// Drops events whose `idField` was already seen within the horizon; the second
    /// stream carries the duplicates (for the dead-letter output and counters).
    ///
    /// - Parameter partitionKeys: the fields whose equal values must meet in one partition
    ///   for duplicates to be found; `[idField]` when nil. Name more fields only when every
    ///   repeat of an id carries the same values of them (a redelivery of the same message
    ///   does): then the stream can stay partitioned by a field the next keyed operator
    ///   also uses, and its exchange is saved.
    public func dedupe(
        idField: String = "id", timeField: String = "ts", horizonMillis: Int64, partitionKeys: [String]? = nil,
        name: String? = nil
    ) -> (unique: DataStream, duplicates: DataStream) {
        let schema = self.schema
        let keys = partitionKeys ?? [idField]
        let out = flow.add(node("dedupe", name), inputs: [(ref, .hash(keys))], passThrough: .all) { _ in
            DedupeOperator(schema: schema, idField: idField, timeField: timeField, horizonMillis: horizonMillis)
        }
        return (DataStream(flow: flow, ref: out[0]), DataStream(flow: flow, ref: out[1]))
    }

    /// This stream and `others` as one (fields matched by name).
    public func union(_ others: [DataStream], name: String? = nil) -> DataStream {
        let inputs = [self] + others
        let schemas = inputs.map(\.schema)
        let out = flow.add(node("union", name), inputs: inputs.map { ($0.ref, .forward) }, passThrough: .all) { _ in
            UnionOperator(inputSchemas: schemas)
        }
        return DataStream(flow: flow, ref: out[0])
    }

    /// One stream per route (plus a last one for rows matching none, when asked).
    public func branch(
        _ routes: [(name: String, condition: any BatchExpression)], includeDefault: Bool = false,
        firstMatchOnly: Bool = false, name: String? = nil
    ) -> [DataStream] {
        let schema = self.schema
        let out = flow.add(node("branch", name), inputs: [(ref, .forward)], passThrough: .all) { _ in
            BranchOperator(schema: schema, routes: routes, includeDefault: includeDefault, firstMatchOnly: firstMatchOnly)
        }
        return out.map { DataStream(flow: flow, ref: $0) }
    }

    /// Writes the stream to a sink.
    public func sink(_ name: String, _ sink: any Sink, mode: SinkMode) {
        flow.sink(name, from: ref, to: sink, mode: mode)
    }
}

/// A stream partitioned by key: its rows with equal keys meet in one partition.
public struct KeyedStream: Sendable {
    public let stream: DataStream
    public let keys: [String]

    /// Cuts each key's events into event-time windows.
    public func window(_ spec: WindowSpec, timeField: String = "ts") -> WindowedStream {
        WindowedStream(keyed: self, spec: spec, timeField: timeField)
    }

    /// A running aggregate per key (a keyed fold): every key changed by a batch is
    /// emitted with its absolute values — the event-sourced projection.
    public func aggregate(_ aggregates: [AggregateSpec], timeField: String = "ts", name: String? = nil) -> DataStream {
        let schema = stream.schema
        let keys = self.keys
        let out = stream.flow.add(
            stream.node("fold", name), inputs: [(stream.ref, .hash(keys))], passThrough: .only(Set(keys))
        ) { _ in
            KeyedAggregateOperator(
                inputSchema: schema, keys: keys, timeField: timeField, window: nil, aggregates: aggregates)
        }
        return DataStream(flow: stream.flow, ref: out[0])
    }

    /// Interval join: `self` row l and `other` row r with equal keys join when
    /// l.time + lower <= r.time <= l.time + upper.
    public func intervalJoin(
        _ other: KeyedStream, lowerMillis: Int64, upperMillis: Int64, leftTime: String = "ts", rightTime: String = "ts",
        leftPrefix: String = "left_", rightPrefix: String = "right_", emitUnmatchedLeft: Bool = false,
        name: String? = nil
    ) -> DataStream {
        let (left, right) = (stream.schema, other.stream.schema)
        let (leftKeys, rightKeys) = (keys, other.keys)
        let out = stream.flow.add(
            stream.node("join", name), inputs: [(stream.ref, .hash(leftKeys)), (other.stream.ref, .hash(rightKeys))]
        ) { _ in
            IntervalJoinOperator(
                left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime,
                rightTime: rightTime, lowerMillis: lowerMillis, upperMillis: upperMillis, leftPrefix: leftPrefix,
                rightPrefix: rightPrefix, emitUnmatchedLeft: emitUnmatchedLeft)
        }
        return DataStream(flow: stream.flow, ref: out[0])
    }

    /// Window join: rows of both streams in the same window with equal keys.
    public func windowJoin(
        _ other: KeyedStream, sizeMillis: Int64, slideMillis: Int64? = nil, leftTime: String = "ts",
        rightTime: String = "ts", leftPrefix: String = "left_", rightPrefix: String = "right_", name: String? = nil
    ) -> DataStream {
        let (left, right) = (stream.schema, other.stream.schema)
        let (leftKeys, rightKeys) = (keys, other.keys)
        let out = stream.flow.add(
            stream.node("window-join", name), inputs: [(stream.ref, .hash(leftKeys)), (other.stream.ref, .hash(rightKeys))]
        ) { _ in
            WindowJoinOperator(
                left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, leftTime: leftTime,
                rightTime: rightTime, windowSizeMillis: sizeMillis, slideMillis: slideMillis, leftPrefix: leftPrefix,
                rightPrefix: rightPrefix)
        }
        return DataStream(flow: stream.flow, ref: out[0])
    }
}

/// A keyed stream cut into windows, waiting for its aggregates.
public struct WindowedStream: Sendable {
    public let keyed: KeyedStream
    public let spec: WindowSpec
    public let timeField: String

    /// Aggregates each window; returns the results and the late events (later than the
    /// allowed lateness), which must be routed somewhere — they are never dropped.
    public func aggregate(
        _ aggregates: [AggregateSpec], allowedLatenessMillis: Int64 = 0, partialEveryMillis: Int64? = nil,
        name: String? = nil
    ) -> (results: DataStream, late: DataStream) {
        let stream = keyed.stream
        let schema = stream.schema
        let (keys, spec, timeField) = (keyed.keys, self.spec, self.timeField)
        let out = stream.flow.add(
            stream.node("window", name), inputs: [(stream.ref, .hash(keys))], passThrough: .only(Set(keys))
        ) { _ in
            KeyedAggregateOperator(
                inputSchema: schema, keys: keys, timeField: timeField, window: spec, aggregates: aggregates,
                allowedLatenessMillis: allowedLatenessMillis, partialEveryMillis: partialEveryMillis)
        }
        return (DataStream(flow: stream.flow, ref: out[0]), DataStream(flow: stream.flow, ref: out[1]))
    }
}

extension Dataflow {
    /// Adds a source and returns its stream for fluent building (`partitionKey`: see
    /// `source(_:eventTime:partitionKey:)`).
    public func stream(_ source: any Source, eventTime: EventTimeSpec?, partitionKey: [String]? = nil) -> DataStream {
        DataStream(flow: self, ref: self.source(source, eventTime: eventTime, partitionKey: partitionKey))
    }
}
