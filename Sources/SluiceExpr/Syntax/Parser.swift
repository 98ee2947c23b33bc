import SluiceCore

/// Recursive-descent parser. Precedence, loosest first:
/// `or` < `and` < `not` < comparison / `is` / `in` / `between` (non-associative)
/// < `||` < `+ -` < `* / %` < unary `-` < primary.
///
/// Parsing stops at the first syntax error: after one, the token stream no longer says
/// what the author meant, so further messages would mostly be noise.
struct Parser {
    /// Deeper nesting is rejected: evaluation recurses once per level and runs on worker
    /// threads with small stacks.
    static let maxDepth = 256
    static let maxNesting = 64

    private struct Failure: Error {}

    private let source: String
    private let tokens: [Token]
    private var index = 0
    private var nesting = 0
    private var diagnostics: [ExprDiagnostic]

    private init(_ source: String) {
        self.source = source
        (tokens, diagnostics) = Lexer.tokenize(source)
    }

    /// The tree for `source`, or every diagnostic the lexer and parser produced.
    static func parse(_ source: String) -> Result<ExprNode, ExprErrors> {
        var parser = Parser(source)
        do {
            let node = try parser.parseOr()
            if parser.current.kind != .endOfInput {
                throw parser.fail("unexpected \(parser.describe(parser.current)) after the expression", at: parser.current)
            }
            if node.depth > maxDepth {
                throw parser.fail("expression is nested too deeply (more than \(maxDepth) levels)", span: node.span)
            }
            if parser.diagnostics.isEmpty { return .success(node) }
        } catch {}
        return .failure(ExprErrors(parser.diagnostics))
    }

    // MARK: Token stream

    private var current: Token { tokens[index] }
    private var following: Token { tokens[min(index + 1, tokens.count - 1)] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private func isKeyword(_ keyword: Keyword, _ token: Token? = nil) -> Bool {
        (token ?? current).kind == .keyword(keyword)
    }

    private func isSymbol(_ symbol: Symbol) -> Bool { current.kind == .symbol(symbol) }

    /// Consumes `symbol` if it is next.
    private mutating func accept(_ symbol: Symbol) -> Bool {
        guard isSymbol(symbol) else { return false }
        _ = advance()
        return true
    }

    private func describe(_ token: Token) -> String {
        token.kind == .endOfInput ? "end of expression" : "'\(token.span.text(in: source))'"
    }

    /// Records a diagnostic; returns the error to throw. An `.invalid` token was already
    /// reported by the lexer, so it adds nothing.
    private mutating func fail(_ message: String, at token: Token) -> Failure {
        if token.kind != .invalid { diagnostics.append(ExprDiagnostic(message, at: token.span)) }
        return Failure()
    }

    private mutating func fail(_ message: String, span: SourceSpan) -> Failure {
        diagnostics.append(ExprDiagnostic(message, at: span))
        return Failure()
    }

    private mutating func expect(_ symbol: Symbol, _ context: String) throws(Failure) -> Token {
        guard isSymbol(symbol) else {
            throw fail("expected '\(symbol.rawValue)' \(context), found \(describe(current))", at: current)
        }
        return advance()
    }

    private mutating func expect(_ keyword: Keyword, _ context: String) throws(Failure) -> Token {
        guard isKeyword(keyword) else {
            throw fail("expected '\(keyword.rawValue)' \(context), found \(describe(current))", at: current)
        }
        return advance()
    }

    private mutating func enter(_ token: Token) throws(Failure) {
        nesting += 1
        if nesting > Parser.maxNesting {
            throw fail("expression is nested too deeply (more than \(Parser.maxNesting) levels)", at: token)
        }
    }

    private mutating func leave() { nesting -= 1 }

    // MARK: Grammar

    private mutating func parseOr() throws(Failure) -> ExprNode {
        var lhs = try parseAnd()
        while isKeyword(.or) {
            let op = advance()
            let rhs = try parseAnd()
            lhs = .binary(.or, lhs, rhs, operatorSpan: op.span, span: lhs.span.union(rhs.span))
        }
        return lhs
    }

    private mutating func parseAnd() throws(Failure) -> ExprNode {
        var lhs = try parseNot()
        while isKeyword(.and) {
            let op = advance()
            let rhs = try parseNot()
            lhs = .binary(.and, lhs, rhs, operatorSpan: op.span, span: lhs.span.union(rhs.span))
        }
        return lhs
    }

    private mutating func parseNot() throws(Failure) -> ExprNode {
        guard isKeyword(.not) else { return try parsePredicate() }
        let op = advance()
        try enter(op)
        let operand = try parseNot()
        leave()
        return .unary(.not, operand, span: op.span.union(operand.span))
    }

    private static let comparisons: [Symbol: ExprBinaryOperator] = [
        .equal: .equal, .notEqual: .notEqual, .less: .less, .lessOrEqual: .lessOrEqual,
        .greater: .greater, .greaterOrEqual: .greaterOrEqual,
    ]

    private func comparisonOperator() -> ExprBinaryOperator? {
        if case .symbol(let symbol) = current.kind { return Parser.comparisons[symbol] }
        return nil
    }

    /// True when the current token starts a comparison-level operator.
    private var atPredicateOperator: Bool {
        comparisonOperator() != nil || isKeyword(.is) || isKeyword(.in) || isKeyword(.between)
            || (isKeyword(.not) && (isKeyword(.in, following) || isKeyword(.between, following)))
    }

    private mutating func parsePredicate() throws(Failure) -> ExprNode {
        let lhs = try parseConcat()
        guard atPredicateOperator else { return lhs }
        let result: ExprNode
        if let op = comparisonOperator() {
            let opToken = advance()
            let rhs = try parseConcat()
            result = .binary(op, lhs, rhs, operatorSpan: opToken.span, span: lhs.span.union(rhs.span))
        } else if isKeyword(.is) {
            _ = advance()
            let negated = isKeyword(.not)
            if negated { _ = advance() }
            let null = try expect(.null, "after 'is'")
            result = .isNull(lhs, negated: negated, span: lhs.span.union(null.span))
        } else {
            let negated = isKeyword(.not)
            if negated { _ = advance() }
            if isKeyword(.in) {
                result = try parseInList(lhs, negated: negated)
            } else {
                _ = advance()
                let low = try parseConcat()
                _ = try expect(.and, "between the bounds of 'between'")
                let high = try parseConcat()
                result = .between(lhs, low: low, high: high, negated: negated, span: lhs.span.union(high.span))
            }
        }
        if atPredicateOperator {
            throw fail(
                "comparisons cannot be chained; combine them with 'and' or add parentheses", at: current)
        }
        return result
    }

    private mutating func parseInList(_ operand: ExprNode, negated: Bool) throws(Failure) -> ExprNode {
        let inToken = advance()
        _ = try expect(.leftParen, "after 'in'")
        try enter(inToken)
        var items: [ExprNode] = []
        repeat {
            items.append(try parseOr())
        } while accept(.comma)
        let close = try expect(.rightParen, "or ',' in the 'in' list")
        leave()
        return .inList(operand, items, negated: negated, span: operand.span.union(close.span))
    }

    private mutating func parseConcat() throws(Failure) -> ExprNode {
        var lhs = try parseAdditive()
        while isSymbol(.concat) {
            let op = advance()
            let rhs = try parseAdditive()
            lhs = .binary(.concat, lhs, rhs, operatorSpan: op.span, span: lhs.span.union(rhs.span))
        }
        return lhs
    }

    private mutating func parseAdditive() throws(Failure) -> ExprNode {
        var lhs = try parseMultiplicative()
        while isSymbol(.plus) || isSymbol(.minus) {
            let op = advance()
            let rhs = try parseMultiplicative()
            let kind: ExprBinaryOperator = op.kind == .symbol(.plus) ? .add : .subtract
            lhs = .binary(kind, lhs, rhs, operatorSpan: op.span, span: lhs.span.union(rhs.span))
        }
        return lhs
    }

    private mutating func parseMultiplicative() throws(Failure) -> ExprNode {
        var lhs = try parseUnary()
        while isSymbol(.star) || isSymbol(.slash) || isSymbol(.percent) {
            let op = advance()
            let rhs = try parseUnary()
            let kind: ExprBinaryOperator =
                op.kind == .symbol(.star) ? .multiply : op.kind == .symbol(.slash) ? .divide : .remainder
            lhs = .binary(kind, lhs, rhs, operatorSpan: op.span, span: lhs.span.union(rhs.span))
        }
        return lhs
    }

    private mutating func parseUnary() throws(Failure) -> ExprNode {
        guard isSymbol(.minus) else { return try parsePrimary() }
        let minus = advance()
        // A minus written before a number is part of the literal: this is what lets
        // -9223372036854775808 exist at all.
        switch current.kind {
        case .integer(let magnitude):
            let literal = advance()
            let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            return .literal(.int(value), span: minus.span.union(literal.span))
        case .duration(let millis):
            let literal = advance()
            return .literal(.int(-millis), span: minus.span.union(literal.span))
        case .decimal(let value):
            let literal = advance()
            return .literal(.double(-value), span: minus.span.union(literal.span))
        default:
            try enter(minus)
            let operand = try parseUnary()
            leave()
            return .unary(.negate, operand, span: minus.span.union(operand.span))
        }
    }

    private mutating func parsePrimary() throws(Failure) -> ExprNode {
        let token = current
        switch token.kind {
        case .integer(let magnitude):
            _ = advance()
            guard magnitude <= UInt64(Int64.max) else {
                throw fail("integer '\(token.span.text(in: source))' is out of range", at: token)
            }
            return .literal(.int(Int64(magnitude)), span: token.span)
        case .decimal(let value):
            _ = advance()
            return .literal(.double(value), span: token.span)
        case .duration(let millis):
            _ = advance()
            return .literal(.int(millis), span: token.span)
        case .string(let text):
            _ = advance()
            return .literal(.string(text), span: token.span)
        case .keyword(.true), .keyword(.false):
            _ = advance()
            return .literal(.bool(token.kind == .keyword(.true)), span: token.span)
        case .keyword(.null):
            _ = advance()
            return .literal(.null, span: token.span)
        case .keyword(.case):
            return try parseCase()
        case .keyword(.cast):
            return try parseCast()
        case .identifier(let name):
            _ = advance()
            if isSymbol(.leftParen) { return try parseCall(name: name, nameToken: token) }
            return .field(name, span: token.span)
        case .quotedIdentifier(let name):
            _ = advance()
            return .field(name, span: token.span)
        case .symbol(.leftParen):
            _ = advance()
            try enter(token)
            let inner = try parseOr()
            let close = try expect(.rightParen, "to close '('")
            leave()
            return inner.withSpan(token.span.union(close.span))
        case .keyword(let keyword):
            throw fail("expected an expression, found keyword '\(keyword.rawValue)'", at: token)
        default:
            throw fail("expected an expression, found \(describe(token))", at: token)
        }
    }

    private mutating func parseCall(name: String, nameToken: Token) throws(Failure) -> ExprNode {
        let open = advance()
        try enter(open)
        var arguments: [ExprNode] = []
        if !isSymbol(.rightParen) {
            repeat {
                arguments.append(try parseOr())
            } while accept(.comma)
        }
        let close = try expect(.rightParen, "or ',' in the arguments of '\(name)'")
        leave()
        return .call(
            name.lowercased(), arguments: arguments, nameSpan: nameToken.span, span: nameToken.span.union(close.span))
    }

    private mutating func parseCase() throws(Failure) -> ExprNode {
        let caseToken = advance()
        try enter(caseToken)
        if isKeyword(.end) || isKeyword(.else) {
            throw fail("expected 'when' in 'case', found \(describe(current))", at: current)
        }
        let subject: ExprNode? = isKeyword(.when) ? nil : try parseOr()
        var clauses: [ExprWhenClause] = []
        while isKeyword(.when) {
            _ = advance()
            let condition = try parseOr()
            _ = try expect(.then, "after the 'when' condition")
            clauses.append(ExprWhenClause(when: condition, then: try parseOr()))
        }
        if clauses.isEmpty { throw fail("expected 'when' in 'case', found \(describe(current))", at: current) }
        var otherwise: ExprNode?
        if isKeyword(.else) {
            _ = advance()
            otherwise = try parseOr()
        }
        let end = try expect(.end, "to close 'case'")
        leave()
        return .caseWhen(subject: subject, clauses: clauses, otherwise: otherwise, span: caseToken.span.union(end.span))
    }

    static let typeNames: [String: DataType] = [
        "int": .int64, "integer": .int64, "bigint": .int64, "int64": .int64, "long": .int64,
        "double": .double, "float": .double, "real": .double, "float64": .double,
        "string": .string, "text": .string, "varchar": .string,
        "bool": .bool, "boolean": .bool,
        "timestamp": .timestamp,
    ]

    private mutating func parseCast() throws(Failure) -> ExprNode {
        let castToken = advance()
        _ = try expect(.leftParen, "after 'cast'")
        try enter(castToken)
        let operand = try parseOr()
        _ = try expect(.as, "in 'cast(value as type)'")
        let typeToken = current
        guard case .identifier(let name) = typeToken.kind, let type = Parser.typeNames[name.lowercased()] else {
            throw fail(
                "expected a type (int, double, string, bool or timestamp), found \(describe(typeToken))",
                at: typeToken)
        }
        _ = advance()
        let close = try expect(.rightParen, "to close 'cast('")
        leave()
        return .cast(operand, to: type, span: castToken.span.union(close.span))
    }
}

extension ExprNode {
    /// The same node with another span (a parenthesized expression covers its parentheses).
    func withSpan(_ span: SourceSpan) -> ExprNode {
        switch self {
        case .literal(let value, _): .literal(value, span: span)
        case .field(let name, _): .field(name, span: span)
        case .unary(let op, let operand, _): .unary(op, operand, span: span)
        case .binary(let op, let lhs, let rhs, let opSpan, _): .binary(op, lhs, rhs, operatorSpan: opSpan, span: span)
        case .call(let name, let arguments, let nameSpan, _): .call(name, arguments: arguments, nameSpan: nameSpan, span: span)
        case .cast(let operand, let type, _): .cast(operand, to: type, span: span)
        case .isNull(let operand, let negated, _): .isNull(operand, negated: negated, span: span)
        case .inList(let operand, let items, let negated, _): .inList(operand, items, negated: negated, span: span)
        case .between(let operand, let low, let high, let negated, _):
            .between(operand, low: low, high: high, negated: negated, span: span)
        case .caseWhen(let subject, let clauses, let otherwise, _):
            .caseWhen(subject: subject, clauses: clauses, otherwise: otherwise, span: span)
        }
    }
}
