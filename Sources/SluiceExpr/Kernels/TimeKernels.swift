import SluiceCore

/// Timestamp functions.
enum TimeKernels {
    /// The start of the `unit` containing each timestamp; null where that start does not
    /// fit in Int64 milliseconds.
    static func truncate(_ a: Operand, to unit: UTCCalendar.Unit, count: Int) -> Operand {
        switch unit {
        // Fixed-length units get a loop each, so the divisor is a constant the compiler
        // turns into a multiplication.
        case .second: floor(a, step: 1_000, count: count)
        case .minute: floor(a, step: 60_000, count: count)
        case .hour: floor(a, step: 3_600_000, count: count)
        case .day: floor(a, step: UTCCalendar.millisPerDay, count: count)
        case .week, .month, .year:
            strict([a], count: count) { rows in
                let (values, bad) = map1Checked(a.ints, count: rows) { millis in
                    guard let start = UTCCalendar.truncate(millis, to: unit) else { return (Int64(0), true) }
                    return (start, false)
                }
                return KernelOutput(Column(ints: values, type: .timestamp), bad: bad)
            }
        }
    }

    @inline(__always)
    private static func floor(_ a: Operand, step: Int64, count: Int) -> Operand {
        strict([a], count: count) { rows in
            let (values, bad) = map1Checked(a.ints, count: rows) { millis in
                guard let start = UTCCalendar.floor(millis, step: step) else { return (Int64(0), true) }
                return (start, false)
            }
            return KernelOutput(Column(ints: values, type: .timestamp), bad: bad)
        }
    }

    /// The same integers under another type (`to_millis`, `from_millis`): no copy.
    static func retype(_ a: Operand, to type: DataType) -> Operand {
        switch a {
        case .scalar(let value): .scalar(value.asInt.map { type == .timestamp ? .timestamp($0) : .int($0) } ?? .null)
        case .column(let column): .column(column.retyped(type))
        }
    }
}
