import SluiceCore
import SluiceOperators
import SluicePipeline

/// Whether a changed pipeline can take over the running version's checkpoint.
///
/// A checkpoint holds each stateful step's state under the step's name, per partition,
/// and each source split's position. So the new version fits when it has the same sources
/// (positions point into them), the same partition count, and the same stateful steps by
/// name with the same state layout: keys, window and aggregates of an aggregate or fold;
/// field and horizon of a dedupe; keys and bounds of a join. Anything else — filters,
/// maps, branches, sinks and their options — holds no state and may change freely.
enum StateCompatibility {
    /// Why `new` cannot restore `old`'s state (empty: it can).
    static func problems(old: PipelineSpec, new: PipelineSpec) -> [String] {
        var problems: [String] = []
        if old.sources.map(\.name) != new.sources.map(\.name) || old.sources.map(\.uri) != new.sources.map(\.uri) {
            problems.append(
                "the sources changed (\(old.sources.map { "\($0.name)=\($0.uri.redacted)" }.joined(separator: ", ")) → "
                    + "\(new.sources.map { "\($0.name)=\($0.uri.redacted)" }.joined(separator: ", "))): stored positions belong to the old ones")
        }
        if old.partitions != new.partitions {
            problems.append("partitions changed from \(old.partitions.map(String.init) ?? "default") to \(new.partitions.map(String.init) ?? "default")")
        }
        let oldState = Dictionary(old.nodes.compactMap { node in layout(node).map { (node.name, $0) } }) { a, _ in a }
        let newState = Dictionary(new.nodes.compactMap { node in layout(node).map { (node.name, $0) } }) { a, _ in a }
        for name in oldState.keys.sorted() {
            guard let now = newState[name] else {
                problems.append("stateful step '\(name)' (\(oldState[name]!)) is gone")
                continue
            }
            if now != oldState[name] { problems.append("step '\(name)' changed its state: \(oldState[name]!) → \(now)") }
        }
        for name in newState.keys.sorted() where oldState[name] == nil {
            problems.append("stateful step '\(name)' (\(newState[name]!)) is new")
        }
        return problems
    }

    /// The state layout of a stateful step, as text (nil: the step keeps no state).
    static func layout(_ node: NodeSpec) -> String? {
        switch node.operation {
        case .aggregate(let spec):
            let window = spec.window.map { "\($0)" } ?? "no window (fold)"
            return "keys [\(spec.keys.joined(separator: ", "))], \(window), aggregates [\(spec.aggregates.map(\.description).joined(separator: ", "))]"
        case .dedupe(let field, let horizon, _):
            return "dedupe by \(field) over \(horizon)"
        case .join(let spec):
            return "join [\(spec.leftKeys.joined(separator: ", "))] = [\(spec.rightKeys.joined(separator: ", "))], \(spec.bounds)"
        case .filter, .map, .select, .union, .branch:
            return nil
        }
    }
}
