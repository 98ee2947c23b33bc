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
                    name: node.name + ".pass", kind: .op(inputs: [(input, .forward)], factory: { _ in PassThroughOperator(schema: schema) }, preservesPartitioning: true),
                    outputSchemas: [schema]))
            nodes[i].kind = .sink(input: StreamRef(node: nodes.count - 1, port: 0), sink: sink, mode: mode)
        }

        let wantsAgentPartitioning = Self.nodesWantingAgentPartitioning(nodes)
        for (i, node) in nodes.enumerated() {
            switch node.kind {
            case .source(let source, let eventTime):
                sourceOf[i] = sources.count
                sources.append(SourcePlan(source: source, eventTime: eventTime, groups: [], firstSplitChannel: totalSplits))
                totalSplits += source.splitCount
            case .op(let inputs, let factory, _):
                vertexOf[i] = vertices.count
                vertices.append(
                    VertexPlan(
                        name: node.name, factory: factory, inputs: [], routes: Array(repeating: [], count: node.outputSchemas.count),
                        channelOffsets: [],
                        declaredKeys: inputs.map { if case .hash(let keys) = $0.1 { keys } else { nil } }))
            case .sink(let input, let sink, let mode):
                sinkOf[i] = sinks.count
                sinks.append(SinkPlan(name: node.name, sink: sink, mode: mode, schema: nodes[input.node].outputSchemas[input.port]))
            }
        }

        // Wire inputs in node order: every input of node i comes from a node < i, because
        // the builder only hands out streams of nodes already added (no cycles possible).
        for (i, node) in nodes.enumerated() {
            switch node.kind {
            case .op(let inputs, _, let preserves):
                let v = vertexOf[i]!
                var plans: [InputPlan] = []
                var effectiveKeys: [[String]?] = []
                for (inputIndex, (ref, partitioning)) in inputs.enumerated() {
                    if let s = sourceOf[ref.node] {
                        let keys: [String]?
                        switch partitioning {
                        case .hash(let k):
                            // Rows with equal keys that include the agent share the agent, so
                            // scattering by agent alone is enough — and keeps the stream
                            // partitioned by agent for the keyed operators after it.
                            // Only for single-input operators: a join's inputs must be
                            // hashed the same way on both sides.
                            let byAgent = inputs.count == 1 && k.contains("agent_id")
                                && flow.schemaHasAgentId(nodes[ref.node].outputSchemas[ref.port])
                            keys = byAgent ? ["agent_id"] : k
                        case .forward:
                            // Hash by agent only when a keyed operator downstream can then
                            // skip its exchange; stateless chains just take whole batches.
                            let useful = wantsAgentPartitioning.contains(i)
                                && flow.schemaHasAgentId(nodes[ref.node].outputSchemas[ref.port])
                            keys = useful ? ["agent_id"] : nil
                        }
                        sources[s].add(target: (v, inputIndex), keys: keys)
                        plans.append(InputPlan(channels: sources[s].source.splitCount, forward: false))
                        effectiveKeys.append(keys)
                        continue
                    }
                    let upstream = vertexOf[ref.node]!
                    let upstreamKeys = streamKeys[ref] ?? nil
                    switch partitioning {
                    case .forward:
                        vertices[upstream].routes[ref.port].append(.forward(vertex: v, input: inputIndex))
                        plans.append(InputPlan(channels: 1, forward: true))
                        effectiveKeys.append(upstreamKeys)
                    case .hash(let keys):
                        if inputs.count == 1, let j = upstreamKeys, !j.isEmpty, Set(j).isSubset(of: Set(keys)) {
                            vertices[upstream].routes[ref.port].append(.forward(vertex: v, input: inputIndex))
                            plans.append(InputPlan(channels: 1, forward: true))
                            effectiveKeys.append(j)
                        } else {
                            vertices[upstream].routes[ref.port].append(.exchange(vertex: v, input: inputIndex, keys: keys))
                            plans.append(InputPlan(channels: partitions, forward: false))
                            effectiveKeys.append(keys)
                        }
                    }
                }
                vertices[v].inputs = plans
                var offset = 0
                vertices[v].channelOffsets = plans.map { plan in
                    defer { offset += plan.channels }
                    return offset
                }
                // A union of inputs partitioned alike is partitioned that way too.
                let inherited: [String]? = preserves ? Self.commonKeys(effectiveKeys) : nil
                for port in 0..<node.outputSchemas.count {
                    let schema = node.outputSchemas[port]
                    if let keys = inherited, keys.allSatisfy({ schema.index(of: $0) != nil }) {
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
}

extension PhysicalPlan {
    /// The keys every input is partitioned by, when they all agree (nil otherwise).
    static func commonKeys(_ inputs: [[String]?]) -> [String]? {
        guard let first = inputs.first, let keys = first, inputs.allSatisfy({ $0 == keys }) else { return nil }
        return keys
    }

    /// Operators for which arriving partitioned by `agent_id` saves an exchange: those
    /// that hash by keys including `agent_id`, and partition-preserving operators feeding
    /// such an operator (directly, or by forward edges through more of them). An operator
    /// that does not keep its input's partitioning gains nothing from it: an exchange
    /// follows it anyway.
    static func nodesWantingAgentPartitioning(_ nodes: [Dataflow.Node]) -> Set<Int> {
        var wanting = Set<Int>()
        // Inputs always come from earlier nodes, so one backward pass sees every consumer
        // before its producers.
        for i in nodes.indices.reversed() {
            guard case .op(_, _, let preserves) = nodes[i].kind, preserves else { continue }
            var wants = false
            for (j, consumer) in nodes.enumerated() where j > i {
                guard case .op(let inputs, _, _) = consumer.kind else { continue }
                for (ref, partitioning) in inputs where ref.node == i {
                    switch partitioning {
                    case .hash(let keys) where keys.contains("agent_id"): wants = true
                    case .forward where wanting.contains(j): wants = true
                    default: break
                    }
                }
            }
            if wants { wanting.insert(i) }
        }
        // A keyed operator read straight from a source is covered by its own hash edge.
        for (i, node) in nodes.enumerated() {
            guard case .op(let inputs, _, _) = node.kind else { continue }
            if inputs.contains(where: { if case .hash(let keys) = $0.1, keys.contains("agent_id") { true } else { false } }) {
                wanting.insert(i)
            }
        }
        return wanting
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

extension Dataflow {
    func schemaHasAgentId(_ schema: Schema) -> Bool { schema.index(of: "agent_id") != nil }
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
