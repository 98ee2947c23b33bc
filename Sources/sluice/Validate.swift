import ArgumentParser
import SluicePipeline

/// `sluice validate FILE|DIR...`
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipeline files without running them.",
        discussion: """
            Prints "ok" for each file that loads, or every error found in it as \
            FILE:LINE:COLUMN: error: MESSAGE with the offending line. A directory means every \
            .yaml file in it. Nothing is connected to: connectors are only checked.

            Exits with status 2 if any file has an error.
            """)

    @Argument(help: ArgumentHelp("Pipeline files, or directories of them.", valueName: "file-or-dir"))
    var paths: [String]

    func run() throws {
        let files = try PipelineFiles.expand(paths)
        var failed = false
        for file in files {
            let load = PipelineLoader().load(contentsOf: file)
            if !load.diagnostics.isEmpty { Terminal.printError(load.rendered) }
            if load.succeeded {
                print("\(file): ok")
            } else {
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }
}
