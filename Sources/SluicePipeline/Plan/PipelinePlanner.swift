public import SluiceCore
import SluiceOperators
public import SluiceRuntime

/// A pipeline ready to run: its dataflow and where its rejected records go.
public struct PlannedPipeline: Sendable {
    /// The pipeline planned.
    public var spec: PipelineSpec
    /// Its graph, ready for `Job`.
    public var dataflow: Dataflow
    /// The dead-letter destination for `RunOptions.deadLetter` (nil: counted only).
    public var deadLetter: (any RejectionSink)?
    /// True when every source ends by itself (a batch run).
    public var isBounded: Bool
}

/// Builds the runtime's dataflow from a loaded `PipelineSpec`.
///
/// Operators are constructed from specs that already passed the operators' own
/// validation at load time, so building them cannot fail; only connectors can (a file
/// that cannot be opened, a connector this build does not include).
public struct PipelinePlanner: Sendable {
    /// Where sources and sinks come from.
    public var catalog: Catalog

    /// A planner building connectors from `catalog`.
    public init(catalog: Catalog = Catalog()) { self.catalog = catalog }

    /// The dataflow of `spec`.
    /// - Throws: `CatalogError` when a source or sink cannot be built.
    public func plan(_ spec: PipelineSpec) throws(CatalogError) -> PlannedPipeline {
        try build(spec, connectors: .catalog(catalog))
    }

    /// How rows reach each operator's partitions with `partitions` partitions, by node
    /// name — asked of the runtime's own physical plan; no connector is opened.
    public static func inputEdges(of spec: PipelineSpec, partitions: Int) -> [String: [InputEdge]] {
        do {
            return try plannedInputEdges(of: spec, partitions: partitions)
        } catch {
            // A spec that passed the checker always plans; anything else is a bug here.
            preconditionFailure("pipeline '\(spec.name)' passed checking but does not plan: \(error)")
        }
    }

    /// `inputEdges`, or the error of a dataflow the runtime would refuse (a sink named
    /// like a step: `run` reports it when it starts the pipeline).
    static func plannedInputEdges(of spec: PipelineSpec, partitions: Int) throws -> [String: [InputEdge]] {
        let layout = try PipelinePlanner().build(spec, connectors: .layout)
        return try layout.dataflow.inputEdges(partitions: partitions)
    }

    /// Where the planned graph's connectors come from.
    private enum Connectors {
        /// Real ones, for a run.
        case catalog(Catalog)
        /// Stand-ins with the right schemas, for the graph's shape only.
        case layout

        func source(_ spec: SourceSpec, keepingRecords: Bool) throws(CatalogError) -> any Source {
            switch self {
            case .catalog(let catalog): try catalog.makeSource(spec, keepingRecords: keepingRecords)
            case .layout: LayoutSource(name: spec.name, schema: spec.schema)
            }
        }

        func sink(_ spec: SinkSpec, pipeline: String) throws(CatalogError) -> any Sink {
            switch self {
            case .catalog(let catalog): try catalog.makeSink(spec, pipeline: pipeline)
            case .layout: LayoutSink(name: spec.name)
            }
        }

        func lateSink(_ uri: ConnectorURI, name: String) throws(CatalogError) -> any Sink {
            switch self {
            case .catalog(let catalog): try catalog.makeLateSink(uri, name: name)
            case .layout: LayoutSink(name: name)
            }
        }

        func rejectionSink(_ uri: ConnectorURI, pipeline: String) throws(CatalogError) -> (any RejectionSink)? {
            switch self {
            case .catalog(let catalog): try catalog.makeRejectionSink(uri, pipeline: pipeline)
            case .layout: nil
            }
        }
    }

    private func build(_ spec: PipelineSpec, connectors: Connectors) throws(CatalogError) -> PlannedPipeline {
        let flow = Dataflow(name: spec.name)
        var streams: [String: [StreamRef]] = [:]
        var bounded = true
        // Only an archive keeps events as received: other pipelines' sources skip the copy.
        let keepingRecords = spec.sinks.contains { $0.uri.scheme == "archive" }
        for source in spec.sources {
            let made = try connectors.source(source, keepingRecords: keepingRecords)
            bounded = bounded && made.isBounded
            let eventTime = source.eventTime.map {
                EventTimeSpec(
                    field: $0.field, maxOutOfOrdernessMillis: $0.maxOutOfOrderness.wholeMilliseconds,
                    idleTimeoutMillis: $0.idleTimeout?.wholeMilliseconds)
            }
            streams[source.name] = [flow.source(made, eventTime: eventTime, partitionKey: source.partitionKey)]
        }
        for node in spec.nodes {
            let inputs = node.inputs.enumerated().map { index, input -> (StreamRef, Partitioning) in
                let ref = streams[input.node]![input.port]
                guard let keys = node.partitionKeys else { return (ref, .forward) }
                return (ref, .hash(keys[min(index, keys.count - 1)]))
            }
            let inputSchemas = node.inputs.map { spec.schema(of: $0)! }
            let factory = OperatorFactories.factory(for: node.operation, inputSchemas: inputSchemas)
            // The spec's ports are the operator's ports: the checker built them from the
            // same rules. A mismatch would misroute rows, so it stops here, not later.
            precondition(factory(0).outputSchemas == node.outputSchemas, "ports of '\(node.name)' differ from its operator's")
            streams[node.name] = flow.add(
                node.name, inputs: inputs, outputSchemas: node.outputSchemas,
                passThrough: node.operation.passThrough, factory: factory)
            if case .dedupe(let field, _, _) = node.operation {
                let duplicates = DuplicateDeadLetterSink(
                    name: "\(node.name).duplicates", target: try connectors.rejectionSink(spec.deadLetter, pipeline: spec.name),
                    source: node.name, idField: field)
                flow.sink("\(node.name).duplicates", from: streams[node.name]![1], to: duplicates, mode: .append)
            }
            if case .aggregate(let aggregation) = node.operation, let late = aggregation.late {
                let sink = try connectors.lateSink(late, name: "\(node.name).late")
                flow.sink("\(node.name).late", from: streams[node.name]![1], to: sink, mode: .append)
            }
        }
        for sink in spec.sinks {
            flow.sink(sink.name, from: streams[sink.input.node]![sink.input.port], to: try connectors.sink(sink, pipeline: spec.name), mode: sink.mode)
        }
        let deadLetter = try connectors.rejectionSink(spec.deadLetter, pipeline: spec.name)
        return PlannedPipeline(spec: spec, dataflow: flow, deadLetter: deadLetter, isBounded: bounded)
    }
}
