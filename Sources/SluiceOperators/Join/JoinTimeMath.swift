/// Event-time arithmetic for joins and de-duplication that never traps: timestamps near the
/// ends of the range (`EventTime.endOfTime`, bogus input) saturate instead of overflowing.
enum JoinTimeMath {
    /// `a + b`, clamped to the Int64 range.
    @inline(__always)
    static func adding(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? .max : .min }
        return sum
    }

    /// `a - b`, clamped to the Int64 range.
    @inline(__always)
    static func subtracting(_ a: Int64, _ b: Int64) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return b > 0 ? .min : .max }
        return difference
    }

    /// Floor division for a positive divisor (rounds towards −∞, so windows before the
    /// epoch are aligned like the ones after it).
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && a < 0) ? quotient - 1 : quotient
    }
}
