import SluiceCore

/// `= != < <= > >=` on two operands of one type (after promotion). Null in, null out.
///
/// Doubles compare by IEEE rules (NaN is unequal to everything). Strings compare as Swift
/// `String`s (Unicode canonical equivalence and ordering); against a constant the
/// comparison runs once per dictionary entry, and between two columns through ranks of
/// the two dictionaries' entries.
enum Comparison {
    enum Operator: Sendable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

        @inline(__always)
        func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
            switch self {
            case .equal: a == b
            case .notEqual: a != b
            case .less: a < b
            case .lessOrEqual: a <= b
            case .greater: a > b
            case .greaterOrEqual: a >= b
            }
        }
    }

    static func compare(_ op: Operator, _ a: Operand, _ b: Operand, type: DataType, count: Int) -> Operand {
        strict([a, b], count: count) { rows in
            let result: [Bool]
            switch type {
            case .int64, .timestamp: result = slots(op, a.ints, b.ints, count: rows)
            case .double: result = slots(op, a.doubles, b.doubles, count: rows)
            case .bool:
                result = slots(op, a.bools.map(byte), b.bools.map(byte), count: rows)
            case .string: result = strings(op, a, b, count: rows)
            }
            return KernelOutput(Column(bools: result))
        }
    }

    @inline(__always)
    private static func byte(_ b: Bool) -> UInt8 { b ? 1 : 0 }

    /// One specialized loop per operator, so the operator is not re-dispatched per row.
    @inline(__always)
    static func slots<T: Comparable>(_ op: Operator, _ x: Slot<T>, _ y: Slot<T>, count: Int) -> [Bool] {
        switch op {
        case .equal: map2(x, y, count: count) { $0 == $1 }
        case .notEqual: map2(x, y, count: count) { $0 != $1 }
        case .less: map2(x, y, count: count) { $0 < $1 }
        case .lessOrEqual: map2(x, y, count: count) { $0 <= $1 }
        case .greater: map2(x, y, count: count) { $0 > $1 }
        case .greaterOrEqual: map2(x, y, count: count) { $0 >= $1 }
        }
    }

    private static func strings(_ op: Operator, _ a: Operand, _ b: Operand, count: Int) -> [Bool] {
        switch (a, b) {
        case (.column(let left), .column(let right)):
            let l = left.safeDictionary
            let r = right.safeDictionary
            guard l.count + r.count <= count else {
                // Dictionaries as large as the batch (ids): ranking would cost more than
                // comparing row by row.
                return StringPairs.map(a, b, count: count, unused: false) { op.holds($0, $1) }
            }
            let (leftRanks, rightRanks) = ranks(l, r)
            return slots(
                op, .array(lookup(left.codes, leftRanks, fallback: 0)), .array(lookup(right.codes, rightRanks, fallback: 0)),
                count: count)
        default:
            return StringPairs.map(a, b, count: count, unused: false) { op.holds($0, $1) }
        }
    }

    /// Order-preserving integer ranks of two dictionaries' entries: equal strings get equal
    /// ranks, so duplicate entries and different dictionaries compare correctly.
    static func ranks(_ left: [String], _ right: [String]) -> ([Int32], [Int32]) {
        if left == right {
            let shared = ranks(of: left)
            return (shared, shared)
        }
        let all = ranks(of: left + right)
        return (Array(all[..<left.count]), Array(all[left.count...]))
    }

    private static func ranks(of strings: [String]) -> [Int32] {
        let order = strings.indices.sorted { strings[$0] < strings[$1] }
        var ranks = [Int32](repeating: 0, count: strings.count)
        var rank: Int32 = 0
        for (position, index) in order.enumerated() {
            if position > 0 && strings[order[position - 1]] != strings[index] { rank += 1 }
            ranks[index] = rank
        }
        return ranks
    }
}
