import SluiceConnectors
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
        /// A node with errors (reported) whose outputs are known anyway — a filter's
        /// rows have its input's fields whatever its condition. Checking goes on
        /// downstream so every independent error in the file is reported at once; the
        /// file still yields no spec.
        case failed([StreamInfo])
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
        case .invalid(let keyword):
            // A rejected window over a keyed stream is still a window over those keys:
            // the aggregate after it can check its own calls.
            if keyword == "window", inputs.count == 1, case .keyed(let keys) = inputs[0].state {
                var output = produced(inputs[0], name, index)
                output.state = .windowed(keys, nil)
                return .failed([output])
            }
            return nil
        case .filter(let text):
            guard let input = single("filter"), requirePlain(input, reader: "filter '\(name)'", at: node.inputs[0]) else { return nil }
            guard let condition = compile(text, against: input.schema, expecting: .bool, role: "a filter") else {
                return .failed([produced(input, name, index)])
            }
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
            // Whatever is wrong with its settings, de-duplication passes its input's rows on.
            let failed = NodeOutcome.failed([produced(input, name, index), produced(input, name, index, port: 1, route: "duplicates")])
            guard let idField = input.schema.field(named: field.value) else {
                reportUnknownField(field, in: input.schema, role: "dedupe")
                return failed
            }
            guard idField.type == .string || idField.type == .int64 else {
                diagnostics.error(at: field.location, length: field.length, "dedupe needs a string or int id field, but '\(field.value)' is \(idField.type)")
                return failed
            }
            guard let eventTime = requireEventTime(input, for: "dedupe", at: node.location) else { return failed }
            // Port 1 carries the duplicates; the planner sends them to the dead-letter output.
            var spec = spec(
                node, specs, .dedupe(field: field.value, horizon: .milliseconds(horizon), timeField: eventTime.field.value),
                [input.schema, input.schema])
            spec.portNames = ["main", "duplicates"]
            // A redelivery is the same message, so it carries the same agent: keying by
            // (agent_id, id) keeps duplicates together and lets the stream stay partitioned
            // by agent, saving the exchange before the usual per-agent aggregation.
            let agent = DAA.partitionKey.filter { input.schema.index(of: $0) != nil && $0 != field.value }
            spec.partitionKeys = [agent.count == DAA.partitionKey.count ? agent + [field.value] : [field.value]]
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
