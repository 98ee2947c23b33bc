public import SluiceCore

/// The catalogue of reasons the JSON decoder gives for rejecting a record.
///
/// Every text is built here so that dead letters, logs and tests agree on one wording.
/// Byte offsets (`at byte N`) are 0-based within the record as stored in
/// `Rejection.raw` (after a stripped BOM, without the line terminator). Quoted input
/// text longer than 64 bytes is cut and ends in `…`.
public enum RejectionReason {
    /// A line or message with nothing but whitespace.
    public static let emptyRecord = "empty record"

    /// `record of 2000000 bytes exceeds the limit of 1048576`
    public static func oversized(bytes: Int, limit: Int) -> String {
        "record of \(bytes) bytes exceeds the limit of \(limit)"
    }

    /// `invalid JSON at byte 17: expected ':'`
    public static func invalidJSON(at offset: Int, _ detail: String) -> String {
        "invalid JSON at byte \(offset): \(detail)"
    }

    /// `invalid UTF-8 at byte 4` (the first byte that does not start a valid sequence).
    public static func invalidUTF8(at offset: Int) -> String { "invalid UTF-8 at byte \(offset)" }

    /// `record is a JSON array, expected an object`
    public static func notAnObject(_ kind: String) -> String { "record is \(kind), expected an object" }

    /// `missing required field 'agent_id'`
    public static func missingField(_ name: String) -> String { "missing required field '\(name)'" }

    /// `required field 'agent_id' is null`
    public static func nullField(_ name: String) -> String { "required field '\(name)' is null" }

    /// `field 'value' is a string, expected double`
    public static func typeMismatch(field: String, found: String, expected: DataType) -> String {
        "field '\(field)' is \(found), expected \(expected)"
    }

    /// `field 'items' is out of range for int: 9223372036854775808`
    public static func outOfRange(field: String, type: DataType, text: String) -> String {
        "field '\(field)' is out of range for \(type): \(quoteless(text))"
    }

    /// `field 'ts' is not a valid timestamp: 'yesterday'`
    public static func invalidTimestamp(field: String, text: String) -> String {
        "field '\(field)' is not a valid timestamp: '\(quoteless(text))'"
    }

    /// `duplicate field 'value'` (only fields the schema extracts are checked).
    public static func duplicateField(_ name: String) -> String { "duplicate field '\(name)'" }

    /// `unknown event type 'agent.exploded'`
    public static func unknownEventType(_ type: String) -> String { "unknown event type '\(quoteless(type))'" }

    /// `timestamp 0 (1970-01-01T00:00:00Z) is outside the accepted range 2000-01-01..2100-01-01`
    public static func timestampOutOfRange(_ millis: Int64, range: ClosedRange<Int64>) -> String {
        "timestamp \(millis) (\(RFC3339.format(millis: millis))) is outside the accepted range "
            + "\(RFC3339.formatBound(range.lowerBound))..\(RFC3339.formatBound(range.upperBound))"
    }

    /// Input text quoted in a reason, cut to 64 bytes so a huge value cannot bloat logs.
    static func quoteless(_ text: String) -> String {
        guard text.utf8.count > 64 else { return text }
        var cut = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > 64 { break }
            cut.append(scalar)
        }
        return String(cut) + "…"
    }
}
