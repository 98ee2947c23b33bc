#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds a generator split to a wall-clock rate: how many events are due by now.
///
/// The schedule starts when the split is opened, from the offset it resumed at, so a
/// reopened split does not burst to catch up with time it spent closed.
struct GeneratorPacer {
    private let eventsPerSecond: Double
    private let startOffset: Int64
    private var start: ContinuousClock.Instant?

    /// The longest a reader sleeps inside one `next` call before reporting `.idle`.
    static let maxWait: Duration = .milliseconds(5)

    init(eventsPerSecond: Double, startOffset: Int64) {
        self.eventsPerSecond = eventsPerSecond
        self.startOffset = startOffset
    }

    /// Events that may be emitted now, given `emitted` so far; sleeps up to `maxWait` for
    /// the next one to fall due, and returns 0 when it still is not.
    mutating func allowance(emitted: Int64) -> Int64 {
        let clock = ContinuousClock()
        let start = self.start ?? clock.now
        self.start = start
        var available = due(at: clock.now - start) - emitted
        if available > 0 { return available }
        let nextDue = Duration.seconds(Double(emitted - startOffset + 1) / eventsPerSecond)
        let wait = min(nextDue - (clock.now - start), Self.maxWait)
        if wait > .zero {
            let (seconds, attoseconds) = wait.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
        available = due(at: clock.now - start) - emitted
        return max(available, 0)
    }

    private func due(at elapsed: Duration) -> Int64 {
        let (seconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(seconds) + Double(attoseconds) * 1e-18
        return startOffset + Int64((elapsedSeconds * eventsPerSecond).rounded(.down))
    }
}
