import SluiceCore

/// An intermediate result inside an evaluation: a whole column, or one value that stands
/// for every row (constants and `now()`), so constants are never spread into arrays.
enum Operand: Sendable {
    case column(Column)
    case scalar(Value)

    /// True for the scalar null: every row is null.
    var isNull: Bool { if case .scalar(.null) = self { true } else { false } }

    var isScalar: Bool { if case .scalar = self { true } else { false } }

    /// Row validity of a column operand; nil (all valid) for a non-null scalar.
    var validity: [Bool]? { if case .column(let column) = self { column.validity } else { nil } }

    var ints: Slot<Int64> {
        switch self {
        case .column(let column): .array(column.ints)
        case .scalar(let value): .scalar(value.asInt ?? 0)
        }
    }

    var doubles: Slot<Double> {
        switch self {
        case .column(let column): .array(column.doubles)
        case .scalar(let value): .scalar(value.asDouble ?? 0)
        }
    }

    var bools: Slot<Bool> {
        switch self {
        case .column(let column): .array(column.bools)
        case .scalar(let value): .scalar(value.asBool ?? false)
        }
    }

    /// The operand as a column of `count` rows of `type`.
    func materialize(_ type: DataType, count: Int) -> Column {
        switch self {
        case .column(let column): column
        case .scalar(let value): Column.filled(value, type: type, count: count)
        }
    }

    /// Row `row` as a value (slow path for folding and tests).
    func value(at row: Int) -> Value {
        switch self {
        case .column(let column): column.value(at: row)
        case .scalar(let value): value
        }
    }
}

/// One typed operand's storage: a whole array, or one value broadcast to every row.
enum Slot<Element> {
    case array([Element])
    case scalar(Element)
}

/// What a kernel produced: values (their `validity` not yet combined with the inputs')
/// and the rows where the operation itself gave no value (overflow, division by zero).
struct KernelOutput {
    var column: Column
    var bad: [Bool]?

    init(_ column: Column, bad: [Bool]? = nil) {
        self.column = column
        self.bad = bad
    }
}

extension Column {
    /// `count` rows of `value` converted to `type`; null (or a value that does not fit)
    /// gives null rows. A string column always has at least one dictionary entry, so every
    /// code indexes it, even the code of a null row.
    static func filled(_ value: Value, type: DataType, count: Int) -> Column {
        var column: Column
        switch type {
        case .int64, .timestamp:
            column = Column(ints: [Int64](repeating: value.asInt ?? 0, count: count), type: type)
        case .double:
            column = Column(doubles: [Double](repeating: value.asDouble ?? 0, count: count))
        case .bool:
            column = Column(bools: [Bool](repeating: value.asBool ?? false, count: count))
        case .string:
            column = Column(codes: [UInt32](repeating: 0, count: count), dictionary: [value.asString ?? ""])
        }
        let fits: Bool =
            switch (type, value) {
            case (_, .null): false
            case (.int64, _), (.timestamp, _): value.asInt != nil
            case (.double, _): value.asDouble != nil
            case (.bool, _): value.asBool != nil
            case (.string, _): value.asString != nil
            }
        if !fits { column.validity = [Bool](repeating: false, count: count) }
        return column
    }

    /// A string column whose dictionary is never empty when it has rows.
    static func strings(codes: [UInt32], dictionary: [String], validity: [Bool]?) -> Column {
        Column(codes: codes, dictionary: dictionary.isEmpty && !codes.isEmpty ? [""] : dictionary, validity: validity)
    }

    /// The same storage under another integer type (`timestamp` ↔ `int64`); arrays are
    /// shared, not copied.
    func retyped(_ type: DataType) -> Column {
        Column(ints: ints, type: type, validity: validity)
    }
}
