/// Scans the bytes of one JSON record: whitespace, literals, strings, numbers, and
/// whole values to skip.
///
/// The scanner holds only the record's bounds; the cursor is passed in and returned,
/// so it stays in a register through the hot loop instead of living in memory.
/// Nothing reads at or past `end`. In line mode a `\n` ends the record: it is not
/// whitespace and no scan moves past it, so a line's extent is known as soon as the
/// scan stops. In message mode `\n` is ordinary whitespace (pretty-printed messages).
struct JSONScanner {
    /// Containers may nest this deep (counting the record's own object) before the
    /// record is rejected; skipping is iterative, so the call stack stays flat regardless.
    static let maxDepth = 512

    let start: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    let lineMode: Bool
    /// `maxDepth` bytes of scratch for `skipContainer`'s stack of open containers.
    let containerStack: UnsafeMutablePointer<UInt8>

    /// The byte at `p`, or 0 at the end (0 is never valid where a token is expected).
    @inline(__always)
    func byte(_ p: UnsafePointer<UInt8>) -> UInt8 { p < end ? p.pointee : 0 }

    /// True when `p` is at the end of the record: the end of the bytes or, in line mode,
    /// the newline.
    @inline(__always)
    func atRecordEnd(_ p: UnsafePointer<UInt8>) -> Bool { p >= end || (lineMode && p.pointee == 0x0A) }

    @inline(__always)
    func skipWhitespace(_ p: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        guard p < end, p.pointee <= 0x20 else { return p }
        return skipWhitespaceRun(p)
    }

    private func skipWhitespaceRun(_ start: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        var p = start
        while p < end {
            let c = p.pointee
            guard c == 0x20 || c == 0x09 || c == 0x0D || (c == 0x0A && !lineMode) else { return p }
            p += 1
        }
        return p
    }

    /// True when the bytes at `p` spell `text`.
    @inline(__always)
    func matches(_ text: StaticString, at p: UnsafePointer<UInt8>) -> Bool {
        let n = text.utf8CodeUnitCount
        guard end - p >= n else { return false }
        let expected = text.utf8Start
        for i in 0..<n where p[i] != expected[i] { return false }
        return true
    }

    /// Checks that `text` is at `p` and returns the position after it.
    @inline(__always)
    func literal(_ text: StaticString, at p: UnsafePointer<UInt8>, else detail: SyntaxError.Detail) throws(SyntaxError)
        -> UnsafePointer<UInt8>
    {
        guard matches(text, at: p) else { throw SyntaxError(at: p, detail) }
        return p + text.utf8CodeUnitCount
    }

    /// The error for a byte that cannot start a value; names NaN and Infinity, which
    /// JavaScript emitters produce but JSON does not allow.
    func unexpectedValue(at p: UnsafePointer<UInt8>) -> SyntaxError {
        if matches("NaN", at: p) { return SyntaxError(at: p, .notANumber) }
        if matches("Infinity", at: p) { return SyntaxError(at: p, .infinity) }
        return SyntaxError(at: p, .unexpectedValue)
    }

    /// Skips one scalar (string, number, literal) and returns the position after it.
    func skipScalar(_ p: UnsafePointer<UInt8>) throws(SyntaxError) -> UnsafePointer<UInt8> {
        switch byte(p) {
        case 0x22: return try scanString(p).next
        case 0x2D, 0x30...0x39: return try scanNumber(p).end
        case 0x74: return try literal("true", at: p, else: .invalidTrue)
        case 0x66: return try literal("false", at: p, else: .invalidFalse)
        case 0x6E: return try literal("null", at: p, else: .invalidNull)
        default: throw unexpectedValue(at: p)
        }
    }

    /// Skips any value, validating it completely. `depth` is the nesting level of the
    /// value's parent (1 inside the record object).
    func skipValue(_ p: UnsafePointer<UInt8>, depth: Int) throws(SyntaxError) -> UnsafePointer<UInt8> {
        let c = byte(p)
        if c == 0x7B || c == 0x5B { return try skipContainer(p, depth: depth) }
        return try skipScalar(p)
    }

    /// Skips the object or array at `p` iteratively, with an explicit stack of open
    /// containers.
    func skipContainer(_ from: UnsafePointer<UInt8>, depth parentDepth: Int) throws(SyntaxError)
        -> UnsafePointer<UInt8>
    {
        var p = from
        var open = 0
        var justOpened = true
        var afterValue = false
        while true {
            if justOpened {
                // `p` is on '{' or '['.
                guard parentDepth + open < JSONScanner.maxDepth else { throw SyntaxError(at: p, .tooDeep) }
                containerStack[open] = p.pointee
                open += 1
                p += 1
            }
            p = skipWhitespace(p)
            let isObject = containerStack[open - 1] == 0x7B
            if justOpened || afterValue {
                let c = byte(p)
                if c == (isObject ? 0x7D : 0x5D) {
                    p += 1
                    open -= 1
                    if open == 0 { return p }
                    justOpened = false
                    afterValue = true
                    continue
                }
                if afterValue {
                    guard c == 0x2C else {
                        throw SyntaxError(at: p, isObject ? .expectedCommaOrBrace : .expectedCommaOrBracket)
                    }
                    p = skipWhitespace(p + 1)
                }
                if isObject {
                    guard byte(p) == 0x22 else { throw SyntaxError(at: p, .expectedKey) }
                    p = skipWhitespace(try scanString(p).next)
                    guard byte(p) == 0x3A else { throw SyntaxError(at: p, .expectedColon) }
                    p = skipWhitespace(p + 1)
                }
            }
            let c = byte(p)
            if c == 0x7B || c == 0x5B {
                justOpened = true
                afterValue = false
                continue
            }
            p = try skipScalar(p)
            justOpened = false
            afterValue = true
        }
    }
}
