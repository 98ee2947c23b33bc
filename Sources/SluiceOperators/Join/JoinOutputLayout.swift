import SluiceCore

/// Assembles join output batches: left columns, right columns, then the extra columns
/// (times, window bounds) the operator adds.
struct JoinOutputLayout: Sendable {
    let schema: Schema
    let rightTypes: [DataType]

    init(schema: Schema, right: Schema) {
        self.schema = schema
        rightTypes = right.fields.map(\.type)
    }

    func batch(left: [Column], right: [Column], extra: [Column], count: Int) -> Batch {
        Batch(schema: schema, columns: left + right + extra, count: count)
    }

    /// Left rows with every right field null (left outer output).
    func leftOnly(left: [Column], extra: [Column], count: Int) -> Batch {
        batch(left: left, right: rightTypes.map { Column.nulls($0, count: count) }, extra: extra, count: count)
    }
}
