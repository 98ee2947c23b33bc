#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A JSON number as scanned: up to 19 significant decimal digits and a decimal exponent,
/// enough to convert exactly on the fast path and to find the text for the slow one.
struct NumberToken {
    var start: UnsafePointer<UInt8>
    var end: UnsafePointer<UInt8>
    var negative = false
    /// The first (at most) 19 significant digits.
    var mantissa: UInt64 = 0
    /// Value = mantissa × 10^exponent (when not `truncated`).
    var exponent = 0
    /// Non-zero significant digits beyond the 19th were dropped.
    var truncated = false
    /// Written without a fraction or an exponent.
    var isInteger = true

    /// The value as an Int64, or nil when it is out of range. Only for `isInteger`.
    var int64Value: Int64? {
        // An integer keeps exponent 0 unless it has more than 19 digits, which no Int64 has.
        guard exponent == 0 else { return nil }
        if negative {
            if mantissa <= UInt64(Int64.max) { return -Int64(mantissa) }
            return mantissa == UInt64(Int64.max) + 1 ? Int64.min : nil
        }
        return mantissa <= UInt64(Int64.max) ? Int64(mantissa) : nil
    }

    /// The correctly rounded Double (±infinity when it overflows).
    ///
    /// Clinger's fast path: a mantissa of at most 2^53 is exact as a Double, and so are
    /// the powers of ten up to 10^22, so one multiplication or division rounds correctly.
    /// Everything else goes to `strtod`, which is correctly rounded in glibc.
    var doubleValue: Double {
        if !truncated {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= 1 << 53 {
                var value: Double?
                if exponent >= 0 && exponent <= 22 {
                    value = Double(mantissa) * NumberToken.powersOfTen[exponent]
                } else if exponent < 0 && exponent >= -22 {
                    value = Double(mantissa) / NumberToken.powersOfTen[-exponent]
                } else if exponent > 22 && exponent <= 22 + 15 {
                    // Move the excess powers into the mantissa while it stays exact.
                    let (scaled, overflow) = mantissa.multipliedReportingOverflow(
                        by: NumberToken.integerPowersOfTen[exponent - 22])
                    if !overflow && scaled <= 1 << 53 { value = Double(scaled) * 1e22 }
                }
                if let value { return negative ? -value : value }
            }
        }
        return NumberToken.strtodFallback(start, end)
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
        1e18, 1e19, 1e20, 1e21, 1e22,
    ]
    static let integerPowersOfTen: [UInt64] = (0...19).map { n in (0..<n).reduce(UInt64(1)) { acc, _ in acc * 10 } }

    /// Parses the number text with `strtod` from a NUL-terminated copy on the stack.
    static func strtodFallback(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) -> Double {
        let n = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buffer in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: start, byteCount: n)
            base[n] = 0
            var stop: UnsafeMutablePointer<CChar>?
            let value = strtod(base, &stop)
            if stop == base + n { return value }
            // strtod honours LC_NUMERIC; should a host set a locale whose decimal point is
            // not '.', use the standard library's locale-independent parser instead.
            return Double(String(decoding: UnsafeBufferPointer(start: start, count: n), as: UTF8.self)) ?? .nan
        }
    }
}

extension JSONScanner {
    /// Scans the number under the cursor (which is on '-' or a digit), enforcing JSON's
    /// grammar: no leading zeros, digits after '-', '.', and the exponent marker.
    @inline(__always)
    mutating func scanNumber() throws(SyntaxError) -> NumberToken {
        var token = NumberToken(start: p, end: p)
        if p.pointee == 0x2D {
            token.negative = true
            p += 1
            guard p < end, p.pointee &- 0x30 < 10 else {
                if matches("Infinity") { throw SyntaxError(at: token.start, .negativeInfinity) }
                throw SyntaxError(at: p, .numberNeedsDigit)
            }
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var truncated = false
        if p.pointee == 0x30 {
            p += 1
            if p < end && p.pointee &- 0x30 < 10 { throw SyntaxError(at: p, .leadingZero) }
        } else {
            while p < end {
                let d = p.pointee &- 0x30
                guard d < 10 else { break }
                if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant &+= 1
                } else {
                    exponent &+= 1
                    truncated = truncated || d != 0
                }
                p += 1
            }
        }
        if p < end && p.pointee == 0x2E {
            token.isInteger = false
            p += 1
            guard p < end, p.pointee &- 0x30 < 10 else { throw SyntaxError(at: p, .numberNeedsDigit) }
            while p < end {
                let d = p.pointee &- 0x30
                guard d < 10 else { break }
                if mantissa == 0 && d == 0 {
                    exponent &-= 1
                } else if significant < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant &+= 1
                    exponent &-= 1
                } else {
                    truncated = truncated || d != 0
                }
                p += 1
            }
        }
        if p < end && p.pointee | 0x20 == 0x65 {
            token.isInteger = false
            p += 1
            var negativeExponent = false
            if p < end && (p.pointee == 0x2B || p.pointee == 0x2D) {
                negativeExponent = p.pointee == 0x2D
                p += 1
            }
            guard p < end, p.pointee &- 0x30 < 10 else { throw SyntaxError(at: p, .numberNeedsDigit) }
            var value = 0
            while p < end {
                let d = p.pointee &- 0x30
                guard d < 10 else { break }
                // Clamp: beyond this every value has under- or overflowed anyway.
                if value < 1_000_000 { value = value &* 10 &+ Int(d) }
                p += 1
            }
            exponent &+= negativeExponent ? -value : value
        }
        token.end = p
        token.mantissa = mantissa
        token.exponent = exponent
        token.truncated = truncated
        return token
    }
}
