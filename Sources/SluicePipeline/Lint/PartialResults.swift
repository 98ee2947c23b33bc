import SluiceCore

/// Decides which windowed aggregates emit partial rows for open windows, and how often.
///
/// Open windows are made visible for dashboards: a view that upserts window rows sees
/// each open window's current values every `flush_every`. Rows reach a sink through
/// row-by-row operators only (filter, map, select, branch); a window feeding another
/// stateful operator (or only append sinks, where every partial row would be a new line)
/// emits final rows only.
enum PartialResults {
    static func assign(in spec: inout PipelineSpec) {
        for index in spec.nodes.indices {
            guard case .aggregate(var aggregation) = spec.nodes[index].operation, aggregation.window != nil else { continue }
            let aggregate = spec.nodes[index].name
            // The aggregate's port 1 carries late events, not results.
            func readsResults(_ input: StreamSpec) -> Bool { input.node != aggregate || input.port == 0 }
            var reached: Set<String> = [aggregate]
            var frontier = [aggregate]
            while let name = frontier.popLast() {
                for node in spec.nodes where isRowWise(node) && node.inputs.contains(where: { $0.node == name && readsResults($0) }) {
                    if reached.insert(node.name).inserted { frontier.append(node.name) }
                }
            }
            let flushes = spec.sinks.filter { sink in
                guard reached.contains(sink.input.node), readsResults(sink.input), case .upsert = sink.mode else { return false }
                return true
            }.map(\.flushEvery)
            aggregation.partialEvery = flushes.min()
            spec.nodes[index].operation = .aggregate(aggregation)
        }
    }

    private static func isRowWise(_ node: NodeSpec) -> Bool {
        switch node.operation {
        case .filter, .map, .select, .branch: true
        default: false
        }
    }
}
