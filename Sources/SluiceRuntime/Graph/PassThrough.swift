/// Which input columns an operator hands to its outputs unchanged, row for row.
///
/// An operator declares this fact; it never decides partitioning itself. The physical
/// plan derives from it whether the operator's input partitioning survives
/// (`PartitioningRule`): a stream partitioned by columns K stays partitioned by K after
/// an operator exactly when the operator passes every column of K through and leaves
/// each row in its partition.
///
/// - Important: Declare only what holds for every row. A map that writes a column must
///   exclude it even when the new value is sometimes the old one; over-claiming lets a
///   keyed operator downstream skip an exchange it needs, and it then sees a key's rows
///   split over several partitions.
public enum PassThrough: Sendable, Hashable {
    /// Every input column present in an output carries the input's value (filters,
    /// de-duplication, branches, unions).
    case all
    /// Every input column except these (a map writing them).
    case allExcept(Set<String>)
    /// Only these columns (a projection, or a keyed aggregate's key columns).
    case only(Set<String>)
    /// No column: rows are reshaped or recombined (joins), or the operator says nothing.
    case none

    /// True when `column` reaches the outputs unchanged.
    public func keeps(_ column: String) -> Bool {
        switch self {
        case .all: true
        case .allExcept(let written): !written.contains(column)
        case .only(let kept): kept.contains(column)
        case .none: false
        }
    }
}
