import Histogram
import SluiceCore
import Synchronization

/// Times, per event, how long after its publication the first row that includes it reaches
/// the sink (`write`: the sink sees the row) and is committed with its epoch (the view
/// shows it). Rows carry the cumulative count `n` per key (fold) or per key and window
/// (window partials and finals), so the events a row newly covers are known exactly.
final class LatencySink: Sink {
    let name = "latency"
    private let log: PublishLog
    private let warmupMillis: Int64
    private struct State {
        var covered: [Int64: Int] = [:]  // key → events covered so far
        var seen = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var committed = Histogram<UInt64>(highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: .three)
        var pending: [Int64] = []  // publish times of events seen, not yet committed
        var events = 0
    }
    private let state = Mutex(State())

    /// Events published before `warmupMillis` (wall clock ms) are counted but not timed.
    init(log: PublishLog, warmupMillis: Int64) {
        self.log = log
        self.warmupMillis = warmupMillis
    }

    func open(schema: Schema, mode: SinkMode) throws {}

    func write(_ batch: Batch) throws {
        let now = wallMicros()
        guard let agents = batch.column(named: "agent_id"), let counts = batch.column(named: "n") else { return }
        let windows = batch.column(named: "window_start")
        var fresh: [Int64] = []
        for row in 0..<batch.count {
            guard let id = agents.string(at: row), let agent = Int(id.dropFirst(6)) else { continue }
            let since = windows?.ints[row] ?? 0
            let key = Int64(agent) &* 1_000_003 &+ since
            let n = Int(counts.ints[row])
            let before = state.withLock { state -> Int in
                let old = state.covered[key] ?? 0
                if n > old { state.covered[key] = n }
                return old
            }
            if n > before { fresh += log.times(agent: agent, sinceMillis: since, from: before, to: n) }
        }
        state.withLock { state in
            state.events += fresh.count
            for published in fresh where published / 1000 >= warmupMillis {
                _ = state.seen.record(UInt64(max(0, now - published)))
                state.pending.append(published)
            }
        }
    }

    func commit(epoch: Epoch) throws {
        let now = wallMicros()
        state.withLock { state in
            for published in state.pending { _ = state.committed.record(UInt64(max(0, now - published))) }
            state.pending.removeAll(keepingCapacity: true)
        }
    }

    func close() throws {}

    /// Events the sink has seen in some row.
    var events: Int { state.withLock { $0.events } }

    /// p50, p99 and max in ms of the seen and committed latencies, and how many were timed.
    func report() -> (seen: [Double], committed: [Double], timed: UInt64) {
        state.withLock { state in
            func ms(_ h: Histogram<UInt64>) -> [Double] {
                [0.5, 0.99].map { Double(h.valueAtPercentile($0 * 100)) / 1000 } + [Double(h.max) / 1000]
            }
            return (ms(state.seen), ms(state.committed), state.seen.totalCount)
        }
    }
}
