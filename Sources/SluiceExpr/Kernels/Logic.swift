import SluiceCore

/// SQL three-valued logic on bool operands: `false and null` is false, `true or null` is
/// true, `not null` is null.
enum Logic {
    static func not(_ a: Operand, count: Int) -> Operand {
        switch a {
        case .scalar(let value): return .scalar(value.asBool.map { .bool(!$0) } ?? .null)
        case .column(let column):
            return .column(Column(bools: bytewise(column.bools, count: count) { $0 ^ 1 }, validity: column.validity))
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
                ? bytewise(left.bools, right.bools, count: count) { $0 | $1 }
                : bytewise(left.bools, right.bools, count: count) { $0 & $1 }
            return .column(Column(bools: values))
        }
        let all = [Bool](repeating: true, count: count)
        let (x, xv, y, yv) = (left.bools, left.validity ?? all, right.bools, right.validity ?? all)
        // A valid dominant value on either side decides the row; else both sides must be valid.
        // Values of null rows are arbitrary, so each side is masked by its validity.
        let values: [Bool]
        let validity: [Bool]
        if dominant {
            values = bytewise(x, xv, y, yv, count: count) { x, xv, y, yv in (x & xv) | (y & yv) }
            validity = bytewise(x, xv, y, yv, count: count) { x, xv, y, yv in (x & xv) | (y & yv) | (xv & yv) }
        } else {
            values = bytewise(x, xv, y, yv, count: count) { x, xv, y, yv in x & xv & y & yv }
            validity = bytewise(x, xv, y, yv, count: count) { x, xv, y, yv in
                ((x ^ 1) & xv) | ((y ^ 1) & yv) | (xv & yv)
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
            return .column(Column(bools: bytewise(validity, count: count) { negated ? $0 : $0 ^ 1 }))
        }
    }

    /// The rows where a condition holds (null counts as false); nil means "every row" or
    /// "no row" as given by the scalar, so callers can skip work.
    static func mask(_ condition: Operand) -> (all: Bool?, rows: [Bool]?) {
        switch condition {
        case .scalar(let value): return (value.asBool == true, nil)
        case .column(let column):
            guard let validity = column.validity else { return (nil, column.bools) }
            return (nil, bytewise(column.bools, validity, count: column.bools.count) { $0 & $1 })
        }
    }
}
