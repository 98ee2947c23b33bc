import SluiceCore
import SluiceExpr

/// Helpers for asserting on diagnostics.
enum Diagnose {
    /// The diagnostics `Expr.parse` reports (empty when it parses).
    static func parse(_ source: String) -> [ExprDiagnostic] {
        do {
            _ = try Expr.parse(source)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The diagnostics `Expr.compile` reports (empty when it compiles).
    static func compile(_ source: String, schema: Schema, condition: Bool = false) -> [ExprDiagnostic] {
        do {
            _ = condition ? try Expr.compileCondition(source, schema: schema) : try Expr.compile(source, schema: schema)
            return []
        } catch {
            return error.diagnostics
        }
    }

    /// The UTF-8 offset of the `occurrence`-th (0-based) `part` in `source`.
    static func offset(of part: String, in source: String, occurrence: Int = 0) -> Int {
        let haystack = Array(source.utf8)
        let needle = Array(part.utf8)
        var found = 0
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<start + needle.count]) == needle {
            if found == occurrence { return start }
            found += 1
        }
        fatalError("'\(part)' not in '\(source)'")
    }

    /// A diagnostic at the given text of `source`.
    static func at(_ part: String, in source: String, _ message: String, occurrence: Int = 0) -> ExprDiagnostic {
        ExprDiagnostic(
            message: message, offset: offset(of: part, in: source, occurrence: occurrence), length: part.utf8.count)
    }
}
