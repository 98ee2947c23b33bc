#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Holds a generator split to a wall-clock rate: how many events are due by now.
///
/// Events go out in bursts of 10 ms of the rate (`burst`), as a broker's deliveries
/// arrive, not one by one as each falls due: every batch costs the pipeline a hand-over
/// between threads whatever its size, and at the demo's 2,000 events per second batches of
/// one event made that cost 90 µs of CPU per event.
///
/// The schedule starts when the split is opened, from the offset it resumed at, so a
/// reopened split does not burst to catch up with time it spent closed.
struct GeneratorPacer {
    private let eventsPerSecond: Double
    private let startOffset: Int64
    private var start: ContinuousClock.Instant?

    /// Events that must be due before any go out: 10 ms of the rate, at least one.
    let burst: Int64

    /// The longest a reader sleeps inside one `next` call before reporting `.idle`.
    static let maxWait: Duration = .milliseconds(5)

    init(eventsPerSecond: Double, startOffset: Int64) {
        self.eventsPerSecond = eventsPerSecond
        self.startOffset = startOffset
        burst = max(1, Int64((eventsPerSecond / 100).rounded(.down)))
    }

    /// Events that may be emitted now, given `emitted` so far: 0 until a burst is due.
    /// Sleeps up to `maxWait` for it to fall due. The last events of a bounded split go
    /// out once a burst's time has passed, however few are left.
    mutating func allowance(emitted: Int64) -> Int64 {
        let clock = ContinuousClock()
        let start = self.start ?? clock.now
        self.start = start
        var available = due(at: clock.now - start) - emitted
        if available >= burst { return available }
        let burstDue = Duration.seconds(Double(emitted - startOffset + burst) / eventsPerSecond)
        let wait = min(burstDue - (clock.now - start), Self.maxWait)
        if wait > .zero {
            let (seconds, attoseconds) = wait.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
        available = due(at: clock.now - start) - emitted
        return available >= burst ? available : 0
    }

    private func due(at elapsed: Duration) -> Int64 {
        let (seconds, attoseconds) = elapsed.components
        let elapsedSeconds = Double(seconds) + Double(attoseconds) * 1e-18
        return startOffset + Int64((elapsedSeconds * eventsPerSecond).rounded(.down))
    }
}
