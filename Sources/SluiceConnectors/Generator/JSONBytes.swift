/// Appends JSON text to a byte array without going through `String` per value: the
/// generators' NDJSON writers produce hundreds of megabytes.
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Appends ASCII literal text (field names, punctuation) as is.
    mutating func appendRaw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends text that is already JSON (an array kept as its JSON text).
    mutating func appendRaw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(integer value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            append(unsigned: value.magnitude)
        } else {
            append(unsigned: UInt64(value))
        }
    }

    mutating func append(unsigned value: UInt64) {
        let start = bytes.count
        var v = value
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        } while v != 0
        bytes[start...].reverse()
    }

    /// A double as JSON: Swift's shortest round-trip form; non-finite values become null.
    mutating func append(double value: Double) {
        if value.isFinite { bytes.append(contentsOf: value.description.utf8) } else { appendRaw("null") }
    }

    mutating func append(bool value: Bool) { value ? appendRaw("true") : appendRaw("false") }

    /// A JSON string literal with quotes and the escapes RFC 8259 requires.
    mutating func append(string value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): appendRaw("\\\"")
            case UInt8(ascii: "\\"): appendRaw("\\\\")
            case UInt8(ascii: "\n"): appendRaw("\\n")
            case UInt8(ascii: "\r"): appendRaw("\\r")
            case UInt8(ascii: "\t"): appendRaw("\\t")
            case 0..<0x20:
                appendRaw("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
