import SluiceCore

/// The raw limit for W1: a tight single-threaded loop doing the same work as the engine
/// (10 s tumbling windows per (agent, metric), count/sum/min/max/avg, each window emitted
/// once the watermark ts − 2 s passes its end) with open addressing over flat arrays.
/// Three tables (disorder < 2 s and 10 s windows keep at most two open) are allocated
/// once as raw memory and reused; nothing is generic, dynamic or reference counted.
public enum RawW1 {
    /// One group: key and aggregates side by side, so an update touches one cache line.
    struct Group {
        var key: UInt64 = .max
        var count: Int64 = 0
        var sum: Double = 0
        var min: Double = .infinity
        var max: Double = -.infinity
    }

    struct Tables {
        let size: Int
        let mask: Int
        let groups: UnsafeMutablePointer<Group>
        let used: UnsafeMutablePointer<Int32>
        var usedCount = [0, 0, 0]
        var window: [Int64] = [.min, .min, .min]

        init(capacity: Int) {
            var size = 1024
            while size < capacity * 2 { size <<= 1 }
            self.size = size
            mask = size - 1
            groups = .allocate(capacity: 3 * size)
            groups.initialize(repeating: Group(), count: 3 * size)
            used = .allocate(capacity: 3 * size)
        }

        func free() {
            groups.deallocate()
            used.deallocate()
        }

        /// Prefetches the bucket a key would probe first, for a row ahead (the engine's
        /// prefetch instruction; a plain load would stall retirement on its miss).
        @inline(__always)
        func prefetch(table t: Int, key: UInt64) {
            let group = groups + (t * size + Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask)
            prefetchForWrite(group)
        }

        @inline(__always)
        mutating func add(table t: Int, key: UInt64, value v: Double) {
            let base = t * size
            var i = Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 40) & mask
            while true {
                let k = groups[base + i].key
                if k == key { break }
                if k == .max {
                    groups[base + i].key = key
                    used[base + usedCount[t]] = Int32(i)
                    usedCount[t] += 1
                    break
                }
                i = (i + 1) & mask
            }
            let g = groups + base + i
            g.pointee.count += 1
            g.pointee.sum += v
            if v < g.pointee.min { g.pointee.min = v }
            if v > g.pointee.max { g.pointee.max = v }
        }

        /// Emits every group of table `t` into the totals and empties it for reuse.
        mutating func drain(_ t: Int, into totals: inout Checksums) {
            let base = t * size
            for u in 0..<usedCount[t] {
                let g = groups + base + Int(used[base + u])
                totals.rows += 1
                totals.count += g.pointee.count
                totals.sum += g.pointee.sum
                totals.min += g.pointee.min
                totals.max += g.pointee.max
                totals.avg += g.pointee.sum / Double(g.pointee.count)
                g.pointee = Group()
            }
            usedCount[t] = 0
            window[t] = .min
        }
    }

    /// The aggregation, fed in chunks of columns (the whole pre-generated stream at once, or
    /// the rows a raw file loop parsed from one buffer): the same window assignment,
    /// watermark rule (max ts − 2 s) and emission as the engine's.
    public struct Aggregation: ~Copyable {
        var tables: Tables
        var totals = Checksums()
        var maxTs = Int64.min
        var current = 0
        let lookahead: Int

        /// `agents` sizes the tables (K × 8 groups per window); `lookahead` rows ahead the
        /// loop prefetches the bucket it will need (0: no prefetching).
        public init(agents: Int, lookahead: Int = 8) {
            tables = Tables(capacity: agents * 8)
            self.lookahead = lookahead
        }

        deinit { tables.free() }

        /// Adds `agent.count` events; `metric` holds indices into `W1Data.metrics`.
        @inline(__always)
        public mutating func add(
            agent: UnsafeBufferPointer<Int64>, metric: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<Double>,
            ts: UnsafeBufferPointer<Int64>
        ) {
            let size: Int64 = 10_000
            let lookahead = lookahead
            var current = current
            var maxTs = maxTs
            for e in 0..<agent.count {
                let t = ts[e]
                let w = t >= 0 ? t / size : (t - size + 1) / size
                if tables.window[current] != w {
                    current = tables.window.firstIndex(of: w) ?? tables.window.firstIndex(of: .min)!
                    tables.window[current] = w
                }
                if lookahead > 0 && e + lookahead < agent.count {
                    let ahead = e + lookahead
                    tables.prefetch(table: current, key: UInt64(agent[ahead]) << 3 | UInt64(metric[ahead]))
                }
                tables.add(table: current, key: UInt64(agent[e]) << 3 | UInt64(metric[e]), value: value[e])
                if t > maxTs {
                    maxTs = t
                    let watermark = maxTs - 2000
                    for x in 0..<3 where tables.window[x] != .min && (tables.window[x] + 1) * size <= watermark {
                        tables.drain(x, into: &totals)
                    }
                }
            }
            self.current = current
            self.maxTs = maxTs
        }

        /// End of input: emits the open windows, oldest first, and returns the totals.
        public mutating func finish() -> Checksums {
            for x in (0..<3).sorted(by: { tables.window[$0] < tables.window[$1] }) where tables.window[x] != .min {
                tables.drain(x, into: &totals)
            }
            return totals
        }
    }

    /// Runs W1 over the pre-generated stream and returns what it emitted. `lookahead` rows
    /// ahead the loop prefetches the bucket it will need (0: no prefetching).
    public static func run(_ data: W1Data, lookahead: Int = 8) -> Checksums {
        var aggregation = Aggregation(agents: data.agents, lookahead: lookahead)
        data.agent.withUnsafeBufferPointer { agent in
            data.metric.withUnsafeBufferPointer { metric in
                data.value.withUnsafeBufferPointer { value in
                    data.ts.withUnsafeBufferPointer { ts in
                        aggregation.add(agent: agent, metric: metric, value: value, ts: ts)
                    }
                }
            }
        }
        return aggregation.finish()
    }
}
