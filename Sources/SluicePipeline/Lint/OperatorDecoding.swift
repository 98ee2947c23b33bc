/// Reads the operator keys shared by linear-form steps and graph-form nodes.
struct OperatorDecoding {
    var diagnostics = Diagnostics()

    /// The operator of a step or node, or `.invalid` when its settings were rejected.
    mutating func decode(_ reader: MappingReader, linearBranchAllowed: Bool) -> OperatorDecl {
        if reader.spec.key("join") != nil, reader.has("join") { return join(reader) }
        if reader.has("filter") { return reader.text("filter").map(OperatorDecl.filter) ?? .invalid(keyword: "filter") }
        if reader.has("map") { return reader.namedTexts("map").map(OperatorDecl.map) ?? .invalid(keyword: "map") }
        if reader.has("select") { return reader.names("select").map(OperatorDecl.select) ?? .invalid(keyword: "select") }
        if reader.has("dedupe") {
            guard let dedupe = reader.object("dedupe"), let decl = Self.dedupe(dedupe) else { return .invalid(keyword: "dedupe") }
            return decl
        }
        if reader.spec.key("union") != nil, reader.has("union") { return .union }
        if !linearBranchAllowed, reader.has("branch") {
            guard let branch = reader.object("branch"), let routes = branch.namedTexts("routes") else { return .invalid(keyword: "branch") }
            return .branch(routes: routes, defaultRoute: branch.string("default"))
        }
        return keyed(reader)
    }

    static func dedupe(_ reader: MappingReader) -> OperatorDecl? {
        guard let horizon = reader.millis("horizon") else { return nil }
        let field = reader.string("field") ?? Located("id", at: reader.location, length: 1)
        return .dedupe(field: field, horizonMillis: horizon)
    }

    private mutating func keyed(_ reader: MappingReader) -> OperatorDecl {
        // No operator at all: the schema check reported it (or the misspelt key).
        guard let keyword = ["aggregate", "fold", "window", "key_by"].first(where: { reader.has($0) }) else {
            return .invalid(keyword: reader.spec.name)
        }
        var valid = true
        var keys: [Located<String>]?
        if reader.has("key_by") {
            keys = reader.names("key_by")
            valid = valid && keys != nil
        }
        var window: WindowDecl?
        if reader.has("window") {
            window = reader.object("window").flatMap { decodeWindow($0) }
            valid = valid && window != nil
        }
        var aggregates: [NamedText]?
        let aggregateKey = reader.has("fold") ? "fold" : "aggregate"
        if reader.has(aggregateKey) {
            aggregates = reader.namedTexts(aggregateKey)
            valid = valid && aggregates != nil
            if let list = aggregates, list.isEmpty, let location = reader[aggregateKey]?.location {
                diagnostics.error(at: location, "'\(aggregateKey)' needs at least one aggregate, e.g. { events: count() }")
                valid = false
            }
        }
        if reader.has("fold"), reader.has("aggregate"), let location = reader.keyLocation("fold") {
            diagnostics.error(at: location, length: 4, "'fold' cannot be combined with 'aggregate': fold is an aggregate without a window")
            valid = false
        }
        guard valid else { return .invalid(keyword: keyword) }
        return .keyed(keyBy: keys, window: window, aggregates: aggregates, isFold: reader.has("fold"))
    }

    private mutating func decodeWindow(_ reader: MappingReader) -> WindowDecl? {
        if reader.has("tumbling") {
            guard let size = positive(reader, "tumbling") else { return nil }
            return WindowDecl(kind: .tumbling(sizeMillis: size), location: reader.location)
        }
        if reader.has("session") {
            guard let gap = positive(reader, "session") else { return nil }
            return WindowDecl(kind: .session(gapMillis: gap), location: reader.location)
        }
        guard reader.has("sliding") else {
            // No window kind at all (or only a misspelt one) is the schema check's error;
            // saying more here would blame a key the file does not have.
            if let every = reader.keyLocation("every") {
                diagnostics.error(at: every, length: 5, "'every' needs 'sliding': { sliding: 5m, every: 1m }")
            }
            return nil
        }
        guard reader.has("every") else {
            diagnostics.error(at: reader.location, "a sliding window needs 'every' (its slide), e.g. { sliding: 5m, every: 1m }")
            return nil
        }
        guard let size = positive(reader, "sliding"), let slide = positive(reader, "every") else { return nil }
        guard slide <= size else {
            diagnostics.error(
                at: reader["every"]?.location ?? reader.location,
                "the slide (\(DurationSyntax.format(millis: slide))) must not be longer than the window (\(DurationSyntax.format(millis: size)))")
            return nil
        }
        return WindowDecl(kind: .sliding(sizeMillis: size, slideMillis: slide), location: reader.location)
    }

    private mutating func join(_ reader: MappingReader) -> OperatorDecl {
        guard let join = reader.object("join"), let left = join.string("left"), let right = join.string("right") else {
            return .invalid(keyword: "join")
        }
        var valid = true
        var leftKeys: [Located<String>]?
        var rightKeys: [Located<String>]?
        if join.has("on") {
            leftKeys = join.names("on")
            rightKeys = leftKeys
            valid = leftKeys != nil
        } else if join.has("left_on") || join.has("right_on") {
            leftKeys = join.names("left_on")
            rightKeys = join.names("right_on")
            if join.has("left_on") != join.has("right_on") {
                let missing = join.has("left_on") ? "right_on" : "left_on"
                diagnostics.error(at: join.location, "'left_on' and 'right_on' go together: add '\(missing)'")
                valid = false
            } else if let l = leftKeys, let r = rightKeys, l.count != r.count {
                diagnostics.error(
                    at: join["right_on"]?.location ?? join.location,
                    "'left_on' has \(l.count) field(s) but 'right_on' has \(r.count): they pair up one to one")
                valid = false
            } else if leftKeys == nil || rightKeys == nil {
                valid = false
            }
        }
        var bounds: JoinDecl.Bounds?
        if join.has("interval"), join.has("window"), let location = join.keyLocation("window") {
            diagnostics.error(at: location, length: 6, "a join is either an interval join or a window join: remove 'interval' or 'window'")
            valid = false
        } else if let interval = join.object("interval") {
            if let lower = interval.millis("lower"), let upper = interval.millis("upper") {
                if lower > upper {
                    diagnostics.error(
                        at: interval["lower"]?.location ?? interval.location,
                        "the interval's lower bound (\(DurationSyntax.format(millis: lower))) is after its upper bound (\(DurationSyntax.format(millis: upper)))")
                    valid = false
                }
                bounds = .interval(lowerMillis: lower, upperMillis: upper)
            } else {
                valid = false
            }
        } else if let window = join.object("window") {
            if let size = positive(window, "tumbling") { bounds = .window(sizeMillis: size) } else { valid = false }
        } else if !join.has("interval"), !join.has("window") {
            diagnostics.error(at: join.location, "a join needs time bounds: 'interval: { lower: 0s, upper: 10m }' or 'window: { tumbling: 1m }'")
            valid = false
        } else {
            valid = false
        }
        guard valid else { return .invalid(keyword: "join") }
        let prefixes = join.object("prefixes")
        return .join(
            JoinDecl(
                left: left, right: right, leftKeys: leftKeys, rightKeys: rightKeys, bounds: bounds,
                emitUnmatchedLeft: join.string("emit_unmatched")?.value == "left",
                leftPrefix: prefixes?.string("left")?.value ?? "", rightPrefix: prefixes?.string("right")?.value ?? "",
                timeField: join.string("time_field") ?? Located("join_time", at: join.location), location: join.location))
    }

    private mutating func positive(_ reader: MappingReader, _ key: String) -> Int64? {
        guard let millis = reader.millis(key) else { return nil }
        guard millis > 0 else {
            diagnostics.error(at: reader[key]?.location ?? reader.location, "'\(key)' must be longer than 0s")
            return nil
        }
        return millis
    }
}
