/// What operators need of an expression: evaluate it over a whole batch at once.
///
/// The expression language (`SluiceExpr`) compiles text into values of this protocol;
/// operators take them without knowing the language, and unit tests pass `ColumnRef`.
public protocol BatchExpression: Sendable, CustomStringConvertible {
    /// The type of the column `evaluate` returns.
    var type: DataType { get }
    /// Whether the result can contain nulls.
    var nullable: Bool { get }
    /// One output row per input row.
    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column
}

/// What an expression may read besides the batch: processing time, for `now()`.
public struct EvaluationContext: Sendable {
    public var nowMillis: Int64
    public init(nowMillis: Int64 = 0) { self.nowMillis = nowMillis }
}

/// The simplest expression: a column of the batch, returned without copying.
public struct ColumnRef: BatchExpression {
    public let name: String
    public let type: DataType
    public let nullable: Bool

    public init(_ name: String, in schema: Schema) {
        guard let field = schema.field(named: name) else { preconditionFailure("no column \(name) in \(schema)") }
        self.name = name
        type = field.type
        nullable = field.nullable
    }

    public func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        guard let column = batch.column(named: name) else { return .nulls(type, count: batch.count) }
        return column
    }

    public var description: String { name }
}
