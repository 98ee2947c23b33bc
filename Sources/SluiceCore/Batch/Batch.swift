/// A batch of rows stored as typed columns: the unit that moves through Sluice.
///
/// Batches are values: moved between queues, never shared mutably. A batch produced by
/// a source carries the `position` the source stands at after its last row, so the
/// runtime can tell when everything derived from that position is durable.
///
/// Retractions: a batch with `isRetraction` set names rows to *remove* from upsert views
/// rather than rows to write (an operator that replaced a row it emitted under another key
/// sends one, see `Sink.delete`). Its schema is the schema of the rows it retracts; the
/// columns that identify a row (group keys, window bounds) hold the old row's values, the
/// others may be null. Laws: `gather`, `filter`, `slice`, `project` and `partitioned` keep
/// the flag; `appending` and `concat` only combine batches of one kind; a batch is an
/// insert unless built as a retraction, so sources and decoders never make one.
public struct Batch: Sendable {
    public var schema: Schema
    public var columns: [Column]
    public private(set) var count: Int
    /// Where the source stands after this batch (nil for derived batches).
    public var position: SourcePosition?
    /// Whether the rows retract (delete by key) earlier rows instead of adding rows.
    public var isRetraction: Bool
    /// The bytes each row was decoded from, when the source was asked to keep them
    /// (archive sinks, event outputs); nil otherwise and on batches whose rows were built
    /// anew (aggregates, joins); not `isExact` once a map changed the rows.
    public var records: RawRecords? {
        didSet { if let records { precondition(records.count == count, "one record per row") } }
    }

    public init(
        schema: Schema, columns: [Column], count: Int? = nil, position: SourcePosition? = nil,
        isRetraction: Bool = false
    ) {
        precondition(schema.count == columns.count, "schema has \(schema.count) fields, \(columns.count) columns given")
        for (field, column) in zip(schema.fields, columns) {
            precondition(field.type == column.type, "column '\(field.name)' is \(column.type), schema says \(field.type)")
        }
        let rows = count ?? columns.first?.count ?? 0
        for (field, column) in zip(schema.fields, columns) {
            precondition(column.count == rows, "column '\(field.name)' has \(column.count) rows, batch has \(rows)")
        }
        self.schema = schema
        self.columns = columns
        self.count = rows
        self.position = position
        self.isRetraction = isRetraction
        records = nil
    }

    /// An empty batch of the given schema.
    public static func empty(_ schema: Schema) -> Batch {
        Batch(schema: schema, columns: schema.fields.map { Column(type: $0.type) }, count: 0)
    }

    public var isEmpty: Bool { count == 0 }

    public func column(named name: String) -> Column? {
        schema.index(of: name).map { columns[$0] }
    }

    public func value(row: Int, column: Int) -> Value { columns[column].value(at: row) }

    public func value(row: Int, column name: String) -> Value {
        guard let index = schema.index(of: name) else { return .null }
        return columns[index].value(at: row)
    }

    /// Row `row` as a name → value dictionary (slow path, for tests and row sinks).
    public func row(_ row: Int) -> [String: Value] {
        var out: [String: Value] = [:]
        for (i, field) in schema.fields.enumerated() { out[field.name] = columns[i].value(at: row) }
        return out
    }

    /// All rows as dictionaries (slow path).
    public var rows: [[String: Value]] { (0..<count).map { row($0) } }

    /// The rows at `indices`, in that order.
    public func gather(_ indices: [Int32]) -> Batch {
        var out = Batch(
            schema: schema, columns: columns.map { $0.gather(indices) }, count: indices.count, position: position,
            isRetraction: isRetraction)
        out.records = records?.gather(indices)
        return out
    }

    /// The rows where `mask` is true.
    public func filter(_ mask: [Bool]) -> Batch {
        precondition(mask.count == count)
        var indices: [Int32] = []
        indices.reserveCapacity(count)
        for i in 0..<count where mask[i] { indices.append(Int32(i)) }
        if indices.count == count { return self }
        return gather(indices)
    }

    public func slice(_ range: Range<Int>) -> Batch {
        var out = Batch(
            schema: schema, columns: columns.map { $0.slice(range) }, count: range.count, position: position,
            isRetraction: isRetraction)
        out.records = records?.slice(range)
        return out
    }

    /// This batch with the columns `names` only, in that order.
    public func project(_ names: [String]) -> Batch {
        let indices = names.compactMap { schema.index(of: $0) }
        return Batch(
            schema: Schema(indices.map { schema[$0] }), columns: indices.map { columns[$0] }, count: count,
            position: position, isRetraction: isRetraction)
    }

    /// Rows of `other` (same schema) appended after these.
    public func appending(_ other: Batch) -> Batch {
        precondition(schema == other.schema, "appending batches of different schemas")
        precondition(isRetraction == other.isRetraction, "appending a retraction to an insert batch")
        if other.isEmpty { return self }
        if isEmpty { return other }
        var out = Batch(
            schema: schema, columns: zip(columns, other.columns).map { $0.appending($1) },
            count: count + other.count, position: other.position ?? position, isRetraction: isRetraction)
        if let mine = records, let theirs = other.records { out.records = RawRecords.concat([mine, theirs]) }
        return out
    }

    /// Concatenates batches of one schema.
    public static func concat(_ batches: [Batch], schema: Schema) -> Batch {
        let parts = batches.filter { !$0.isEmpty }
        guard parts.count > 1 else { return parts.first ?? Batch.empty(schema) }
        for part in parts {
            precondition(part.schema == schema, "concatenating batches of different schemas")
            precondition(part.isRetraction == parts[0].isRetraction, "concatenating retractions with inserts")
        }
        var out = Batch(
            schema: schema, columns: (0..<schema.count).map { c in Column.concat(parts.map { $0.columns[c] }) },
            count: parts.reduce(0) { $0 + $1.count }, position: parts.last { $0.position != nil }?.position,
            isRetraction: parts[0].isRetraction)
        // Records only when every part has them: a row without its bytes cannot be archived as received.
        let records = parts.compactMap(\.records)
        if records.count == parts.count { out.records = RawRecords.concat(records) }
        return out
    }

    /// Replaces or adds a column.
    public mutating func setColumn(_ field: Field, _ column: Column) {
        precondition(column.count == count && field.type == column.type)
        records = nil  // the rows are no longer the records received
        if let index = schema.index(of: field.name) {
            var fields = schema.fields
            fields[index] = field
            schema = Schema(fields)
            columns[index] = column
        } else {
            schema = schema.appending(field)
            columns.append(column)
        }
    }
}

/// Builds a batch row by row (generators, tests).
public struct BatchBuilder: Sendable {
    public let schema: Schema
    private var builders: [ColumnBuilder]
    public private(set) var count = 0

    public init(schema: Schema, capacity: Int = 0) {
        self.schema = schema
        builders = schema.fields.map { ColumnBuilder(type: $0.type, capacity: capacity) }
    }

    /// Appends one row; missing fields become null.
    public mutating func append(_ row: [String: Value]) {
        for (i, field) in schema.fields.enumerated() { builders[i].append(row[field.name] ?? .null) }
        count += 1
    }

    /// Appends one row given in schema order.
    public mutating func append(values: [Value]) {
        precondition(values.count == schema.count)
        for i in 0..<values.count { builders[i].append(values[i]) }
        count += 1
    }

    public func finish(position: SourcePosition? = nil) -> Batch {
        Batch(schema: schema, columns: builders.map { $0.finish() }, count: count, position: position)
    }
}
