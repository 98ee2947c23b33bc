/// A statement parameter.
///
/// Values travel in PostgreSQL's text format (the server parses them into the column's
/// type), except `bytes`, which is sent in binary so a `bytea` needs no escaping.
public enum PostgresValue: Sendable, Hashable {
    case null
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case text(String)
    case bytes([UInt8])

    /// The text form the server parses, or nil for `null` and `bytes`.
    var textForm: String? {
        switch self {
        case .null, .bytes: nil
        case .int(let v): String(v)
        case .double(let v): PostgresText.double(v)
        case .bool(let v): v ? "t" : "f"
        case .text(let v): v
        }
    }
}

/// The rows a statement returned, copied out of libpq's result (text format).
public struct PostgresRows: Sendable, Equatable {
    /// Column names in result order.
    public var columns: [String]
    /// Each row's values in text format; nil is SQL NULL.
    public var rows: [[String?]]
    /// Rows inserted, updated, deleted or copied, when the command reports a count.
    public var affectedRows: Int?

    public init(columns: [String] = [], rows: [[String?]] = [], affectedRows: Int? = nil) {
        self.columns = columns
        self.rows = rows
        self.affectedRows = affectedRows
    }
}

/// Text forms PostgreSQL parses back to the same value.
public enum PostgresText {
    /// A double in a form `float8in` reads back exactly (shortest round-trip digits;
    /// `Infinity`, `-Infinity` and `NaN` spelled as PostgreSQL spells them).
    public static func double(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        return v.description
    }

    /// A `bytea` in hex text output (`\x0a1b…`) as bytes, or nil when it is not hex output.
    public static func bytea(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            return nil
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((utf8.count - 2) / 2)
        var i = 2
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
