import SluiceCore

/// Reads a boolean predicate column as a row selection: true selects, false and null do not.
enum PredicateSelection {
    /// The rows where `predicate` is true, in order.
    static func rows(_ predicate: Column) -> [Int32] {
        var rows: [Int32] = []
        rows.reserveCapacity(predicate.count)
        predicate.bools.withUnsafeBufferPointer { values in
            if let validity = predicate.validity {
                for i in 0..<values.count where values[i] && validity[i] { rows.append(Int32(i)) }
            } else {
                for i in 0..<values.count where values[i] { rows.append(Int32(i)) }
            }
        }
        return rows
    }

    /// The rows among `rows` (ascending) where `predicate`, a column over the whole batch,
    /// is true.
    static func rows(_ predicate: Column, among rows: [Int32]) -> [Int32] {
        var kept: [Int32] = []
        kept.reserveCapacity(rows.count)
        predicate.bools.withUnsafeBufferPointer { values in
            if let validity = predicate.validity {
                for row in rows where values[Int(row)] && validity[Int(row)] { kept.append(row) }
            } else {
                for row in rows where values[Int(row)] { kept.append(row) }
            }
        }
        return kept
    }

    /// The load-time check every predicate-taking operator makes.
    static func validate(_ expression: any BatchExpression, role: String) -> [String] {
        expression.type == .bool ? [] : ["\(role) '\(expression)' is \(expression.type), expected bool"]
    }

    /// `batch` restricted to `rows` (the batch itself when every row is selected).
    static func select(_ rows: [Int32], of batch: Batch) -> Batch {
        rows.count == batch.count ? batch : batch.gather(rows)
    }
}
