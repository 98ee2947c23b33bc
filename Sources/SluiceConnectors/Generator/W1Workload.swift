/// The reference benchmark stream of `workloads.md` (W0, W1, W1-file): event `e` is a pure
/// function of `e` and the agent count K, so every engine and every split computes the
/// same events without a random generator.
///
/// ```
/// h1 = (e * 2654435761) mod 2^32     agent_id = (h1 * K) div 2^32
/// h2 = (e * 2246822519) mod 2^32     metric   = METRICS[(h2 * 8) div 2^32]
/// h3 = (e * 3266489917) mod 2^32     value    = ((h3 * 100000) div 2^32) / 100.0
/// h4 = (e *  668265263) mod 2^32     ts       = T0 + (e div 100) - ((h4 * 2000) div 2^32)
/// ```
public enum W1Workload {
    /// Event time of event 0, epoch milliseconds.
    public static let t0: Int64 = 1_764_000_000_000
    /// `METRICS`, indexed by `metricIndex`.
    public static let metrics = [
        "latency_ms", "tokens", "memory_mb", "cpu_pct", "queue_depth", "errors", "score", "throughput",
    ]

    /// One event of the stream, in the integer form the formulas give.
    public struct Event: Sendable, Hashable {
        /// 0..<K.
        public var agent: Int64
        /// Index into `W1Workload.metrics`.
        public var metricIndex: Int
        /// The value in hundredths: `value == Double(valueHundredths) / 100`.
        public var valueHundredths: Int64
        public var ts: Int64

        public init(agent: Int64, metricIndex: Int, valueHundredths: Int64, ts: Int64) {
            self.agent = agent
            self.metricIndex = metricIndex
            self.valueHundredths = valueHundredths
            self.ts = ts
        }

        public var metric: String { W1Workload.metrics[metricIndex] }
        public var value: Double { Double(valueHundredths) / 100.0 }
    }

    /// Event `e` for `agents` (K) agents. Products are taken modulo 2^64 and then 2^32,
    /// which equals the formulas' `mod 2^32` because 2^32 divides 2^64.
    @inlinable
    public static func event(_ e: UInt64, agents: UInt64) -> Event {
        let h1 = (e &* 2_654_435_761) & 0xFFFF_FFFF
        let h2 = (e &* 2_246_822_519) & 0xFFFF_FFFF
        let h3 = (e &* 3_266_489_917) & 0xFFFF_FFFF
        let h4 = (e &* 668_265_263) & 0xFFFF_FFFF
        return Event(
            agent: Int64(truncatingIfNeeded: (h1 &* agents) >> 32),
            metricIndex: Int(truncatingIfNeeded: (h2 &* 8) >> 32),
            valueHundredths: Int64(truncatingIfNeeded: (h3 &* 100_000) >> 32),
            ts: t0 + Int64(truncatingIfNeeded: e / 100) - Int64(truncatingIfNeeded: (h4 &* 2000) >> 32))
    }
}
