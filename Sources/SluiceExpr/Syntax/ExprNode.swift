public import SluiceCore

/// An operator with one operand.
public enum ExprUnaryOperator: String, Sendable, Hashable {
    case negate = "-"
    case not = "not"
}

/// An operator with two operands.
public enum ExprBinaryOperator: String, Sendable, Hashable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case concat = "||"
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case and = "and"
    case or = "or"

    /// True for `= != < <= > >=`.
    public var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: true
        default: false
        }
    }
}

/// One `when ... then ...` arm of a `case` expression.
public struct ExprWhenClause: Sendable, Equatable {
    /// The condition, or the value compared with the subject in `case x when v then ...`.
    public var when: ExprNode
    public var then: ExprNode

    public init(when: ExprNode, then: ExprNode) {
        self.when = when
        self.then = then
    }
}

/// The parsed form of an expression: every node carries the span of its source text.
///
/// Function names are stored lowercased (they are case-insensitive); field names are
/// stored as written. Duration literals (`5s`) appear as `.int` milliseconds, and a minus
/// sign written directly before a numeric literal is folded into the literal.
public indirect enum ExprNode: Sendable, Equatable {
    /// A literal: `.int`, `.double`, `.string`, `.bool` or `.null`.
    case literal(Value, span: SourceSpan)
    /// A reference to the field `name` of the input batch.
    case field(String, span: SourceSpan)
    case unary(ExprUnaryOperator, ExprNode, span: SourceSpan)
    case binary(ExprBinaryOperator, ExprNode, ExprNode, operatorSpan: SourceSpan, span: SourceSpan)
    /// `name(arguments...)`; `nameSpan` covers the name only.
    case call(String, arguments: [ExprNode], nameSpan: SourceSpan, span: SourceSpan)
    /// `cast(x as type)`.
    case cast(ExprNode, to: DataType, span: SourceSpan)
    /// `x is null`, or `x is not null` when `negated`.
    case isNull(ExprNode, negated: Bool, span: SourceSpan)
    /// `x in (a, b, ...)`, or `x not in (...)` when `negated`.
    case inList(ExprNode, [ExprNode], negated: Bool, span: SourceSpan)
    /// `x between low and high`, or `x not between ...` when `negated`.
    case between(ExprNode, low: ExprNode, high: ExprNode, negated: Bool, span: SourceSpan)
    /// `case [subject] when ... then ... [else ...] end`.
    case caseWhen(subject: ExprNode?, clauses: [ExprWhenClause], otherwise: ExprNode?, span: SourceSpan)

    /// The source text this node was parsed from.
    public var span: SourceSpan {
        switch self {
        case .literal(_, let span), .field(_, let span), .unary(_, _, let span), .binary(_, _, _, _, let span),
            .call(_, _, _, let span), .cast(_, _, let span), .isNull(_, _, let span), .inList(_, _, _, let span),
            .between(_, _, _, _, let span), .caseWhen(_, _, _, let span):
            span
        }
    }

    /// UTF-8 byte offset of the node's text in the expression source.
    public var offset: Int { span.offset }
    /// UTF-8 byte length of the node's text.
    public var length: Int { span.length }

    /// The direct subexpressions, in source order.
    public var children: [ExprNode] {
        switch self {
        case .literal, .field: []
        case .unary(_, let operand, _): [operand]
        case .binary(_, let lhs, let rhs, _, _): [lhs, rhs]
        case .call(_, let arguments, _, _): arguments
        case .cast(let operand, _, _), .isNull(let operand, _, _): [operand]
        case .inList(let operand, let items, _, _): [operand] + items
        case .between(let operand, let low, let high, _, _): [operand, low, high]
        case .caseWhen(let subject, let clauses, let otherwise, _):
            (subject.map { [$0] } ?? []) + clauses.flatMap { [$0.when, $0.then] } + (otherwise.map { [$0] } ?? [])
        }
    }

    /// The longest path from this node to a leaf, counted in nodes; computed without
    /// recursion so it is safe on any input.
    var depth: Int {
        var deepest = 0
        var stack: [(ExprNode, Int)] = [(self, 1)]
        while let (node, level) = stack.popLast() {
            deepest = max(deepest, level)
            for child in node.children { stack.append((child, level + 1)) }
        }
        return deepest
    }
}
