public import SluiceCore

/// Entry points of the expression language: parse text to a spanned tree, type-check it
/// against a schema and compile it to a vectorized `CompiledExpression`.
///
/// The language (SQL-like, keywords case-insensitive): literals (`42`, `1.5`, `1e3`,
/// `'it''s'`, `true`, `null`, durations `500ms 5s 1m 2h 1d` as int milliseconds); fields
/// by name or `` `quoted name` ``; `+ - * / %`, unary `-`, `||`; `= == != <> < <= > >=`;
/// `and or not` with three-valued logic; `in`, `not in`, `is [not] null`,
/// `[not] between`; `case`; `cast(x as type)`; and the functions in `ExprFunctions`.
///
/// Null and error semantics: null in, null out for operators and most functions
/// (`and`/`or`, `is null`, `coalesce`, `concat`, `least`/`greatest` are the exceptions,
/// as in SQL). Integer overflow gives null (not a wrapped value). Division or `%` by
/// zero gives null. A double result that would be NaN or infinite gives null. A failed
/// cast gives null. Nothing traps.
public enum Expr {
    /// Parses `source` into a tree whose nodes carry UTF-8 spans.
    /// - Throws: every lexical error, and the first syntax error.
    public static func parse(_ source: String) throws(ExprErrors) -> ExprNode {
        try Parser.parse(source).get()
    }

    /// Parses and type-checks `source` against `schema`.
    /// - Throws: syntax errors, or every type error found.
    public static func compile(_ source: String, schema: Schema) throws(ExprErrors) -> CompiledExpression {
        try compile(parse(source), source: source, schema: schema)
    }

    /// Type-checks an already parsed tree; `source` is the text it was parsed from.
    public static func compile(_ node: ExprNode, source: String, schema: Schema) throws(ExprErrors)
        -> CompiledExpression
    {
        try compile(node, source: source, schema: schema, condition: false)
    }

    /// Like `compile`, and also requires a bool result (filter and branch conditions):
    /// otherwise reports `expected a bool condition, got <type>` over the whole expression.
    public static func compileCondition(_ source: String, schema: Schema) throws(ExprErrors) -> CompiledExpression {
        try compileCondition(parse(source), source: source, schema: schema)
    }

    /// `compileCondition` for an already parsed tree.
    public static func compileCondition(_ node: ExprNode, source: String, schema: Schema) throws(ExprErrors)
        -> CompiledExpression
    {
        try compile(node, source: source, schema: schema, condition: true)
    }

    /// For aggregate specs such as `percentile(value, 0.95)`: when `source` is a single
    /// call, its (lowercased) name, the name's offset, the argument trees and each
    /// argument's source text; nil when `source` is any other expression.
    /// - Throws: syntax errors.
    public static func parseCall(_ source: String) throws(ExprErrors)
        -> (name: String, nameOffset: Int, arguments: [ExprNode], argumentTexts: [String])?
    {
        guard case .call(let name, let arguments, let nameSpan, _) = try parse(source) else { return nil }
        return (name, nameSpan.offset, arguments, arguments.map { $0.span.text(in: source) })
    }

    private static func compile(_ node: ExprNode, source: String, schema: Schema, condition: Bool) throws(ExprErrors)
        -> CompiledExpression
    {
        var checker = TypeChecker(schema: schema)
        let root = checker.check(node)
        if condition, let type = root.type.dataType, type != .bool {
            _ = checker.report("expected a bool condition, got \(type)", node.span)
        }
        guard checker.diagnostics.isEmpty else { throw ExprErrors(checker.diagnostics) }
        let isConstant = checker.referencedFields.isEmpty && !checker.readsClock
        return CompiledExpression(
            source: source, type: root.type.dataType ?? .bool, nullable: root.nullable,
            referencedFields: checker.referencedFields, isConstant: isConstant, root: root.evaluator,
            folded: root.constant)
    }
}
