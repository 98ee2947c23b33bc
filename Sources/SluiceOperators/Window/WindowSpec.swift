/// How a keyed aggregate groups event time into windows.
///
/// All windows are aligned to the Unix epoch and half-open, `[start, end)`.
/// - `tumbling(size)`: one window per event, `start = ⌊ts / size⌋ · size` (floor, also for
///   negative times).
/// - `sliding(size, slide)`: windows start every `slide` and last `size`; each event is in
///   `size / slide` windows. `size` must be a multiple of `slide`.
/// - `session(gap)`: per key, events less than `gap` apart share a session
///   `[first ts, last ts + gap)`; an event that comes within `gap` of two sessions merges
///   them into one.
public enum WindowSpec: Sendable, Equatable {
    case tumbling(sizeMillis: Int64)
    case sliding(sizeMillis: Int64, slideMillis: Int64)
    case session(gapMillis: Int64)

    /// Why `spec` is invalid (for pipeline load time), or nil when it is valid.
    public static func validate(_ spec: WindowSpec) -> String? {
        switch spec {
        case .tumbling(let size):
            return size > 0 ? nil : "tumbling window size must be positive, got \(size) ms"
        case .sliding(let size, let slide):
            if size <= 0 { return "sliding window size must be positive, got \(size) ms" }
            if slide <= 0 { return "sliding window slide must be positive, got \(slide) ms" }
            if slide > size { return "sliding window slide (\(slide) ms) must not exceed its size (\(size) ms)" }
            if size % slide != 0 {
                return "sliding window size (\(size) ms) must be a multiple of its slide (\(slide) ms)"
            }
            if size / slide > 1_000 {
                return "sliding window size / slide is \(size / slide); at most 1000 windows per event are supported"
            }
            return nil
        case .session(let gap):
            return gap > 0 ? nil : "session gap must be positive, got \(gap) ms"
        }
    }

    /// The window length and the distance between window starts of a tumbling or sliding
    /// window (nil for sessions, whose bounds depend on the data).
    var sizeAndSlide: (size: Int64, slide: Int64)? {
        switch self {
        case .tumbling(let size): (size, size)
        case .sliding(let size, let slide): (size, slide)
        case .session: nil
        }
    }
}

/// Event-time arithmetic that cannot trap on extreme timestamps.
enum WindowMath {
    /// ⌊t / d⌋ · d, or nil when it is not representable (t within d of Int64.min).
    @inline(__always)
    static func alignDown(_ t: Int64, to d: Int64) -> Int64? {
        var q = t / d
        if t % d < 0 { q -= 1 }
        let (start, overflow) = q.multipliedReportingOverflow(by: d)
        return overflow ? nil : start
    }

    /// a + b, clamped to Int64.max / Int64.min instead of overflowing.
    @inline(__always)
    static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
