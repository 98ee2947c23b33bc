#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Event time and watermark values: epoch milliseconds (UTC).
public typealias EventTime = Int64

extension EventTime {
    /// A watermark that has passed every possible event: end of a bounded input.
    public static let endOfTime: EventTime = .max
    /// The watermark before anything was seen.
    public static let beginningOfTime: EventTime = .min
}

/// The processing-time clock. Watermark idleness, flush intervals and processing-time
/// timers read it, so tests drive time by hand with `ManualTimeSource`.
public protocol TimeSource: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMillis() -> Int64
}

/// The wall clock.
public struct SystemTimeSource: TimeSource {
    public init() {}
    public func nowMillis() -> Int64 {
        SystemTimeSource.wallMillis()
    }

    static func wallMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told to.
public final class ManualTimeSource: TimeSource {
    private let now: Mutex<Int64>

    public init(startingAt millis: Int64 = 0) { now = Mutex(millis) }

    public func nowMillis() -> Int64 { now.withLock { $0 } }

    public func advance(byMillis delta: Int64) { now.withLock { $0 += delta } }

    public func set(_ millis: Int64) { now.withLock { $0 = millis } }
}
