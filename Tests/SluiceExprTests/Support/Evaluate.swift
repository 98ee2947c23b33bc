import SluiceCore
import SluiceExpr

/// Compiles and evaluates expressions over small hand-made batches.
enum Evaluate {
    static func rows(_ source: String, _ batch: Batch, now: Int64 = 0) throws -> [Value] {
        let compiled = try Expr.compile(source, schema: batch.schema)
        let column = compiled.evaluate(batch, context: EvaluationContext(nowMillis: now))
        return (0..<column.count).map { column.value(at: $0) }
    }

    /// The value of an expression that reads no field, evaluated over one row (not folded
    /// away: this goes through `evaluate`).
    static func value(_ source: String, now: Int64 = 0) throws -> Value {
        let batch = Batch(schema: .empty, columns: [], count: 1)
        return try rows(source, batch, now: now)[0]
    }

    /// A batch with one column per (name, values) pair, typed by `types`.
    static func batch(_ columns: [(String, DataType, [Value])]) -> Batch {
        var builder = BatchBuilder(schema: Schema(columns.map { Field($0.0, $0.1) }))
        for row in 0..<(columns.first?.2.count ?? 0) { builder.append(values: columns.map { $0.2[row] }) }
        return builder.finish()
    }
}
