import SluiceCore

/// The rows one input of a window join holds until their last window fires.
struct WindowJoinSide: Sendable {
    var store: JoinRowStore
    /// Key slot of each row (in the operator's key table).
    var slots: [Int32] = []
    /// How many open windows still list the row; the row dies at zero.
    var references: [Int32] = []

    init(schema: Schema) { store = JoinRowStore(schema: schema) }

    /// Buffers `rows` of `batch`; returns the store index of the first.
    mutating func add(_ batch: Batch, rows: [Int32], slots rowSlots: [Int32], references rowReferences: [Int32]) -> Int32 {
        slots.append(contentsOf: rowSlots)
        references.append(contentsOf: rowReferences)
        return store.append(batch, rows: rows)
    }

    /// One window that listed `row` has fired.
    mutating func release(_ row: Int32) {
        references[Int(row)] -= 1
        if references[Int(row)] == 0 { store.kill(row) }
    }
}

/// The rows of both inputs that fall into one open window, in arrival order per input.
struct WindowJoinPane: Sendable {
    let start: Int64
    var rows: [[Int32]] = [[], []]
}
