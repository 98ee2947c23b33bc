import SluiceCore

/// SQL three-valued logic on bool operands: `false and null` is false, `true or null` is
/// true, `not null` is null.
enum Logic {
    static func not(_ a: Operand, count: Int) -> Operand {
        switch a {
        case .scalar(let value): return .scalar(value.asBool.map { .bool(!$0) } ?? .null)
        case .column(let column):
            return .column(Column(bools: map1(.array(column.bools), count: count) { !$0 }, validity: column.validity))
        }
    }

    static func and(_ a: Operand, _ b: Operand, count: Int) -> Operand {
        combine(a, b, count: count, dominant: false)
    }

    static func or(_ a: Operand, _ b: Operand, count: Int) -> Operand {
        combine(a, b, count: count, dominant: true)
    }

    /// `and` (dominant false) or `or` (dominant true): a valid dominant value on either side
    /// decides the row; otherwise a null on either side makes it null.
    private static func combine(_ a: Operand, _ b: Operand, count: Int, dominant: Bool) -> Operand {
        switch (a, b) {
        case (.scalar(.bool(let x)), _): return x == dominant ? a : b
        case (_, .scalar(.bool(let y))): return y == dominant ? b : a
        case (.scalar, .scalar): return .scalar(.null)  // both null
        default: break
        }
        let left = a.materialize(.bool, count: count)
        let right = b.materialize(.bool, count: count)
        if left.validity == nil && right.validity == nil {
            let values =
                dominant
                ? map2(.array(left.bools), .array(right.bools), count: count) { $0 || $1 }
                : map2(.array(left.bools), .array(right.bools), count: count) { $0 && $1 }
            return .column(Column(bools: values))
        }
        let all = [Bool](repeating: true, count: count)
        let lv = left.validity ?? all
        let rv = right.validity ?? all
        var values = [Bool]()
        var validity = [Bool]()
        left.bools.withUnsafeBufferPointer { x in
            right.bools.withUnsafeBufferPointer { y in
                lv.withUnsafeBufferPointer { xv in
                    rv.withUnsafeBufferPointer { yv in
                        // A side "decides" when it is valid and holds the dominant value.
                        values = generate(count) { i in
                            let decided = (xv[i] && x[i] == dominant) || (yv[i] && y[i] == dominant)
                            return decided ? dominant : !dominant
                        }
                        validity = generate(count) { i in
                            (xv[i] && x[i] == dominant) || (yv[i] && y[i] == dominant) || (xv[i] && yv[i])
                        }
                    }
                }
            }
        }
        return .column(Column(bools: values, validity: Validity.compact(validity)))
    }

    /// `x is null` (or `is not null` when `negated`): never null itself.
    static func isNull(_ a: Operand, negated: Bool, count: Int) -> Operand {
        switch a {
        case .scalar(let value): return .scalar(.bool(value.isNull != negated))
        case .column(let column):
            guard let validity = column.validity else { return .scalar(.bool(negated)) }
            return .column(Column(bools: map1(.array(validity), count: count) { $0 == negated }))
        }
    }

    /// The rows where a condition holds (null counts as false); nil means "every row" or
    /// "no row" as given by the scalar, so callers can skip work.
    static func mask(_ condition: Operand) -> (all: Bool?, rows: [Bool]?) {
        switch condition {
        case .scalar(let value): return (value.asBool == true, nil)
        case .column(let column):
            guard let validity = column.validity else { return (nil, column.bools) }
            return (nil, map2(.array(column.bools), .array(validity), count: column.bools.count) { $0 && $1 })
        }
    }
}
