/// Resolves the names in a document: which source or node each reference means, which
/// branch route, whether the graph has cycles, and an order where inputs come first.
struct ReferenceResolution {
    /// What a reference resolved to.
    enum Target: Equatable {
        case source(Int)
        /// A node output; `port` is the branch route's port, 0 otherwise.
        case node(Int, port: Int)
    }

    private(set) var diagnostics = Diagnostics()
    /// Resolved inputs per node (nil where a reference did not resolve).
    private(set) var inputs: [[Target?]] = []
    /// Resolved input per sink.
    private(set) var sinkInputs: [Target?] = []
    /// Nodes in an order where each comes after the nodes it reads; nodes on a cycle are left out.
    private(set) var order: [Int] = []
    private(set) var nodesOnCycles: Set<Int> = []

    init(_ document: PipelineDocument) {
        var names: [String: FileLocation] = [:]
        for source in document.sources { declare(source.name, in: &names) }
        for node in document.nodes { declare(node.name, in: &names) }
        let candidates = document.sources.map(\.name.value) + document.nodes.map(\.name.value)
        declareSinks(document, after: names)

        inputs = document.nodes.map { node in
            node.inputs.map { resolve($0, in: document, candidates: candidates) }
        }
        sinkInputs = document.sinks.map { resolve($0.input, in: document, candidates: candidates) }
        orderNodes(document)
    }

    private mutating func declare(_ name: Located<String>, in names: inout [String: FileLocation]) {
        if let first = names[name.value] {
            diagnostics.error(
                at: name.location, length: name.length,
                "duplicate name '\(name.value)' (first declared at \(first)): sources and nodes share one namespace")
        } else {
            names[name.value] = name.location
        }
    }

    /// A sink is a vertex of the running dataflow too, so its name must differ from every
    /// source's and step's (the runtime would refuse the dataflow only when it starts it;
    /// two sinks of one name are already a duplicate key). The vertices the planner adds
    /// for duplicates and late events have a '.' in their names, which no written name may
    /// have.
    private mutating func declareSinks(_ document: PipelineDocument, after declared: [String: FileLocation]) {
        var taken = declared
        for sink in document.sinks {
            if let first = taken[sink.name.value] {
                diagnostics.error(
                    at: sink.name.location, length: sink.name.length,
                    "duplicate name '\(sink.name.value)' (first declared at \(first)): a sink needs a name of its own")
            } else {
                taken[sink.name.value] = sink.name.location
            }
        }
    }

    private mutating func resolve(_ reference: Located<String>, in document: PipelineDocument, candidates: [String]) -> Target? {
        let parts = reference.value.split(separator: ".", maxSplits: 1).map(String.init)
        let name = parts[0]
        if let index = document.sources.firstIndex(where: { $0.name.value == name }) {
            if parts.count == 2 {
                diagnostics.error(at: reference.location, length: reference.length, "'\(name)' is a source, it has no route '\(parts[1])'")
                return nil
            }
            return .source(index)
        }
        guard let index = document.nodes.firstIndex(where: { $0.name.value == name }) else {
            let suggestion = Suggestions.didYouMean(name, among: candidates)
            diagnostics.error(at: reference.location, length: reference.length, "unknown node '\(name)'\(suggestion)")
            return nil
        }
        let routes = Self.routeNames(of: document.nodes[index].op)
        guard parts.count == 2 else {
            if let routes, !routes.isEmpty {
                diagnostics.error(
                    at: reference.location, length: reference.length,
                    "'\(name)' is a branch: read one of its routes, e.g. \(routes.map { "\(name).\($0)" }.joined(separator: ", "))")
                return nil
            }
            return .node(index, port: 0)
        }
        guard let routes else {
            if case .invalid = document.nodes[index].op { return nil }
            diagnostics.error(at: reference.location, length: reference.length, "'\(name)' is not a branch, it has no route '\(parts[1])'")
            return nil
        }
        guard let port = routes.firstIndex(of: parts[1]) else {
            let suggestion = Suggestions.didYouMean(parts[1], among: routes)
            diagnostics.error(at: reference.location, length: reference.length, "branch '\(name)' has no route '\(parts[1])'\(suggestion)")
            return nil
        }
        return .node(index, port: port)
    }

    /// A branch's routes in port order (its default route last); nil for other operators.
    static func routeNames(of op: OperatorDecl) -> [String]? {
        guard case .branch(let routes, let defaultRoute) = op else { return nil }
        return routes.map(\.name.value) + (defaultRoute.map { [$0.value] } ?? [])
    }

    /// Kahn's algorithm; whatever is left belongs to or hangs off a cycle, which is then
    /// reported once, naming its nodes in order.
    private mutating func orderNodes(_ document: PipelineDocument) {
        let count = document.nodes.count
        var readers = [[Int]](repeating: [], count: count)
        var pending = [Int](repeating: 0, count: count)
        for (node, targets) in inputs.enumerated() {
            for case .node(let upstream, _)? in targets {
                readers[upstream].append(node)
                pending[node] += 1
            }
        }
        var ready = (0..<count).filter { pending[$0] == 0 }
        var cursor = 0
        while cursor < ready.count {
            let node = ready[cursor]
            cursor += 1
            for reader in readers[node] {
                pending[reader] -= 1
                if pending[reader] == 0 { ready.append(reader) }
            }
        }
        order = ready
        var reported: Set<Int> = []
        for start in 0..<count where pending[start] > 0 && !reported.contains(start) {
            guard let cycle = findCycle(from: start, pending: pending) else { continue }
            nodesOnCycles.formUnion(cycle)
            guard reported.isDisjoint(with: cycle) else { continue }
            reported.formUnion(cycle)
            let first = cycle.min()!
            let rotated = Array(cycle[cycle.firstIndex(of: first)!...] + cycle[..<cycle.firstIndex(of: first)!])
            let path = (rotated + [first]).map { document.nodes[$0].name.value }.joined(separator: " → ")
            let node = document.nodes[first]
            diagnostics.error(at: node.name.location, length: node.name.length, "cycle: \(path); a node cannot read its own output")
        }
        // Nodes downstream of a cycle never got ready either; they are not reported again.
        nodesOnCycles.formUnion((0..<count).filter { pending[$0] > 0 })
    }

    /// Follows unresolved inputs backwards from `start` until a node repeats.
    private func findCycle(from start: Int, pending: [Int]) -> [Int]? {
        var path: [Int] = []
        var position: [Int: Int] = [:]
        var current = start
        while position[current] == nil {
            position[current] = path.count
            path.append(current)
            let next = inputs[current].compactMap { target -> Int? in
                if case .node(let upstream, _)? = target, pending[upstream] > 0 { return upstream }
                return nil
            }.first
            guard let next else { return nil }
            current = next
        }
        // The walk went backwards along edges; reverse so the path reads in data-flow order.
        return Array(path[position[current]!...].reversed())
    }
}
