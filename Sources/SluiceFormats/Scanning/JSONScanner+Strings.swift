/// The bytes between a string's quotes, still escaped when `hasEscapes`.
struct StringSpan {
    let start: UnsafePointer<UInt8>
    let count: Int
    let hasEscapes: Bool
    /// The position after the closing quote.
    var next: UnsafePointer<UInt8> { start + count + 1 }
}

extension JSONScanner {
    /// Scans the string whose opening quote is at `quote`. Validates escapes and UTF-8
    /// on the way; plain ASCII runs are skipped eight bytes at a time.
    @inline(__always)
    func scanString(_ quote: UnsafePointer<UInt8>) throws(SyntaxError) -> StringSpan {
        let contentStart = quote + 1
        var p = contentStart
        if end - p >= 16 {
            // Short strings (ids, names) end within 16 bytes: look at both words at once
            // so the length does not decide a branch.
            let raw = UnsafeRawPointer(p)
            let low = JSONScanner.specialBytes(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
            let high = JSONScanner.specialBytes(
                UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            if low | high != 0 {
                let offset = low != 0 ? low.trailingZeroBitCount &>> 3 : 8 &+ (high.trailingZeroBitCount &>> 3)
                if p[offset] == 0x22 { return StringSpan(start: contentStart, count: offset, hasEscapes: false) }
                return try scanStringSlowly(quote: quote, from: p + offset)
            }
            p += 16
        }
        return try scanStringSlowly(quote: quote, from: p)
    }

    /// The rest of a string from `p` on: escapes, non-ASCII, the last few bytes.
    private func scanStringSlowly(quote: UnsafePointer<UInt8>, from: UnsafePointer<UInt8>) throws(SyntaxError)
        -> StringSpan
    {
        let contentStart = quote + 1
        var p = from
        var escapes = false
        while true {
            while end - p >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
                let special = JSONScanner.specialBytes(word)
                if special != 0 {
                    p += special.trailingZeroBitCount &>> 3
                    break
                }
                p += 8
            }
            guard p < end else { throw SyntaxError(at: quote, .unterminatedString) }
            let c = p.pointee
            if c == 0x22 { return StringSpan(start: contentStart, count: p - contentStart, hasEscapes: escapes) }
            if c == 0x5C {
                escapes = true
                p = try scanEscape(p, quote: quote)
            } else if c < 0x20 {
                if c == 0x0A && lineMode { throw SyntaxError(at: quote, .unterminatedString) }
                throw SyntaxError(at: p, .controlCharacter)
            } else if c >= 0x80 {
                let n = UTF8Validation.sequenceLength(at: p, end: end)
                guard n > 0 else { throw SyntaxError(at: p, .invalidUTF8) }
                p += n
            } else {
                p += 1
            }
        }
    }

    /// A mask with the high bit set in (at least the lowest of) the bytes that end a
    /// plain run inside a string: '"', '\\', control characters and non-ASCII bytes.
    /// The lowest flagged byte is always a true hit; bits above it may be borrows.
    @inline(__always)
    static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let quoteHit = (quote &- ones) & ~quote
        let backslashHit = (backslash &- ones) & ~backslash
        let controlHit = (w &- ones &* 0x20) & ~w
        return (quoteHit | backslashHit | controlHit | w) & highs
    }

    /// Validates the escape whose backslash is at `p`; returns the position after it.
    private func scanEscape(_ p: UnsafePointer<UInt8>, quote: UnsafePointer<UInt8>) throws(SyntaxError)
        -> UnsafePointer<UInt8>
    {
        let next = p + 1
        guard next < end, !(lineMode && next.pointee == 0x0A) else { throw SyntaxError(at: quote, .unterminatedString) }
        switch next.pointee {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return p + 2
        case 0x75:
            guard let unit = hex4(at: p + 2) else { throw SyntaxError(at: p, .invalidUnicodeEscape) }
            if (0xD800...0xDBFF).contains(unit) {
                guard end - p >= 12, p[6] == 0x5C, p[7] == 0x75, let low = hex4(at: p + 8),
                    (0xDC00...0xDFFF).contains(low)
                else { throw SyntaxError(at: p, .unpairedSurrogate) }
                return p + 12
            }
            if (0xDC00...0xDFFF).contains(unit) { throw SyntaxError(at: p, .unpairedSurrogate) }
            return p + 6
        default:
            throw SyntaxError(at: p, .invalidEscape)
        }
    }

    /// The four hex digits at `q` as a UTF-16 code unit, or nil.
    @inline(__always)
    func hex4(at q: UnsafePointer<UInt8>) -> UInt32? {
        guard end - q >= 4 else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 {
            let c = q[i]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Writes the unescaped UTF-8 of a span `scanString` validated; returns its length,
    /// which is never more than `span.count`.
    static func unescape(_ span: StringSpan, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0
        var o = 0
        let s = span.start
        @inline(__always)
        func hex(_ at: Int) -> UInt32 {
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = s[at + k]
                value = value << 4 | UInt32(c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10)
            }
            return value
        }
        while i < span.count {
            let c = s[i]
            guard c == 0x5C else {
                out[o] = c
                o += 1
                i += 1
                continue
            }
            let e = s[i + 1]
            i += 2
            var scalar: UInt32
            switch e {
            case 0x62: scalar = 0x08
            case 0x66: scalar = 0x0C
            case 0x6E: scalar = 0x0A
            case 0x72: scalar = 0x0D
            case 0x74: scalar = 0x09
            case 0x75:
                scalar = hex(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    let low = hex(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
            default: scalar = UInt32(e)  // '"', '\\', '/'
            }
            switch scalar {
            case 0..<0x80:
                out[o] = UInt8(scalar)
                o += 1
            case 0x80..<0x800:
                out[o] = UInt8(0xC0 | scalar >> 6)
                out[o + 1] = UInt8(0x80 | scalar & 0x3F)
                o += 2
            case 0x800..<0x10000:
                out[o] = UInt8(0xE0 | scalar >> 12)
                out[o + 1] = UInt8(0x80 | scalar >> 6 & 0x3F)
                out[o + 2] = UInt8(0x80 | scalar & 0x3F)
                o += 3
            default:
                out[o] = UInt8(0xF0 | scalar >> 18)
                out[o + 1] = UInt8(0x80 | scalar >> 12 & 0x3F)
                out[o + 2] = UInt8(0x80 | scalar >> 6 & 0x3F)
                out[o + 3] = UInt8(0x80 | scalar & 0x3F)
                o += 4
            }
        }
        return o
    }
}
