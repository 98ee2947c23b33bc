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
    @inline(__always)
    var doubleValue: Double {
        if !truncated {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if mantissa <= 1 << 53 {
                var value: Double?
                if exponent >= 0 && exponent <= 22 {
                    value = Double(mantissa) * NumberToken.powerOfTen(exponent)
                } else if exponent < 0 && exponent >= -22 {
                    value = Double(mantissa) / NumberToken.powerOfTen(-exponent)
                } else if exponent > 22 && exponent <= 22 + 15 {
                    // Move the excess powers into the mantissa while it stays exact.
                    let (scaled, overflow) = mantissa.multipliedReportingOverflow(
                        by: DigitWord.powerOfTen(exponent - 22))
                    if !overflow && scaled <= 1 << 53 { value = Double(scaled) * 1e22 }
                }
                if let value { return negative ? -value : value }
            }
        }
        return NumberToken.strtodFallback(start, end)
    }

    /// 10^n for n in 0...22, all exact as Doubles. A switch rather than a global array,
    /// which would cost a lazy-initialisation check on every use.
    @inline(__always)
    static func powerOfTen(_ n: Int) -> Double {
        switch n {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

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

/// Eight digits at a time: find how many leading bytes of a little-endian word are
/// ASCII digits, and convert them with three multiplications instead of a loop.
enum DigitWord {
    /// The number of leading bytes (lowest first) that are '0'...'9'.
    @inline(__always)
    static func leadingDigits(_ w: UInt64) -> Int {
        let high = w & 0xF0F0_F0F0_F0F0_F0F0
        // Adding 6 pushes ':'...'?' out of the 0x3_ range; a carry only reaches bytes
        // above a non-digit, so the lowest non-digit is found exactly.
        let shifted = ((w &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) &>> 4
        let notDigit = (high | shifted) ^ 0x3333_3333_3333_3333
        return notDigit == 0 ? 8 : notDigit.trailingZeroBitCount &>> 3
    }

    /// The value of the first `count` (1...8) digits of `w`.
    @inline(__always)
    static func value(_ w: UInt64, count: Int) -> UInt64 {
        // Shift the digits to the top; the emptied low bytes read as leading zeros.
        var v = (w & 0x0F0F_0F0F_0F0F_0F0F) &<< UInt64(truncatingIfNeeded: (8 &- count) &* 8)
        v = ((v &* 2561) &>> 8) & 0x00FF_00FF_00FF_00FF
        v = ((v &* 6_553_601) &>> 16) & 0x0000_FFFF_0000_FFFF
        return ((v &* 42_949_672_960_001) &>> 32) & 0xFFFF_FFFF
    }

    /// 10^n for n in 0...19 (a switch: no lazy global on the hot path).
    @inline(__always)
    static func powerOfTen(_ n: Int) -> UInt64 {
        switch n {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        case 16: 10_000_000_000_000_000
        case 17: 100_000_000_000_000_000
        case 18: 1_000_000_000_000_000_000
        default: 10_000_000_000_000_000_000
        }
    }
}

extension JSONScanner {
    /// Scans the number at `from` (which is on '-' or a digit), enforcing JSON's grammar:
    /// no leading zeros, digits after '-', '.' and the exponent marker.
    @inline(__always)
    func scanNumber(_ from: UnsafePointer<UInt8>) throws(SyntaxError) -> NumberToken {
        var p = from
        var token = NumberToken(start: from, end: from)
        if p.pointee == 0x2D {
            token.negative = true
            p += 1
            guard p < end, p.pointee &- 0x30 < 10 else {
                if matches("Infinity", at: p) { throw SyntaxError(at: from, .negativeInfinity) }
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
            accumulateDigits(&p, &mantissa, &significant, &exponent, &truncated, fraction: false)
        }
        if p < end && (p.pointee == 0x2E || p.pointee | 0x20 == 0x65) {
            token.isInteger = false
            if p.pointee == 0x2E {
                p += 1
                guard p < end, p.pointee &- 0x30 < 10 else { throw SyntaxError(at: p, .numberNeedsDigit) }
                accumulateDigits(&p, &mantissa, &significant, &exponent, &truncated, fraction: true)
            }
            if p < end && p.pointee | 0x20 == 0x65 { try scanExponent(&p, &exponent) }
        }
        token.end = p
        token.mantissa = mantissa
        token.exponent = exponent
        token.truncated = truncated
        return token
    }

    /// Adds the run of digits at `p` to the mantissa (at most 19 significant digits;
    /// later ones only move the exponent or, if not zero, mark the value truncated).
    @inline(__always)
    private func accumulateDigits(
        _ p: inout UnsafePointer<UInt8>, _ mantissa: inout UInt64, _ significant: inout Int, _ exponent: inout Int,
        _ truncated: inout Bool, fraction: Bool
    ) {
        while end - p >= 8 {
            let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
            let count = DigitWord.leadingDigits(word)
            if count == 0 { return }
            guard significant &+ count <= 19 else { break }
            mantissa = mantissa &* DigitWord.powerOfTen(count) &+ DigitWord.value(word, count: count)
            // Leading zeros of a fraction count as significant here: harmless, since the
            // limit only guards the mantissa against overflow.
            significant &+= count
            if fraction { exponent &-= count }
            p += count
            if count < 8 { return }
        }
        while p < end {
            let d = p.pointee &- 0x30
            guard d < 10 else { return }
            if significant < 19 {
                if mantissa != 0 || d != 0 || !fraction {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant &+= 1
                }
                if fraction { exponent &-= 1 }
            } else {
                if !fraction { exponent &+= 1 }
                truncated = truncated || d != 0
            }
            p += 1
        }
    }

    private func scanExponent(_ p: inout UnsafePointer<UInt8>, _ exponent: inout Int) throws(SyntaxError) {
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
}
