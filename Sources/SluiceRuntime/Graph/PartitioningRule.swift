import SluiceCore

/// How rows are spread over partitions along a dataflow — the one rule. The physical
/// plan applies it; `Dataflow.inputEdges` and so `sluice explain` read the plan; builders
/// (`DataStream`, the pipeline planner) only declare facts: each operator's keys
/// (`Partitioning.hash`), what it passes through (`PassThrough`), and optionally a
/// source's preferred partition key.
///
/// Laws:
/// 1. A keyed input (`hash(K)`) of a single-input operator needs no exchange when its
///    upstream is partitioned by a non-empty subset S of K: rows equal in K are equal in
///    S, so they already share a partition. Multi-input operators (joins) always hash
///    each side by its own keys, so matching rows of both sides meet.
/// 2. An operator's outputs are partitioned by S when every input arrives partitioned by
///    S, the operator passes every column of S through, and the output has them.
///    Otherwise nothing is known and the next keyed operator exchanges.
/// 3. A source scatters an input's rows by the columns that let the keyed operators after
///    it skip their exchanges (law 1 along a chain kept by law 2), preferring the
///    source's declared partition key when it is such a subset; with no keyed operator
///    to help, whole batches go round robin.
enum PartitioningRule {
    /// Law 1: true when an input needing `required` can read an upstream partitioned by
    /// `upstream` as it is.
    static func canSkipExchange(upstream: [String]?, required: [String], inputCount: Int) -> Bool {
        guard inputCount == 1, let upstream, !upstream.isEmpty else { return false }
        return Set(upstream).isSubset(of: Set(required))
    }

    /// Law 2: the columns an operator's output port is partitioned by, given how each of
    /// its inputs arrives.
    static func outputKeys(inputs: [[String]?], passThrough: PassThrough, output: Schema) -> [String]? {
        guard let first = inputs.first, let keys = first, !keys.isEmpty, inputs.allSatisfy({ $0 == keys }) else { return nil }
        guard keys.allSatisfy({ passThrough.keeps($0) && output.index(of: $0) != nil }) else { return nil }
        return keys
    }

    /// Law 3: the columns a source scatters by into `input` of operator `node`.
    /// - Parameters:
    ///   - wanted: `wantedKeys(_:)` of the dataflow.
    ///   - declared: the source's preferred partition key, if it has one.
    static func scatterKeys(
        into node: Int, partitioning: Partitioning, inputCount: Int, wanted: [Int: [String]], declared: [String]?
    ) -> [String]? {
        let useful: [String]
        switch partitioning {
        case .hash(let keys) where inputCount > 1:
            return keys
        case .hash(let keys):
            useful = wanted[node] ?? keys
        case .forward:
            guard let keys = wanted[node] else { return nil }
            useful = keys
        }
        if let declared, !declared.isEmpty, Set(declared).isSubset(of: Set(useful)) { return declared }
        return useful
    }

    /// For each operator, the columns its input should arrive partitioned by so that it
    /// and the keyed operators it reaches through kept columns skip their exchanges
    /// (absent: arriving partitioned helps nothing downstream).
    ///
    /// A keyed single-input operator wants its keys, narrowed to what its readers want
    /// when they share some; any other operator wants what all its interested readers
    /// share, limited to the columns it passes through.
    static func wantedKeys(_ nodes: [Dataflow.Node]) -> [Int: [String]] {
        var wanted: [Int: [String]] = [:]
        // Inputs always come from earlier nodes: a backward pass sees readers first.
        for i in nodes.indices.reversed() {
            guard case .op(let inputs, _, let passThrough) = nodes[i].kind else { continue }
            var shared: [String]?
            for reader in nodes.indices where reader > i {
                guard case .op(let readerInputs, _, _) = nodes[reader].kind else { continue }
                for (ref, partitioning) in readerInputs where ref.node == i {
                    if case .hash = partitioning, readerInputs.count > 1 { continue }
                    guard let keys = wanted[reader] else { continue }
                    shared = shared.map { $0.filter(keys.contains) } ?? keys
                }
            }
            let kept = shared?.filter(passThrough.keeps) ?? []
            if inputs.count == 1, case .hash(let keys) = inputs[0].1 {
                let narrowed = keys.filter(kept.contains)
                wanted[i] = narrowed.isEmpty ? keys : narrowed
            } else if inputs.allSatisfy({ $0.1 == .forward }), !kept.isEmpty {
                wanted[i] = kept
            }
        }
        return wanted
    }
}
