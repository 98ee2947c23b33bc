/// How rows reach one operator input's partitions, as the runtime executes it.
public enum InputEdge: Sendable, Hashable, CustomStringConvertible {
    /// Rows stay in the partition that produced them: a direct call, no queue.
    case forward
    /// A source spreads its rows by these columns (by batch, round robin, when nil).
    case scatter([String]?)
    /// Rows are re-hashed by these columns to the owning partition's inbox.
    case exchange([String])

    public var description: String {
        switch self {
        case .forward: "forward"
        case .scatter(let keys?): "hash(\(keys.joined(separator: ", ")))"
        case .scatter(nil): "round robin"
        case .exchange(let keys): "exchange hash(\(keys.joined(separator: ", ")))"
        }
    }
}

extension Dataflow {
    /// Every operator's input edges, by operator name, read from the physical plan a job
    /// of `partitions` partitions runs — so `explain` shows what happens, not a guess.
    /// - Throws: `SluiceError` when the dataflow is invalid.
    public func inputEdges(partitions: Int) throws -> [String: [InputEdge]] {
        let plan = try PhysicalPlan(self, partitions: partitions)
        var edges: [String: [InputEdge]] = [:]
        for (v, vertex) in plan.vertices.enumerated() {
            edges[vertex.name] = vertex.inputs.indices.map { input in plan.edge(into: v, input: input) }
        }
        return edges
    }
}

extension PhysicalPlan {
    /// The edge feeding input `input` of vertex `vertex`.
    func edge(into vertex: Int, input: Int) -> InputEdge {
        for source in sources {
            for group in source.groups where group.targets.contains(where: { $0 == (vertex, input) }) {
                return .scatter(group.keys)
            }
        }
        for upstream in vertices {
            for routes in upstream.routes {
                for route in routes {
                    switch route {
                    case .forward(let v, let i) where v == vertex && i == input: return .forward
                    case .exchange(let v, let i, let keys) where v == vertex && i == input: return .exchange(keys)
                    default: continue
                    }
                }
            }
        }
        return .forward
    }
}
