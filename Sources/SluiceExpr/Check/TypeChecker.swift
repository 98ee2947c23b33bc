import SluiceCore

/// Checks an expression against a schema and builds its evaluator tree in one walk.
///
/// Every node is checked even after an error elsewhere, so all independent mistakes are
/// reported at once; a node whose operand failed reports nothing more itself. Operations
/// whose operands are all constants are evaluated here, once (constant folding).
struct TypeChecker {
    let schema: Schema
    private(set) var diagnostics: [ExprDiagnostic] = []
    private(set) var referencedFields: Set<String> = []
    /// Whether the expression reads `now()`.
    private(set) var readsClock = false

    init(schema: Schema) { self.schema = schema }

    mutating func report(_ message: String, _ span: SourceSpan) -> Checked {
        diagnostics.append(ExprDiagnostic(message, at: span))
        return .invalid(span)
    }

    mutating func check(_ node: ExprNode) -> Checked {
        switch node {
        case .literal(let value, let span):
            return literal(value, span)
        case .field(let name, let span):
            return field(name, span)
        case .unary(.negate, let operand, let span):
            return negate(check(operand), span)
        case .unary(.not, let operand, let span):
            let checked = check(operand)
            guard requireBool(checked, "operand of 'not'") else { return .invalid(span) }
            return apply(.bool, nullable: checked.nullable, span, [checked]) { Logic.not($0[0], count: $1) }
        case .binary(let op, let lhs, let rhs, let operatorSpan, let span):
            return binary(op, check(lhs), check(rhs), operatorSpan: operatorSpan, span: span)
        case .call(let name, let arguments, let nameSpan, let span):
            return call(name, arguments.map { check($0) }, nameSpan: nameSpan, span: span)
        case .cast(let operand, let type, let span):
            return cast(check(operand), to: type, span)
        case .isNull(let operand, let negated, let span):
            let checked = check(operand)
            if checked.isInvalid { return .invalid(span) }
            return apply(.bool, nullable: false, span, [checked]) {
                Logic.isNull($0[0], negated: negated, count: $1)
            }
        case .inList(let operand, let items, let negated, let span):
            return inList(check(operand), items.map { check($0) }, negated: negated, span)
        case .between(let operand, let low, let high, let negated, let span):
            return between(check(operand), check(low), check(high), negated: negated, span)
        case .caseWhen(let subject, let clauses, let otherwise, let span):
            return caseWhen(
                subject.map { check($0) }, clauses.map { (check($0.when), check($0.then)) },
                otherwise.map { check($0) }, span)
        }
    }

    /// An operation node; folded to a constant right away when every operand is constant.
    mutating func apply(
        _ type: DataType, nullable: Bool, _ span: SourceSpan, _ operands: [Checked],
        _ kernel: @escaping KernelEvaluator.Kernel
    ) -> Checked {
        let constants = operands.compactMap(\.constant)
        if constants.count == operands.count {
            let value = kernel(constants.map { .scalar($0) }, 1).value(at: 0)
            return Checked(
                type: .known(type), nullable: value.isNull,
                evaluator: ConstantEvaluator(value: Self.normalize(value, to: type)), span: span)
        }
        return Checked(
            type: .known(type), nullable: nullable,
            evaluator: KernelEvaluator(operands: operands.map(\.evaluator), kernel: kernel), span: span)
    }

    /// A folded value in the representation of its static type.
    static func normalize(_ value: Value, to type: DataType) -> Value {
        switch (type, value) {
        case (.timestamp, .int(let v)): .timestamp(v)
        case (.int64, .timestamp(let v)): .int(v)
        case (.double, .int(let v)): .double(Double(v))
        default: value
        }
    }

    private func literal(_ value: Value, _ span: SourceSpan) -> Checked {
        let type: ExprType =
            switch value {
            case .null: .null
            case .int: .known(.int64)
            case .double: .known(.double)
            case .bool: .known(.bool)
            case .string: .known(.string)
            case .timestamp: .known(.timestamp)
            }
        return Checked(type: type, nullable: value.isNull, evaluator: ConstantEvaluator(value: value), span: span)
    }

    mutating func field(_ name: String, _ span: SourceSpan) -> Checked {
        guard let index = schema.index(of: name) else {
            return report("unknown field '\(name)'" + Suggestion.hint(for: name, in: schema.names), span)
        }
        let field = schema[index]
        referencedFields.insert(name)
        return Checked(
            type: .known(field.type), nullable: field.nullable,
            evaluator: FieldEvaluator(index: index, name: name, type: field.type), span: span)
    }

    mutating func now(_ span: SourceSpan) -> Checked {
        readsClock = true
        return Checked(type: .known(.timestamp), nullable: false, evaluator: NowEvaluator(), span: span)
    }

    private mutating func negate(_ operand: Checked, _ span: SourceSpan) -> Checked {
        switch operand.type {
        case .invalid: return .invalid(span)
        case .null: return .null(nil, span)
        case .known(.int64):
            return apply(.int64, nullable: true, span, [operand]) { Arithmetic.negateIntegers($0[0], count: $1) }
        case .known(.double):
            return apply(.double, nullable: true, span, [operand]) { Arithmetic.negateDoubles($0[0], count: $1) }
        case .known(let type):
            return report("operator '-' cannot be applied to \(type)", span)
        }
    }

    private mutating func binary(
        _ op: ExprBinaryOperator, _ lhs: Checked, _ rhs: Checked, operatorSpan: SourceSpan, span: SourceSpan
    ) -> Checked {
        switch op {
        case .add: arithmetic(.add, "+", lhs, rhs, span)
        case .subtract: arithmetic(.subtract, "-", lhs, rhs, span)
        case .multiply: arithmetic(.multiply, "*", lhs, rhs, span)
        case .divide: arithmetic(.divide, "/", lhs, rhs, span)
        case .remainder: arithmetic(.remainder, "%", lhs, rhs, span)
        case .concat: concatenation(lhs, rhs, operatorSpan: operatorSpan, span: span)
        case .equal: comparison(.equal, lhs, rhs, span)
        case .notEqual: comparison(.notEqual, lhs, rhs, span)
        case .less: comparison(.less, lhs, rhs, span)
        case .lessOrEqual: comparison(.lessOrEqual, lhs, rhs, span)
        case .greater: comparison(.greater, lhs, rhs, span)
        case .greaterOrEqual: comparison(.greaterOrEqual, lhs, rhs, span)
        case .and: logical(and: true, lhs, rhs, span)
        case .or: logical(and: false, lhs, rhs, span)
        }
    }

    private mutating func arithmetic(
        _ op: Arithmetic.Operator, _ symbol: String, _ lhs: Checked, _ rhs: Checked, _ span: SourceSpan
    ) -> Checked {
        if lhs.isInvalid || rhs.isInvalid { return .invalid(span) }
        let mismatch = "operator '\(symbol)' cannot be applied to \(lhs.type.name) and \(rhs.type.name)"
        guard let left = lhs.type.dataType, let right = rhs.type.dataType else {
            // A null operand makes the result null; only its type remains to decide.
            guard let other = lhs.type.dataType ?? rhs.type.dataType else { return .null(nil, span) }
            if other.isNumeric { return .null(op == .divide ? .double : other, span) }
            if other == .timestamp && (op == .add || op == .subtract) { return .null(.timestamp, span) }
            return report(mismatch, span)
        }
        if left == .timestamp || right == .timestamp {
            let resultType: DataType? =
                switch (op, left, right) {
                case (.add, .timestamp, .int64), (.add, .int64, .timestamp), (.subtract, .timestamp, .int64): .timestamp
                case (.subtract, .timestamp, .timestamp): .int64
                default: nil
                }
            guard let resultType else { return report(mismatch, span) }
            return apply(resultType, nullable: true, span, [lhs, rhs]) {
                Arithmetic.integers(op, $0[0], $0[1], resultType: resultType, count: $1)
            }
        }
        guard left.isNumeric && right.isNumeric else {
            let hint = left == .string && right == .string && op == .add ? "; use '||' to concatenate strings" : ""
            return report(mismatch + hint, span)
        }
        if left == .int64 && right == .int64 && op != .divide {
            return apply(.int64, nullable: true, span, [lhs, rhs]) {
                Arithmetic.integers(op, $0[0], $0[1], resultType: .int64, count: $1)
            }
        }
        return apply(.double, nullable: true, span, [toDouble(lhs), toDouble(rhs)]) {
            Arithmetic.doubles(op, $0[0], $0[1], count: $1)
        }
    }

    private mutating func concatenation(
        _ lhs: Checked, _ rhs: Checked, operatorSpan: SourceSpan, span: SourceSpan
    ) -> Checked {
        if lhs.isInvalid || rhs.isInvalid { return .invalid(span) }
        if lhs.type == .known(.bool) || rhs.type == .known(.bool) {
            return report("operator '||' concatenates strings; use 'or' for logical or", operatorSpan)
        }
        return apply(.string, nullable: lhs.nullable || rhs.nullable, span, [toText(lhs), toText(rhs)]) { operands, count in
            strict(operands, count: count) { rows in
                KernelOutput(StringPairs.strings(operands[0], operands[1], count: rows, +))
            }
        }
    }

    private mutating func comparison(
        _ op: Comparison.Operator, _ lhs: Checked, _ rhs: Checked, _ span: SourceSpan
    ) -> Checked {
        guard case let (left, rights, type)? = comparable(lhs, [rhs], span: span) else { return .invalid(span) }
        return apply(.bool, nullable: lhs.nullable || rhs.nullable, span, [left, rights[0]]) {
            Comparison.compare(op, $0[0], $0[1], type: type, count: $1)
        }
    }

    private mutating func logical(and: Bool, _ lhs: Checked, _ rhs: Checked, _ span: SourceSpan) -> Checked {
        let what = and ? "operand of 'and'" : "operand of 'or'"
        let leftIsBool = requireBool(lhs, what)
        let rightIsBool = requireBool(rhs, what)
        guard leftIsBool && rightIsBool else { return .invalid(span) }
        return apply(.bool, nullable: lhs.nullable || rhs.nullable, span, [lhs, rhs]) {
            and ? Logic.and($0[0], $0[1], count: $1) : Logic.or($0[0], $0[1], count: $1)
        }
    }

    mutating func cast(_ operand: Checked, to type: DataType, _ span: SourceSpan) -> Checked {
        guard let from = operand.type.dataType else {
            return operand.isInvalid ? .invalid(span) : .null(type, span)
        }
        guard Casts.isAllowed(from: from, to: type) else { return report("cannot cast \(from) to \(type)", span) }
        if from == type {
            var same = operand
            same.span = span
            return same
        }
        let mayFail = from == .string || (from == .double && type != .string)
        return apply(type, nullable: operand.nullable || mayFail, span, [operand]) {
            Casts.cast($0[0], from: from, to: type, count: $1)
        }
    }
}
