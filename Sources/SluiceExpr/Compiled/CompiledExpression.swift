public import SluiceCore

/// A type-checked expression, ready to evaluate whole batches.
///
/// Evaluation is vectorized: each node processes whole columns in tight loops; string
/// functions and comparisons run once per dictionary entry; a bare field reference
/// returns the batch's column without copying; constant subexpressions were folded at
/// compile time. Evaluation never traps: overflow, division by zero, NaN and failed
/// casts give null rows.
///
/// - Important: evaluate batches of the schema the expression was compiled against. A
///   batch missing a referenced column (or holding it with another type) reads nulls.
public struct CompiledExpression: BatchExpression {
    /// The source text the expression was compiled from.
    public let source: String
    /// The type of the column `evaluate` returns (a bare `null` is typed `bool`).
    public let type: DataType
    /// Whether the result can contain nulls.
    public let nullable: Bool
    /// The fields the expression reads (`window_start()` reads `window_start`).
    public let referencedFields: Set<String>
    /// True when the expression reads no field and not `now()`: its value is the same for
    /// every row of every batch, and `constantValue()` gives it.
    public let isConstant: Bool

    let root: any Evaluator
    let folded: Value?

    init(
        source: String, type: DataType, nullable: Bool, referencedFields: Set<String>, isConstant: Bool,
        root: any Evaluator, folded: Value?
    ) {
        self.source = source
        self.type = type
        self.nullable = nullable
        self.referencedFields = referencedFields
        self.isConstant = isConstant
        self.root = root
        self.folded = folded
    }

    /// One result row per row of `batch`, of type `type`.
    public func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        root.evaluate(batch, context).materialize(type, count: batch.count)
    }

    /// The value of a constant expression (evaluated once, at compile time); nil when the
    /// expression is not constant.
    public func constantValue() -> Value? { isConstant ? folded : nil }

    public var description: String { source }
}
