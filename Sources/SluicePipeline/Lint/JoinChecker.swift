import SluiceCore

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

        // Output: the left row's fields, then the right row's, each with its side's prefix.
        var fields: [Field] = []
        var seen: [String: String] = [:]
        for (stream, prefix, side, nullable) in [
            (left, join.leftPrefix, "left", false), (right, join.rightPrefix, "right", join.emitUnmatchedLeft),
        ] {
            for field in stream.schema.fields {
                let name = prefix + field.name
                if let other = seen[name] {
                    diagnostics.error(
                        at: join.location,
                        "field '\(name)' would come from both the \(other) and the \(side) input: set prefixes, e.g. prefixes: { left: l_, right: r_ }")
                    return nil
                }
                seen[name] = side
                fields.append(Field(name, field.type, nullable: field.nullable || nullable))
            }
        }
        let schema = Schema(fields)
        let bounds: JoinSpec.Bounds = switch join.bounds {
        case .interval(let lower, let upper)?: .interval(lower: .milliseconds(lower), upper: .milliseconds(upper))
        case .window(let size)?: .window(size: .milliseconds(size))
        case nil: preconditionFailure("the decoder rejects joins without bounds")
        }
        let spec = JoinSpec(
            leftKeys: keys[0], rightKeys: keys[1], bounds: bounds, emitUnmatchedLeft: join.emitUnmatchedLeft,
            leftPrefix: join.leftPrefix, rightPrefix: join.rightPrefix, leftTimeField: leftTime.field.value,
            rightTimeField: rightTime.field.value)
        var result = self.spec(node, specs, .join(spec), [schema])
        result.partitionKeys = keys
        var output = StreamInfo(schema: schema, producer: node.name.value, origin: StreamSpec(node: node.name.value))
        var time = leftTime
        time.field.value = join.leftPrefix + leftTime.field.value
        time.allowedLatenessMillis = max(leftTime.allowedLatenessMillis, rightTime.allowedLatenessMillis)
        output.eventTime = time
        return .node(result, [output])
    }
}
