import SluiceCore

/// How rows are spread over partitions along the pipeline, as the runtime will do it:
/// keyed operators need rows with equal keys in one partition; a stream already
/// partitioned by a subset of those keys needs no exchange.
///
/// The planner tells the runtime which nodes keep their input's partitioning
/// (`preservesPartitioning`); where exchanges then happen is the runtime's decision, and
/// `explain` asks it (`PipelinePlanner.inputEdges`).
public enum PartitionLayout {
    /// True when a node passes its input's partitioning columns through unchanged.
    public static func preservesPartitioning(_ node: NodeSpec, inputKeys: [String]?) -> Bool {
        switch node.operation {
        case .filter, .dedupe, .branch:
            return true
        case .select(let fields):
            return inputKeys.map { Set($0).isSubset(of: Set(fields)) } ?? false
        case .map(let fields):
            // A map that rewrites a partitioning column moves rows to other keys.
            return inputKeys.map { keys in !fields.contains { keys.contains($0.name) } } ?? false
        case .aggregate:
            // Results stay in the partition of their key, and the key columns are kept.
            return true
        case .union:
            // Partitioned when all its inputs are partitioned alike (the runtime checks).
            return true
        case .join:
            return false
        }
    }

    /// The columns each stream of `spec` is partitioned by (nil: no particular order),
    /// keyed by the stream's producer name and port.
    public static func streamKeys(of spec: PipelineSpec) -> [StreamSpec: [String]] {
        var keys: [StreamSpec: [String]] = [:]
        for source in spec.sources where source.schema.index(of: "agent_id") != nil {
            keys[StreamSpec(node: source.name)] = ["agent_id"]
        }
        for node in spec.nodes {
            let inputKeys = node.inputs.count == 1 ? keys[StreamSpec(node: node.inputs[0].node, port: node.inputs[0].port)] : nil
            let effective: [String]? =
                if let required = node.partitionKeys?.first, node.inputs.count == 1 {
                    // Either already partitioned by a subset, or exchanged by the keys.
                    inputKeys.flatMap { Set($0).isSubset(of: Set(required)) && !$0.isEmpty ? $0 : nil } ?? required
                } else {
                    inputKeys
                }
            guard preservesPartitioning(node, inputKeys: effective), let effective else { continue }
            for port in node.outputSchemas.indices where effective.allSatisfy({ node.outputSchemas[port].index(of: $0) != nil }) {
                keys[StreamSpec(node: node.name, port: port)] = effective
            }
        }
        return keys
    }
}
