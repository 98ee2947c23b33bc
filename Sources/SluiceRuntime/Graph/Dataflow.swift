public import SluiceCore
public import SluiceOperators

/// A stream in a dataflow graph: one output port of one node.
public struct StreamRef: Sendable, Hashable {
    public let node: Int
    public let port: Int
}

/// How rows reach an operator's partitions.
public enum Partitioning: Sendable, Hashable {
    /// Stay in the partition that produced them (stateless operators, unions).
    case forward
    /// Rows with equal values of these fields meet in one partition. The runtime skips the
    /// exchange when the upstream is already partitioned by a subset of them.
    case hash([String])
}

/// Where a source's event time comes from and how disordered it may be.
public struct EventTimeSpec: Sendable, Hashable {
    public var field: String
    public var maxOutOfOrdernessMillis: Int64
    /// A split silent for this long stops holding back the watermark.
    public var idleTimeoutMillis: Int64?

    public init(field: String = "ts", maxOutOfOrdernessMillis: Int64, idleTimeoutMillis: Int64? = nil) {
        self.field = field
        self.maxOutOfOrdernessMillis = maxOutOfOrdernessMillis
        self.idleTimeoutMillis = idleTimeoutMillis
    }
}

/// Makes the operator instance of one partition.
public typealias OperatorFactory = @Sendable (_ partition: Int) -> any StreamOperator

/// A dataflow graph built in code: sources, operators and sinks. Pipeline files compile
/// to the same graph. Building never fails for valid inputs; `validate()` reports
/// structural problems (a stream nobody reads is fine, a sink reading a missing stream
/// is not).
public final class Dataflow: @unchecked Sendable {
    // Built on one thread, then only read by the job: not mutated after `Job.init`.
    public let name: String
    var nodes: [Node] = []

    public init(name: String) { self.name = name }

    /// Every source of the graph, in the order they were added (e.g. to read a broker
    /// source's connection status).
    public var sources: [any Source] {
        nodes.compactMap { if case .source(let source, _, _) = $0.kind { source } else { nil } }
    }

    /// Every sink of the graph, in the order they were added (e.g. to let the views of
    /// one database join a commit group before the job opens them).
    public var sinks: [any Sink] {
        nodes.compactMap { if case .sink(_, let sink, _) = $0.kind { sink } else { nil } }
    }

    enum Kind {
        case source(any Source, EventTimeSpec?, partitionKey: [String]?)
        case op(inputs: [(StreamRef, Partitioning)], factory: OperatorFactory, passThrough: PassThrough)
        case sink(input: StreamRef, sink: any Sink, mode: SinkMode)
    }

    struct Node {
        var name: String
        var kind: Kind
        var outputSchemas: [Schema]
    }

    /// Adds a source; returns its stream.
    ///
    /// - Parameters:
    ///   - partitionKey: columns the source prefers to scatter its rows by when a keyed
    ///     operator downstream can then skip its exchange (`PartitioningRule`, law 3) —
    ///     e.g. the column every key of the application starts with. It is a preference,
    ///     never a promise: keyed operators whose keys do not include it are fed as their
    ///     keys require. nil lets the plan pick from the keys downstream.
    @discardableResult
    public func source(_ source: any Source, eventTime: EventTimeSpec?, partitionKey: [String]? = nil) -> StreamRef {
        nodes.append(
            Node(name: source.name, kind: .source(source, eventTime, partitionKey: partitionKey), outputSchemas: [source.schema]))
        return StreamRef(node: nodes.count - 1, port: 0)
    }

    /// Adds an operator node; returns one stream per output port.
    ///
    /// - Parameters:
    ///   - name: unique within the dataflow; names the operator's state in checkpoints.
    ///   - inputs: each input stream with how it is partitioned into this node.
    ///   - outputSchemas: the schemas of the operator's ports (as the factory's
    ///     operator reports them).
    ///   - passThrough: the input columns the operator hands on unchanged, row for row
    ///     (filters and de-duplication: `.all`; a map: `.allExcept` the fields it writes;
    ///     a keyed aggregate: `.only` its keys). The physical plan decides from it whether
    ///     the input's partitioning survives (`PartitioningRule`); `.none` is always safe.
    ///   - factory: builds the instance for one partition.
    @discardableResult
    public func add(
        _ name: String, inputs: [(StreamRef, Partitioning)], outputSchemas: [Schema],
        passThrough: PassThrough = .none, factory: @escaping OperatorFactory
    ) -> [StreamRef] {
        nodes.append(
            Node(
                name: name, kind: .op(inputs: inputs, factory: factory, passThrough: passThrough),
                outputSchemas: outputSchemas))
        let id = nodes.count - 1
        return (0..<outputSchemas.count).map { StreamRef(node: id, port: $0) }
    }

    /// Adds an operator whose output schemas are read off a prototype instance.
    @discardableResult
    public func add(
        _ name: String, inputs: [(StreamRef, Partitioning)], passThrough: PassThrough = .none,
        factory: @escaping OperatorFactory
    ) -> [StreamRef] {
        add(name, inputs: inputs, outputSchemas: factory(0).outputSchemas, passThrough: passThrough, factory: factory)
    }

    /// Shorthand for an operator that passes every column through (`.all`) or none.
    @discardableResult
    public func add(
        _ name: String, inputs: [(StreamRef, Partitioning)], preservesPartitioning: Bool,
        factory: @escaping OperatorFactory
    ) -> [StreamRef] {
        add(name, inputs: inputs, passThrough: preservesPartitioning ? .all : .none, factory: factory)
    }

    /// Sends a stream to a sink.
    public func sink(_ name: String, from input: StreamRef, to sink: any Sink, mode: SinkMode) {
        nodes.append(Node(name: name, kind: .sink(input: input, sink: sink, mode: mode), outputSchemas: []))
    }

    /// The schema of a stream.
    public func schema(of stream: StreamRef) -> Schema { nodes[stream.node].outputSchemas[stream.port] }

    /// The name of the node producing a stream.
    public func nodeName(of stream: StreamRef) -> String { nodes[stream.node].name }

    /// Structural problems, empty when the graph can run.
    public func validate() -> [String] {
        var problems: [String] = []
        var names = Set<String>()
        for node in nodes {
            if !names.insert(node.name).inserted { problems.append("duplicate node name '\(node.name)'") }
        }
        func check(_ ref: StreamRef, from node: String) {
            if ref.node >= nodes.count || ref.port >= nodes[ref.node].outputSchemas.count {
                problems.append("'\(node)' reads a stream that does not exist")
            }
        }
        for node in nodes {
            switch node.kind {
            case .source(let source, _, let key?):
                for column in key where source.schema.index(of: column) == nil {
                    problems.append("source '\(node.name)' prefers to partition by '\(column)', which it does not have")
                }
            case .source: break
            case .op(let inputs, _, _):
                if inputs.isEmpty { problems.append("operator '\(node.name)' has no input") }
                for (ref, partitioning) in inputs {
                    check(ref, from: node.name)
                    if case .hash(let keys) = partitioning, ref.node < nodes.count, ref.port < nodes[ref.node].outputSchemas.count {
                        let schema = nodes[ref.node].outputSchemas[ref.port]
                        for key in keys where schema.index(of: key) == nil {
                            problems.append("'\(node.name)' partitions by '\(key)', which its input does not have")
                        }
                    }
                }
            case .sink(let input, _, _): check(input, from: node.name)
            }
        }
        if !nodes.contains(where: { if case .sink = $0.kind { true } else { false } }) {
            problems.append("the dataflow has no sink")
        }
        return problems
    }
}
