/// An exact sum over the whole double range: a two's-complement integer of `wordCount`
/// 64-bit words whose least significant bit is 2^-1074 (the smallest subnormal).
///
/// The slow path of `ExactSum`, for a group whose values span more than its 128-bit window
/// (1e-300 beside 1e300). 2^64 doubles of at most 2^1024 each sum to under 2^1088, so the
/// integer needs 1074 + 1088 + 1 bits: `wordCount` words never overflow.
struct WideSum: Sendable, Equatable {
    static let wordCount = 35
    /// The exponent of word 0's bit 0.
    static let scale = -1074

    private(set) var words: [UInt64]

    init() { words = Array(repeating: 0, count: Self.wordCount) }

    /// The finite part of `compact`.
    init(_ compact: ExactSum) {
        self.init()
        add(compact.value, scale: compact.scale)
    }

    /// Words read back from a snapshot; nil for another count.
    init?(words: [UInt64]) {
        guard words.count == Self.wordCount else { return nil }
        self.words = words
    }

    /// Adds `x`'s finite value (zeros and special values add nothing; their flags live
    /// in the slot's `ExactSum`).
    mutating func add(_ x: Double) {
        var ignoredFlags: UInt32 = 0
        guard let (term, exponent) = ExactSum.decompose(x, flags: &ignoredFlags) else { return }
        add(term, scale: exponent)
    }

    mutating func add(_ other: WideSum) {
        var carry: UInt64 = 0
        for i in 0..<Self.wordCount {
            let (partial, overflow1) = words[i].addingReportingOverflow(other.words[i])
            let (total, overflow2) = partial.addingReportingOverflow(carry)
            words[i] = total
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
    }

    /// Adds `term` × 2^`exponent` (`exponent` ≥ -1074, as every double's and every
    /// `ExactSum`'s is).
    mutating func add(_ term: Int128, scale exponent: Int32) {
        guard term != 0 else { return }
        let position = Int(exponent) - Self.scale
        precondition(position >= 0, "below the smallest subnormal")
        let wordIndex = position / 64
        let bit = UInt64(position % 64)
        let t0 = UInt64(truncatingIfNeeded: term)
        let t1 = UInt64(truncatingIfNeeded: term >> 64)
        let sign: UInt64 = term < 0 ? ~0 : 0
        // The term shifted by `bit` spans three words; every word above gets its sign.
        let shifted: [UInt64] =
            bit == 0
            ? [t0, t1, sign]
            : [t0 << bit, t1 << bit | t0 >> (64 - bit), sign << bit | t1 >> (64 - bit)]
        var carry: UInt64 = 0
        for i in wordIndex..<Self.wordCount {
            let k = i - wordIndex
            let addend = k < 3 ? shifted[k] : sign
            if k >= 3 && addend == 0 && carry == 0 { break }
            let (partial, overflow1) = words[i].addingReportingOverflow(addend)
            let (total, overflow2) = partial.addingReportingOverflow(carry)
            words[i] = total
            carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
    }

    /// The sum rounded to the nearest double, ties to even.
    func rounded() -> Double {
        let negative = words[Self.wordCount - 1] >> 63 != 0
        var magnitude = words
        if negative {
            // Two's complement: invert and add one.
            var carry: UInt64 = 1
            for i in 0..<Self.wordCount {
                let (total, overflow) = (~magnitude[i]).addingReportingOverflow(carry)
                magnitude[i] = total
                carry = overflow ? 1 : 0
            }
        }
        return ExactRounding.rounded(words: magnitude, negative: negative, scale: Self.scale)
    }
}
