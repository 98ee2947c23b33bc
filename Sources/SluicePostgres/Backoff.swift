/// Capped exponential backoff with jitter, as a value: `delayMillis(afterFailures:)` gives
/// how long to wait before the next attempt.
///
/// The delay after `n` consecutive failures is `initial × multiplier^(n−1)`, capped at
/// `maximum`, then shortened by a random fraction of up to `jitter` (so a fleet of workers
/// that lost the database together does not reconnect in lock step). The random numbers
/// come from a generator seeded at `init`, so the same seed gives the same delays in a test.
public struct Backoff: Sendable, Equatable {
    public var initialMillis: Int64
    public var maximumMillis: Int64
    public var multiplier: Double
    /// The largest fraction of a delay jitter removes, in 0...1.
    public var jitter: Double
    private var randomState: UInt64

    /// - Parameters:
    ///   - initial: the delay after the first failure.
    ///   - maximum: no delay is longer.
    ///   - multiplier: each further failure multiplies the delay (at least 1).
    ///   - jitter: the largest fraction removed at random (clamped to 0...1).
    ///   - seed: seeds the jitter; give a fixed one in tests.
    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 0.2, seed: UInt64 = UInt64.random(in: .min ... .max)
    ) {
        initialMillis = max(0, Self.millis(initial))
        maximumMillis = max(initialMillis, Self.millis(maximum))
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
        randomState = seed
    }

    /// The wait before the next attempt after `failures` consecutive failures (≥ 1).
    public mutating func delayMillis(afterFailures failures: Int) -> Int64 {
        let exponent = Double(max(0, failures - 1))
        let uncapped = Double(initialMillis) * pow2(multiplier, exponent)
        let capped = min(Double(maximumMillis), uncapped)
        let fraction = Double(nextRandom() >> 11) / Double(1 << 53)  // uniform in [0, 1)
        return Int64((capped * (1 - jitter * fraction)).rounded(.down))
    }

    /// SplitMix64: small, fast and good enough to spread retries.
    private mutating func nextRandom() -> UInt64 {
        randomState &+= 0x9E37_79B9_7F4A_7C15
        var z = randomState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `base^exponent` for a whole exponent, stopping once it is past any cap.
    private func pow2(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 && result < 1e18 {
            result *= base
            remaining -= 1
        }
        return result
    }

    static func millis(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (seconds < 0 ? .min : .max) : product &+ attoseconds / 1_000_000_000_000_000
    }
}
