public import SluiceCore

/// Projects rows into new fields computed by expressions.
///
/// Every expression is evaluated once per batch against the *input* batch (an output
/// never sees another output's value). With `keepInputFields`, the output is the input
/// with each named output replacing the input field of that name in place (its type may
/// change) or, for a new name, appended in the given order. Without it, the output holds
/// exactly the named outputs, in order. A field's nullability is its expression's.
/// A retraction batch is mapped like any other and stays a retraction; a view can apply it
/// only if the map keeps the view's key columns (window bounds, group keys).
///
/// - Important: construct only from arguments `validate` accepted.
public final class MapOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()
    private let expressions: [any BatchExpression]
    /// Per output: the input column it replaces, or nil when appended.
    private let replaces: [Int?]
    private let keepInputFields: Bool
    private var nowMillis: Int64 = 0

    /// Builds the projection; the arguments must have passed `validate`.
    public init(schema: Schema, outputs: [(name: String, expression: any BatchExpression)], keepInputFields: Bool) {
        let errors = Self.validate(schema: schema, outputs: outputs, keepInputFields: keepInputFields)
        precondition(errors.isEmpty, "MapOperator built from an unvalidated spec: \(errors)")
        expressions = outputs.map(\.expression)
        self.keepInputFields = keepInputFields
        replaces = outputs.map { keepInputFields ? schema.index(of: $0.name) : nil }
        outputSchemas = [Self.outputSchema(schema: schema, outputs: outputs, keepInputFields: keepInputFields)]
    }

    /// Load-time checks: output names are non-empty and distinct, and a projection that
    /// drops the input fields names at least one output. Returns one message per problem.
    public static func validate(
        schema: Schema, outputs: [(name: String, expression: any BatchExpression)], keepInputFields: Bool
    ) -> [String] {
        var errors: [String] = []
        if outputs.isEmpty && !keepInputFields { errors.append("a map without input fields needs at least one output") }
        var seen: Set<String> = []
        for (name, _) in outputs {
            if name.isEmpty { errors.append("a map output needs a name") }
            if !seen.insert(name).inserted { errors.append("map output '\(name)' is defined twice") }
        }
        return errors
    }

    /// The schema a map with these arguments produces.
    public static func outputSchema(
        schema: Schema, outputs: [(name: String, expression: any BatchExpression)], keepInputFields: Bool
    ) -> Schema {
        var fields = keepInputFields ? schema.fields : []
        for (name, expression) in outputs {
            let field = Field(name, expression.type, nullable: expression.nullable)
            if keepInputFields, let index = schema.index(of: name) {
                fields[index] = field
            } else {
                fields.append(field)
            }
        }
        return Schema(fields)
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        let context = EvaluationContext(nowMillis: nowMillis)
        var columns = keepInputFields ? batch.columns : []
        columns.reserveCapacity(outputSchemas[0].count)
        for (expression, replaced) in zip(expressions, replaces) {
            let column = expression.evaluate(batch, context: context)
            if let replaced { columns[replaced] = column } else { columns.append(column) }
        }
        counters.rowsOut += Int64(batch.count)
        var mapped = Batch(
            schema: outputSchemas[0], columns: columns, count: batch.count, position: batch.position,
            isRetraction: batch.isRetraction)
        // Each row still comes from its event: late outputs and dead letters write that.
        mapped.records = batch.records?.derived
        out.emit(mapped)
    }

    /// Remembers processing time for expressions that read `now()`.
    public func tick(nowMillis: Int64, into out: inout OperatorOutput) { self.nowMillis = nowMillis }
}
