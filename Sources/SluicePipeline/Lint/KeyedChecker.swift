import SluiceCore
import SluiceOperators

/// key_by, window, aggregate and fold: the keyed type-state and the keyed aggregate.
extension PipelineChecker {
    mutating func checkKeyed(
        _ index: Int, _ specs: [StreamSpec], _ input: StreamInfo, keyBy: [Located<String>]?, window: WindowDecl?,
        aggregates: [NamedText]?, isFold: Bool
    ) -> NodeOutcome? {
        let node = document.nodes[index]
        let name = node.name.value
        var keys: [String]
        var effectiveWindow = window
        switch input.state {
        case .plain:
            keys = []
        case .keyed(let inherited):
            keys = inherited
        case .windowed(let inherited, let inheritedWindow):
            keys = inherited
            if window != nil || keyBy != nil {
                diagnostics.error(
                    at: node.location, "'\(name)' reads the windowed stream '\(input.producer)': only an aggregate can follow a window")
                return nil
            }
            guard let inheritedWindow else {
                // The window was rejected: its results are unknown, but the aggregate calls
                // do not depend on it, so their own errors are still worth reporting.
                for aggregate in aggregates ?? [] { _ = aggregateCall(aggregate, against: input.schema) }
                return nil
            }
            effectiveWindow = inheritedWindow
        }
        if let keyBy {
            if case .keyed = input.state {
                diagnostics.error(at: keyBy[0].location, "'\(input.producer)' is already keyed: remove this key_by or the earlier one")
                return nil
            }
            var valid = true
            for key in keyBy where input.schema.field(named: key.value) == nil {
                reportUnknownField(key, in: input.schema, role: "key_by")
                valid = false
            }
            guard valid else { return nil }
            keys = keyBy.map(\.value)
        }
        if let window, keys.isEmpty {
            diagnostics.error(at: window.location, "window needs key_by: add key_by before the window (e.g. key_by: [agent_id])")
            return nil
        }
        if isFold, let effectiveWindow {
            diagnostics.error(at: effectiveWindow.location, "fold keeps a running state per key without windows: use aggregate with a window")
            return nil
        }
        guard let aggregates else {
            // key_by and/or window alone: a half-built stream, fused into its reader.
            var output = input
            output.producer = name
            if var effectiveWindow {
                guard requireEventTime(input, for: "a window", at: effectiveWindow.location) != nil else { return nil }
                // The late output belongs to the window; the aggregate reading it routes it.
                if let late = node.late { effectiveWindow.late = late }
                output.state = .windowed(keys, effectiveWindow)
            } else {
                if let late = node.late {
                    diagnostics.warning(at: late.location, "'late' has no effect without a window")
                }
                output.state = .keyed(keys)
            }
            return .fused(output)
        }
        guard !keys.isEmpty else {
            diagnostics.error(
                at: node.location,
                "\(isFold ? "fold" : "aggregate") needs key_by (and a window, for windowed aggregates): e.g. key_by: [agent_id] and window: { tumbling: 1m }")
            return nil
        }
        // Windows order rows by event time, and so do first/last in a fold.
        guard let eventTime = requireEventTime(input, for: isFold || effectiveWindow == nil ? "a fold" : "a window",
            at: effectiveWindow?.location ?? node.location)
        else { return nil }
        var calls: [AggregateCall] = []
        for aggregate in aggregates {
            if let call = aggregateCall(aggregate, against: input.schema) { calls.append(call) }
        }
        guard calls.count == aggregates.count else { return nil }
        let reserved = Set(keys).union(effectiveWindow == nil ? [] : AggregationOutput.windowFields)
        var valid = true
        for written in aggregates where reserved.contains(written.name.value) {
            diagnostics.error(
                at: written.name.location, length: written.name.length,
                "aggregate '\(written.name.value)' has the name of a key or window field: rename it")
            valid = false
        }
        guard valid else { return nil }
        let windowSpec = effectiveWindow.map { window -> WindowSpec in
            switch window.kind {
            case .tumbling(let size): .tumbling(sizeMillis: size)
            case .sliding(let size, let slide): .sliding(sizeMillis: size, slideMillis: slide)
            case .session(let gap): .session(gapMillis: gap)
            }
        }
        if let windowSpec, let effectiveWindow, let problem = WindowSpec.validate(windowSpec) {
            diagnostics.error(at: effectiveWindow.location, problem)
            return nil
        }
        let operatorSpecs = calls.map(\.operatorSpec)
        let problems = KeyedAggregateOperator.validate(
            inputSchema: input.schema, keys: keys, timeField: eventTime.field.value, window: windowSpec,
            aggregates: operatorSpecs, allowedLatenessMillis: eventTime.allowedLatenessMillis)
        guard problems.isEmpty else {
            // Everything the operator checks is checked above with a precise place; this
            // is the safety net that keeps construction from ever failing.
            for problem in problems { diagnostics.error(at: node.location, problem) }
            return nil
        }
        let schema = KeyedAggregateOperator.outputSchema(
            inputSchema: input.schema, keys: keys, window: windowSpec, aggregates: operatorSpecs)
        var late: ConnectorURI?
        if let lateText = node.late ?? effectiveWindow?.late {
            if windowSpec == nil {
                diagnostics.warning(at: lateText.location, "'late' has no effect without a window")
            } else {
                guard let checked = uris.check(lateText, as: .late, diagnostics: &diagnostics) else { return nil }
                late = checked.uri
            }
        }
        let aggregation = AggregationSpec(
            keys: keys, window: windowSpec, aggregates: calls, timeField: eventTime.field.value,
            allowedLateness: .milliseconds(eventTime.allowedLatenessMillis), partialEvery: nil, late: late)
        var output = StreamInfo(schema: schema, producer: name, origin: StreamSpec(node: name))
        if windowSpec != nil {
            // Window results carry their window's start as event time, so a coarser window
            // downstream puts each result in the window that contains it.
            var time = eventTime
            time.field = Located(AggregationOutput.windowStart, at: eventTime.field.location)
            output.eventTime = time
        }
        // Port 1 takes late rows (and, for a fold, rows without an event time).
        var result = spec(node, specs, .aggregate(aggregation), [schema, input.schema])
        result.portNames = ["main", "late"]
        result.partitionKeys = [keys]
        return .node(result, [output, produced(input, name, index, port: 1, route: "late")])
    }

}

/// Names of the fields windowed aggregates add (see `KeyedAggregateOperator`).
public enum AggregationOutput {
    /// The window's start (inclusive), a timestamp.
    public static let windowStart = "window_start"
    /// The window's end (exclusive), a timestamp.
    public static let windowEnd = "window_end"
    /// False while the window is open (partial values), true once it fired.
    public static let isFinal = "is_final"

    static let windowFields: Set<String> = [windowStart, windowEnd, isFinal]
}

extension AggregateCall {
    /// The operator's form of this call.
    var operatorSpec: AggregateSpec {
        AggregateSpec(name, function, argument?.compiled, parameter: fraction)
    }
}
