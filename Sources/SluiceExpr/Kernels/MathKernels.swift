#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SluiceCore

/// Numeric functions. Like the arithmetic operators, any NaN or infinite result is null
/// (`sqrt(-1)`, `ln(0)`, `exp(1000)`), and integer overflow (`abs` of the minimum) is null.
enum MathKernels {
    enum Unary: Sendable { case sqrt, ln, exp, floor, ceil, round }

    static func doubles(_ f: Unary, _ a: Operand, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let x = a.doubles
            let (values, bad): ([Double], [Bool]?)
            switch f {
            case .sqrt: (values, bad) = map1Checked(x, count: rows) { finite($0.squareRoot()) }
            case .ln: (values, bad) = map1Checked(x, count: rows) { finite(log($0)) }
            case .exp: (values, bad) = map1Checked(x, count: rows) { finite(exp($0)) }
            case .floor: (values, bad) = map1Checked(x, count: rows) { finite($0.rounded(.down)) }
            case .ceil: (values, bad) = map1Checked(x, count: rows) { finite($0.rounded(.up)) }
            case .round: (values, bad) = map1Checked(x, count: rows) { finite($0.rounded(.toNearestOrAwayFromZero)) }
            }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }

    static func absIntegers(_ a: Operand, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let (values, bad) = map1Checked(a.ints, count: rows) { ($0 == .min ? 0 : Swift.abs($0), $0 == .min) }
            return KernelOutput(Column(ints: values), bad: bad)
        }
    }

    static func absDoubles(_ a: Operand, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let (values, bad) = map1Checked(a.doubles, count: rows) { finite(Swift.abs($0)) }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }

    static func power(_ a: Operand, _ b: Operand, count: Int) -> Operand {
        strict([a, b], count: count) { rows in
            let (values, bad) = map2Checked(a.doubles, b.doubles, count: rows) { finite(pow($0, $1)) }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }

    /// `round(x, digits)`: half away from zero at `digits` decimal places (negative digits
    /// round to tens, hundreds, ...).
    static func round(_ a: Operand, digits: Operand, count: Int) -> Operand {
        strict([a, digits], count: count) { rows in
            let (values, bad) = map2Checked(a.doubles, digits.ints, count: rows) { x, d in
                finite(roundTo(x, digits: d))
            }
            return KernelOutput(Column(doubles: values), bad: bad)
        }
    }

    static func roundTo(_ x: Double, digits: Int64) -> Double {
        if digits > 15 || !x.isFinite { return x }
        if digits < -308 { return 0 }
        let scale = pow(10, Double(Swift.abs(digits)))
        return digits >= 0
            ? (x * scale).rounded(.toNearestOrAwayFromZero) / scale
            : (x / scale).rounded(.toNearestOrAwayFromZero) * scale
    }

    /// `clamp(x, lo, hi)` = `least(greatest(x, lo), hi)`; null if any argument is null.
    static func clamp(_ x: Operand, _ lo: Operand, _ hi: Operand, type: DataType, count: Int) -> Operand {
        strict([x, lo, hi], count: count) { rows in
            switch type {
            case .double:
                KernelOutput(Column(doubles: map3(x.doubles, lo.doubles, hi.doubles, count: rows) { v, l, h in
                    Swift.min(Swift.max(v, l), h)
                }))
            default:
                KernelOutput(Column(ints: map3(x.ints, lo.ints, hi.ints, count: rows) { v, l, h in
                    Swift.min(Swift.max(v, l), h)
                }, type: type))
            }
        }
    }
}
