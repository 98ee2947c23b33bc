public import SluiceCore

/// Merges `n` inputs into one stream.
///
/// The output schema is the union of the input fields by name, in order of first
/// appearance (input 0's fields first), each with the type of its first occurrence. A
/// field an input lacks is null in that input's rows, so it is nullable in the output; a
/// field is also nullable when any input declares it so. The same name with different
/// types in two inputs is a `validate` error. Batches pass through in arrival order per
/// input; rows are never reordered or merged across batches. Retraction batches stay
/// retractions.
///
/// - Important: construct only from arguments `validate` accepted.
public final class UnionOperator: StreamOperator {
    public let outputSchemas: [Schema]
    public private(set) var counters = OperatorCounters()
    /// Per input, per output field: the input column holding it, or nil (null column).
    private let sources: [[Int?]]
    /// Inputs whose schema already equals the output schema (batches pass unchanged).
    private let passesThrough: [Bool]

    /// Builds the union; `inputSchemas` must have passed `validate`.
    public init(inputSchemas: [Schema]) {
        let errors = Self.validate(inputSchemas: inputSchemas)
        precondition(errors.isEmpty, "UnionOperator built from an unvalidated spec: \(errors)")
        let schema = Self.outputSchema(inputSchemas: inputSchemas)
        outputSchemas = [schema]
        sources = inputSchemas.map { input in schema.fields.map { input.index(of: $0.name) } }
        passesThrough = inputSchemas.map { $0 == schema }
    }

    /// Load-time checks: at least one input, and no field name with two types. Returns one
    /// message per problem.
    public static func validate(inputSchemas: [Schema]) -> [String] {
        var errors: [String] = []
        if inputSchemas.isEmpty { errors.append("a union needs at least one input") }
        var firstSeen: [String: (type: DataType, input: Int)] = [:]
        for (input, schema) in inputSchemas.enumerated() {
            for field in schema.fields {
                if let first = firstSeen[field.name] {
                    if first.type != field.type {
                        errors.append(
                            "union field '\(field.name)' is \(first.type) in input \(first.input) but \(field.type) in input \(input)")
                    }
                } else {
                    firstSeen[field.name] = (field.type, input)
                }
            }
        }
        return errors
    }

    /// The schema a union of these inputs produces.
    public static func outputSchema(inputSchemas: [Schema]) -> Schema {
        var fields: [Field] = []
        var position: [String: Int] = [:]
        for schema in inputSchemas {
            for field in schema.fields {
                if let index = position[field.name] {
                    fields[index].nullable = fields[index].nullable || field.nullable
                } else {
                    position[field.name] = fields.count
                    fields.append(field)
                }
            }
        }
        for index in fields.indices where inputSchemas.contains(where: { $0.index(of: fields[index].name) == nil }) {
            fields[index].nullable = true
        }
        return Schema(fields)
    }

    public func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        precondition(sources.indices.contains(input), "union input \(input) does not exist (\(sources.count) inputs)")
        counters.rowsIn += Int64(batch.count)
        guard !batch.isEmpty else { return }
        counters.rowsOut += Int64(batch.count)
        if passesThrough[input] {
            out.emit(batch)
            return
        }
        let schema = outputSchemas[0]
        let columns = zip(sources[input], schema.fields).map { source, field in
            source.map { batch.columns[$0] } ?? Column.nulls(field.type, count: batch.count)
        }
        var aligned = Batch(
            schema: schema, columns: columns, count: batch.count, position: batch.position,
            isRetraction: batch.isRetraction)
        // Each row still comes from its event: late outputs and dead letters write that.
        aligned.records = batch.records?.derived
        out.emit(aligned)
    }
}
