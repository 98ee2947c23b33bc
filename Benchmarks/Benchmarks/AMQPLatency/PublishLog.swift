import Glibc
import Synchronization

/// Wall-clock microseconds (CLOCK_REALTIME): the publisher and the sink read the same
/// clock, so their difference is the latency.
func wallMicros() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

/// When each event was published, per agent in publish order. An event's `ts` is its
/// publish time in ms, so a fold row (agent, n) covers the agent's first n events and a
/// window row (agent, window_start, n) the first n of the agent's events from window_start.
final class PublishLog: Sendable {
    private let times: Mutex<[[Int64]]>

    init(agents: Int) { times = Mutex(Array(repeating: [], count: agents)) }

    func record(agent: Int, micros: Int64) { times.withLock { $0[agent].append(micros) } }

    /// The publish times (µs) of the agent's events `from..<to` of those published at or
    /// after `sinceMillis` (0: from the first).
    func times(agent: Int, sinceMillis: Int64, from: Int, to: Int) -> [Int64] {
        times.withLock { all in
            let list = all[agent]
            // Binary search: the first event published at or after sinceMillis.
            var low = 0
            var high = list.count
            while low < high {
                let mid = (low + high) / 2
                if list[mid] / 1000 < sinceMillis { low = mid + 1 } else { high = mid }
            }
            let start = min(list.count, low + from)
            let end = min(list.count, low + to)
            return Array(list[start..<end])
        }
    }

    var count: Int { times.withLock { $0.reduce(0) { $0 + $1.count } } }
}
