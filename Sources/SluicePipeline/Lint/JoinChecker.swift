import SluiceCore
import SluiceOperators

extension PipelineChecker {
    /// A join reads two keyed streams: keys from `on`/`left_on`/`right_on` or from
    /// key_by nodes it reads, with matching types, and event time on both sides.
    mutating func checkJoin(_ index: Int, _ specs: [StreamSpec], _ inputs: [StreamInfo], _ join: JoinDecl) -> NodeOutcome? {
        let node = document.nodes[index]
        guard inputs.count == 2 else { return nil }
        let sides = [(inputs[0], join.left, join.leftKeys, "left"), (inputs[1], join.right, join.rightKeys, "right")]
        var keys: [[String]] = []
        var valid = true
        for (stream, reference, written, side) in sides {
            var sideKeys: [String]?
            switch stream.state {
            case .plain:
                sideKeys = written?.map(\.value)
            case .keyed(let inherited):
                sideKeys = written?.map(\.value) ?? inherited
                if let written, written.map(\.value) != inherited {
                    diagnostics.error(
                        at: written[0].location,
                        "the \(side) input '\(stream.producer)' is keyed by \(inherited.joined(separator: ", ")), not by \(written.map(\.value).joined(separator: ", "))")
                    valid = false
                }
            case .windowed:
                diagnostics.error(
                    at: reference.location, length: reference.length,
                    "join '\(node.name.value)' reads the windowed stream '\(stream.producer)': a window must be followed by an aggregate (a window join is join: { window: ... })")
                valid = false
            }
            guard let found = sideKeys else {
                diagnostics.error(
                    at: reference.location, length: reference.length,
                    "join needs two keyed inputs: the \(side) input '\(stream.producer)' has no key; give 'on' (or left_on/right_on) or read a key_by node")
                valid = false
                continue
            }
            for key in written ?? [] where stream.schema.field(named: key.value) == nil {
                reportUnknownField(key, in: stream.schema, role: "the \(side) join key; '\(stream.producer)' has: \(stream.schema.fieldNames.joined(separator: ", "))")
                valid = false
            }
            keys.append(found)
        }
        guard valid, keys.count == 2 else { return nil }
        let (left, right) = (inputs[0], inputs[1])
        guard keys[0].count == keys[1].count else {
            diagnostics.error(at: join.location, "the inputs are keyed by \(keys[0].count) and \(keys[1].count) fields: the keys pair up one to one")
            return nil
        }
        for (l, r) in zip(keys[0], keys[1]) {
            guard let lt = left.schema.field(named: l)?.type, let rt = right.schema.field(named: r)?.type else { continue }
            if lt != rt {
                diagnostics.error(
                    at: (join.rightKeys ?? join.leftKeys)?.first?.location ?? join.location,
                    "join keys differ in type: left '\(l)' is \(lt), right '\(r)' is \(rt)")
                valid = false
            }
        }
        guard let leftTime = requireEventTime(left, for: "a join", at: join.left.location),
            let rightTime = requireEventTime(right, for: "a join", at: join.right.location), valid
        else { return nil }

        let bounds: JoinSpec.Bounds = switch join.bounds {
        case .interval(let lower, let upper)?: .interval(lower: .milliseconds(lower), upper: .milliseconds(upper))
        case .window(let size)?: .window(size: .milliseconds(size))
        case nil: preconditionFailure("the decoder rejects joins without bounds")
        }
        let spec = JoinSpec(
            leftKeys: keys[0], rightKeys: keys[1], bounds: bounds, emitUnmatchedLeft: join.emitUnmatchedLeft,
            leftPrefix: join.leftPrefix, rightPrefix: join.rightPrefix, leftTimeField: leftTime.field.value,
            rightTimeField: rightTime.field.value, timeField: join.timeField.value)
        if case .window = bounds, join.emitUnmatchedLeft {
            diagnostics.error(at: join.location, "emit_unmatched is for interval joins; a window join emits matched pairs only")
            return nil
        }
        // Output names: each side's fields with its prefix, then the join's own fields.
        var origins: [String: String] = [:]
        let own = (bounds.isWindow ? [AggregationOutput.windowStart, AggregationOutput.windowEnd] : []) + [join.timeField.value]
        let named = left.schema.fieldNames.map { (join.leftPrefix + $0, "the left input") }
            + right.schema.fieldNames.map { (join.rightPrefix + $0, "the right input") } + own.map { ($0, "the join") }
        for (name, origin) in named {
            if let other = origins[name] {
                let fix = origin == "the join" ? "set time_field to another name" : "set prefixes, e.g. prefixes: { left: l_, right: r_ }"
                diagnostics.error(at: join.location, "field '\(name)' would come from both \(other) and \(origin): \(fix)")
                return nil
            }
            origins[name] = origin
        }
        guard let prototype = JoinFactory.makeOperator(spec, left: left.schema, right: right.schema, diagnostics: &diagnostics, at: join.location)
        else { return nil }
        var result = self.spec(node, specs, .join(spec), prototype.outputSchemas)
        result.portNames = prototype.outputSchemas.count == 1 ? ["main"] : ["main", "late_left", "late_right"]
        result.partitionKeys = keys
        var output = StreamInfo(schema: prototype.outputSchemas[0], producer: node.name.value, origin: StreamSpec(node: node.name.value))
        var time = leftTime
        time.field = join.timeField
        time.allowedLatenessMillis = max(leftTime.allowedLatenessMillis, rightTime.allowedLatenessMillis)
        output.eventTime = time
        return .node(result, [output] + prototype.outputSchemas.dropFirst().map { StreamInfo(schema: $0, producer: node.name.value, origin: StreamSpec(node: node.name.value, port: 1)) })
    }
}

extension JoinSpec.Bounds {
    var isWindow: Bool {
        if case .window = self { return true }
        return false
    }
}
