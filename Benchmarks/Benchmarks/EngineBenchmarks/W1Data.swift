import SluiceCore

/// The W1 event stream of workloads.md, pre-generated once per process into flat arrays
/// (for the raw loop) and columnar batches (for the engine) holding the same events.
struct W1Data: Sendable {
    static let metrics = [
        "latency_ms", "tokens", "memory_mb", "cpu_pct", "queue_depth", "errors", "score", "throughput",
    ]
    static let t0: Int64 = 1_764_000_000_000

    let agents: Int
    let events: Int
    var agent: [Int64] = []
    var metric: [UInt8] = []
    var value: [Double] = []
    var ts: [Int64] = []

    init(agents k: Int, events n: Int) {
        agents = k
        events = n
        agent.reserveCapacity(n)
        metric.reserveCapacity(n)
        value.reserveCapacity(n)
        ts.reserveCapacity(n)
        let m: UInt64 = 1 << 32
        for e in 0..<UInt64(n) {
            let h1 = (e &* 2_654_435_761) % m
            let h2 = (e &* 2_246_822_519) % m
            let h3 = (e &* 3_266_489_917) % m
            let h4 = (e &* 668_265_263) % m
            agent.append(Int64((h1 &* UInt64(k)) / m))
            metric.append(UInt8((h2 &* 8) / m))
            value.append(Double((h3 &* 100_000) / m) / 100.0)
            ts.append(Self.t0 + Int64(e / 100) - Int64((h4 &* 2000) / m))
        }
    }

    static let schema = Schema([
        Field("agent_id", .int64, nullable: false), Field("metric", .string, nullable: false),
        Field("value", .double, nullable: false), Field("ts", .timestamp, nullable: false),
    ])

    /// Input partition s of P carries e = s, s+P, s+2P, ... (workloads.md), cut into batches.
    func splits(_ p: Int, batchRows: Int = 4096) -> [[Batch]] {
        (0..<p).map { s in
            var batches: [Batch] = []
            var rows: [Int32] = []
            var e = s
            while e < events {
                rows.append(Int32(e))
                if rows.count == batchRows {
                    batches.append(batch(rows))
                    rows.removeAll(keepingCapacity: true)
                }
                e += p
            }
            if !rows.isEmpty { batches.append(batch(rows)) }
            return batches
        }
    }

    private func batch(_ rows: [Int32]) -> Batch {
        Batch(
            schema: Self.schema,
            columns: [
                Column(ints: rows.map { agent[Int($0)] }),
                Column(codes: rows.map { UInt32(metric[Int($0)]) }, dictionary: Self.metrics),
                Column(doubles: rows.map { value[Int($0)] }),
                Column(ints: rows.map { ts[Int($0)] }, type: .timestamp),
            ], count: rows.count)
    }
}
