import SluiceCore

/// Type rules shared by operators and functions: conditions, comparable operands,
/// branches that must agree, and the implicit conversions (int → double, a constant
/// string compared with a timestamp → timestamp).
extension TypeChecker {
    /// Whether `operand` can be a condition; reports `<what> must be bool, got <type>`.
    mutating func requireBool(_ operand: Checked, _ what: String) -> Bool {
        switch operand.type {
        case .invalid: return false
        case .null, .known(.bool): return true
        case .known(let type):
            _ = report("\(what) must be bool, got \(type)", operand.span)
            return false
        }
    }

    /// Whether `operand` has `type` (or is null); reports `argument N of f() must be ...`.
    mutating func requireArgument(
        _ operand: Checked, _ function: String, _ position: Int, _ accepts: (DataType) -> Bool, _ expected: String
    ) -> Bool {
        switch operand.type {
        case .invalid: return false
        case .null: return true
        case .known(let type):
            if accepts(type) { return true }
            _ = report("argument \(position) of \(function)() must be \(expected), got \(type)", operand.span)
            return false
        }
    }

    mutating func requireArgument(_ operand: Checked, _ function: String, _ position: Int, _ type: DataType) -> Bool {
        requireArgument(operand, function, position, { $0 == type }, type.description)
    }

    /// An int operand converted to double; others unchanged.
    mutating func toDouble(_ operand: Checked) -> Checked {
        guard operand.type == .known(.int64) else { return operand }
        return apply(.double, nullable: operand.nullable, operand.span, [operand]) {
            Casts.cast($0[0], from: .int64, to: .double, count: $1)
        }
    }

    /// An operand converted to string (for concatenation); null stays null.
    mutating func toText(_ operand: Checked) -> Checked {
        guard let type = operand.type.dataType, type != .string else { return operand }
        return cast(operand, to: .string, operand.span)
    }

    /// Brings `lhs` and `items` to one type they can be compared in: equal types, int with
    /// double (as double), timestamp with constant strings (parsed here). Reports
    /// `cannot compare X with Y` at `span`, or at each offending item when `span` is nil.
    mutating func comparable(_ lhs: Checked, _ items: [Checked], span: SourceSpan?)
        -> (Checked, [Checked], DataType)?
    {
        let all = [lhs] + items
        let known = all.compactMap(\.type.dataType)
        guard let first = known.first else {
            // Only nulls (and errors): the comparison is null whatever the type.
            return all.contains(where: \.isInvalid) ? nil : (lhs, items, .int64)
        }
        let target: DataType =
            known.contains(.timestamp) ? .timestamp
            : known.allSatisfy(\.isNumeric) ? (known.contains(.double) ? .double : .int64) : first
        var ok = !all.contains(where: \.isInvalid)
        for (position, operand) in all.enumerated() {
            guard let type = operand.type.dataType else { continue }
            let fits =
                type == target || (type.isNumeric && target.isNumeric)
                || (target == .timestamp && type == .string && operand.constant != nil)
            if !fits {
                let (a, b) = position == 0 ? (type.description, target.description) : (lhs.type.name, type.description)
                _ = report("cannot compare \(a) with \(b)", span ?? operand.span)
                ok = false
            }
        }
        guard ok else { return nil }
        var coerced: [Checked] = []
        for operand in all {
            if target == .double {
                coerced.append(toDouble(operand))
            } else if target == .timestamp, operand.type == .known(.string), case .string(let text)? = operand.constant {
                guard let millis = UTCCalendar.parse(text) else {
                    _ = report("invalid timestamp '\(text)'; expected ISO 8601 such as '2024-01-31T12:00:00Z'", operand.span)
                    ok = false
                    continue
                }
                coerced.append(
                    Checked(
                        type: .known(.timestamp), nullable: false,
                        evaluator: ConstantEvaluator(value: .timestamp(millis)), span: operand.span))
            } else {
                coerced.append(operand)
            }
        }
        guard ok else { return nil }
        return (coerced[0], Array(coerced.dropFirst()), target)
    }

    /// The one type of values that flow to the same result (`case` branches, `coalesce`
    /// arguments): equal types, or int with double as double. Reports
    /// `<what> have different types: X and Y` at the first value that disagrees.
    /// Returns nil on error, `(nil, ...)` when every value is null.
    mutating func unify(_ values: [Checked], _ what: String) -> (type: DataType?, values: [Checked])? {
        var target: DataType?
        var ok = !values.contains(where: \.isInvalid)
        for value in values {
            guard let type = value.type.dataType else { continue }
            guard let current = target else {
                target = type
                continue
            }
            if type == current { continue }
            if type.isNumeric && current.isNumeric {
                target = .double
            } else {
                _ = report("\(what) have different types: \(current) and \(type)", value.span)
                ok = false
            }
        }
        guard ok else { return nil }
        if target == .double { return (target, values.map { toDouble($0) }) }
        return (target, values)
    }
}
