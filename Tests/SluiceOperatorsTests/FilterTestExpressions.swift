import SluiceCore

/// `field > threshold` over an int or double column; null where the field is null.
struct FilterTestGreaterThan: BatchExpression {
    let field: String
    let threshold: Double
    var type: DataType { .bool }
    var nullable: Bool { true }

    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        let column = batch.column(named: field)!
        let values = column.type == .double ? column.doubles.map { $0 > threshold } : column.ints.map { Double($0) > threshold }
        return Column(bools: values, validity: column.validity)
    }

    var description: String { "\(field) > \(threshold)" }
}

/// `ts < now()`: reads processing time from the evaluation context.
struct FilterTestBeforeNow: BatchExpression {
    let field: String
    var type: DataType { .bool }
    var nullable: Bool { true }

    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        let column = batch.column(named: field)!
        return Column(bools: column.ints.map { $0 < context.nowMillis }, validity: column.validity)
    }

    var description: String { "\(field) < now()" }
}

/// `field * factor` over a double column.
struct MapTestScaled: BatchExpression {
    let field: String
    let factor: Double
    var type: DataType { .double }
    var nullable: Bool { true }

    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        let column = batch.column(named: field)!
        return Column(doubles: column.doubles.map { $0 * factor }, validity: column.validity)
    }

    var description: String { "\(field) * \(factor)" }
}

/// `upper(field)`: maps the dictionary, not the rows.
struct MapTestUppercased: BatchExpression {
    let field: String
    var type: DataType { .string }
    var nullable: Bool { true }

    func evaluate(_ batch: Batch, context: EvaluationContext) -> Column {
        let column = batch.column(named: field)!
        return Column(codes: column.codes, dictionary: column.dictionary.map { $0.uppercased() }, validity: column.validity)
    }

    var description: String { "upper(\(field))" }
}

enum FilterTestData {
    static let schema = Schema([Field("agent", .string), Field("value", .double), Field("ts", .timestamp)])

    static func batch(_ rows: [(agent: String?, value: Double?, ts: Int64)]) -> Batch {
        var builder = BatchBuilder(schema: schema)
        for row in rows {
            builder.append(values: [row.agent.map(Value.string) ?? .null, row.value.map(Value.double) ?? .null, .timestamp(row.ts)])
        }
        return builder.finish()
    }

    static let sample = batch([
        ("a", 1.0, 10), ("b", 600.0, 11), (nil, 700.0, 12), ("a", nil, 13), ("c", 501.0, 14),
    ])
}
