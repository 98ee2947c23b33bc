public import SluiceCore

/// How `DAAGeneratorSource` shapes its stream of synthetic DAA events.
///
/// The same options always produce the same events, whatever batch sizes the reader asks
/// for and however often a split is reopened.
public struct DAAGeneratorOptions: Sendable, Equatable {
    /// When a generated stream ends.
    public enum Limit: Sendable, Equatable {
        /// This many events in total, shared out over the splits (split `s` gets
        /// `n / splits`, plus one when `s < n % splits`).
        case count(Int)
        /// Events whose nominal event time lies within this span after `startMillis`.
        /// With `eventsPerSecond` set, that is also about this much wall-clock time.
        case duration(Duration)
        /// Never ends.
        case unbounded
    }

    /// Seeds every random choice; also part of every event id (`g<seed>-<split>-<n>`).
    public var seed: UInt64
    /// How many agents (`agent-000000` ...) emit events.
    public var agents: Int
    /// Total events per second across all splits, paced by the wall clock; nil means as
    /// fast as possible (event time then advances at a virtual 10,000 events/s).
    public var eventsPerSecond: Double?
    public var limit: Limit
    /// Event time of the first event, epoch milliseconds.
    public var startMillis: Int64
    /// Events of different agents arrive out of order by up to this many milliseconds.
    public var disorderMillis: Int64
    /// Share of events that arrive one to five minutes late (never workflow events).
    public var lateFraction: Double
    /// Share of emitted events that re-deliver a recent event with the same id and content.
    public var duplicateFraction: Double
    /// Independent shares of the stream; split `s` carries the agents with index `% splits == s`.
    public var splits: Int
    /// The most rows one batch holds.
    public var batchRows: Int

    public init(
        seed: UInt64 = 42, agents: Int = 1000, eventsPerSecond: Double? = nil, limit: Limit = .unbounded,
        startMillis: Int64 = 1_764_000_000_000, disorderMillis: Int64 = 3000, lateFraction: Double = 0.0005,
        duplicateFraction: Double = 0.001, splits: Int = 1, batchRows: Int = 4096
    ) {
        self.seed = seed
        self.agents = agents
        self.eventsPerSecond = eventsPerSecond
        self.limit = limit
        self.startMillis = startMillis
        self.disorderMillis = disorderMillis
        self.lateFraction = lateFraction
        self.duplicateFraction = duplicateFraction
        self.splits = splits
        self.batchRows = batchRows
    }

    /// Event-time rate when the generator runs as fast as it can.
    public static let virtualEventsPerSecond = 10_000.0

    /// Rejects options no stream can honour, naming the offending option.
    public func validate() throws(SluiceError) {
        func fail(_ message: String) -> SluiceError { SluiceError(.invalidArgument, "generator: " + message) }
        guard agents >= 1 else { throw fail("agents must be at least 1, got \(agents)") }
        guard splits >= 1 else { throw fail("splits must be at least 1, got \(splits)") }
        guard splits <= agents else { throw fail("splits (\(splits)) must not exceed agents (\(agents))") }
        guard batchRows >= 1 else { throw fail("batchRows must be at least 1, got \(batchRows)") }
        if let rate = eventsPerSecond, !(rate > 0 && rate.isFinite) {
            throw fail("eventsPerSecond must be a positive number, got \(rate)")
        }
        guard disorderMillis >= 0 else { throw fail("disorderMillis must not be negative") }
        guard (0...1).contains(lateFraction) else { throw fail("lateFraction must lie in 0...1") }
        guard (0...1).contains(duplicateFraction) else { throw fail("duplicateFraction must lie in 0...1") }
        switch limit {
        case .count(let n) where n < 0: throw fail("limit count must not be negative")
        case .duration(let d) where d < .zero: throw fail("limit duration must not be negative")
        default: break
        }
    }
}
