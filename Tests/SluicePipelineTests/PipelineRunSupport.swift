import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime

/// Runs pipeline files on bounded generated input with `memory:` sinks, and reads the
/// generator's events directly so tests can compute expectations independently.
enum PipelineRunSupport {
    static var pipelinesDirectory: String { ShippedPipelinesTests.directory }

    /// Loads a file from `pipelines/` with the environment pointing sources at `events`,
    /// views and other sinks at memory.
    static func load(_ name: String, events: String, extra: [String: String] = [:]) throws -> PipelineSpec {
        var environment = [
            "DAA_EVENTS": events, "DAA_VIEWS": "memory:views", "DAA_DEAD_LETTER": "memory:dead",
            "DAA_ARCHIVE": "memory:archive", "DAA_LATE": "memory:late", "DAA_WORKFLOW_ALERTS": "memory:workflow_alerts",
            "DAA_PERFORMANCE_ALERTS": "memory:performance_alerts",
        ]
        environment.merge(extra) { $1 }
        return try PipelineLoader(environment: environment).load(contentsOf: "\(pipelinesDirectory)/\(name).yaml").get()
    }

    /// Runs `spec` to the end of its (bounded) input; returns the summary and the sinks.
    static func run(_ spec: PipelineSpec, partitions: Int = 3, workers: Int = 2) throws -> (RunSummary, MemoryConnectors) {
        let memory = MemoryConnectors()
        let planned = try PipelinePlanner(catalog: Catalog(memory: memory)).plan(spec)
        var options = RunOptions(workers: workers, partitions: partitions)
        options.deadLetter = planned.deadLetter
        let job = try Job(planned.dataflow, options: options)
        return (try job.run(), memory)
    }

    /// A generator URI and the matching options: fixed seed, no minutes-late events (the
    /// windows would send them to the late output, which these tests do not model), and
    /// re-deliveries that de-duplication must remove.
    static func generator(seed: UInt64, agents: Int = 40, count: Int = 30_000) -> (uri: String, options: DAAGeneratorOptions) {
        let options = DAAGeneratorOptions(
            seed: seed, agents: agents, limit: .count(count), lateFraction: 0, duplicateFraction: 0.01, splits: 2)
        return ("generator:daa?seed=\(seed)&agents=\(agents)&count=\(count)&late=0&duplicates=0.01&splits=2", options)
    }

    /// The distinct events of `options`.
    static func distinctEvents(_ options: DAAGeneratorOptions) throws -> [[String: Value]] {
        distinctByID(try generatedEvents(options))
    }

    /// Every event the DAA generator produces for `options`, in split order.
    static func generatedEvents(_ options: DAAGeneratorOptions) throws -> [[String: Value]] {
        let source = try DAAGeneratorSource(name: "events", options: options)
        var rows: [[String: Value]] = []
        for split in 0..<source.splitCount {
            let reader = try source.openSplit(split, resumingAfter: nil)
            reading: while true {
                switch try reader.next(maxRows: 4096) {
                case .data(let batch, _): rows += batch.rows
                case .idle: continue
                case .end: break reading
                }
            }
        }
        return rows
    }

    /// The events once each (the generator re-delivers some ids with identical content).
    static func distinctByID(_ rows: [[String: Value]]) -> [[String: Value]] {
        var seen = Set<Value>()
        return rows.filter { seen.insert($0["id"] ?? .null).inserted }
    }
}
