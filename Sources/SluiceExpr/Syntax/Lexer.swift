/// Splits expression source into tokens, reporting malformed text as diagnostics and
/// `.invalid` tokens so the parser can stop without reporting the same problem twice.
struct Lexer {
    private let bytes: [UInt8]
    private var position = 0
    private(set) var diagnostics: [ExprDiagnostic] = []

    init(_ source: String) { bytes = Array(source.utf8) }

    /// All tokens, ending with `.endOfInput`.
    static func tokenize(_ source: String) -> (tokens: [Token], diagnostics: [ExprDiagnostic]) {
        var lexer = Lexer(source)
        var tokens: [Token] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .endOfInput { break }
        }
        return (tokens, lexer.diagnostics)
    }

    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x5f || b >= 0x80
    }

    static func isIdentifierContinue(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        position + ahead < bytes.count ? bytes[position + ahead] : nil
    }

    private func span(from start: Int) -> SourceSpan { SourceSpan(offset: start, length: position - start) }

    private func text(from start: Int) -> String { String(decoding: bytes[start..<position], as: UTF8.self) }

    private mutating func fail(_ message: String, from start: Int) -> Token {
        let span = span(from: start)
        diagnostics.append(ExprDiagnostic(message, at: span))
        return Token(kind: .invalid, span: span)
    }

    mutating func next() -> Token {
        while let b = peek(), b == 0x20 || b == 0x09 || b == 0x0a || b == 0x0d { position += 1 }
        let start = position
        guard let b = peek() else { return Token(kind: .endOfInput, span: SourceSpan(offset: start, length: 0)) }
        if Lexer.isDigit(b) || (b == 0x2e && peek(1).map(Lexer.isDigit) == true) { return number() }
        if Lexer.isIdentifierStart(b) { return word() }
        switch b {
        case 0x27: return quoted(0x27, start: start)  // '
        case 0x60: return quoted(0x60, start: start)  // `
        case 0x22:  // "
            _ = scanQuoted(0x22)
            return fail("double quotes do not make a string; use single quotes ('text')", from: start)
        default: return symbol(b, start: start)
        }
    }

    private mutating func symbol(_ b: UInt8, start: Int) -> Token {
        position += 1
        let two = peek()
        let symbol: Symbol?
        switch b {
        case 0x2b: symbol = .plus
        case 0x2d: symbol = .minus
        case 0x2a: symbol = .star
        case 0x2f: symbol = .slash
        case 0x25: symbol = .percent
        case 0x28: symbol = .leftParen
        case 0x29: symbol = .rightParen
        case 0x2c: symbol = .comma
        case 0x3d:  // = or ==
            if two == 0x3d { position += 1 }
            symbol = .equal
        case 0x3c:  // < <= <>
            if two == 0x3d {
                position += 1
                symbol = .lessOrEqual
            } else if two == 0x3e {
                position += 1
                symbol = .notEqual
            } else {
                symbol = .less
            }
        case 0x3e:
            if two == 0x3d { position += 1 }
            symbol = two == 0x3d ? .greaterOrEqual : .greater
        case 0x21:  // != or a stray !
            if two == 0x3d {
                position += 1
                symbol = .notEqual
            } else {
                return fail("unexpected '!'; use 'not' for negation", from: start)
            }
        case 0x7c:  // || or a stray |
            if two == 0x7c {
                position += 1
                symbol = .concat
            } else {
                return fail("unexpected '|'; use 'or' for logical or, '||' to concatenate strings", from: start)
            }
        case 0x26:
            if two == 0x26 { position += 1 }
            return fail("unexpected '\(text(from: start))'; use 'and' for logical and", from: start)
        default:
            symbol = nil
        }
        if let symbol { return Token(kind: .symbol(symbol), span: span(from: start)) }
        // Report the whole UTF-8 scalar, not one byte of it.
        while let next = peek(), next & 0xc0 == 0x80 { position += 1 }
        return fail("unexpected character '\(text(from: start))'", from: start)
    }

    private mutating func word() -> Token {
        let start = position
        while let b = peek(), Lexer.isIdentifierContinue(b) { position += 1 }
        let name = text(from: start)
        if let keyword = Keyword(rawValue: name.lowercased()) {
            return Token(kind: .keyword(keyword), span: span(from: start))
        }
        return Token(kind: .identifier(name), span: span(from: start))
    }

    /// A single-quoted string or a backquoted name; the quote is escaped by doubling it.
    private mutating func quoted(_ quote: UInt8, start: Int) -> Token {
        guard let content = scanQuoted(quote) else {
            return fail("unterminated \(quote == 0x27 ? "string literal" : "quoted name")", from: start)
        }
        let text = String(decoding: content, as: UTF8.self)
        if quote == 0x60 {
            if text.isEmpty { return fail("empty quoted name", from: start) }
            return Token(kind: .quotedIdentifier(text), span: span(from: start))
        }
        return Token(kind: .string(text), span: span(from: start))
    }

    /// Consumes quoted text starting at the opening quote; nil when it never closes.
    private mutating func scanQuoted(_ quote: UInt8) -> [UInt8]? {
        position += 1
        var content: [UInt8] = []
        while let b = peek() {
            position += 1
            if b != quote {
                content.append(b)
            } else if peek() == quote {
                content.append(quote)
                position += 1
            } else {
                return content
            }
        }
        return nil
    }

    private mutating func digits() {
        while let b = peek(), Lexer.isDigit(b) { position += 1 }
    }

    /// Integers, decimals (`1.5`, `.5`, `1e3`) and durations (`500ms`, `5s`, `1m`, `2h`, `1d`).
    private mutating func number() -> Token {
        let start = position
        var isDecimal = false
        digits()
        if peek() == 0x2e, peek(1).map(Lexer.isDigit) == true {
            isDecimal = true
            position += 1
            digits()
        }
        if peek() == 0x65 || peek() == 0x45 {  // e / E: an exponent only if digits follow
            let sign = peek(1) == 0x2b || peek(1) == 0x2d ? 1 : 0
            if peek(1 + sign).map(Lexer.isDigit) == true {
                isDecimal = true
                position += 1 + sign
                digits()
            }
        }
        let numberEnd = position
        let numberText = text(from: start)
        if let b = peek(), Lexer.isIdentifierStart(b) {
            let suffixStart = position
            while let b = peek(), Lexer.isIdentifierContinue(b) { position += 1 }
            let suffix = text(from: suffixStart).lowercased()
            guard let unit = Lexer.durationUnits[suffix] else {
                return fail("invalid number '\(text(from: start))'", from: start)
            }
            guard !isDecimal else {
                return fail("duration '\(text(from: start))' must be a whole number of units (e.g. 1500ms)", from: start)
            }
            guard let count = Int64(numberText) else {
                return fail("duration '\(text(from: start))' is too large", from: start)
            }
            let (millis, overflow) = count.multipliedReportingOverflow(by: unit)
            if overflow { return fail("duration '\(text(from: start))' is too large", from: start) }
            return Token(kind: .duration(millis), span: span(from: start))
        }
        position = numberEnd
        if isDecimal {
            guard let value = Double(numberText), value.isFinite else {
                return fail("number '\(numberText)' is out of range", from: start)
            }
            return Token(kind: .decimal(value), span: span(from: start))
        }
        guard let magnitude = UInt64(numberText), magnitude <= UInt64(Int64.max) + 1 else {
            return fail("integer '\(numberText)' is out of range", from: start)
        }
        return Token(kind: .integer(magnitude), span: span(from: start))
    }

    static let durationUnits: [String: Int64] = [
        "ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
    ]
}
