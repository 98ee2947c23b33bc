import SluiceCore
import SluiceOperators

/// Where an operator output port sends its rows.
enum Route: Sendable {
    /// To another operator in the same partition: a direct call, no queue.
    case forward(vertex: Int, input: Int)
    /// Re-hashed by `keys` to the owning partition's inbox.
    case exchange(vertex: Int, input: Int, keys: [String])
    /// To a sink executor.
    case sink(Int)
}

/// One input of a vertex and the channels feeding it.
struct InputPlan: Sendable {
    var channels: Int
    var forward: Bool
}

/// An operator node as the runtime runs it: one instance per partition.
struct VertexPlan: Sendable {
    var name: String
    var factory: OperatorFactory
    var inputs: [InputPlan]
    var routes: [[Route]]
    /// First aligner channel index of each input.
    var channelOffsets: [Int]
    /// The key each input declared (`.hash(keys)`), nil for unkeyed inputs: rows whose
    /// key is incomplete never reach the operator (`NullKeyGuard`).
    var declaredKeys: [[String]?] = []
    var totalChannels: Int { inputs.reduce(0) { $0 + $1.channels } }
}

/// Source-fed inputs that share one way of scattering rows to partitions.
struct SourceTargetGroup: Sendable {
    /// Hash keys; nil scatters by batch sequence (nothing downstream is keyed).
    var keys: [String]?
    var targets: [(vertex: Int, input: Int)]
}

struct SourcePlan: Sendable {
    var source: any Source
    var eventTime: EventTimeSpec?
    var groups: [SourceTargetGroup]
    /// Dead-letter channel index of split 0 (splits are numbered on from it).
    var firstSplitChannel: Int
}

struct SinkPlan: Sendable {
    var name: String
    var sink: any Sink
    var mode: SinkMode
    var schema: Schema
}

/// The dataflow turned into what the runtime executes: vertices, routes and channel
/// counts for `partitions` partitions.
struct PhysicalPlan: Sendable {
    var partitions: Int
    var sources: [SourcePlan] = []
    var vertices: [VertexPlan] = []
    var sinks: [SinkPlan] = []
    var totalSplits = 0

    init(_ flow: Dataflow, partitions: Int) throws {
        self.partitions = partitions
        let problems = flow.validate()
        guard problems.isEmpty else {
            throw SluiceError(.invalidArgument, "invalid dataflow '\(flow.name)': " + problems.joined(separator: "; "))
        }
        var vertexOf: [Int: Int] = [:]
        var sourceOf: [Int: Int] = [:]
        var sinkOf: [Int: Int] = [:]
        // Partitioning columns of each stream, nil when unknown.
        var streamKeys: [StreamRef: [String]] = [:]

        // A sink reading a source directly gets a pass-through vertex so sinks always
        // read partition executors.
        var nodes = flow.nodes
        for (i, node) in nodes.enumerated() {
            guard case .sink(let input, let sink, let mode) = node.kind, case .source = nodes[input.node].kind else { continue }
            let schema = nodes[input.node].outputSchemas[input.port]
            nodes.append(
                Dataflow.Node(
                    name: node.name + ".pass", kind: .op(inputs: [(input, .forward)], factory: { _ in PassThroughOperator(schema: schema) }, passThrough: .all),
                    outputSchemas: [schema]))
            nodes[i].kind = .sink(input: StreamRef(node: nodes.count - 1, port: 0), sink: sink, mode: mode)
        }

        let wanted = PartitioningRule.wantedKeys(nodes)
        for (i, node) in nodes.enumerated() {
            switch node.kind {
            case .source(let source, let eventTime, _):
                sourceOf[i] = sources.count
                sources.append(SourcePlan(source: source, eventTime: eventTime, groups: [], firstSplitChannel: totalSplits))
                totalSplits += source.splitCount
            case .op:
                vertexOf[i] = vertices.count
                vertices.append(
                    VertexPlan(
                        name: node.name, factory: Self.factory(of: node), inputs: [],
                        routes: Array(repeating: [], count: node.outputSchemas.count), channelOffsets: [],
                        declaredKeys: Self.declaredKeys(of: node)))
            case .sink(let input, let sink, let mode):
                sinkOf[i] = sinks.count
                sinks.append(SinkPlan(name: node.name, sink: sink, mode: mode, schema: nodes[input.node].outputSchemas[input.port]))
            }
        }

        // Wire inputs in node order: every input of node i comes from a node < i, because
        // the builder only hands out streams of nodes already added (no cycles possible).
        for (i, node) in nodes.enumerated() {
            switch node.kind {
            case .op(let inputs, _, let passThrough):
                let v = vertexOf[i]!
                var plans: [InputPlan] = []
                var arriving: [[String]?] = []
                for (inputIndex, (ref, partitioning)) in inputs.enumerated() {
                    if let s = sourceOf[ref.node] {
                        guard case .source(_, _, let declared) = nodes[ref.node].kind else { continue }
                        let keys = PartitioningRule.scatterKeys(
                            into: i, partitioning: partitioning, inputCount: inputs.count, wanted: wanted, declared: declared)
                        sources[s].add(target: (v, inputIndex), keys: keys)
                        plans.append(InputPlan(channels: sources[s].source.splitCount, forward: false))
                        arriving.append(keys)
                        continue
                    }
                    let upstream = vertexOf[ref.node]!
                    let upstreamKeys = streamKeys[ref] ?? nil
                    switch partitioning {
                    case .forward:
                        vertices[upstream].routes[ref.port].append(.forward(vertex: v, input: inputIndex))
                        plans.append(InputPlan(channels: 1, forward: true))
                        arriving.append(upstreamKeys)
                    case .hash(let keys):
                        if PartitioningRule.canSkipExchange(upstream: upstreamKeys, required: keys, inputCount: inputs.count) {
                            vertices[upstream].routes[ref.port].append(.forward(vertex: v, input: inputIndex))
                            plans.append(InputPlan(channels: 1, forward: true))
                            arriving.append(upstreamKeys)
                        } else {
                            vertices[upstream].routes[ref.port].append(.exchange(vertex: v, input: inputIndex, keys: keys))
                            plans.append(InputPlan(channels: partitions, forward: false))
                            arriving.append(keys)
                        }
                    }
                }
                vertices[v].inputs = plans
                var offset = 0
                vertices[v].channelOffsets = plans.map { plan in
                    defer { offset += plan.channels }
                    return offset
                }
                for port in 0..<node.outputSchemas.count {
                    if let keys = PartitioningRule.outputKeys(inputs: arriving, passThrough: passThrough, output: node.outputSchemas[port]) {
                        streamKeys[StreamRef(node: i, port: port)] = keys
                    }
                }
            case .sink(let input, _, _):
                let upstream = vertexOf[input.node]!
                vertices[upstream].routes[input.port].append(.sink(sinkOf[i]!))
            case .source:
                break
            }
        }
    }

    private static func factory(of node: Dataflow.Node) -> OperatorFactory {
        guard case .op(_, let factory, _) = node.kind else { preconditionFailure("'\(node.name)' is not an operator") }
        return factory
    }

    /// The key each input of an operator declared (`.hash(keys)`), nil for the others.
    private static func declaredKeys(of node: Dataflow.Node) -> [[String]?] {
        guard case .op(let inputs, _, _) = node.kind else { return [] }
        return inputs.map { if case .hash(let keys) = $0.1 { keys } else { nil } }
    }
}

extension SourcePlan {
    mutating func add(target: (vertex: Int, input: Int), keys: [String]?) {
        if let g = groups.firstIndex(where: { $0.keys == keys }) {
            groups[g].targets.append(target)
        } else {
            groups.append(SourceTargetGroup(keys: keys, targets: [target]))
        }
    }
}

/// Forwards its input unchanged (a sink reading a source directly).
final class PassThroughOperator: StreamOperator {
    let outputSchemas: [Schema]
    var counters = OperatorCounters()

    init(schema: Schema) { outputSchemas = [schema] }

    func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        counters.rowsIn += Int64(batch.count)
        counters.rowsOut += Int64(batch.count)
        out.emit(batch)
    }
}
