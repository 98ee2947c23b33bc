import SluiceCore
import SluiceOperators
import SluiceRuntime
import Synchronization

/// A bounded in-memory source: split i yields `splits[i]` batch by batch, positions are
/// batch numbers so resuming skips exactly the batches already durable.
struct BatchListSource: Source {
    let name: String
    let schema: Schema
    let splits: [[Batch]]
    var splitCount: Int { splits.count }
    var isBounded: Bool { true }
    let acknowledged = AckLog()
    /// Whether readers report the share of their batches read (`SourceReader.progress`).
    var reportsProgress = false

    func openSplit(_ index: Int, resumingAfter position: SourcePosition?) throws -> any SourceReader {
        Reader(source: self, split: index, next: Int(position.map { $0.offset } ?? 0))
    }

    final class Reader: SourceReader {
        let source: BatchListSource
        let split: Int
        var next: Int
        init(source: BatchListSource, split: Int, next: Int) {
            self.source = source
            self.split = split
            self.next = next
        }
        func next(maxRows: Int) throws -> SourceChunk {
            guard next < source.splits[split].count else { return .end }
            var batch = source.splits[split][next]
            next += 1
            batch.position = SourcePosition(source: source.name, split: split, offset: Int64(next))
            return .data(batch, rejections: [])
        }
        func acknowledge(upTo position: SourcePosition) throws { source.acknowledged.append(position) }
        var progress: Double? {
            source.reportsProgress ? Double(next) / Double(max(source.splits[split].count, 1)) : nil
        }
    }
}

final class AckLog: Sendable {
    private let log = Mutex<[SourcePosition]>([])
    func append(_ p: SourcePosition) { log.withLock { $0.append(p) } }
    var all: [SourcePosition] { log.withLock { $0 } }
}

/// An upsert view kept in memory; only committed rows count, like a database.
final class ViewSink: Sink {
    let name: String
    private struct State {
        var key: [String] = []
        var pending: [[String: Value]] = []
        var committed: [[Value]: [String: Value]] = [:]
        var appended: [[String: Value]] = []
        var commits: [Epoch] = []
    }
    private let state = Mutex(State())
    init(name: String = "view") { self.name = name }

    func open(schema: Schema, mode: SinkMode) throws {
        if case .upsert(let key) = mode { state.withLock { $0.key = key } }
    }
    func write(_ batch: Batch) throws { state.withLock { $0.pending.append(contentsOf: batch.rows) } }
    func commit(epoch: Epoch) throws {
        state.withLock { s in
            for row in s.pending {
                if s.key.isEmpty { s.appended.append(row) } else { s.committed[s.key.map { row[$0] ?? .null }] = row }
            }
            s.pending = []
            s.commits.append(epoch)
        }
    }
    func close() throws {}
    var view: [[Value]: [String: Value]] { state.withLock { $0.committed } }
    var appended: [[String: Value]] { state.withLock { $0.appended } }
    var commits: [Epoch] { state.withLock { $0.commits } }
}

/// Counts rows and sums `value` per key; emits every key's totals when the input ends.
/// Small on purpose: it tests the runtime's routing, not aggregation.
final class KeyTotalsOperator: StreamOperator {
    let keyName: String
    let outputSchemas: [Schema]
    var counters = OperatorCounters()
    private var totals: [String: (count: Int64, sum: Double)] = [:]

    init(key: String) {
        keyName = key
        outputSchemas = [Schema([Field(key, .string, nullable: false), Field("n", .int64), Field("total", .double)])]
    }

    func process(_ batch: Batch, input: Int, into out: inout OperatorOutput) {
        let keys = batch.column(named: keyName)!
        let values = batch.column(named: "value")!
        for r in 0..<batch.count {
            let k = keys.string(at: r)!
            totals[k, default: (0, 0)].count += 1
            totals[k, default: (0, 0)].sum += values.doubles[r]
        }
    }

    func advanceWatermark(to watermark: EventTime, into out: inout OperatorOutput) {
        guard watermark == .endOfTime else { return }
        var builder = BatchBuilder(schema: outputSchemas[0])
        for k in totals.keys.sorted() {
            builder.append(values: [.string(k), .int(totals[k]!.count), .double(totals[k]!.sum)])
        }
        out.emit(builder.finish())
        totals = [:]
    }

    func snapshot(into writer: inout SnapshotWriter) {
        writer.write(UInt64(totals.count))
        for k in totals.keys.sorted() {
            writer.write(k)
            writer.write(totals[k]!.count)
            writer.write(totals[k]!.sum)
        }
    }

    func restore(from reader: inout SnapshotReader) throws {
        totals = [:]
        for _ in 0..<(try reader.readUInt64()) {
            let k = try reader.readString()
            totals[k] = (try reader.readInt64(), try reader.readDouble())
        }
    }
}

/// The smallest keyed pipeline: `source` → totals per agent (hash-exchanged by agent) →
/// an upsert view, for tests of the runtime's reading and epochs rather than operators.
enum TotalsFlow {
    static func make(_ name: String, source: some Source) -> (Dataflow, ViewSink) {
        let flow = Dataflow(name: name)
        let events = flow.source(source, eventTime: EventTimeSpec(maxOutOfOrdernessMillis: 0))
        let totals = flow.add("totals", inputs: [(events, .hash(["agent_id"]))]) { _ in KeyTotalsOperator(key: "agent_id") }
        let sink = ViewSink()
        flow.sink("view", from: totals[0], to: sink, mode: .upsert(key: ["agent_id"]))
        return (flow, sink)
    }
}

/// Deterministic metric-like batches: `agents` agents, values from a SplitMix sequence.
enum SampleData {
    static let schema = Schema([
        Field("agent_id", .string, nullable: false), Field("value", .double, nullable: false),
        Field("ts", .timestamp, nullable: false),
    ])

    static func batches(count: Int, rows: Int, agents: Int, seed: UInt64) -> [Batch] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        var t: Int64 = 1_764_000_000_000
        return (0..<count).map { _ in
            var b = BatchBuilder(schema: schema)
            for _ in 0..<rows {
                t += 1
                b.append(values: [
                    .string("agent-\(next() % UInt64(agents))"), .double(Double(next() % 1000) / 10), .timestamp(t),
                ])
            }
            return b.finish()
        }
    }
}

final class MemoryCheckpointStore: CheckpointStore {
    private let saved = Mutex<[Checkpoint]>([])
    func save(_ checkpoint: Checkpoint, pipeline: String) throws { saved.withLock { $0.append(checkpoint) } }
    func latest(pipeline: String) throws -> Checkpoint? { saved.withLock { $0.last } }
    var count: Int { saved.withLock { $0.count } }
}
