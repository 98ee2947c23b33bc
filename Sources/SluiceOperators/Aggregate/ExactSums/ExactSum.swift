/// The exact sum of doubles, rounded once when read: the same bits whatever order the
/// values were added or merged in.
///
/// Why: a float sum's last bits follow the order of its additions, and rows reach an
/// aggregation from several partitions in an order that varies from run to run (and
/// between a run and its restore). `avg(score)` of W2's pattern-effectiveness differed in
/// ~65 of 43,000 rows between two runs of the same binary on the same file.
///
/// Σx is kept exactly as a 128-bit integer times 2^`scale` while every value's bits and
/// the sum fit that window: the lowest set bit of any value and the sum's highest bit
/// within 126 bits of each other (e.g. values from 1e-6 with full 53-bit mantissas up to
/// sums of 1e15); past that, the accumulator keeps the slot in a
/// `WideSum`, which spans the whole double range (`isWide`, and `add` / `merge` return
/// false). Reading rounds to nearest, ties to even (`ExactRounding`), as Python's
/// `math.fsum` does, so the result is also the most accurate double for the sum.
/// NaN and the infinities are flags: NaN if any value was NaN or both infinities
/// occurred, else the infinity that occurred, else the rounded finite sum (±infinity
/// when that exceeds the double range). A sum of zeros is +0.
///
/// 24 bytes, no references: an array of these is plain memory.
struct ExactSum: Sendable, Equatable {
    /// The 128-bit two's-complement sum, low and high words.
    private(set) var low: UInt64 = 0
    private(set) var high: Int64 = 0
    /// The exponent of the sum's least significant bit.
    private(set) var scale: Int32 = 0
    private(set) var flags: UInt32 = 0

    static let nanFlag: UInt32 = 1
    static let positiveInfinityFlag: UInt32 = 2
    static let negativeInfinityFlag: UInt32 = 4
    /// The finite part lives in the accumulator's `WideSum` for this slot.
    static let wideFlag: UInt32 = 8
    static let knownFlags: UInt32 = 15
    /// Bits an empty sum leaves below its first term, so later terms with lower bits (a
    /// group's values usually differ by a few powers of ten) need no realignment; unused,
    /// they are given back when a much larger term needs the room at the top.
    static let roomBelow: Int32 = 24

    init() {}

    /// A state read back from a snapshot; nil when its fields are out of range.
    init?(low: UInt64, high: Int64, scale: Int32, flags: UInt32) {
        guard flags & ~Self.knownFlags == 0, scale >= -1074, scale <= 1024 else { return nil }
        self.low = low
        self.high = high
        self.scale = scale
        self.flags = flags
    }

    var value: Int128 {
        get { Int128(high) << 64 | Int128(low) }
        set {
            low = UInt64(truncatingIfNeeded: newValue)
            high = Int64(truncatingIfNeeded: newValue >> 64)
        }
    }

    var isWide: Bool { flags & Self.wideFlag != 0 }

    /// Marks the finite part as kept in a `WideSum` (which took `value` and `scale`).
    mutating func becomeWide() {
        flags |= Self.wideFlag
        value = 0
        scale = 0
    }

    /// Adds `x`; false (nothing changed) when its bits do not fit the window or the sum
    /// is already wide: the caller adds it to the slot's `WideSum`.
    @inline(__always)
    mutating func add(_ x: Double) -> Bool {
        // Special values only set flags, wide or not.
        guard let (term, exponent) = Self.decompose(x, flags: &flags) else { return true }
        guard flags & Self.wideFlag == 0 else { return false }
        return add(term, scale: exponent)
    }

    /// Adds everything `other` holds but a wide part; false (nothing changed) when that
    /// does not fit the window or either is wide.
    mutating func merge(_ other: ExactSum) -> Bool {
        guard (flags | other.flags) & Self.wideFlag == 0 else { return false }
        guard add(other.value, scale: other.scale) else { return false }
        flags |= other.flags
        return true
    }

    /// Folds the special values' flags of `other` in (its finite part is merged apart).
    mutating func mergeFlags(_ other: ExactSum) {
        flags |= other.flags & (Self.nanFlag | Self.positiveInfinityFlag | Self.negativeInfinityFlag)
    }

    /// Adds `term` × 2^`exponent` when the sum stays within 128 bits; else false.
    @inline(__always)
    mutating func add(_ term: Int128, scale exponent: Int32) -> Bool {
        // The usual case once a group has a few values: a term (under 2^53) at or above
        // the sum's lowest bit, shifted by at most 73 bits, fits without a check.
        let sum = value
        let shift = exponent &- scale
        if sum != 0 && shift >= 0 && shift <= 73 && term.magnitude >> 53 == 0 {
            let (total, overflow) = sum.addingReportingOverflow(term << shift)
            guard !overflow else { return false }
            value = total
            return true
        }
        return addAligning(term, scale: exponent)
    }

    /// `add` for every other case: an empty sum, a term below the sum's lowest bit, or
    /// one far above it.
    private mutating func addAligning(_ term: Int128, scale exponent: Int32) -> Bool {
        if term == 0 { return true }
        let sum = value
        if sum == 0 {
            // Room below the first term for later ones with lower bits (a group's values
            // usually differ by a few powers of ten), so they need no realignment.
            let room = term.magnitude >> 53 == 0 && exponent >= -1074 + Self.roomBelow ? Self.roomBelow : 0
            value = term << room
            scale = exponent - Int32(room)
            return true
        }
        // Align on the smaller exponent: shift the other operand left, if it fits.
        let aligned: Int128
        var base = scale
        var kept = sum
        if exponent >= scale {
            var shifted = Self.shiftedLeft(term, by: Int(exponent - scale))
            if shifted == nil {
                // Zeros at the bottom of the sum (the room left below a first term that no
                // lower one used) can go: raise the scale by them and try again, so that
                // room costs the window nothing at the top.
                let raise = Int32(min(sum.trailingZeroBitCount, Int(exponent - scale)))
                kept = sum >> raise
                base = scale + raise
                shifted = Self.shiftedLeft(term, by: Int(exponent - base))
            }
            guard let shifted else { return false }
            aligned = shifted
        } else {
            guard let shifted = Self.shiftedLeft(sum, by: Int(scale - exponent)) else { return false }
            kept = shifted
            aligned = term
            base = exponent
        }
        let (total, overflow) = kept.addingReportingOverflow(aligned)
        guard !overflow else { return false }
        value = total
        scale = base
        return true
    }

    /// The sum rounded to the nearest double (see the type's documentation); `wide` is the
    /// slot's `WideSum` when `isWide`. Inlined: it is read once per emitted row, and its
    /// usual case is `roundedByHardware`.
    @inline(__always)
    func rounded(wide: WideSum?) -> Double {
        if flags == 0, let result = roundedByHardware { return result }
        if flags & Self.nanFlag != 0 { return .nan }
        let infinities = flags & (Self.positiveInfinityFlag | Self.negativeInfinityFlag)
        if infinities == Self.positiveInfinityFlag | Self.negativeInfinityFlag { return .nan }
        if infinities == Self.positiveInfinityFlag { return .infinity }
        if infinities == Self.negativeInfinityFlag { return -.infinity }
        if isWide, let wide { return wide.rounded() }
        let sum = value
        return ExactRounding.rounded(sum.magnitude, negative: sum < 0, scale: Int(scale))
    }

    /// The usual case, read once per emitted row: the sum's top 63 bits, with any set bit
    /// below them folded into the lowest one (which lies below the rounding position, so it
    /// only breaks ties, as those bits would), convert with one correctly rounded
    /// instruction; scaling by a power of two is exact when the result is a normal double.
    /// nil otherwise (`ExactRounding` then does it bit by bit).
    @inline(__always)
    var roundedByHardware: Double? {
        let sum = value
        var magnitude = sum.magnitude
        var exponent = Int(scale)
        let length = 128 - magnitude.leadingZeroBitCount
        if length > 63 {
            let dropped = length - 63
            let sticky = magnitude & ((UInt128(1) << dropped) - 1) != 0
            magnitude >>= dropped
            if sticky { magnitude |= 1 }
            exponent += dropped
        }
        guard exponent >= -1022, exponent <= 1023 else { return nil }
        let result = Double(Int64(truncatingIfNeeded: magnitude)) * Double(bitPattern: UInt64(exponent + 1023) << 52)
        guard result.isNormal || magnitude == 0 else { return nil }
        return sum < 0 ? -result : result
    }

    /// `x` as ±m × 2^e with m odd (< 2^53), or nil for zeros and special values (whose
    /// flags it sets).
    @inline(__always)
    static func decompose(_ x: Double, flags: inout UInt32) -> (Int128, Int32)? {
        let bits = x.bitPattern
        let biased = Int32(truncatingIfNeeded: (bits >> 52) & 0x7FF)
        var magnitude = bits & 0x000F_FFFF_FFFF_FFFF
        if biased == 0x7FF {
            flags |= magnitude != 0 ? nanFlag : (bits >> 63 != 0 ? negativeInfinityFlag : positiveInfinityFlag)
            return nil
        }
        var exponent: Int32
        if biased == 0 {
            guard magnitude != 0 else { return nil }
            exponent = -1074
        } else {
            magnitude |= 1 << 52
            exponent = biased - 1075
        }
        // Odd mantissas leave the most room in the window.
        let zeros = magnitude.trailingZeroBitCount
        magnitude >>= UInt64(zeros)
        exponent += Int32(zeros)
        let term = Int128(magnitude)
        return (bits >> 63 != 0 ? -term : term, exponent)
    }

    /// `v` × 2^`shift` when it stays within Int128, else nil.
    @inline(__always)
    private static func shiftedLeft(_ v: Int128, by shift: Int) -> Int128? {
        if shift == 0 { return v }
        guard shift < 127, v.magnitude >> UInt128(127 - shift) == 0 else { return nil }
        return v << shift
    }
}
