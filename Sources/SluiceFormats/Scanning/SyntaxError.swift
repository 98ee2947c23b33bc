/// A structural JSON error at a byte of the record being scanned.
///
/// The position is kept as an address (pointers are not `Sendable`, errors must be); the
/// text is rendered only when a record is actually rejected.
struct SyntaxError: Error {
    enum Detail: Sendable {
        case expectedColon, expectedCommaOrBrace, expectedCommaOrBracket, expectedKey
        case unexpectedValue, trailingData
        case notANumber, infinity, negativeInfinity
        case invalidTrue, invalidFalse, invalidNull
        case numberNeedsDigit, leadingZero
        case unterminatedString, controlCharacter, invalidEscape, invalidUnicodeEscape, unpairedSurrogate
        case invalidUTF8
        case tooDeep
    }

    let address: Int
    let detail: Detail

    @inline(__always)
    init(at position: UnsafePointer<UInt8>, _ detail: Detail) {
        address = Int(bitPattern: position)
        self.detail = detail
    }

    /// The reason text for a record spanning `start..<recordEnd` (`recordEnd` is the
    /// newline or the end of the message).
    func reason(start: UnsafePointer<UInt8>, recordEnd: UnsafePointer<UInt8>) -> String {
        let offset = address - Int(bitPattern: start)
        let atEnd = address >= Int(bitPattern: recordEnd)
        let byte: UInt8 = atEnd ? 0 : UnsafePointer<UInt8>(bitPattern: address)!.pointee
        let text: String
        switch detail {
        case .unterminatedString: text = "unterminated string"
        case .tooDeep: text = "nesting deeper than \(JSONScanner.maxDepth) levels"
        case _ where atEnd: text = "unexpected end of record"
        case .expectedColon: text = "expected ':'"
        case .expectedCommaOrBrace: text = "expected ',' or '}'"
        case .expectedCommaOrBracket: text = "expected ',' or ']'"
        case .expectedKey: text = "expected a field name in double quotes"
        case .unexpectedValue: text = "unexpected \(Self.describe(byte))"
        case .trailingData: text = "unexpected \(Self.describe(byte)) after the JSON value"
        case .notANumber: text = "NaN is not a JSON number"
        case .infinity: text = "Infinity is not a JSON number"
        case .negativeInfinity: text = "-Infinity is not a JSON number"
        case .invalidTrue: text = "invalid literal, expected 'true'"
        case .invalidFalse: text = "invalid literal, expected 'false'"
        case .invalidNull: text = "invalid literal, expected 'null'"
        case .numberNeedsDigit: text = "invalid number, expected a digit"
        case .leadingZero: text = "invalid number, leading zeros are not allowed"
        case .controlCharacter: text = "unescaped control character \(Self.hex(byte)) in string"
        case .invalidEscape: text = "invalid escape sequence in string"
        case .invalidUnicodeEscape: text = "invalid \\u escape in string"
        case .unpairedSurrogate: text = "unpaired surrogate in \\u escape"
        case .invalidUTF8: return RejectionReason.invalidUTF8(at: offset)
        }
        return RejectionReason.invalidJSON(at: offset, text)
    }

    /// `character 'x'` for printable ASCII, `byte 0x01` otherwise.
    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "character '\(Character(Unicode.Scalar(byte)))'" : "byte \(hex(byte))"
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
    }
}
