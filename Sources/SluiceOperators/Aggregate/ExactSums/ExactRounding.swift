/// Rounds an exact binary number to the nearest double, ties to even (IEEE 754's default),
/// with subnormal results and overflow to ±infinity handled as a single rounding would.
enum ExactRounding {
    /// ±`magnitude` × 2^`scale`. A zero gives +0.
    static func rounded(_ magnitude: UInt128, negative: Bool, scale: Int) -> Double {
        guard magnitude != 0 else { return 0 }
        let length = 128 - magnitude.leadingZeroBitCount
        let leading = scale + length - 1
        if leading > 1023 { return negative ? -.infinity : .infinity }
        // The exponent of the result's last bit: 53 significant bits, or fewer below the
        // normal range.
        var last = max(leading - 52, -1074)
        let dropped = last - scale
        var mantissa: UInt64
        if dropped <= 0 {
            mantissa = UInt64(truncatingIfNeeded: magnitude) << UInt64(-dropped)
        } else {
            mantissa = UInt64(truncatingIfNeeded: magnitude >> UInt128(dropped))
            let half = (magnitude >> UInt128(dropped - 1)) & 1 == 1
            let below = magnitude & ((UInt128(1) << UInt128(dropped - 1)) - 1)
            if half && (mantissa & 1 == 1 || below != 0) {
                mantissa += 1
                if mantissa == 1 << 53 {
                    mantissa >>= 1
                    last += 1
                }
            }
        }
        var pattern: UInt64
        if mantissa >= 1 << 52 {
            let biased = last + 1075
            if biased >= 0x7FF { return negative ? -.infinity : .infinity }
            pattern = UInt64(biased) << 52 | (mantissa & 0x000F_FFFF_FFFF_FFFF)
        } else {
            // Subnormal: `last` is -1074 and the exponent field 0.
            pattern = mantissa
        }
        if negative { pattern |= 1 << 63 }
        return Double(bitPattern: pattern)
    }

    /// ±(`words` as a little-endian unsigned integer) × 2^`scale`: its top 128 bits, with
    /// any set bit below them folded into the lowest one. That bit lies far below the
    /// rounding position (bit 128 − 54 or higher), where it can only break a tie, as
    /// the bits it stands for would.
    static func rounded(words: [UInt64], negative: Bool, scale: Int) -> Double {
        guard let top = words.lastIndex(where: { $0 != 0 }) else { return 0 }
        let length = top * 64 + (64 - words[top].leadingZeroBitCount)
        let start = max(0, length - 128)
        var window: UInt128 = 0
        for i in stride(from: top, through: 0, by: -1) {
            let lowest = i * 64
            if lowest + 64 <= start { break }
            let word = UInt128(words[i])
            window |= lowest >= start ? word << UInt128(lowest - start) : word >> UInt128(start - lowest)
        }
        let startWord = start / 64
        var sticky = start % 64 > 0 && words[startWord] & ((1 << UInt64(start % 64)) - 1) != 0
        for i in 0..<startWord where words[i] != 0 { sticky = true }
        if sticky { window |= 1 }
        return rounded(window, negative: negative, scale: scale + start)
    }
}
