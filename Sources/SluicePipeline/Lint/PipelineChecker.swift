import SluiceConnectors
import SluiceCore

/// Checks a decoded document as a whole and, when nothing is wrong, produces its
/// `PipelineSpec`: references, cycles, the schema flowing through every node, expression
/// types, the keyed/windowed type-state, connector URIs and sinks.
///
/// A problem in one node makes its output unknown; nodes downstream of it are then
/// skipped instead of reporting errors that are only consequences of the first.
struct PipelineChecker {
    let document: PipelineDocument
    let uris: URIChecker
    var diagnostics = Diagnostics()

    var sourceSpecs: [SourceSpec?] = []
    var sourceStreams: [StreamInfo?] = []
    var nodeSpecs: [NodeSpec?] = []
    var nodeStreams: [[StreamInfo]?] = []
    /// key_by/window nodes fused into the operators reading them.
    var fusedNodes: Set<Int> = []
    var resolution: ReferenceResolution
    /// The fields to decode, by source name (`SourceNarrowing`); the others are checked only.
    var narrowing: [String: Set<String>] = [:]

    init(_ document: PipelineDocument, kinds: [ConnectorKind]) {
        self.document = document
        uris = URIChecker(kinds: kinds)
        resolution = ReferenceResolution(document)
    }

    mutating func check() -> PipelineSpec? {
        diagnostics.append(contentsOf: resolution.diagnostics)
        for source in document.sources {
            let (spec, stream) = checkSource(source)
            sourceSpecs.append(spec)
            sourceStreams.append(stream)
        }
        nodeSpecs = Array(repeating: nil, count: document.nodes.count)
        nodeStreams = Array(repeating: nil, count: document.nodes.count)
        for index in resolution.order {
            switch checkNode(index) {
            case .node(let spec, let streams)?:
                nodeSpecs[index] = spec
                nodeStreams[index] = streams
            case .fused(let stream)?:
                fusedNodes.insert(index)
                nodeStreams[index] = [stream]
            case .failed(let streams)?:
                nodeStreams[index] = streams
            case nil:
                break
            }
        }
        var sinks: [SinkSpec] = []
        for (index, sink) in document.sinks.enumerated() {
            if let spec = checkSink(sink, input: resolution.sinkInputs[index]) { sinks.append(spec) }
        }
        let deadLetter = document.deadLetter.flatMap { uris.check($0, as: .deadLetter, diagnostics: &diagnostics)?.uri }
        warnAboutUnreadNodes()

        guard !diagnostics.hasErrors, let deadLetter else { return nil }
        let sources = sourceSpecs.compactMap { $0 }
        let nodes = resolution.order.compactMap { nodeSpecs[$0] }
        // A part rejected by an earlier stage (the schema check) is missing without an error
        // of this checker's own; the loader knows about those.
        guard sources.count == document.sources.count, nodes.count + fusedNodes.count == document.nodes.count,
            sinks.count == document.sinks.count
        else { return nil }
        var spec = PipelineSpec(
            name: document.name.value, description: document.description, partitions: document.partitions,
            sources: sources, nodes: nodes, sinks: sinks, deadLetter: deadLetter)
        spec.schedule = document.schedule.flatMap { try? CronSchedule($0.value) }
        spec.startFreshOnIncompatibleChange = document.startFreshOnIncompatibleChange
        PartialResults.assign(in: &spec)
        return spec
    }

    // MARK: Streams

    /// The stream a resolved reference names; nil when it is unknown.
    func stream(_ target: ReferenceResolution.Target?) -> StreamInfo? {
        switch target {
        case .source(let index)?: sourceStreams[index]
        case .node(let index, let port)?: nodeStreams[index].flatMap { port < $0.count ? $0[port] : nil }
        case nil: nil
        }
    }

    /// The stream a reference names, as the runtime sees it (before fusing).
    func streamSpec(_ target: ReferenceResolution.Target) -> StreamSpec {
        switch target {
        case .source(let index):
            return StreamSpec(node: document.sources[index].name.value)
        case .node(let index, let port):
            let node = document.nodes[index]
            let route = ReferenceResolution.routeNames(of: node.op).map { $0[port] }
            return StreamSpec(node: node.name.value, port: port, route: route)
        }
    }

    // MARK: Sources

    private mutating func checkSource(_ source: SourceDecl) -> (SourceSpec?, StreamInfo?) {
        let checked = source.uri.flatMap { uris.check($0, as: .source, diagnostics: &diagnostics) }
        var schemaName: String?
        var schema: Schema?
        switch source.schema {
        case .builtIn(let name)?:
            schemaName = name.value
        case .fields(let fields)?:
            schema = customSchema(fields)
        case nil:
            schemaName = "daa"
        }
        if let (uri, kind) = checked, kind.scheme == "generator" {
            if case .builtIn(let written)? = source.schema, written.value != uri.path {
                diagnostics.error(
                    at: written.location, length: written.length,
                    "generator:\(uri.path) produces the \(uri.path) schema, not '\(written.value)': remove 'schema'")
            } else if case .fields(let fields)? = source.schema, let first = fields.first {
                diagnostics.error(at: first.name.location, "generator:\(uri.path) has a fixed schema: remove 'schema'")
            }
            schemaName = uri.path
            schema = nil
        }
        if let schemaName { schema = schemaName == "w1" ? DAA.metricSampleSchema : DAA.schema }
        guard var schema else { return (nil, nil) }
        var narrowedFrom: Schema?
        if let kept = narrowing[source.name.value] {
            narrowedFrom = schema
            schema = Schema(schema.fields.filter { kept.contains($0.name) })
        }

        var stream = StreamInfo(schema: schema, producer: source.name.value, origin: StreamSpec(node: source.name.value))
        if let eventTime = source.eventTime {
            let field = eventTime.field
            if let found = schema.field(named: field.value) {
                if found.type == .timestamp {
                    stream.eventTime = eventTime
                } else {
                    diagnostics.error(
                        at: field.location, length: field.length,
                        "event-time field '\(field.value)' is \(found.type); it must be a timestamp")
                }
            } else {
                diagnostics.error(
                    at: field.location, length: field.length,
                    "unknown field '\(field.value)'\(Suggestions.didYouMean(field.value, among: schema.fieldNames)) (event time of '\(source.name.value)')")
            }
        }
        guard let (uri, _) = checked else { return (nil, stream) }
        let settings = stream.eventTime.map { decl in
            EventTimeSettings(
                field: decl.field.value, maxOutOfOrderness: .milliseconds(decl.maxOutOfOrdernessMillis),
                allowedLateness: .milliseconds(decl.allowedLatenessMillis), idleTimeout: decl.idleTimeoutMillis.map { .milliseconds($0) })
        }
        // DAA events are per agent: scattering by agent lets the usual per-agent keyed
        // operators (and de-duplication by (agent, id)) skip their exchanges.
        let partitionKey = DAA.partitionKey.allSatisfy { schema.index(of: $0) != nil } ? DAA.partitionKey : nil
        let spec = SourceSpec(
            name: source.name.value, uri: uri, format: source.format, schema: schema, schemaName: schemaName, eventTime: settings,
            partitionKey: partitionKey, narrowedFrom: narrowedFrom)
        return (spec, stream)
    }

    private mutating func customSchema(_ fields: [(name: Located<String>, type: Located<String>)]) -> Schema? {
        var result: [Field] = []
        var seen: Set<String> = []
        for (name, type) in fields {
            guard seen.insert(name.value).inserted else {
                diagnostics.error(at: name.location, length: name.length, "duplicate field '\(name.value)' in the schema")
                continue
            }
            let dataType: DataType? = switch type.value {
            case "string": .string
            case "int": .int64
            case "double": .double
            case "bool": .bool
            case "timestamp": .timestamp
            default: nil
            }
            // Unknown type names were reported by the schema check.
            guard let dataType else { return nil }
            result.append(Field(name.value, dataType))
        }
        guard !result.isEmpty else { return nil }
        return Schema(result)
    }

    // MARK: Sinks

    private mutating func checkSink(_ sink: SinkDecl, input: ReferenceResolution.Target?) -> SinkSpec? {
        let checked = sink.uri.flatMap { uris.check($0, as: .sink, diagnostics: &diagnostics) }
        guard let input, let stream = stream(input) else { return nil }
        guard requirePlain(stream, reader: "sink '\(sink.name.value)'", at: sink.input) else { return nil }
        var valid = true
        var keys: [String] = []
        for key in sink.key ?? [] {
            if stream.schema.field(named: key.value) == nil {
                diagnostics.error(
                    at: key.location, length: key.length,
                    "unknown field '\(key.value)'\(Suggestions.didYouMean(key.value, among: stream.schema.fieldNames)) (key of sink '\(sink.name.value)'; the rows have: \(stream.schema.fieldNames.joined(separator: ", ")))")
                valid = false
            }
            keys.append(key.value)
        }
        let mode: SinkMode
        switch sink.mode?.value {
        case "upsert"?:
            if keys.isEmpty, let written = sink.mode {
                diagnostics.error(at: written.location, length: written.length, "mode upsert needs 'key': the fields identifying a row")
                valid = false
            }
            mode = .upsert(key: keys)
        case "append"?:
            mode = .append
        default:
            mode = keys.isEmpty ? .append : .upsert(key: keys)
        }
        guard let (uri, kind) = checked else { return nil }
        if kind.keepsViews, sink.view == nil {
            diagnostics.error(at: sink.location, "a \(kind.scheme) sink needs 'view': the table to keep up to date, e.g. view: \(String(document.name.value.map { $0 == "-" ? "_" : $0 }))")
            valid = false
        }
        // memory: stands in for view stores in tests, so a view name is fine there.
        if !kind.keepsViews, kind.scheme != "memory", let view = sink.view {
            diagnostics.warning(at: view.location, length: view.length, "'view' is ignored: \(kind.scheme): does not keep views")
        }
        guard valid else { return nil }
        return SinkSpec(
            name: sink.name.value, input: stream.origin, uri: uri, view: sink.view?.value, mode: mode,
            flushEvery: .milliseconds(sink.flushEveryMillis), schema: stream.schema)
    }

    /// Keyed and windowed streams are half-built: only a window, an aggregate or a join
    /// can read them.
    mutating func requirePlain(_ stream: StreamInfo, reader: String, at location: Located<String>) -> Bool {
        switch stream.state {
        case .plain:
            return true
        case .keyed:
            diagnostics.error(
                at: location.location, length: location.length,
                "\(reader) reads the keyed stream '\(stream.producer)': key_by must be followed by a window, aggregate, fold or join")
        case .windowed:
            diagnostics.error(
                at: location.location, length: location.length,
                "\(reader) reads the windowed stream '\(stream.producer)': a window must be followed by an aggregate")
        }
        return false
    }

    private mutating func warnAboutUnreadNodes() {
        var read = Set<Int>()
        for targets in resolution.inputs {
            for case .node(let index, _)? in targets { read.insert(index) }
        }
        for case .node(let index, _)? in resolution.sinkInputs { read.insert(index) }
        for (index, node) in document.nodes.enumerated() where !read.contains(index) {
            if fusedNodes.contains(index) {
                diagnostics.error(
                    at: node.name.location, length: node.name.length,
                    "'\(node.name.value)' is not read: \(node.op.keyword) must be followed by \(node.op.keyword == "window" ? "an aggregate" : "a window, aggregate, fold or join")")
            } else if nodeSpecs[index] != nil {
                diagnostics.warning(at: node.name.location, length: node.name.length, "node '\(node.name.value)' is not read by any node or sink")
            }
        }
    }
}
