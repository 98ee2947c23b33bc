/// A cursor over the bytes of one JSON record: whitespace, literals and structure.
///
/// The scanner never reads at or past `end`. In line mode a `\n` ends the record: it is
/// not whitespace and nothing scans past it, so a line's extent is known as soon as the
/// scan stops. In message mode `\n` is ordinary whitespace (pretty-printed messages).
struct JSONScanner {
    /// Containers may nest this deep (counting the record's own object) before the
    /// record is rejected; iterative skipping keeps the stack flat regardless.
    static let maxDepth = 512

    let start: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    var p: UnsafePointer<UInt8>
    let lineMode: Bool
    /// `maxDepth` bytes of scratch for `skipValue`'s container stack.
    let containerStack: UnsafeMutablePointer<UInt8>

    init(start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>, lineMode: Bool, containerStack: UnsafeMutablePointer<UInt8>) {
        self.start = start
        self.end = end
        p = start
        self.lineMode = lineMode
        self.containerStack = containerStack
    }

    /// The byte under the cursor, or 0 at the end (0 is never valid where a token is expected).
    @inline(__always)
    var current: UInt8 { p < end ? p.pointee : 0 }

    /// True at the end of the record: the end of the bytes or, in line mode, the newline.
    @inline(__always)
    var atRecordEnd: Bool { p >= end || (lineMode && p.pointee == 0x0A) }

    @inline(__always)
    mutating func skipWhitespace() {
        while p < end {
            let c = p.pointee
            guard c <= 0x20, c == 0x20 || c == 0x09 || c == 0x0D || (c == 0x0A && !lineMode) else { return }
            p += 1
        }
    }

    /// True when the bytes at the cursor spell `text`.
    @inline(__always)
    func matches(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard end - p >= n else { return false }
        let expected = text.utf8Start
        for i in 0..<n where p[i] != expected[i] { return false }
        return true
    }

    @inline(__always)
    mutating func expectLiteral(_ text: StaticString, else detail: SyntaxError.Detail) throws(SyntaxError) {
        guard matches(text) else { throw SyntaxError(at: p, detail) }
        p += text.utf8CodeUnitCount
    }

    /// The error for a byte that cannot start a value; names NaN and Infinity, which
    /// JavaScript emitters produce but JSON does not allow.
    func unexpectedValue() -> SyntaxError {
        if matches("NaN") { return SyntaxError(at: p, .notANumber) }
        if matches("Infinity") { return SyntaxError(at: p, .infinity) }
        return SyntaxError(at: p, .unexpectedValue)
    }

    /// Skips one scalar value (string, number, literal); containers are errors here.
    @inline(__always)
    mutating func skipScalar() throws(SyntaxError) {
        switch current {
        case 0x22: _ = try scanString()
        case 0x2D, 0x30...0x39: _ = try scanNumber()
        case 0x74: try expectLiteral("true", else: .invalidTrue)
        case 0x66: try expectLiteral("false", else: .invalidFalse)
        case 0x6E: try expectLiteral("null", else: .invalidNull)
        default: throw unexpectedValue()
        }
    }

    /// Skips any value, validating it completely. `depth` is the nesting level of the
    /// value's parent (1 inside the record object).
    @inline(__always)
    mutating func skipValue(depth: Int) throws(SyntaxError) {
        let c = current
        if c == 0x7B || c == 0x5B {
            try skipContainer(depth: depth)
        } else {
            try skipScalar()
        }
    }

    /// Skips an object or array iteratively, with an explicit stack of open containers.
    mutating func skipContainer(depth parentDepth: Int) throws(SyntaxError) {
        var open = 0
        var justOpened = true
        var afterValue = false
        while true {
            if justOpened {
                // The cursor is on '{' or '['.
                guard parentDepth + open < JSONScanner.maxDepth else { throw SyntaxError(at: p, .tooDeep) }
                containerStack[open] = p.pointee
                open += 1
                p += 1
            }
            skipWhitespace()
            let isObject = containerStack[open - 1] == 0x7B
            let close: UInt8 = isObject ? 0x7D : 0x5D
            if justOpened || afterValue {
                let c = current
                if c == close {
                    p += 1
                    open -= 1
                    if open == 0 { return }
                    justOpened = false
                    afterValue = true
                    continue
                }
                if afterValue {
                    guard c == 0x2C else {
                        throw SyntaxError(at: p, isObject ? .expectedCommaOrBrace : .expectedCommaOrBracket)
                    }
                    p += 1
                    skipWhitespace()
                }
                if isObject {
                    guard current == 0x22 else { throw SyntaxError(at: p, .expectedKey) }
                    _ = try scanString()
                    skipWhitespace()
                    guard current == 0x3A else { throw SyntaxError(at: p, .expectedColon) }
                    p += 1
                    skipWhitespace()
                }
            }
            let c = current
            if c == 0x7B || c == 0x5B {
                justOpened = true
                afterValue = false
                continue
            }
            try skipScalar()
            justOpened = false
            afterValue = true
        }
    }
}
