import SluiceCore

/// Conversions between types. A value that cannot be converted becomes null; a cast
/// never fails the expression.
///
/// | from \ to | int | double | string | bool | timestamp |
/// |---|---|---|---|---|---|
/// | int | = | exact up to 2^53 | decimal | ≠ 0 | epoch ms |
/// | double | truncated toward 0; NaN/∞/out of range → null | = | shortest round-trip | ≠ 0; NaN → null | like int |
/// | string | integer text, else decimal text truncated | decimal text, finite | = | true/false/t/f/yes/no/y/n/1/0 | ISO 8601 |
/// | bool | 0/1 | 0/1 | 'true'/'false' | = | — |
/// | timestamp | epoch ms | epoch ms | ISO 8601 UTC | — | = |
enum Casts {
    /// Whether `cast(x as to)` is allowed for an `x` of type `from`.
    static func isAllowed(from: DataType, to: DataType) -> Bool {
        !((from == .bool && to == .timestamp) || (from == .timestamp && to == .bool))
    }

    static func cast(_ a: Operand, from: DataType, to: DataType, count: Int) -> Operand {
        if from == to { return a }
        switch (from, to) {
        case (.string, _): return fromString(a, to: to, count: count)
        case (_, .string): return toString(a, from: from, count: count)
        default: break
        }
        return strict([a], count: count) { rows in
            switch (from, to) {
            case (.int64, .timestamp), (.timestamp, .int64):
                return KernelOutput(a.materialize(from, count: rows).retyped(to))
            case (.int64, .double), (.timestamp, .double):
                return KernelOutput(Column(doubles: map1(a.ints, count: rows) { Double($0) }))
            case (.int64, .bool):
                return KernelOutput(Column(bools: map1(a.ints, count: rows) { $0 != 0 }))
            case (.double, .int64), (.double, .timestamp):
                let (values, bad) = map1Checked(a.doubles, count: rows) { d in
                    guard let i = integer(d) else { return (Int64(0), true) }
                    return (i, false)
                }
                return KernelOutput(Column(ints: values, type: to), bad: bad)
            case (.double, .bool):
                let (values, bad) = map1Checked(a.doubles, count: rows) { ($0 != 0, $0.isNaN) }
                return KernelOutput(Column(bools: values), bad: bad)
            case (.bool, .int64):
                return KernelOutput(Column(ints: map1(a.bools, count: rows) { $0 ? 1 : 0 }))
            case (.bool, .double):
                return KernelOutput(Column(doubles: map1(a.bools, count: rows) { $0 ? 1 : 0 }))
            default:
                preconditionFailure("cast from \(from) to \(to) passed the type checker")
            }
        }
    }

    /// A double truncated toward zero, if it is finite and fits Int64.
    @inline(__always)
    static func integer(_ d: Double) -> Int64? {
        d.isFinite && d >= -9.223_372_036_854_775_808e18 && d < 9.223_372_036_854_775_808e18
            ? Int64(d.rounded(.towardZero)) : nil
    }

    private static func fromString(_ a: Operand, to: DataType, count: Int) -> Operand {
        switch to {
        case .int64: StringMaps.ints(a, count: count, parseInteger)
        case .double: StringMaps.doubles(a, count: count, parseDouble)
        case .bool: StringMaps.bools(a, count: count, parseBool)
        case .timestamp: StringMaps.ints(a, count: count, type: .timestamp, UTCCalendar.parse)
        case .string: a
        }
    }

    private static func toString(_ a: Operand, from: DataType, count: Int) -> Operand {
        strict([a], count: count) { rows in
            switch from {
            case .int64: KernelOutput(renderDistinct(a.ints, count: rows) { String($0) })
            case .timestamp: KernelOutput(renderDistinct(a.ints, count: rows, UTCCalendar.format))
            case .double:
                KernelOutput(renderDistinct(a.doubles.map(\.bitPattern), count: rows) { bits in
                    String(Double(bitPattern: bits))
                })
            case .bool:
                KernelOutput(
                    Column(codes: map1(a.bools, count: rows) { $0 ? 1 : 0 }, dictionary: ["false", "true"]))
            case .string: KernelOutput(a.materialize(.string, count: rows))
            }
        }
    }

    static func parseInteger(_ text: String) -> Int64? {
        let trimmed = Strings.trim(text)
        if let value = Int64(trimmed) { return value }
        return parseDouble(trimmed).flatMap(integer)
    }

    static func parseDouble(_ text: String) -> Double? {
        guard let value = Double(Strings.trim(text)), value.isFinite else { return nil }
        return value
    }

    static func parseBool(_ text: String) -> Bool? {
        switch Strings.trim(text).lowercased() {
        case "true", "t", "yes", "y", "1": true
        case "false", "f", "no", "n", "0": false
        default: nil
        }
    }
}
