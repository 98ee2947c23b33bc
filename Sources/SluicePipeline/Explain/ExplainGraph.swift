import SluiceCore
import SluiceOperators
import SluiceRuntime

/// The operator graph of a pipeline as `sluice explain` shows it: sources, operators with
/// their keys, windows and parallelism, sinks with redacted URIs, and the edges with how
/// rows move between partitions.
///
/// One graph, three renderings (`text`, `mermaid`, `dot`), so they never disagree.
public struct ExplainGraph: Sendable {
    public enum VertexKind: String, Sendable {
        case source, `operator`, sink, output
    }

    public struct Vertex: Sendable {
        /// Unique, made of letters, digits and `_` (valid in Mermaid and dot).
        public var id: String
        public var kind: VertexKind
        public var name: String
        /// The operator keyword, connector scheme or output role.
        public var role: String
        /// One fact per line: expressions, keys, window, URI, mode. Line breaks and runs
        /// of spaces inside an expression are shown as one space.
        public var details: [String] {
            didSet { details = details.map(Self.oneLine) }
        }

        init(id: String, kind: VertexKind, name: String, role: String, details: [String]) {
            self.id = id
            self.kind = kind
            self.name = name
            self.role = role
            self.details = details.map(Self.oneLine)
        }

        static func oneLine(_ text: String) -> String {
            text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        }

        /// `name (role)`, or just the name when it says the role already.
        public var title: String { name == role ? name : "\(name) (\(role))" }
    }

    public struct Link: Sendable {
        public var from: String
        public var to: String
        public var label: String
    }

    public var pipeline: String
    public var partitions: Int
    public var vertices: [Vertex] = []
    public var links: [Link] = []

    /// The graph of `spec` run with `partitions` partitions.
    public init(_ spec: PipelineSpec, partitions: Int) {
        pipeline = spec.name
        self.partitions = partitions
        var ids: [String: String] = [:]
        var used: Set<String> = []
        func id(_ prefix: String, _ name: String) -> String {
            var candidate = prefix + "_" + String(name.unicodeScalars.map { $0.properties.isAlphabetic || ("0"..."9").contains($0) ? Character($0) : "_" })
            while used.contains(candidate) { candidate += "_" }
            used.insert(candidate)
            return candidate
        }
        for source in spec.sources {
            let vertexID = id("src", source.name)
            ids[source.name] = vertexID
            var schemaLine = "schema " + (source.schemaName ?? "custom") + " (\(source.declaredSchema.count) fields)"
            if source.narrowedFrom != nil {
                schemaLine += "; decodes \(source.schema.fieldNames.joined(separator: ", ")), checks the rest"
            }
            if !source.fingerprintedIds.isEmpty {
                schemaLine += "; \(source.fingerprintedIds.sorted().joined(separator: ", ")) as fingerprints only"
            }
            var details = [source.uri.redacted + Self.availability(source.uri), schemaLine]
            if let time = source.eventTime {
                var line = "event time \(time.field), out of order ≤ \(Self.format(time.maxOutOfOrderness))"
                if time.allowedLateness > .zero { line += ", lateness \(Self.format(time.allowedLateness))" }
                if let idle = time.idleTimeout { line += ", idle after \(Self.format(idle))" }
                details.append(line)
            }
            vertices.append(Vertex(id: vertexID, kind: .source, name: source.name, role: source.uri.scheme, details: details))
        }
        let edges = PipelinePlanner.inputEdges(of: spec, partitions: partitions)
        for node in spec.nodes {
            let vertexID = id("op", node.name)
            ids[node.name] = vertexID
            var details = Self.details(of: node.operation)
            let keyed = node.partitionKeys != nil
            details.append("\(partitions) partition\(partitions == 1 ? "" : "s")" + (keyed ? ", state by key" : ""))
            vertices.append(Vertex(id: vertexID, kind: .operator, name: node.name, role: node.operation.keyword, details: details))
            for (index, input) in node.inputs.enumerated() {
                guard let from = ids[input.node] else { continue }
                var label = edges[node.name]?[index].description ?? "forward"
                if let route = input.route { label = "\(route): " + label }
                if case .join = node.operation { label = (index == 0 ? "left: " : "right: ") + label }
                links.append(Link(from: from, to: vertexID, label: label))
            }
            if case .aggregate(let aggregation) = node.operation, let late = aggregation.late {
                let lateID = id("late", node.name)
                vertices.append(Vertex(id: lateID, kind: .output, name: "late", role: late.scheme, details: [late.redacted]))
                links.append(Link(from: vertexID, to: lateID, label: "late events"))
            }
        }
        for sink in spec.sinks {
            let vertexID = id("sink", sink.name)
            var details = [sink.uri.redacted + Self.availability(sink.uri)]
            if let view = sink.view { details.append("view \(view)") }
            switch sink.mode {
            case .append: details.append("append")
            case .upsert(key: let key): details.append("upsert by (\(key.joined(separator: ", ")))")
            }
            details.append("flush every \(Self.format(sink.flushEvery))")
            vertices.append(Vertex(id: vertexID, kind: .sink, name: sink.name, role: sink.uri.scheme, details: details))
            if let from = ids[sink.input.node] {
                links.append(Link(from: from, to: vertexID, label: sink.input.route ?? ""))
            }
        }
        let deadID = id("dead", "letters")
        vertices.append(Vertex(id: deadID, kind: .output, name: "dead letters", role: spec.deadLetter.scheme, details: [spec.deadLetter.redacted]))
        for source in spec.sources {
            if let from = ids[source.name] { links.append(Link(from: from, to: deadID, label: "undecodable")) }
        }
        // De-duplication sends the repeats it drops to the same output (the planner's
        // duplicates sink), so they are shown arriving there too.
        for node in spec.nodes {
            guard case .dedupe = node.operation, let from = ids[node.name] else { continue }
            links.append(Link(from: from, to: deadID, label: "duplicates"))
        }
    }

    static func format(_ duration: Duration) -> String { DurationSyntax.format(millis: duration.wholeMilliseconds) }

    /// A note for connectors that validate but cannot run in this build.
    static func availability(_ uri: ConnectorURI) -> String {
        ConnectorKind.all.first { $0.scheme == uri.scheme }?.isAvailable == false ? " (not available in this build)" : ""
    }
}

extension WindowSpec {
    /// `tumbling 10s`, `sliding 5m every 1m`, `session gap 30s`.
    var displayText: String {
        func d(_ millis: Int64) -> String { DurationSyntax.format(millis: millis) }
        return switch self {
        case .tumbling(let size): "tumbling \(d(size))"
        case .sliding(let size, let slide): "sliding \(d(size)) every \(d(slide))"
        case .session(let gap): "session gap \(d(gap))"
        }
    }
}

extension ExplainGraph {

    static func details(of operation: Operation) -> [String] {
        switch operation {
        case .filter(let condition):
            return ["where \(condition.text)"]
        case .map(let fields):
            return fields.map { "\($0.name) = \($0.expression.text)" }
        case .select(let fields):
            return ["keep \(fields.joined(separator: ", "))"]
        case .dedupe(let field, let horizon, _):
            return ["drop repeated \(field) within \(format(horizon))"]
        case .aggregate(let spec):
            var lines = ["key \(spec.keys.joined(separator: ", "))"]
            if let window = spec.window {
                lines.append("window \(window.displayText)")
                if spec.allowedLateness > .zero { lines.append("lateness \(format(spec.allowedLateness))") }
                if let every = spec.partialEvery { lines.append("open windows emitted every \(format(every))") }
            } else {
                lines.append("running per key (no window)")
            }
            lines += spec.aggregates.map { call in
                let argument = call.argument?.text ?? ""
                let fraction = call.fraction.map { ", \($0)" } ?? ""
                return "\(call.name) = \(call.function.rawValue)(\(argument)\(fraction))"
            }
            return lines
        case .union:
            return ["merge inputs"]
        case .branch(let routes, let defaultRoute):
            return routes.map { "\($0.name): \($0.expression.text)" } + (defaultRoute.map { ["\($0): otherwise"] } ?? [])
        case .join(let join):
            let pairs = zip(join.leftKeys, join.rightKeys).map { $0 == $1 ? $0 : "\($0) = \($1)" }.joined(separator: ", ")
            var lines: [String]
            switch join.bounds {
            case .interval(let lower, let upper):
                lines = ["interval join on \(pairs)", "right.\(join.rightTimeField) − left.\(join.leftTimeField) in [\(format(lower)), \(format(upper))]"]
            case .window(let size):
                lines = ["window join on \(pairs)", "same tumbling \(format(size)) window"]
            }
            if join.emitUnmatchedLeft { lines.append("unmatched left rows emitted") }
            if !join.leftPrefix.isEmpty || !join.rightPrefix.isEmpty {
                lines.append("prefixes \(join.leftPrefix.isEmpty ? "none" : join.leftPrefix) / \(join.rightPrefix.isEmpty ? "none" : join.rightPrefix)")
            }
            return lines
        }
    }
}
