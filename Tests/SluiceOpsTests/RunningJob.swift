import Foundation
import SluiceConnectors
import SluiceCore
import SluicePipeline
import SluiceRuntime

/// A shipped pipeline running in this process on the unbounded generator, its sinks in
/// memory: for the checks that need a live job (and a way into its executors).
final class RunningJob: @unchecked Sendable {
    // Set in init; the thread only calls `job.run()`.
    let job: Job
    let name: String
    private let finished = DispatchSemaphore(value: 0)

    static let pipelines = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pipelines").path

    init(_ file: String = "agent-metrics", partitions: Int = 2, options configure: (inout RunOptions) -> Void = { _ in }) throws {
        let environment = [
            "DAA_EVENTS": "generator:daa?rate=5000&seed=3", "DAA_VIEWS": "memory:views", "DAA_DEAD_LETTER": "memory:dead",
            "DAA_LATE": "memory:late",
        ]
        let spec = try PipelineLoader(environment: environment).load(contentsOf: "\(Self.pipelines)/\(file).yaml").get()
        let planned = try PipelinePlanner(catalog: Catalog(memory: MemoryConnectors())).plan(spec)
        var options = RunOptions(workers: partitions, partitions: partitions)
        options.deadLetter = planned.deadLetter
        configure(&options)
        job = try Job(planned.dataflow, options: options)
        name = spec.name
        let thread = Thread { [job, finished] in
            _ = try? job.run()
            finished.signal()
        }
        thread.start()
    }

    /// Waits until the job has read some events (at most 20 s).
    func awaitEvents() -> Bool {
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            if job.eventsRead > 0 { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func stop() {
        job.stop()
        _ = finished.wait(timeout: .now() + 20)
    }
}

/// A checkpoint report as the runtime makes one, for recording without a store.
enum CheckpointReportFixture {
    static var one: CheckpointReport { CheckpointReport(epoch: 1, durationSeconds: 0.012, stateBytes: 100, saved: 1) }
}
