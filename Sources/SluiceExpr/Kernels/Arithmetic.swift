import SluiceCore

/// Arithmetic on two operands of one storage type (the checker inserts int → double
/// promotions first).
///
/// - Integers: `+ - *` overflow gives null (never a wrapped value, never a trap); `%` by
///   zero gives null; `x % -1` is 0.
/// - Doubles: a NaN or infinite result gives null, which covers division by zero.
enum Arithmetic {
    enum Operator: Sendable { case add, subtract, multiply, divide, remainder }

    static func integers(_ op: Operator, _ a: Operand, _ b: Operand, resultType: DataType, count: Int) -> Operand {
        strict([a, b], count: count) { rows in
            let x = a.ints
            let y = b.ints
            let (values, bad): ([Int64], [Bool]?)
            switch op {
            case .add:
                (values, bad) = map2Checked(x, y, count: rows) {
                    let r = $0.addingReportingOverflow($1)
                    return (r.partialValue, r.overflow)
                }
            case .subtract:
                (values, bad) = map2Checked(x, y, count: rows) {
                    let r = $0.subtractingReportingOverflow($1)
                    return (r.partialValue, r.overflow)
                }
            case .multiply:
                (values, bad) = map2Checked(x, y, count: rows) {
                    let r = $0.multipliedReportingOverflow(by: $1)
                    return (r.partialValue, r.overflow)
                }
            case .divide:
                (values, bad) = map2Checked(x, y, count: rows) {
                    let r = $0.dividedReportingOverflow(by: $1)
                    return (r.partialValue, r.overflow)
                }
            case .remainder:
                (values, bad) = map2Checked(x, y, count: rows) { lhs, rhs in
                    // Int64.min % -1 is 0 mathematically; Swift reports it as overflow.
                    rhs == 0 ? (0, true) : rhs == -1 ? (0, false) : (lhs % rhs, false)
                }
            }
            return KernelOutput(Column(ints: values, type: resultType), bad: bad)
        }
    }

    static func doubles(_ op: Operator, _ a: Operand, _ b: Operand, count: Int) -> Operand {
        strict([a, b], count: count) { rows in
            let x = a.doubles
            let y = b.doubles
            let (values, bad): ([Double], [Bool]?)
            switch op {
            case .add: (values, bad) = map2Checked(x, y, count: rows) { finite($0 + $1) }
            case .subtract: (values, bad) = map2Checked(x, y, count: rows) { finite($0 - $1) }
            case .multiply: (values, bad) = map2Checked(x, y, count: rows) { finite($0 * $1) }
            case .divide: (values, bad) = map2Checked(x, y, count: rows) { finite($0 / $1) }
            case .remainder:
                (values, bad) = map2Checked(x, y, count: rows) { finite($0.truncatingRemainder(dividingBy: $1)) }
            }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }

    static func negateIntegers(_ a: Operand, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let (values, bad) = map1Checked(a.ints, count: rows) {
                let r = Int64(0).subtractingReportingOverflow($0)
                return (r.partialValue, r.overflow)
            }
            return KernelOutput(Column(ints: values), bad: bad)
        }
    }

    static func negateDoubles(_ a: Operand, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let (values, bad) = map1Checked(a.doubles, count: rows) { finite(-$0) }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }
}

/// A double result and whether it must become null (NaN or ±infinity).
@inline(__always)
func finite(_ value: Double) -> (Double, Bool) { (value, !value.isFinite) }
