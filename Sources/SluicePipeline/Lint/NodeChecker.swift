import SluiceCore
import SluiceOperators

/// Per-operator checks: each computes the node's output streams from its inputs.
extension PipelineChecker {
    /// What checking a node produced.
    enum NodeOutcome {
        /// An operator, with its output streams.
        case node(NodeSpec, [StreamInfo])
        /// A key_by/window node: no operator of its own, a keyed or windowed stream.
        case fused(StreamInfo)
    }

    mutating func checkNode(_ index: Int) -> NodeOutcome? {
        let node = document.nodes[index]
        let targets = resolution.inputs[index]
        // An unresolved or unknown input was reported already (or is downstream of a
        // reported problem): skip the node rather than pile up consequences, but still
        // report syntax errors, which do not depend on the input.
        let inputs = targets.compactMap { stream($0) }
        guard inputs.count == targets.count, !inputs.isEmpty || isUnionOrJoin(node.op) else {
            checkSyntax(node.op)
            return nil
        }
        let specs = inputs.map(\.origin)
        let name = node.name.value

        func single(_ keyword: String) -> StreamInfo? {
            guard inputs.count == 1 else {
                diagnostics.error(at: node.inputs[min(1, node.inputs.count - 1)].location, "\(keyword) reads one input; use a union to merge streams first")
                return nil
            }
            return inputs[0]
        }

        switch node.op {
        case .invalid:
            return nil
        case .filter(let text):
            guard let input = single("filter"), requirePlain(input, reader: "filter '\(name)'", at: node.inputs[0]) else { return nil }
            guard let condition = compile(text, against: input.schema, expecting: .bool, role: "a filter") else { return nil }
            return .node(spec(node, specs, .filter(condition), [input.schema]), [produced(input, name, index)])
        case .map(let fields):
            guard let input = single("map"), requirePlain(input, reader: "map '\(name)'", at: node.inputs[0]) else { return nil }
            var compiled: [NamedExpression] = []
            var outputFields = input.schema.fields
            for field in fields {
                guard let expression = compile(field.text, against: input.schema, expecting: nil, role: "a map field") else { continue }
                compiled.append(NamedExpression(name: field.name.value, expression: expression))
                let output = Field(field.name.value, expression.type, nullable: expression.compiled.nullable)
                if let existing = outputFields.firstIndex(where: { $0.name == field.name.value }) {
                    outputFields[existing] = output
                } else {
                    outputFields.append(output)
                }
            }
            guard compiled.count == fields.count else { return nil }
            let schema = Schema(outputFields)
            return .node(spec(node, specs, .map(compiled), [schema]), [produced(input.reshaped(schema), name, index)])
        case .select(let names):
            guard let input = single("select"), requirePlain(input, reader: "select '\(name)'", at: node.inputs[0]) else { return nil }
            var seen: Set<String> = []
            var valid = true
            for field in names {
                if input.schema.field(named: field.value) == nil {
                    reportUnknownField(field, in: input.schema, role: "select")
                    valid = false
                } else if !seen.insert(field.value).inserted {
                    diagnostics.error(at: field.location, length: field.length, "'\(field.value)' is selected twice")
                    valid = false
                }
            }
            guard valid else { return nil }
            let schema = input.schema.project(names.map(\.value))
            return .node(spec(node, specs, .select(names.map(\.value)), [schema]), [produced(input.reshaped(schema), name, index)])
        case .dedupe(let field, let horizon):
            guard let input = single("dedupe"), requirePlain(input, reader: "dedupe '\(name)'", at: node.inputs[0]) else { return nil }
            guard let idField = input.schema.field(named: field.value) else {
                reportUnknownField(field, in: input.schema, role: "dedupe")
                return nil
            }
            guard idField.type == .string || idField.type == .int64 else {
                diagnostics.error(at: field.location, length: field.length, "dedupe needs a string or int id field, but '\(field.value)' is \(idField.type)")
                return nil
            }
            guard let eventTime = requireEventTime(input, for: "dedupe", at: node.location) else { return nil }
            // Port 1 carries the duplicates (the operator counts them; nothing reads them).
            var spec = spec(
                node, specs, .dedupe(field: field.value, horizon: .milliseconds(horizon), timeField: eventTime.field.value),
                [input.schema, input.schema])
            spec.portNames = ["main", "duplicates"]
            spec.partitionKeys = [[field.value]]
            return .node(spec, [produced(input, name, index), produced(input, name, index, port: 1, route: "duplicates")])
        case .keyed(let keyBy, let window, let aggregates, let isFold):
            guard let input = single(node.op.keyword) else { return nil }
            return checkKeyed(index, specs, input, keyBy: keyBy, window: window, aggregates: aggregates, isFold: isFold)
        case .union:
            return checkUnion(index, specs, inputs)
        case .branch(let routes, let defaultRoute):
            guard let input = single("branch"), requirePlain(input, reader: "branch '\(name)'", at: node.inputs[0]) else { return nil }
            var compiled: [NamedExpression] = []
            for route in routes {
                guard let condition = compile(route.text, against: input.schema, expecting: .bool, role: "a route condition") else { continue }
                compiled.append(NamedExpression(name: route.name.value, expression: condition))
            }
            guard compiled.count == routes.count else { return nil }
            if routes.isEmpty {
                diagnostics.error(at: node.location, "a branch needs at least one route")
                return nil
            }
            if let defaultRoute, routes.contains(where: { $0.name.value == defaultRoute.value }) {
                diagnostics.error(at: defaultRoute.location, length: defaultRoute.length, "the default route '\(defaultRoute.value)' has the name of a route")
                return nil
            }
            let ports = routes.count + (defaultRoute == nil ? 0 : 1)
            var result = spec(node, specs, .branch(routes: compiled, defaultRoute: defaultRoute?.value), Array(repeating: input.schema, count: ports))
            result.portNames = compiled.map(\.name) + (defaultRoute.map { [$0.value] } ?? [])
            return .node(result, (0..<ports).map { produced(input, name, index, port: $0, route: result.portNames[$0]) })
        case .join(let join):
            return checkJoin(index, specs, inputs, join)
        }
    }

    private func isUnionOrJoin(_ op: OperatorDecl) -> Bool {
        switch op {
        case .union, .join: true
        default: false
        }
    }

    func spec(_ node: NodeDecl, _ inputs: [StreamSpec], _ operation: Operation, _ schemas: [Schema]) -> NodeSpec {
        NodeSpec(
            name: node.name.value, inputs: inputs, operation: operation, outputSchemas: schemas,
            portNames: schemas.count == 1 ? ["main"] : [], partitionKeys: nil)
    }

    /// `stream` as output `port` of node `index`.
    func produced(_ stream: StreamInfo, _ name: String, _ index: Int, port: Int = 0, route: String? = nil) -> StreamInfo {
        var copy = stream
        copy.producer = name
        copy.origin = StreamSpec(node: name, port: port, route: route)
        return copy
    }

    mutating func reportUnknownField(_ field: Located<String>, in schema: Schema, role: String) {
        diagnostics.error(
            at: field.location, length: field.length,
            "unknown field '\(field.value)'\(Suggestions.didYouMean(field.value, among: schema.fieldNames)) (in \(role))")
    }

    mutating func requireEventTime(_ stream: StreamInfo, for what: String, at location: FileLocation) -> EventTimeDecl? {
        guard let eventTime = stream.eventTime else {
            diagnostics.error(
                at: location,
                "\(what) needs event time, but '\(stream.producer)' has none: declare event_time on the source (and keep its field)")
            return nil
        }
        return eventTime
    }

    // MARK: key_by / window / aggregate / fold

    private mutating func checkKeyed(
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
            if let effectiveWindow {
                guard requireEventTime(input, for: "a window", at: effectiveWindow.location) != nil else { return nil }
                output.state = .windowed(keys, effectiveWindow)
            } else {
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
        if let lateText = node.late {
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

    // MARK: union

    private mutating func checkUnion(_ index: Int, _ specs: [StreamSpec], _ inputs: [StreamInfo]) -> NodeOutcome? {
        let node = document.nodes[index]
        guard inputs.count >= 2 else {
            diagnostics.error(at: node.location, "a union needs at least two inputs")
            return nil
        }
        var valid = true
        for (input, reference) in zip(inputs, node.inputs) where !requirePlain(input, reader: "union '\(node.name.value)'", at: reference) {
            valid = false
        }
        guard valid else { return nil }
        // Inputs are matched by field name (a field an input lacks is null there); the
        // same name may not have two types.
        var firstSeen: [String: (type: DataType, producer: String)] = [:]
        for (input, reference) in zip(inputs, node.inputs) {
            for field in input.schema.fields {
                guard let first = firstSeen[field.name] else {
                    firstSeen[field.name] = (field.type, input.producer)
                    continue
                }
                if first.type != field.type {
                    diagnostics.error(
                        at: reference.location, length: reference.length,
                        "union field '\(field.name)' is \(field.type) in '\(input.producer)' but \(first.type) in '\(first.producer)'")
                    valid = false
                }
            }
        }
        guard valid, UnionOperator.validate(inputSchemas: inputs.map(\.schema)).isEmpty else { return nil }
        let schema = UnionOperator.outputSchema(inputSchemas: inputs.map(\.schema))
        var output = StreamInfo(schema: schema, producer: node.name.value, origin: StreamSpec(node: node.name.value))
        let times = inputs.map { $0.eventTime?.field.value }
        if let field = times[0], times.allSatisfy({ $0 == field }) {
            output.eventTime = inputs.compactMap(\.eventTime).max { $0.allowedLatenessMillis < $1.allowedLatenessMillis }
        }
        return .node(spec(node, specs, .union, [schema]), [output])
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
