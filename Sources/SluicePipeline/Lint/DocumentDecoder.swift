/// Turns a checked YAML tree into a `PipelineDocument`, lowering the linear form into
/// the graph form on the way.
struct DocumentDecoder {
    let interpolator: Interpolator
    var diagnostics = Diagnostics()

    let sourceOverrides: [String: String]

    init(environment: [String: String], sourceOverrides: [String: String] = [:]) {
        interpolator = Interpolator(environment: environment)
        self.sourceOverrides = sourceOverrides
    }

    mutating func decode(_ root: SyntaxNode) -> PipelineDocument? {
        guard root.mapping != nil else {
            diagnostics.error(
                at: root.location, "a pipeline file is a mapping with keys such as 'pipeline', 'source', 'steps' and 'sink'; found \(root.kindDescription)")
            return nil
        }
        var checker = SchemaChecker()
        checker.check(root, against: .object(PipelineSchema.pipeline), key: "pipeline file")
        diagnostics.append(contentsOf: checker.diagnostics)
        guard let reader = MappingReader(root, PipelineSchema.pipeline) else { return nil }

        let isGraph = reader.has("sources") || reader.has("nodes") || reader.has("sinks")
        var document = PipelineDocument(
            name: reader.string("pipeline") ?? Located("pipeline", at: root.location),
            description: reader.string("description")?.value,
            partitions: reader.integer("partitions"),
            form: isGraph ? .graph : .linear,
            deadLetter: uri(reader.object("dead_letter"), default: EmbeddedDefaults.deadLetterURI, at: root.location),
            location: root.location)
        if let schedule = reader.string("schedule") {
            do {
                _ = try CronSchedule(schedule.value)
                document.schedule = schedule
            } catch {
                diagnostics.error(at: schedule.location, length: schedule.length, "schedule: \(error)")
            }
        }
        document.startFreshOnIncompatibleChange = reader.string("on_incompatible_change")?.value == "start_fresh"
        if isGraph, reader.has("source") || reader.has("steps") || reader.has("sink") {
            return nil  // both forms at once: the schema check said so; nothing more to learn
        }
        if isGraph {
            decodeGraph(reader, into: &document)
        } else {
            decodeLinear(reader, into: &document)
        }
        return document
    }

    // MARK: Linear form

    private mutating func decodeLinear(_ reader: MappingReader, into document: inout PipelineDocument) {
        let sourceReader = reader.object("source")
        var source = decodeSource(sourceReader, name: Located("source", at: reader.keyLocation("source") ?? reader.location), at: reader.location)
        if let eventTime = reader.object("event_time") { source.eventTime = decodeEventTime(eventTime) }
        document.sources = [source]
        var names: Set<String> = ["source"]
        var previous = "source"
        var operators = OperatorDecoding()

        if let dedupe = reader.object("dedupe") {
            let op = OperatorDecoding.dedupe(dedupe) ?? .invalid(keyword: "dedupe")
            document.nodes.append(NodeDecl(name: Located("dedupe", at: dedupe.location), inputs: [Located(previous, at: dedupe.location)], op: op, location: dedupe.location))
            names.insert("dedupe")
            previous = "dedupe"
        }
        for item in reader["steps"]?.sequence ?? [] {
            guard let step = MappingReader(item, PipelineSchema.step) else { continue }
            let written = step.string("name")
            let keyword = PipelineSchema.step.exclusiveGroups.flatMap { $0 }.first { step.has($0) } ?? "step"
            let name = written ?? Located(Self.unique(keyword, in: names), at: step.location)
            if let written, names.contains(written.value) {
                diagnostics.error(at: written.location, length: written.length, "duplicate step name '\(written.value)'")
            }
            names.insert(name.value)
            let input = Located(previous, at: step.location)
            if step.has("branch") {
                previous = decodeLinearBranch(step, name: name, input: input, names: &names, into: &document)
                continue
            }
            let op = operators.decode(step, linearBranchAllowed: true)
            document.nodes.append(NodeDecl(name: name, inputs: [input], op: op, location: step.location))
            previous = name.value
        }
        diagnostics.append(contentsOf: operators.diagnostics)

        if let late = reader.object("late") {
            let lateURI = uri(late, default: "", at: late.location)
            let windowed = document.nodes.indices.filter {
                if case .keyed(_, let window, _, _) = document.nodes[$0].op { return window != nil }
                return false
            }
            if windowed.isEmpty {
                diagnostics.warning(at: reader.keyLocation("late"), length: 4, "'late' has no effect: no step has a window")
            }
            for index in windowed { document.nodes[index].late = lateURI }
        }

        guard let sink = reader.object("sink") else {
            diagnostics.error(
                at: reader.location, "the pipeline has no sink: add 'sink', e.g. sink: { view: my_view, key: [agent_id] }")
            return
        }
        document.sinks.append(decodeSink(sink, name: Located("sink", at: reader.keyLocation("sink") ?? sink.location), input: Located(previous, at: sink.location)))
    }

    /// A linear `branch` step: each route's rows go to its sink, the rest continue.
    /// Returns the reference the next step reads.
    private mutating func decodeLinearBranch(
        _ step: MappingReader, name: Located<String>, input: Located<String>, names: inout Set<String>,
        into document: inout PipelineDocument
    ) -> String {
        var routes: [NamedText] = []
        for entry in step["branch"]?.mapping ?? [] {
            guard let route = MappingReader(entry.value, PipelineSchema.branchRoute), let when = route.text("when") else { continue }
            let routeName = Located(entry.key, at: entry.keyLocation, length: entry.key.count)
            routes.append(NamedText(name: routeName, text: when))
            if let sink = route.object("sink") {
                let sinkName = Self.unique(entry.key, in: names)
                names.insert(sinkName)
                document.sinks.append(
                    decodeSink(sink, name: Located(sinkName, at: entry.keyLocation), input: Located("\(name.value).\(entry.key)", at: entry.keyLocation)))
            }
        }
        let rest = Self.unique("rest", in: Set(routes.map(\.name.value)))
        document.nodes.append(
            NodeDecl(name: name, inputs: [input], op: .branch(routes: routes, defaultRoute: Located(rest, at: step.location)), location: step.location))
        return "\(name.value).\(rest)"
    }

    // MARK: Graph form

    private mutating func decodeGraph(_ reader: MappingReader, into document: inout PipelineDocument) {
        for (name, source) in reader.namedObjects("sources") {
            var decl = decodeSource(source, name: name, at: source.location)
            if let eventTime = source.object("event_time") { decl.eventTime = decodeEventTime(eventTime) }
            document.sources.append(decl)
        }
        if document.sources.isEmpty, !reader.has("sources") {
            diagnostics.error(at: reader.location, "the pipeline has no source: add one under 'sources'")
        }
        var operators = OperatorDecoding()
        for (name, node) in reader.namedObjects("nodes") {
            let op = operators.decode(node, linearBranchAllowed: false)
            var inputs = node.names("from") ?? []
            switch op {
            case .union:
                inputs = node.names("union") ?? []
                rejectFrom(node, because: "a union lists its inputs under 'union'")
            case .join(let join):
                inputs = [join.left, join.right]
                rejectFrom(node, because: "a join names its inputs as 'left' and 'right'")
            case .invalid where node.has("join") || node.has("union"):
                break
            default:
                if !node.has("from") {
                    diagnostics.error(at: node.location, "node '\(name.value)' needs 'from': the node or source it reads")
                }
            }
            let late = node.object("late").flatMap { uri($0, default: "", at: $0.location) }
            document.nodes.append(NodeDecl(name: name, inputs: inputs, op: op, late: late, location: node.location))
        }
        diagnostics.append(contentsOf: operators.diagnostics)
        for (name, sink) in reader.namedObjects("sinks") {
            guard let from = sink.string("from") else {
                if !sink.has("from") {
                    diagnostics.error(at: sink.location, "sink '\(name.value)' needs 'from': the node whose rows it writes")
                }
                continue
            }
            document.sinks.append(decodeSink(sink, name: name, input: from))
        }
        if !reader.has("sinks") {
            diagnostics.error(at: reader.location, "the pipeline has no sink: add at least one under 'sinks'")
        }
    }

    private mutating func rejectFrom(_ node: MappingReader, because reason: String) {
        if let location = node.keyLocation("from") {
            diagnostics.error(at: location, length: 4, "'from' is not used here: \(reason)")
        }
    }

    // MARK: Shared parts

    private mutating func decodeSource(_ reader: MappingReader?, name: Located<String>, at location: FileLocation) -> SourceDecl {
        var uri = uri(reader, default: EmbeddedDefaults.sourceURI, at: reader?.location ?? location)
        if let override = sourceOverrides[name.value] {
            uri = SpannedText(override, at: reader?.location ?? location, fromEnvironment: true)
        }
        var schema: SchemaDecl?
        if let node = reader?["schema"] {
            if let scalar = node.scalar {
                schema = .builtIn(Located(scalar.text.string, at: node.location, length: scalar.text.string.count))
            } else if let entries = node.mapping {
                schema = .fields(
                    entries.compactMap { entry in
                        guard let type = entry.value.scalar else { return nil }
                        return (
                            Located(entry.key, at: entry.keyLocation, length: entry.key.count),
                            Located(type.text.string, at: entry.value.location, length: type.text.string.count)
                        )
                    })
            }
        }
        return SourceDecl(name: name, uri: uri, format: reader?.string("format")?.value ?? "json", schema: schema, eventTime: nil)
    }

    private func decodeEventTime(_ reader: MappingReader) -> EventTimeDecl? {
        guard let field = reader.string("field") else { return nil }
        return EventTimeDecl(
            field: field, maxOutOfOrdernessMillis: reader.millis("max_out_of_orderness") ?? 0,
            allowedLatenessMillis: reader.millis("allowed_lateness") ?? 0,
            idleTimeoutMillis: reader.has("idle_timeout") ? reader.millis("idle_timeout") : nil)
    }

    private mutating func decodeSink(_ reader: MappingReader, name: Located<String>, input: Located<String>) -> SinkDecl {
        SinkDecl(
            name: name, input: input, uri: uri(reader, default: EmbeddedDefaults.viewsURI, at: reader.location),
            view: reader.string("view"), key: reader.names("key"), mode: reader.string("mode"),
            flushEveryMillis: reader.millis("flush_every") ?? 1000, location: reader.location)
    }

    /// The URI written under `uri`, or `defaultText` interpolated (so
    /// `${DAA_VIEWS:-sqlite:.sluice/views.db}` picks up the environment); nil when a URI is
    /// written but unusable (the reason is already reported).
    private func uri(_ reader: MappingReader?, default defaultText: String, at location: FileLocation) -> SpannedText? {
        if let reader, reader.has("uri") { return reader.text("uri") }
        var ignored = Diagnostics()  // the defaults are well-formed
        return interpolator.interpolate(SpannedText(defaultText, at: location), diagnostics: &ignored)
    }

    private static func unique(_ base: String, in names: Set<String>) -> String {
        guard names.contains(base) else { return base }
        var n = 2
        while names.contains("\(base)_\(n)") { n += 1 }
        return "\(base)_\(n)"
    }
}
