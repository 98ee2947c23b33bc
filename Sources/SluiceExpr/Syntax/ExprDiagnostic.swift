/// One problem found in an expression: what is wrong and where.
///
/// `offset` and `length` are UTF-8 byte positions in the expression's source, so the
/// pipeline layer can turn them into `file:line:column` by adding the position of the
/// YAML scalar that holds the expression.
public struct ExprDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    /// Human-readable message, e.g. `unknown field 'agnet_id' — did you mean 'agent_id'?`.
    public var message: String
    /// UTF-8 byte offset of the offending text in the expression source.
    public var offset: Int
    /// UTF-8 byte length of the offending text (>= 1 when possible).
    public var length: Int

    public init(message: String, offset: Int, length: Int) {
        self.message = message
        self.offset = offset
        self.length = length
    }

    init(_ message: String, at span: SourceSpan) {
        self.init(message: message, offset: span.offset, length: span.length)
    }

    /// The offending range as a span.
    public var span: SourceSpan { SourceSpan(offset: offset, length: length) }

    public var description: String { "at \(offset): \(message)" }
}

/// Every problem found in an expression, sorted by position.
///
/// Parsing stops at the first syntax error; type checking reports every error it finds
/// and keeps checking sibling subexpressions after one fails.
public struct ExprErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ExprDiagnostic]

    public init(_ diagnostics: [ExprDiagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.offset, $0.length) < ($1.offset, $1.length) }
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
