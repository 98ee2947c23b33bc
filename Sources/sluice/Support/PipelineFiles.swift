import ArgumentParser
import SluicePipeline

enum PipelineFiles {
    /// Files and directories given on the command line → pipeline files; a missing path
    /// is a usage error (exit 2), as a file with errors would be.
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            do {
                let found = try PipelineLoader.pipelineFiles(at: path)
                if found.isEmpty { Terminal.printError("\(path): warning: no .yaml files in this directory") }
                files += found
            } catch {
                Terminal.printError(String(describing: error))
                throw ExitCode(2)
            }
        }
        return files
    }
}
