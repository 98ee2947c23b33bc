import ArgumentParser
import Foundation
import SluicePipeline

/// Loads the pipeline file of a job that recomputes views offline (rebuild, repair): its
/// late and alert outputs go to memory, because such a job must not write them again.
enum OfflinePipeline {
    /// The spec (one source required) and the environment it was loaded with.
    static func load(_ path: String, job: String) throws -> (spec: PipelineSpec, environment: [String: String]) {
        var environment = ProcessInfo.processInfo.environment
        for name in ["DAA_LATE", "DAA_WORKFLOW_ALERTS", "DAA_PERFORMANCE_ALERTS"] { environment[name] = "memory:\(job)" }
        let load = PipelineLoader(environment: environment).load(contentsOf: path)
        guard let spec = load.spec else {
            Terminal.printError(load.rendered)
            throw ExitCode(2)
        }
        guard spec.sources.count == 1 else {
            throw ValidationError("\(job) needs a pipeline with one source; \(path) has \(spec.sources.count)")
        }
        return (spec, environment)
    }
}
