import SluiceCore

/// Type rules and evaluators of the scalar functions (`ExprFunctions`).
extension TypeChecker {
    mutating func call(_ name: String, _ arguments: [Checked], nameSpan: SourceSpan, span: SourceSpan) -> Checked {
        guard let arity = ExprFunctions.arities[name] else {
            if ExprFunctions.aggregateNames.contains(name) {
                let hint =
                    (name == "min" || name == "max") && arguments.count > 1
                    ? "; use \(name == "min" ? "least" : "greatest")(...) to compare values within a row"
                    : "; aggregates belong in an aggregate step"
                return report("aggregate function '\(name)' cannot be used in an expression" + hint, nameSpan)
            }
            return report("unknown function '\(name)'" + Suggestion.hint(for: name, in: ExprFunctions.names), nameSpan)
        }
        guard arity.accepts(arguments.count) else {
            return report("function '\(name)' expects \(arity.description), got \(arguments.count)", span)
        }
        switch name {
        case "lower", "upper", "trim", "length", "concat", "starts_with", "ends_with", "contains", "substr", "replace":
            return stringFunction(name, arguments, span)
        case "coalesce", "nullif", "if":
            return choiceFunction(name, arguments, span)
        case "int", "double", "string", "bool", "timestamp":
            let type = Parser.typeNames[name]!
            return cast(arguments[0], to: type, span)
        case "now", "date_trunc", "window_start", "window_end", "to_millis", "from_millis":
            return timeFunction(name, arguments, span)
        default:
            return mathFunction(name, arguments, span)
        }
    }

    // MARK: Strings

    private mutating func stringFunction(_ name: String, _ arguments: [Checked], _ span: SourceSpan) -> Checked {
        if name == "concat" { return concat(arguments, span) }
        var ok = true
        for (i, argument) in arguments.enumerated() {
            let isPosition = name == "substr" && i > 0
            if !requireArgument(argument, name, i + 1, isPosition ? .int64 : .string) { ok = false }
        }
        guard ok else { return .invalid(span) }
        let nullable = arguments.contains(where: \.nullable)
        switch name {
        case "lower", "upper", "trim":
            let f = Self.transform(name)
            return apply(.string, nullable: nullable, span, arguments) { StringMaps.strings($0[0], count: $1, f) }
        case "length":
            return apply(.int64, nullable: nullable, span, arguments) {
                StringMaps.ints($0[0], count: $1) { Int64($0.count) }
            }
        case "starts_with", "ends_with", "contains":
            let f = Self.predicate(name)
            return apply(.bool, nullable: nullable, span, arguments) { operands, count in
                strict(operands, count: count) { rows in
                    KernelOutput(Column(bools: StringPairs.map(operands[0], operands[1], count: rows, unused: false, f)))
                }
            }
        case "substr":
            // A negative length gives null.
            return apply(.string, nullable: true, span, arguments) { operands, count in
                Self.substr(operands, count: count)
            }
        default:  // replace
            return apply(.string, nullable: nullable, span, arguments) { operands, count in
                Self.replace(operands, count: count)
            }
        }
    }

    private static func transform(_ name: String) -> @Sendable (String) -> String {
        switch name {
        case "lower": { $0.lowercased() }
        case "upper": { $0.uppercased() }
        default: { Strings.trim($0) }
        }
    }

    private static func predicate(_ name: String) -> @Sendable (String, String) -> Bool {
        switch name {
        case "starts_with": { $0.hasPrefix($1) }
        case "ends_with": { $0.hasSuffix($1) }
        default: { Strings.contains($0, $1) }
        }
    }

    /// `concat(a, b, ...)`: every argument converted to string, nulls skipped (as '').
    private mutating func concat(_ arguments: [Checked], _ span: SourceSpan) -> Checked {
        guard !arguments.contains(where: \.isInvalid) else { return .invalid(span) }
        let texts = arguments.map { toText($0) }
        return apply(.string, nullable: false, span, texts) { operands, count in
            var result = emptyForNull(operands[0])
            for operand in operands.dropFirst() {
                result = .column(StringPairs.strings(result, emptyForNull(operand), count: count, +))
            }
            return result
        }
    }

    private static func substr(_ operands: [Operand], count: Int) -> Operand {
        let start = operands[1]
        let length = operands.count > 2 ? operands[2] : nil
        if start.isScalar && length?.isScalar != false {
            // Constant positions: once per dictionary entry.
            guard let from = start.value(at: 0).asInt else { return .scalar(.null) }
            var size: Int64?
            if let length {
                guard let value = length.value(at: 0).asInt else { return .scalar(.null) }
                size = value
            }
            return StringMaps.strings(operands[0], count: count) { Strings.substring($0, start: from, length: size) }
        }
        return strict(operands, count: count) { rows in
            let strings = StringRows(operands[0])
            let starts = start.ints
            let lengths = length?.ints
            return buildStrings(rows) { i in
                Strings.substring(strings[i], start: starts.element(i), length: lengths?.element(i))
            }
        }
    }

    private static func replace(_ operands: [Operand], count: Int) -> Operand {
        if operands[1].isScalar && operands[2].isScalar {
            guard let target = operands[1].value(at: 0).asString, let replacement = operands[2].value(at: 0).asString
            else { return .scalar(.null) }
            return StringMaps.strings(operands[0], count: count) { Strings.replace($0, target, replacement) }
        }
        return strict(operands, count: count) { rows in
            let strings = StringRows(operands[0])
            let targets = StringRows(operands[1])
            let replacements = StringRows(operands[2])
            return buildStrings(rows) { i in Strings.replace(strings[i], targets[i], replacements[i]) }
        }
    }

    // MARK: Nulls and choice

    private mutating func choiceFunction(_ name: String, _ arguments: [Checked], _ span: SourceSpan) -> Checked {
        switch name {
        case "coalesce":
            guard case let (type, values)? = unify(arguments, "arguments of coalesce()") else { return .invalid(span) }
            guard let type else { return .null(nil, span) }
            return apply(type, nullable: values.allSatisfy(\.nullable), span, values) {
                Selection.coalesce($0, type: type, count: $1)
            }
        case "nullif":
            guard case let (value, others, type)? = comparable(arguments[0], [arguments[1]], span: span) else {
                return .invalid(span)
            }
            guard arguments[0].type != .null else { return .null(nil, span) }
            return apply(type, nullable: true, span, [value, others[0]]) { operands, count in
                let same = Comparison.compare(.equal, operands[0], operands[1], type: type, count: count)
                return Selection.choose(same, .scalar(.null), operands[0], type: type, count: count)
            }
        default:  // if
            let conditionOK = requireArgument(arguments[0], "if", 1, .bool)
            guard case let (type, values)? = unify(Array(arguments[1...]), "branches of if()"), conditionOK else {
                return .invalid(span)
            }
            guard let type else { return .null(nil, span) }
            return apply(type, nullable: values.contains(where: \.nullable), span, [arguments[0]] + values) {
                Selection.choose($0[0], $0[1], $0[2], type: type, count: $1)
            }
        }
    }

    // MARK: Time

    private mutating func timeFunction(_ name: String, _ arguments: [Checked], _ span: SourceSpan) -> Checked {
        switch name {
        case "now":
            return now(span)
        case "window_start", "window_end":
            guard schema.field(named: name)?.type == .timestamp else {
                return report("\(name)() needs a timestamp field '\(name)'; it exists only after a window step", span)
            }
            return field(name, span)
        case "to_millis":
            guard requireArgument(arguments[0], name, 1, .timestamp) else { return .invalid(span) }
            return apply(.int64, nullable: arguments[0].nullable, span, arguments) { operands, _ in
                TimeKernels.retype(operands[0], to: .int64)
            }
        case "from_millis":
            guard requireArgument(arguments[0], name, 1, .int64) else { return .invalid(span) }
            return apply(.timestamp, nullable: arguments[0].nullable, span, arguments) { operands, _ in
                TimeKernels.retype(operands[0], to: .timestamp)
            }
        default:  // date_trunc
            let unit = truncationUnit(arguments[0])
            let timeOK = requireArgument(arguments[1], name, 2, .timestamp)
            guard let unit, timeOK else { return .invalid(span) }
            // Null also where the start of the unit falls outside Int64 milliseconds.
            return apply(.timestamp, nullable: true, span, [arguments[1]]) {
                TimeKernels.truncate($0[0], to: unit, count: $1)
            }
        }
    }

    private mutating func truncationUnit(_ argument: Checked) -> UTCCalendar.Unit? {
        if argument.isInvalid { return nil }
        guard argument.type == .known(.string), case .string(let text)? = argument.constant else {
            _ = report("argument 1 of date_trunc() must be a constant unit such as 'minute'", argument.span)
            return nil
        }
        guard let unit = UTCCalendar.Unit(rawValue: text.lowercased()) else {
            let units = UTCCalendar.Unit.allCases.map(\.rawValue)
            _ = report(
                "unknown date_trunc unit '\(text)'; expected \(units.dropLast().joined(separator: ", ")) or \(units.last!)",
                argument.span)
            return nil
        }
        return unit
    }

    // MARK: Math

    private mutating func mathFunction(_ name: String, _ arguments: [Checked], _ span: SourceSpan) -> Checked {
        if name == "least" || name == "greatest" || name == "clamp" { return ordering(name, arguments, span) }
        var ok = requireArgument(arguments[0], name, 1, \.isNumeric, "a number")
        if arguments.count > 1 {
            ok = requireArgument(arguments[1], name, 2, name == "round" ? { $0 == .int64 } : \.isNumeric,
                name == "round" ? "int" : "a number") && ok
        }
        guard ok else { return .invalid(span) }
        guard let type = arguments[0].type.dataType else { return .null(nil, span) }
        switch name {
        case "abs":
            return apply(type, nullable: true, span, arguments) {
                type == .int64 ? MathKernels.absIntegers($0[0], count: $1) : MathKernels.absDoubles($0[0], count: $1)
            }
        case "floor", "ceil", "round":
            if arguments.count == 2 {
                return apply(.double, nullable: true, span, [toDouble(arguments[0]), arguments[1]]) {
                    MathKernels.round($0[0], digits: $0[1], count: $1)
                }
            }
            if type == .int64 {
                var same = arguments[0]
                same.span = span
                return same
            }
            let f: MathKernels.Unary = name == "floor" ? .floor : name == "ceil" ? .ceil : .round
            return apply(.double, nullable: true, span, arguments) { MathKernels.doubles(f, $0[0], count: $1) }
        case "pow":
            return apply(.double, nullable: true, span, arguments.map { toDouble($0) }) {
                MathKernels.power($0[0], $0[1], count: $1)
            }
        default:  // sqrt, ln, exp
            let f: MathKernels.Unary = name == "sqrt" ? .sqrt : name == "ln" ? .ln : .exp
            return apply(.double, nullable: true, span, [toDouble(arguments[0])]) {
                MathKernels.doubles(f, $0[0], count: $1)
            }
        }
    }

    /// `least`, `greatest` (nulls skipped) and `clamp` (null in, null out) over numbers
    /// or timestamps.
    private mutating func ordering(_ name: String, _ arguments: [Checked], _ span: SourceSpan) -> Checked {
        var ok = true
        for (i, argument) in arguments.enumerated()
        where !requireArgument(argument, name, i + 1, { $0.isNumeric || $0 == .timestamp }, "a number or timestamp") {
            ok = false
        }
        guard ok, case let (type, values)? = unify(arguments, "arguments of \(name)()") else { return .invalid(span) }
        guard let type else { return .null(nil, span) }
        if name == "clamp" {
            return apply(type, nullable: values.contains(where: \.nullable), span, values) {
                MathKernels.clamp($0[0], $0[1], $0[2], type: type, count: $1)
            }
        }
        let greatest = name == "greatest"
        return apply(type, nullable: values.allSatisfy(\.nullable), span, values) { operands, count in
            operands.dropFirst().reduce(operands[0]) {
                Selection.extremum($0, $1, greatest: greatest, type: type, count: count)
            }
        }
    }
}
