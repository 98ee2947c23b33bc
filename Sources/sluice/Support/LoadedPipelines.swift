import ArgumentParser
import SluicePipeline

/// Loads pipeline files for `run` and `batch`: every error of every file is printed, and
/// any error stops before anything starts (exit 2).
enum LoadedPipelines {
    static func load(_ files: [String], loader: PipelineLoader = PipelineLoader()) throws -> [PipelineSpec] {
        var specs: [PipelineSpec] = []
        var failed = false
        for file in files {
            let load = loader.load(contentsOf: file)
            if !load.diagnostics.isEmpty { Terminal.printError(load.rendered) }
            if let spec = load.spec { specs.append(spec) } else { failed = true }
        }
        if failed { throw ExitCode(2) }
        let names = specs.map(\.name)
        for name in Set(names) where names.filter({ $0 == name }).count > 1 {
            Terminal.printError("error: two files define the pipeline '\(name)'; pipeline names must be unique")
            throw ExitCode(2)
        }
        return specs
    }

    /// Plans each pipeline; a connector this build lacks (or one that cannot start: a
    /// missing input file, an unwritable directory) is reported cleanly and nothing runs.
    /// The file itself loaded, so that is a run failure (exit 1), not a file error (2).
    static func plan(_ specs: [PipelineSpec], planner: PipelinePlanner = PipelinePlanner()) throws -> [PlannedPipeline] {
        var planned: [PlannedPipeline] = []
        var failed = false
        for spec in specs {
            do {
                planned.append(try planner.plan(spec))
            } catch {
                Terminal.printError("\(spec.name): error: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
        return planned
    }
}
