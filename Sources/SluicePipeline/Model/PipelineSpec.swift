public import SluiceCore

/// A pipeline after loading: every name resolved, every schema known, every expression
/// compiled. Pure data.
///
/// - Important: A `PipelineSpec` exists only for a file that loaded without errors, so
///   building its dataflow cannot fail on anything the file said.
public struct PipelineSpec: Sendable {
    public var name: String
    public var description: String?
    /// Partitions the file asks for (`sluice run --partitions` overrides it).
    public var partitions: Int?
    public var sources: [SourceSpec]
    /// Operator nodes in an order where every node comes after its inputs.
    public var nodes: [NodeSpec]
    public var sinks: [SinkSpec]
    /// Where undecodable records go.
    public var deadLetter: ConnectorURI

    /// The source or node called `name`.
    public func producer(named name: String) -> Producer? {
        if let source = sources.first(where: { $0.name == name }) { return .source(source) }
        return nodes.first { $0.name == name }.map(Producer.node)
    }

    /// A stream's producer: a source or an operator node.
    public enum Producer: Sendable {
        case source(SourceSpec)
        case node(NodeSpec)

        public var outputSchemas: [Schema] {
            switch self {
            case .source(let source): [source.schema]
            case .node(let node): node.outputSchemas
            }
        }
    }

    /// The schema of the stream `input` names.
    public func schema(of input: StreamSpec) -> Schema? {
        producer(named: input.node).flatMap { producer in
            input.port < producer.outputSchemas.count ? producer.outputSchemas[input.port] : nil
        }
    }
}

/// One output port of a source or node: port 0 is the main output; a branch has one port
/// per route (then its default route).
public struct StreamSpec: Sendable, Hashable, CustomStringConvertible {
    public var node: String
    public var port: Int
    /// The route name for branch ports (`alerts` in `check.alerts`).
    public var route: String?

    public init(node: String, port: Int = 0, route: String? = nil) {
        self.node = node
        self.port = port
        self.route = route
    }

    public var description: String { route.map { "\(node).\($0)" } ?? node }
}

/// Event time of a source.
public struct EventTimeSettings: Sendable, Hashable {
    public var field: String
    public var maxOutOfOrderness: Duration
    /// How long fired windows keep accepting late events (applies to windows downstream).
    public var allowedLateness: Duration
    public var idleTimeout: Duration?
}

/// A source of events.
public struct SourceSpec: Sendable {
    public var name: String
    public var uri: ConnectorURI
    public var format: String
    public var schema: Schema
    /// The built-in schema name (`daa`, `w1`), nil for a schema written in the file.
    public var schemaName: String?
    public var eventTime: EventTimeSettings?
}

/// Where a sink writes, and how.
public struct SinkSpec: Sendable {
    public var name: String
    public var input: StreamSpec
    public var uri: ConnectorURI
    /// The table or view (view-keeping sinks).
    public var view: String?
    public var mode: SinkMode
    public var flushEvery: Duration
    /// The schema of the rows it receives.
    public var schema: Schema
}
