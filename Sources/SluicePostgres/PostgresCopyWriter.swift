/// Builds rows in COPY's text format (`COPY … FROM STDIN`, default options) for `copyIn`.
///
/// Fields are separated by tabs and rows end with a newline; `\N` is NULL; backslash,
/// tab, newline and carriage return inside text are escaped, so any string survives.
/// Numbers, booleans and timestamps are written in forms PostgreSQL reads back exactly.
public struct PostgresCopyWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Rows completed with `endRow()`.
    public private(set) var rows = 0
    private var atRowStart = true

    public init(reservingCapacity capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public var isEmpty: Bool { rows == 0 }

    public mutating func appendNull() {
        separate()
        bytes.append(UInt8(ascii: "\\"))
        bytes.append(UInt8(ascii: "N"))
    }

    public mutating func append(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { utf8 in
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                default: bytes.append(byte)
                }
            }
        }
    }

    public mutating func append(_ value: Int64) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func append(_ value: Double) {
        separate()
        bytes.append(contentsOf: PostgresText.double(value).utf8)
    }

    public mutating func append(_ value: Bool) {
        separate()
        bytes.append(value ? UInt8(ascii: "t") : UInt8(ascii: "f"))
    }

    /// A `timestamptz` from epoch milliseconds, as `2026-01-31 23:59:59.123+00` (UTC, so
    /// the session's TimeZone does not matter; years before 1 get ` BC`).
    public mutating func append(timestampMillis millis: Int64) {
        separate()
        bytes.append(contentsOf: PostgresText.timestamp(millis: millis).utf8)
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(UInt8(ascii: "\n"))
        rows += 1
        atRowStart = true
    }

    /// Appends another writer's complete rows.
    public mutating func append(rowsOf other: PostgresCopyWriter) {
        precondition(atRowStart && other.atRowStart, "appending a writer in the middle of a row")
        bytes.append(contentsOf: other.bytes)
        rows += other.rows
    }

    private mutating func separate() {
        if atRowStart {
            atRowStart = false
        } else {
            bytes.append(UInt8(ascii: "\t"))
        }
    }
}

extension PostgresText {
    /// Epoch milliseconds as a UTC `timestamptz` literal PostgreSQL parses exactly.
    public static func timestamp(millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hours = msOfDay / 3_600_000
        let minutes = msOfDay / 60_000 % 60
        let seconds = msOfDay / 1000 % 60
        let fraction = msOfDay % 1000
        let era = year <= 0 ? " BC" : ""
        let shownYear = year <= 0 ? 1 - year : year
        return pad(shownYear, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " " + pad(hours, 2) + ":" + pad(minutes, 2)
            + ":" + pad(seconds, 2) + "." + pad(fraction, 3) + "+00" + era
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01 (the
    /// well-known era-based conversion; year 0 is 1 BC).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
