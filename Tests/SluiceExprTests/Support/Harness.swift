import SluiceTestSupport
import SluiceCore
import SluiceExpr

/// Runs an expression through the engine and the reference and reports every row where
/// they disagree, plus any broken column invariant.
enum Harness {
    static let now: Int64 = 1_709_300_000_123

    /// Batch sizes and layouts every evaluation test runs over.
    static func batches(seed: UInt64, schema: Schema = RandomBatches.schema) -> [Batch] {
        var rng = SplitMix64(seed: seed)
        var out: [Batch] = []
        for (rows, variant) in [(0, 0), (1, 0), (1, 3), (3, 2), (7, 1), (33, 2), (64, 0), (100, 1), (150, 3), (200, 2), (257, 0)] {
            out.append(RandomBatches.batch(rows: rows, variant: variant, &rng))
        }
        return out
    }

    /// `reference` (default: `source`) is what the reference interpreter evaluates.
    static func mismatches(
        _ source: String, batches: [Batch], schema: Schema = RandomBatches.schema, reference referenceSource: String? = nil
    ) -> [String] {
        let compiled: CompiledExpression
        let node: ExprNode
        do {
            compiled = try Expr.compile(source, schema: schema)
            node = try Expr.parse(referenceSource ?? source)
        } catch {
            return ["\(source): does not compile: \(error)"]
        }
        let reference = Reference(schema: schema, nowMillis: now)
        var problems: [String] = []
        for batch in batches {
            let column = compiled.evaluate(batch, context: EvaluationContext(nowMillis: now))
            if column.type != compiled.type || column.count != batch.count
                || (column.validity.map { $0.count != batch.count } ?? false)
            {
                problems.append("\(source): column of \(column.type) × \(column.count) for \(compiled.type) × \(batch.count)")
                continue
            }
            if !compiled.nullable && column.hasNulls { problems.append("\(source): non-nullable result has nulls") }
            for row in 0..<batch.count {
                let expected = reference.conform(reference.evaluate(node, batch.row(row)), to: compiled.type)
                let actual = column.value(at: row)
                if !same(expected, actual) {
                    problems.append("\(source): row \(batch.row(row)) → \(actual), expected \(expected)")
                }
                if problems.count > 5 { return problems }
            }
        }
        return problems
    }

    static func same(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.double(let x), .double(let y)): x == y || (x.isNaN && y.isNaN)
        default: a == b
        }
    }
}
