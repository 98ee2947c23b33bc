import SluiceRuntime

extension Operation {
    /// The input columns the operation hands on unchanged, row for row: the fact the
    /// runtime's physical plan needs to decide where rows are exchanged between
    /// partitions (`PassThrough`). The planner declares it; it never decides itself.
    var passThrough: PassThrough {
        switch self {
        case .filter, .dedupe, .branch, .union: .all
        // Written fields change (a map may write a key column: rows then belong elsewhere).
        case .map(let fields): .allExcept(Set(fields.map(\.name)))
        case .select(let fields): .only(Set(fields))
        // Results carry their key columns; late rows stay in their key's partition.
        case .aggregate(let spec): .only(Set(spec.keys))
        case .join: .none
        }
    }
}
