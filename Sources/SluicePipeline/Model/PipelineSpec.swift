public import SluiceCore

/// A pipeline after loading: every name resolved, every schema known, every expression
/// compiled. Pure data.
///
/// - Important: A `PipelineSpec` exists only for a file that loaded without errors, so
///   building its dataflow cannot fail on anything the file said.
public struct PipelineSpec: Sendable {
    /// The `pipeline:` name.
    public var name: String
    /// The `description:`, if any.
    public var description: String?
    /// Partitions the file asks for (`sluice run --partitions` overrides it).
    public var partitions: Int?
    /// The `schedule:` of a batch job (nil: run at once).
    public var schedule: CronSchedule? = nil
    /// `on_incompatible_change: start_fresh`: a reload whose keyed state does not fit the
    /// running version's starts the new version afresh instead of being refused.
    public var startFreshOnIncompatibleChange = false
    /// Every source, in file order.
    public var sources: [SourceSpec]
    /// Operator nodes in an order where every node comes after its inputs.
    public var nodes: [NodeSpec]
    /// Every sink, in file order (a linear branch's route sinks first).
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

        /// The schema of each output port.
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
    /// The source or node producing the stream.
    public var node: String
    /// The output port (0: the main output).
    public var port: Int
    /// The route name for branch ports (`alerts` in `check.alerts`).
    public var route: String?

    /// The stream of `node`'s `port` (named `route` for branch ports).
    public init(node: String, port: Int = 0, route: String? = nil) {
        self.node = node
        self.port = port
        self.route = route
    }

    /// `node` or `node.route`, as the file writes it.
    public var description: String { route.map { "\(node).\($0)" } ?? node }
}

/// Event time of a source.
public struct EventTimeSettings: Sendable, Hashable {
    /// The timestamp field.
    public var field: String
    /// The watermark trails the latest event time by this much.
    public var maxOutOfOrderness: Duration
    /// How long fired windows keep accepting late events (applies to windows downstream).
    public var allowedLateness: Duration
    /// A split silent this long stops holding the watermark back.
    public var idleTimeout: Duration?
}

/// A source of events.
public struct SourceSpec: Sendable {
    /// The source's name (`source` in the linear form).
    public var name: String
    /// The connector.
    public var uri: ConnectorURI
    /// `json` or `ndjson` (both: one JSON object per record).
    public var format: String
    /// The fields of its events.
    public var schema: Schema
    /// The built-in schema name (`daa`, `w1`), nil for a schema written in the file.
    public var schemaName: String?
    /// Event time, when declared.
    public var eventTime: EventTimeSettings?
    /// The columns the source prefers to scatter rows by when keyed operators downstream
    /// can then skip their exchange (`Dataflow.source(_:eventTime:partitionKey:)`); nil
    /// lets the runtime pick from the keys downstream.
    public var partitionKey: [String]?
    /// The schema as declared, when `schema` is narrowed to the fields the pipeline reads
    /// (`SourceNarrowing`); nil when the source decodes everything it declares.
    public var narrowedFrom: Schema? = nil
    /// Batches carry each row's bytes as received (`Batch.records`): the dead letters and
    /// late events of a narrowed source are written from them, whole.
    public var keepsRecords = false
    /// String fields decoded as fingerprints, never as strings (`IdFingerprinting`): ids
    /// that only de-duplication reads.
    public var fingerprintedIds: Set<String> = []

    /// The schema the file declares (what records must satisfy).
    public var declaredSchema: Schema { narrowedFrom ?? schema }
    /// Declared fields no step reads: checked in every record like `schema`'s, not kept.
    public var checkedFields: [Field] {
        guard let narrowedFrom else { return [] }
        return narrowedFrom.fields.filter { schema.field(named: $0.name) == nil }
    }
}

/// Where a sink writes, and how.
public struct SinkSpec: Sendable {
    /// The sink's name (`sink` in the linear form).
    public var name: String
    /// The stream it writes.
    public var input: StreamSpec
    /// The connector.
    public var uri: ConnectorURI
    /// The table or view (view-keeping sinks).
    public var view: String?
    /// Upsert by key, or append.
    public var mode: SinkMode
    /// How often open windows' partial rows are written (see `AggregationSpec.partialEvery`).
    public var flushEvery: Duration
    /// The schema of the rows it receives.
    public var schema: Schema
}
