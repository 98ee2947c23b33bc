import SluiceCore

extension ExprNode: CustomStringConvertible {
    /// A canonical, fully parenthesized rendering: `(a + (b * 2))`. Parsing the
    /// description gives back the same tree (up to spans), which makes precedence visible.
    public var description: String {
        switch self {
        case .literal(let value, _): Self.render(value)
        case .field(let name, _): Self.renderName(name)
        case .unary(.negate, let operand, _): "(-\(operand))"
        case .unary(.not, let operand, _): "(not \(operand))"
        case .binary(let op, let lhs, let rhs, _, _): "(\(lhs) \(op.rawValue) \(rhs))"
        case .call(let name, let arguments, _, _): "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .cast(let operand, let type, _): "cast(\(operand) as \(type))"
        case .isNull(let operand, let negated, _): "(\(operand) is \(negated ? "not " : "")null)"
        case .inList(let operand, let items, let negated, _):
            "(\(operand) \(negated ? "not in" : "in") (\(items.map(\.description).joined(separator: ", "))))"
        case .between(let operand, let low, let high, let negated, _):
            "(\(operand) \(negated ? "not between" : "between") \(low) and \(high))"
        case .caseWhen(let subject, let clauses, let otherwise, _):
            "(case" + (subject.map { " \($0)" } ?? "")
                + clauses.map { " when \($0.when) then \($0.then)" }.joined()
                + (otherwise.map { " else \($0)" } ?? "") + " end)"
        }
    }

    static func render(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .int(let v): String(v)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .string(let s): "'" + s.replacing("'", with: "''") + "'"
        case .timestamp(let t): "from_millis(\(t))"
        }
    }

    static func renderName(_ name: String) -> String {
        let plain = name.utf8.first.map { Lexer.isIdentifierStart($0) } == true
            && name.utf8.allSatisfy(Lexer.isIdentifierContinue) && Keyword(rawValue: name.lowercased()) == nil
        return plain ? name : "`" + name.replacing("`", with: "``") + "`"
    }
}
