/// The value types a column can hold.
///
/// `timestamp` is an Int64 of epoch milliseconds (UTC); it is kept distinct from `int64`
/// so sinks can write a real timestamp column and expressions can reject arithmetic
/// that makes no sense on instants.
public enum DataType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case int64 = 1
    case double = 2
    case bool = 3
    case string = 4
    case timestamp = 5

    public var description: String {
        switch self {
        case .int64: "int"
        case .double: "double"
        case .bool: "bool"
        case .string: "string"
        case .timestamp: "timestamp"
        }
    }

    /// True for types stored in `Column.ints`.
    public var isIntegerStorage: Bool { self == .int64 || self == .timestamp }
    public var isNumeric: Bool { self == .int64 || self == .double }
}
