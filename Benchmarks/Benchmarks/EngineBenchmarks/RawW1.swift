/// The raw limit for W1: a tight single-threaded loop doing the same work as the engine
/// (10 s tumbling windows per (agent, metric), count/sum/min/max/avg, each window emitted
/// once the watermark ts − 2 s passes its end) with open addressing over flat arrays.
struct RawW1 {
    struct Table {
        var keys: [UInt64]
        var count: [Int64]
        var sum: [Double]
        var min: [Double]
        var max: [Double]
        var used = 0
        var mask: Int

        init(capacity: Int) {
            var size = 1024
            while size < capacity * 2 { size <<= 1 }
            keys = [UInt64](repeating: .max, count: size)
            count = [Int64](repeating: 0, count: size)
            sum = [Double](repeating: 0, count: size)
            min = [Double](repeating: .infinity, count: size)
            max = [Double](repeating: -.infinity, count: size)
            mask = size - 1
        }

        @inline(__always)
        mutating func add(_ key: UInt64, _ v: Double) {
            var i = Int(truncatingIfNeeded: (key &* 0x9e37_79b9_7f4a_7c15) >> 20) & mask
            while true {
                let k = keys[i]
                if k == key { break }
                if k == .max {
                    keys[i] = key
                    used += 1
                    break
                }
                i = (i + 1) & mask
            }
            count[i] += 1
            sum[i] += v
            if v < min[i] { min[i] = v }
            if v > max[i] { max[i] = v }
        }
    }

    /// Returns (rows emitted, sum of counts, checksum of avgs).
    static func run(_ data: W1Data) -> (rows: Int, count: Int64, checksum: Double) {
        let size: Int64 = 10_000
        var open: [(window: Int64, table: Table)] = []
        var rows = 0
        var total: Int64 = 0
        var checksum = 0.0
        var maxTs = Int64.min
        let capacity = data.agents * 8
        func emit(_ t: Table) {
            for i in 0..<t.keys.count where t.keys[i] != .max {
                rows += 1
                total += t.count[i]
                checksum += t.sum[i] / Double(t.count[i])
            }
        }
        data.agent.withUnsafeBufferPointer { agent in
            data.metric.withUnsafeBufferPointer { metric in
                data.value.withUnsafeBufferPointer { value in
                    data.ts.withUnsafeBufferPointer { ts in
                        var current = 0
                        for e in 0..<agent.count {
                            let t = ts[e]
                            let w = t >= 0 ? t / size : (t - size + 1) / size
                            if open.isEmpty || open[current].window != w {
                                if let found = open.firstIndex(where: { $0.window == w }) {
                                    current = found
                                } else {
                                    open.append((w, Table(capacity: capacity)))
                                    current = open.count - 1
                                }
                            }
                            open[current].table.add(UInt64(agent[e]) << 3 | UInt64(metric[e]), value[e])
                            if t > maxTs {
                                maxTs = t
                                let watermark = maxTs - 2000
                                if open.contains(where: { ($0.window + 1) * size <= watermark }) {
                                    for entry in open where (entry.window + 1) * size <= watermark { emit(entry.table) }
                                    open.removeAll { ($0.window + 1) * size <= watermark }
                                    current = 0
                                }
                            }
                        }
                    }
                }
            }
        }
        for entry in open.sorted(by: { $0.window < $1.window }) { emit(entry.table) }
        return (rows, total, checksum)
    }
}
