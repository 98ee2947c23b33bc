import SluiceCore
import SluiceExpr
import Testing

/// Literals, names and the lexical errors, through the public parser.
@Suite struct LexerTests {
    private func literal(_ source: String) throws -> Value {
        guard case .literal(let value, let span) = try Expr.parse(source) else {
            Issue.record("\(source) is not a literal")
            return .null
        }
        #expect(span == SourceSpan(offset: 0, length: source.utf8.count))
        return value
    }

    @Test func numbers() throws {
        #expect(try literal("42") == .int(42))
        #expect(try literal("0") == .int(0))
        #expect(try literal("1.5") == .double(1.5))
        #expect(try literal(".5") == .double(0.5))
        #expect(try literal("1e3") == .double(1000))
        #expect(try literal("2E+2") == .double(200))
        #expect(try literal("1.5e-3") == .double(0.0015))
        #expect(try literal("9223372036854775807") == .int(.max))
        #expect(try literal("-9223372036854775808") == .int(.min))
        #expect(try literal("-7") == .int(-7))
        #expect(try literal("-2.5") == .double(-2.5))
    }

    @Test func durationsAreMilliseconds() throws {
        #expect(try literal("500ms") == .int(500))
        #expect(try literal("5s") == .int(5_000))
        #expect(try literal("1m") == .int(60_000))
        #expect(try literal("2h") == .int(7_200_000))
        #expect(try literal("1d") == .int(86_400_000))
        #expect(try literal("10S") == .int(10_000))
        #expect(try literal("-5s") == .int(-5_000))
    }

    @Test func stringsBooleansAndNull() throws {
        #expect(try literal("'it''s'") == .string("it's"))
        #expect(try literal("''") == .string(""))
        #expect(try literal("'日本 語'") == .string("日本 語"))
        #expect(try literal("'a\"b'") == .string("a\"b"))
        #expect(try literal("TRUE") == .bool(true))
        #expect(try literal("False") == .bool(false))
        #expect(try literal("NuLL") == .null)
    }

    @Test func names() throws {
        #expect(try Expr.parse("agent_id") == .field("agent_id", span: SourceSpan(offset: 0, length: 8)))
        #expect(try Expr.parse("`weird name`") == .field("weird name", span: SourceSpan(offset: 0, length: 12)))
        #expect(try Expr.parse("`a``b`") == .field("a`b", span: SourceSpan(offset: 0, length: 6)))
        #expect(try Expr.parse("`and`") == .field("and", span: SourceSpan(offset: 0, length: 5)))
        #expect(try Expr.parse("café") == .field("café", span: SourceSpan(offset: 0, length: 5)))
        #expect(try Expr.parse("_x9") == .field("_x9", span: SourceSpan(offset: 0, length: 3)))
    }

    @Test func keywordsAreCaseInsensitive() throws {
        #expect(try Expr.parse("a AND b Or NOT c").description == "((a and b) or (not c))")
        #expect(try Expr.parse("x IS NOT NULL").description == "(x is not null)")
        #expect(try Expr.parse("x Not In (1)").description == "(x not in (1))")
    }

    @Test func offsetsAreUTF8Bytes() {
        // 'é' is 2 bytes, so the quoted string spans 4 and `#` sits at byte 5.
        #expect(Diagnose.parse("'é' # 1") == [ExprDiagnostic(message: "unexpected character '#'", offset: 5, length: 1)])
    }

    @Test(arguments: [
        ("'abc", "unterminated string literal", 0, 4),
        ("x = `abc", "unterminated quoted name", 4, 4),
        ("``", "empty quoted name", 0, 2),
        ("a # b", "unexpected character '#'", 2, 1),
        ("type = \"metric\"", "double quotes do not make a string; use single quotes ('text')", 7, 8),
        ("a ! b", "unexpected '!'; use 'not' for negation", 2, 1),
        ("a | b", "unexpected '|'; use 'or' for logical or, '||' to concatenate strings", 2, 1),
        ("a && b", "unexpected '&&'; use 'and' for logical and", 2, 2),
        ("12abc", "invalid number '12abc'", 0, 5),
        ("1.5s", "duration '1.5s' must be a whole number of units (e.g. 1500ms)", 0, 4),
        ("999999999999999999s", "duration '999999999999999999s' is too large", 0, 19),
        ("99999999999999999999ms", "duration '99999999999999999999ms' is too large", 0, 22),
        ("1e999", "number '1e999' is out of range", 0, 5),
        ("x > 99999999999999999999", "integer '99999999999999999999' is out of range", 4, 20),
        ("9223372036854775808", "integer '9223372036854775808' is out of range", 0, 19),
    ])
    func lexicalErrors(source: String, message: String, offset: Int, length: Int) {
        #expect(Diagnose.parse(source) == [ExprDiagnostic(message: message, offset: offset, length: length)])
    }

    @Test func everyLexicalErrorIsReported() {
        #expect(
            Diagnose.parse("a # b $ c") == [
                ExprDiagnostic(message: "unexpected character '#'", offset: 2, length: 1),
                ExprDiagnostic(message: "unexpected character '$'", offset: 6, length: 1),
            ])
    }
}
