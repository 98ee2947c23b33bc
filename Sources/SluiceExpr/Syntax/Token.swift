/// Reserved words of the language; matched case-insensitively.
enum Keyword: String, Sendable {
    case and, or, not, `in`, `is`, null, `true`, `false`, between, `case`, when, then, `else`, end, cast, `as`
}

/// Punctuation and operators.
enum Symbol: String, Sendable {
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", concat = "||"
    case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case leftParen = "(", rightParen = ")", comma = ","
}

enum TokenKind: Sendable, Equatable {
    /// An integer literal's magnitude; 2^63 is allowed here so `-9223372036854775808` parses.
    case integer(UInt64)
    case decimal(Double)
    /// A duration literal in milliseconds (`5s`, `500ms`).
    case duration(Int64)
    case string(String)
    case identifier(String)
    /// A backquoted name: always a field, never a keyword or function.
    case quotedIdentifier(String)
    case keyword(Keyword)
    case symbol(Symbol)
    /// Text the lexer already reported as an error.
    case invalid
    case endOfInput
}

struct Token: Sendable, Equatable {
    var kind: TokenKind
    var span: SourceSpan
}
