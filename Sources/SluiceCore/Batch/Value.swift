/// One dynamically typed value: the slow path for tests, literals and row-wise sinks.
///
/// Hot paths work on `Column` arrays directly and never build `Value`s per event.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)
    case timestamp(Int64)

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var asInt: Int64? {
        switch self {
        case .int(let v), .timestamp(let v): v
        case .double(let d): d.isFinite ? Int64(exactly: d.rounded(.towardZero)) : nil
        default: nil
        }
    }

    public var asDouble: Double? {
        switch self {
        case .int(let v), .timestamp(let v): Double(v)
        case .double(let d): d
        default: nil
        }
    }

    public var asString: String? { if case .string(let s) = self { s } else { nil } }
    public var asBool: Bool? { if case .bool(let b) = self { b } else { nil } }

    public var description: String {
        switch self {
        case .null: "null"
        case .int(let v): String(v)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .string(let s): "'" + s + "'"
        case .timestamp(let t): "ts(\(t))"
        }
    }
}
