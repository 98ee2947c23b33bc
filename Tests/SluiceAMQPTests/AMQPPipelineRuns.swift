import Foundation
import SluiceAMQP
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime
import SluiceTestSupport
import Synchronization

/// Runs shipped pipeline files against RabbitMQ or a file, with outputs in memory or an
/// SQLite views file, and generates the DAA events both are fed.
enum AMQPPipelineRuns {
    static var pipelinesDirectory: String { AMQPTestBroker.repositoryRoot + "/pipelines" }

    /// Generated DAA events as NDJSON lines (no minutes-late events, whose lateness would
    /// depend on batch boundaries; 1 % redeliveries that de-duplication removes).
    static func eventLines(count: Int, seed: UInt64 = 11, agents: Int = 60) throws -> [[UInt8]] {
        let options = DAAGeneratorOptions(seed: seed, agents: agents, limit: .count(count), lateFraction: 0, duplicateFraction: 0.01)
        let source = try DAAGeneratorSource(name: "events", options: options)
        let reader = try source.openSplit(0, resumingAfter: nil)
        var lines: [[UInt8]] = []
        while case .data(let batch, _) = try reader.next(maxRows: 4096) {
            let bytes = DAAGeneratorSource.encodeNDJSON(batch)
            lines += bytes.split(separator: 0x0A, omittingEmptySubsequences: true).map(Array.init)
        }
        return lines
    }

    static func writeFile(_ lines: [[UInt8]], to path: String) throws {
        var bytes: [UInt8] = []
        for line in lines { bytes += line + [0x0A] }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Every output of a shipped file pointed at memory (views, alerts, archive, late,
    /// dead letters) and its events at `events`.
    static func memoryEnvironment(events: String) -> [String: String] {
        [
            "DAA_EVENTS": events, "DAA_VIEWS": "memory:views", "DAA_DEAD_LETTER": "memory:dead", "DAA_ARCHIVE": "memory:archive",
            "DAA_LATE": "memory:late", "DAA_WORKFLOW_ALERTS": "memory:workflow_alerts",
            "DAA_PERFORMANCE_ALERTS": "memory:performance_alerts",
        ]
    }

    static func load(_ name: String, environment: [String: String]) throws -> PipelineSpec {
        try PipelineLoader(environment: environment).load(contentsOf: "\(pipelinesDirectory)/\(name).yaml").get()
    }

    /// Runs `name` to the end of its (bounded) input with memory outputs.
    static func runInMemory(_ name: String, events: String, partitions: Int = 2) throws -> (RunSummary, MemoryConnectors) {
        let memory = MemoryConnectors()
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(try load(name, environment: memoryEnvironment(events: events)))
        var options = RunOptions(workers: 2, partitions: partitions)
        options.deadLetter = planned.deadLetter
        let job = try Job(planned.dataflow, options: options)
        return (try job.run(), memory)
    }

    /// What a run left in its outputs: each upsert view's final rows, each append output's
    /// rows, as comparable multisets (by output name).
    ///
    /// Doubles are compared to 12 significant digits: an aggregate behind an exchange
    /// (per pattern over all agents) sums rows in the order partitions deliver them, which
    /// depends on timing, so the last bit of a mean can differ between any two runs, from a
    /// file or not.
    static func contents(_ memory: MemoryConnectors) -> [String: RowMultiset] {
        var result: [String: RowMultiset] = [:]
        for (name, sink) in memory.all {
            let rows: [[String: Value]]
            if case .upsert = sink.mode { rows = sink.upsertedRows } else { rows = sink.rows }
            result[name] = RowMultiset(rows.map { $0.mapValues(roundedDouble) })
        }
        return result
    }

    private static func roundedDouble(_ value: Value) -> Value {
        guard case .double(let d) = value, d.isFinite, d != 0 else { return value }
        let scale = pow(10, 11 - floor(log10(abs(d))))
        return .double((d * scale).rounded() / scale)
    }
}

/// Lets an epoch callback reach the job it belongs to.
final class JobHolder: Sendable {
    private let job = Mutex<Job?>(nil)
    func set(_ value: Job) { job.withLock { $0 = value } }
    func abort() { job.withLock { $0 }?.abort() }
    func stop() { job.withLock { $0 }?.stop() }
}
