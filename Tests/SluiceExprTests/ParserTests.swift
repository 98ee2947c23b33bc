import SluiceCore
import SluiceExpr
import Testing

/// Precedence, associativity, every construct, spans and syntax errors.
@Suite struct ParserTests {
    @Test(arguments: [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("a / b * c % d", "(((a / b) * c) % d)"),
        ("-a * b", "((-a) * b)"),
        ("- - a", "(-(-a))"),
        ("-(a + b)", "(-(a + b))"),
        ("(a + b) * c", "((a + b) * c)"),
        ("a || b || c", "((a || b) || c)"),
        ("a || b + c", "(a || (b + c))"),
        ("a + b = c || d", "((a + b) = (c || d))"),
        ("a = 1 or b = 2 and c = 3", "((a = 1) or ((b = 2) and (c = 3)))"),
        ("a and b or c and d", "((a and b) or (c and d))"),
        ("a or b or c", "((a or b) or c)"),
        ("a and b and c", "((a and b) and c)"),
        ("not a = b", "(not (a = b))"),
        ("not not a", "(not (not a))"),
        ("not a and b", "((not a) and b)"),
        ("a == b", "(a = b)"),
        ("a <> b", "(a != b)"),
        ("a != b", "(a != b)"),
        ("a <= b", "(a <= b)"),
        ("a >= b", "(a >= b)"),
        ("x between 1 and 2 and y", "((x between 1 and 2) and y)"),
        ("x not between 1 + 1 and 5", "(x not between (1 + 1) and 5)"),
        ("x in (1, 2, 'a')", "(x in (1, 2, 'a'))"),
        ("x not in (y)", "(x not in (y))"),
        ("x is null and y is not null", "((x is null) and (y is not null))"),
        ("x + 1 is null", "((x + 1) is null)"),
        ("case when a then 1 when b then 2 else 3 end", "(case when a then 1 when b then 2 else 3 end)"),
        ("CASE x WHEN 1 THEN 'a' END", "(case x when 1 then 'a' end)"),
        ("cast(x as int)", "cast(x as int)"),
        ("CAST(x AS Double)", "cast(x as double)"),
        ("cast(x as text)", "cast(x as string)"),
        ("cast(x as boolean)", "cast(x as bool)"),
        ("cast(x as TIMESTAMP)", "cast(x as timestamp)"),
        ("f(a, b + 1)", "f(a, (b + 1))"),
        ("NOW()", "now()"),
        ("Lower(s)", "lower(s)"),
        ("`weird name` + 1", "(`weird name` + 1)"),
        ("'it''s' || s", "('it''s' || s)"),
        ("ts > now() - 5m", "(ts > (now() - 300000))"),
    ])
    func precedenceAndAssociativity(source: String, expected: String) throws {
        let node = try Expr.parse(source)
        #expect(node.description == expected)
        // The canonical form parses back to the same tree.
        #expect(try Expr.parse(node.description).description == expected)
    }

    @Test func spansCoverTheirText() throws {
        let node = try Expr.parse("a + bc")
        guard case .binary(.add, let lhs, let rhs, let operatorSpan, let span) = node else {
            Issue.record("not an addition: \(node)")
            return
        }
        #expect(span == SourceSpan(offset: 0, length: 6))
        #expect(operatorSpan == SourceSpan(offset: 2, length: 1))
        #expect(lhs.span == SourceSpan(offset: 0, length: 1))
        #expect(rhs.span == SourceSpan(offset: 4, length: 2))
        #expect(try Expr.parse(" (a + b) ").span == SourceSpan(offset: 1, length: 7))
        #expect(try Expr.parse("case when a then 1 end").span == SourceSpan(offset: 0, length: 22))
        #expect(try Expr.parse("x in (1, 2)").span == SourceSpan(offset: 0, length: 11))
        #expect(try Expr.parse("x is not null").span == SourceSpan(offset: 0, length: 13))
        #expect(try Expr.parse("cast(x as int)").span == SourceSpan(offset: 0, length: 14))
        guard case .call("lower", let arguments, let nameSpan, let callSpan) = try Expr.parse("lower( s )") else {
            Issue.record("not a call")
            return
        }
        #expect(nameSpan == SourceSpan(offset: 0, length: 5))
        #expect(callSpan == SourceSpan(offset: 0, length: 10))
        #expect(arguments.map(\.span) == [SourceSpan(offset: 7, length: 1)])
    }

    @Test func caseClausesAndSubject() throws {
        guard case .caseWhen(let subject, let clauses, let otherwise, _) = try Expr.parse("case x when 1 then 'a' when 2 then 'b' end")
        else {
            Issue.record("not a case")
            return
        }
        #expect(subject?.description == "x")
        #expect(clauses.map { "\($0.when) -> \($0.then)" } == ["1 -> 'a'", "2 -> 'b'"])
        #expect(otherwise == nil)
    }

    @Test(arguments: [
        ("", "expected an expression, found end of expression", 0, 0),
        ("a +", "expected an expression, found end of expression", 3, 0),
        ("a + )", "expected an expression, found ')'", 4, 1),
        ("(a + b", "expected ')' to close '(', found end of expression", 6, 0),
        ("f(a b)", "expected ')' or ',' in the arguments of 'f', found 'b'", 4, 1),
        ("a b", "unexpected 'b' after the expression", 2, 1),
        ("a < b < c", "comparisons cannot be chained; combine them with 'and' or add parentheses", 6, 1),
        ("a = b is null", "comparisons cannot be chained; combine them with 'and' or add parentheses", 6, 2),
        ("x is 5", "expected 'null' after 'is', found '5'", 5, 1),
        ("x between 1 or 2", "expected 'and' between the bounds of 'between', found 'or'", 12, 2),
        ("case end", "expected 'when' in 'case', found 'end'", 5, 3),
        ("case x else 1 end", "expected 'when' in 'case', found 'else'", 7, 4),
        ("case when a then 1", "expected 'end' to close 'case', found end of expression", 18, 0),
        ("case when a 1 end", "expected 'then' after the 'when' condition, found '1'", 12, 1),
        ("cast(x as blob)", "expected a type (int, double, string, bool or timestamp), found 'blob'", 10, 4),
        ("cast(x)", "expected 'as' in 'cast(value as type)', found ')'", 6, 1),
        ("cast x as int", "expected '(' after 'cast', found 'x'", 5, 1),
        ("x in 1", "expected '(' after 'in', found '1'", 5, 1),
        ("x in (1, 2", "expected ')' or ',' in the 'in' list, found end of expression", 10, 0),
        ("and", "expected an expression, found keyword 'and'", 0, 3),
        ("a and or b", "expected an expression, found keyword 'or'", 6, 2),
        ("f(,)", "expected an expression, found ','", 2, 1),
        ("+1", "expected an expression, found '+'", 0, 1),
    ])
    func syntaxErrors(source: String, message: String, offset: Int, length: Int) {
        #expect(Diagnose.parse(source) == [ExprDiagnostic(message: message, offset: offset, length: length)])
    }

    @Test func lexicalErrorIsNotReportedTwice() {
        #expect(Diagnose.parse("x = 'open") == [ExprDiagnostic(message: "unterminated string literal", offset: 4, length: 5)])
    }

    @Test func deepNestingIsRejectedNotCrashing() {
        let parens = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect(Diagnose.parse(parens).map(\.message) == ["expression is nested too deeply (more than 64 levels)"])
        let chain = "1" + String(repeating: " + 1", count: 300)
        #expect(
            Diagnose.parse(chain) == [
                ExprDiagnostic(
                    message: "expression is nested too deeply (more than 256 levels)", offset: 0,
                    length: chain.utf8.count)
            ])
        let negations = String(repeating: "not ", count: 100) + "true"
        #expect(Diagnose.parse(negations).map(\.message) == ["expression is nested too deeply (more than 64 levels)"])
        #expect(Diagnose.parse("1" + String(repeating: " + 1", count: 200)).isEmpty)
    }

    @Test func parseCallSplitsAggregateSpecs() throws {
        let percentile = try #require(try Expr.parseCall("percentile(value, 0.95)"))
        #expect(percentile.name == "percentile")
        #expect(percentile.nameOffset == 0)
        #expect(percentile.arguments.map(\.description) == ["value", "0.95"])
        #expect(percentile.argumentTexts == ["value", "0.95"])

        let count = try #require(try Expr.parseCall("  COUNT( )"))
        #expect(count.name == "count")
        #expect(count.nameOffset == 2)
        #expect(count.arguments.isEmpty && count.argumentTexts.isEmpty)

        let average = try #require(try Expr.parseCall("avg(value * 2)"))
        #expect(average.argumentTexts == ["value * 2"])
        #expect(try Expr.parseCall("max(`é x`, (a + b))")?.argumentTexts == ["`é x`", "(a + b)"])

        #expect(try Expr.parseCall("value + 1") == nil)
        #expect(try Expr.parseCall("count() + 1") == nil)
        #expect(throws: ExprErrors.self) { try Expr.parseCall("percentile(value,") }
    }
}
