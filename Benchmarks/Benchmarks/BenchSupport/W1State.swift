#if canImport(Glibc)
    import Glibc
#endif
import SluiceConnectors
import SluiceCore
import SluiceOperators

/// W1's keyed state for `agents` × 8 metrics, all live in one open window: the figure for
/// the "bytes per live key" bar. Agent ids are strings as the DAA platform sends them.
public enum W1State {
    public struct Measurement: Sendable {
        public var keys: Int
        /// The operator's own account of its memory (tables, aggregate arrays, interned strings).
        public var stateBytes: Int
        /// Growth of the process's resident memory while the state was built: what the
        /// operating system saw, allocator overhead included.
        public var residentBytes: Int
        /// The operator's checkpoint snapshot.
        public var snapshotBytes: Int
    }

    /// The window operator's snapshot with `agents` × 8 live keys (a checkpoint's state).
    public static func snapshot(agents: Int) -> [UInt8] {
        let (window, _) = build(agents: agents)
        var writer = SnapshotWriter()
        window.snapshot(into: &writer)
        return writer.bytes
    }

    public static func measure(agents: Int) -> Measurement {
        let (window, grown) = build(agents: agents)
        var writer = SnapshotWriter()
        window.snapshot(into: &writer)
        return Measurement(
            keys: agents * DAA.metricNames.count, stateBytes: window.stateBytes, residentBytes: grown,
            snapshotBytes: writer.bytes.count)
    }

    /// The open window with every key in it, and how much resident memory building it took.
    static func build(agents: Int) -> (KeyedAggregateOperator, residentGrowth: Int) {
        let schema = DAA.metricSampleSchema
        let value = ColumnRef("value", in: schema)
        // Event batches are built before the baseline so only the state's growth counts.
        var batches: [Batch] = []
        let keys = agents * DAA.metricNames.count
        var builder = BatchBuilder(schema: schema, capacity: 4096)
        for key in 0..<keys {
            let agent = key / DAA.metricNames.count
            let metric = DAA.metricNames[key % DAA.metricNames.count]
            builder.append(values: [
                .string("agent-\(String(agent + 1_000_000).dropFirst())"), .string(metric), .double(Double(key % 1000)),
                .timestamp(W1Data.t0 + Int64(key % 5_000)),
            ])
            if builder.count == 4096 {
                batches.append(builder.finish())
                builder = BatchBuilder(schema: schema, capacity: 4096)
            }
        }
        if builder.count > 0 { batches.append(builder.finish()) }
        let before = residentBytes()
        let window = KeyedAggregateOperator(
            inputSchema: schema, keys: ["agent_id", "metric"], timeField: "ts", window: .tumbling(sizeMillis: 10_000),
            aggregates: [
                AggregateSpec("count", .count), AggregateSpec("sum", .sum, value), AggregateSpec("min", .min, value),
                AggregateSpec("max", .max, value), AggregateSpec("avg", .avg, value),
            ])
        var out = OperatorOutput()
        for batch in batches { window.process(batch, input: 0, into: &out) }
        precondition(out.isEmpty, "the window must still be open")
        return (window, residentBytes() - before)
    }

    /// Resident set size: the second field of /proc/self/statm, in pages.
    static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
        let bytes = line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }
}
